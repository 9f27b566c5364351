"""``/media/{id}/{width}.jpg``: pictures, behind the same access rules as the pages."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.media import service
from portal.web import not_found, require_user, state, unit_of_work


async def picture(request: Request) -> Response:
    user = require_user(request)
    width = request.path_params["width"]
    async with unit_of_work(request) as db:
        image = await service.visible_image(db, actor=user, public_id=request.path_params["id"])
    if image is None or width not in image.widths:
        raise not_found()
    data = await state(request).storage.load(service.key_for(image.public_id, width))
    if data is None:
        raise not_found()
    # A picture never changes under its id (a new upload gets a new one), so the browser
    # may keep it; "private" because it is only for people who may see it.
    headers = {"Cache-Control": "private, max-age=31536000, immutable"}
    return Response(data, media_type="image/jpeg", headers=headers)


routes = [Route("/media/{id}/{width:int}.jpg", picture, methods=["GET"], name="media")]
