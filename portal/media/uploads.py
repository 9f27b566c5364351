"""Taking a picture someone uploads: after the rest of their form is fine, within their
quota, through the safe conversion (portal.pictures.images)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request

from portal.config import Settings
from portal.i18n import gettext as _
from portal.models import User
from portal.pictures.images import ImageRejected, Variant
from portal.web import now, state

Process = Callable[[bytes, Settings], Awaitable[list[Variant]]]


async def accept_picture(
    request: Request,
    *,
    user: User,
    upload: bytes | None,
    errors: dict[str, str],
    field: str,
    process: Process,
) -> list[Variant] | None:
    """The picture's sizes, or None with a message in ``errors[field]`` (or no upload).

    Only once the form's text is fine: no conversion is wasted on a refused form, and the
    person is asked to choose the picture again (a browser does not keep a file field).
    """
    if upload is None:
        return None
    if errors:
        errors[field] = _(
            "Your picture was not saved because of the problems above: choose it again."
        )
        return None
    st = state(request)
    # One quota per person for every picture (profile photos and story covers): the
    # conversion is real CPU work and disk space is finite. It counts the one who uploads
    # (HR uploading for others too).
    key = st.keyring.digest("upload", user.public_id)
    if not await st.limiter.hit(key, st.settings.upload_rate_per_person, now(request)):
        errors[field] = _("You uploaded many pictures just now. Please wait a while.")
        return None
    try:
        return await process(upload, st.settings)
    except ImageRejected as exc:
        errors[field] = exc.message
        return None
