"""HR's page of one colleague (``/hr/people/{id}``), which the profile form
(directory_routes) and the account's buttons (account_routes) both answer with."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response

from portal import markdown
from portal.models import Role, User
from portal.staff import accounts, profiles
from portal.staff.editing import limits
from portal.staff.forms import STAFF_ROLES, ProfileForm
from portal.web import not_found, now, render


async def find(request: Request, db: AsyncSession, user: User) -> User:
    """The colleague of the path, with profile and photo; a 404 for anyone but HR."""
    person = await profiles.staff_member(
        db, actor=user, public_id=request.path_params["id"], now=now(request)
    )
    if person is None:
        raise not_found()
    return person


def show(
    request: Request,
    user: User,
    person: User,
    form: ProfileForm,
    *,
    status_code: int = 200,
    notice: str = "",
    role_error: str = "",
) -> Response:
    context = {
        "person": person,
        "form": form,
        "notice": notice,
        "role_error": role_error,
        "status_code": status_code,
        "roles": STAFF_ROLES,
        "is_admin": user.role is Role.ADMIN,
        "is_self": person.id == user.id,
        "can_manage": accounts.may_manage(user, person) and person.id != user.id,
        "bio_html": markdown.render(person.profile.bio if person.profile else ""),
        **limits(request, own=False),
    }
    return render(request, "staff/edit.html", context, status_code=status_code)
