"""``GET /privacy``: the privacy notice, for anyone, signed in or not."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.web import render, state

# A contact that is one bare e-mail address becomes a mailto link; anything else (a postal
# address, a web form's address, several lines) is shown as written.
_ONE_ADDRESS = re.compile(r"[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+")


async def notice(request: Request) -> Response:
    settings = state(request).settings
    contact = settings.privacy_contact.strip()
    context = {
        "organisation": settings.organisation_name,
        "contact": contact,
        "contact_email": contact if _ONE_ADDRESS.fullmatch(contact) else "",
        "dpo": settings.dpo_contact.strip(),
        # The retention setting arrives with the erasure schedule; until then its default.
        "retention_weeks": getattr(settings, "retention_weeks", 4),
        "undecided_weeks": getattr(settings, "retention_undecided_weeks", 26),
        "retention_days": settings.retention_days,
    }
    return render(request, "privacy/notice.html", context)


routes = [Route("/privacy", notice, methods=["GET"], name="privacy")]
