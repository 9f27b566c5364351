"""Staff accounts: HR's directory, new colleagues, roles, and closing or opening an account.

Every query is scoped by the actor (HR and administrators manage staff), and every change
to an account or a role is an audit event. Audit details hold roles, never personal data:
the person is named by their public id in ``subject_id``. Profiles are in ``profiles``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager
from sqlmodel import col

from portal import audit
from portal.auth.service import sign_out_everywhere
from portal.i18n import gettext as _
from portal.models import Role, StaffProfile, User, rel
from portal.parsing import page_of
from portal.staff.forms import STAFF_ROLES, may_grant

PAGE_SIZE = 50
MAX_QUERY = 100


class NotAllowed(Exception):
    """The actor may not do this; answered as 404, like anything they may not see."""


class Refused(Exception):
    """A rule the person can act on (shown with the form, 422)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class EmailTaken(Exception):
    def __init__(self, owner: User | None) -> None:
        super().__init__("e-mail address in use")
        self.owner = owner


# ---- the directory ---------------------------------------------------------------------


@dataclass
class Filters:
    q: str = ""
    role: str = ""
    active: str = ""
    page: int = 1

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> Filters:
        """Unknown values are dropped rather than refused: a filter is never an error page."""
        role = params.get("role", "")
        active = params.get("active", "")
        return cls(
            q=" ".join(params.get("q", "").split())[:MAX_QUERY],
            role=role if role in {r.value for r in STAFF_ROLES} else "",
            active=active if active in ("0", "1") else "",
            page=page_of(params.get("page")),
        )

    def query(self, **changes: Any) -> dict[str, Any]:
        """The filters as query parameters (without the empty ones), for links."""
        values = {"q": self.q, "role": self.role, "active": self.active, "page": self.page}
        values.update(changes)
        return {k: v for k, v in values.items() if v and not (k == "page" and v == 1)}


@dataclass
class DirectoryPage:
    people: list[User]
    total: int
    page: int
    pages: int


async def directory(db: AsyncSession, *, actor: User, filters: Filters) -> DirectoryPage | None:
    """Members of staff (never candidates) matching the filters, a page at a time, for HR.

    Two queries whatever the number of people: the count and the page (profiles joined in).
    """
    if not actor.role.is_hr:
        return None
    where: list[Any] = [col(User.role) != Role.CANDIDATE]
    if filters.q:
        needle = filters.q.lower()
        where.append(
            sa.or_(
                sa.func.lower(col(User.name)).contains(needle, autoescape=True),
                col(User.email).contains(needle, autoescape=True),  # stored lower-case
            )
        )
    if filters.role:
        where.append(col(User.role) == Role(filters.role))
    if filters.active:
        where.append(col(User.is_active).is_(filters.active == "1"))
    total = int(await db.scalar(sa.select(sa.func.count(col(User.id))).where(*where)) or 0)
    people = await db.scalars(
        sa.select(User)
        .outerjoin(rel(User.profile))
        .options(contains_eager(rel(User.profile)))
        .where(*where)
        .order_by(sa.func.lower(col(User.name)), col(User.id))
        .offset((filters.page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    )
    pages = max(1, -(-total // PAGE_SIZE))
    return DirectoryPage(list(people.unique()), total, filters.page, pages)


# ---- accounts ----------------------------------------------------------------------------


async def create_account(
    db: AsyncSession, *, actor: User, values: dict[str, Any], now: datetime
) -> User:
    """A new member of staff with a profile; raises NotAllowed or EmailTaken."""
    role: Role = values["role"]
    if not may_grant(actor, role):
        raise NotAllowed
    email: str = values["email"]
    existing = await db.scalar(sa.select(User).where(col(User.email) == email))
    if existing is not None:
        raise EmailTaken(existing)
    user = User(email=email, name=values["name"], role=role, created_at=now)
    user.profile = StaffProfile(  # type: ignore[call-arg]  # user_id is set at flush
        job_title=values["job_title"], department=values["department"], updated_at=now
    )
    try:
        # A savepoint: two HR people adding the same address at once get one account and
        # a clear message, not an error page.
        async with db.begin_nested():
            db.add(user)
            await db.flush()
    except IntegrityError:
        raise EmailTaken(None) from None
    audit.about(
        db, user, actor=actor, action="account.created", now=now, details={"role": role.value}
    )
    return user


def may_manage(actor: User, person: User) -> bool:
    """Deactivating or reactivating: HR for employees, administrators for everyone."""
    return actor.role is Role.ADMIN or (actor.role is Role.HR and person.role is Role.EMPLOYEE)


async def _keep_an_admin(db: AsyncSession, *, leaving: User) -> None:
    """Refuse a change that would leave no active administrator.

    The active administrators' rows are locked first (FOR UPDATE on PostgreSQL; SQLite
    serialises writers anyway), so two administrators demoting each other at the same
    moment cannot both succeed and lock everyone out.
    """
    admins = await db.scalars(
        sa.select(col(User.id))
        .where(col(User.role) == Role.ADMIN, col(User.is_active).is_(True))
        .with_for_update()
    )
    if not set(admins) - {leaving.id}:
        raise Refused(
            _(
                "%(name)s is the last active administrator. Make someone else an "
                "administrator first, so the portal always has one."
            )
            % {"name": leaving.name}
        )


async def change_role(
    db: AsyncSession, *, actor: User, person: User, role: Role | None, now: datetime
) -> None:
    """Administrators only; raises NotAllowed, or Refused for the last administrator."""
    if actor.role is not Role.ADMIN or person.role is Role.CANDIDATE:
        raise NotAllowed
    if role not in STAFF_ROLES:
        raise Refused(_("Choose a role: employee, HR or administrator."))
    old = person.role
    if role is old:
        return
    if old is Role.ADMIN and person.is_active:
        await _keep_an_admin(db, leaving=person)
    await db.execute(sa.update(User).where(col(User.id) == person.id).values(role=role))
    audit.about(
        db,
        person,
        actor=actor,
        action="account.role_changed",
        now=now,
        details={"from": old.value, "to": role.value},
    )


async def deactivate(db: AsyncSession, *, actor: User, person: User, now: datetime) -> None:
    """Close an account and end its sessions at once. Nothing they wrote is deleted: their
    stories and answers stay, and the pages that show people leave out inactive ones."""
    if person.id == actor.id:
        raise Refused(
            _("You cannot deactivate your own account. Ask another administrator to do it.")
        )
    if not may_manage(actor, person):
        raise NotAllowed
    if not person.is_active:
        return
    if person.role is Role.ADMIN:
        await _keep_an_admin(db, leaving=person)
    await db.execute(sa.update(User).where(col(User.id) == person.id).values(is_active=False))
    # Their open sessions die now, not when they next expire, and the sign-in links and
    # codes sent to them are void: none of them may work again after a reactivation.
    await sign_out_everywhere(db, user_id=person.id or 0, now=now)
    audit.about(
        db,
        person,
        actor=actor,
        action="account.deactivated",
        now=now,
        details={"role": person.role.value},
    )


async def reactivate(db: AsyncSession, *, actor: User, person: User, now: datetime) -> None:
    """Open a closed account again, with a clean slate: nothing issued before (a session,
    a link, a code) comes back to life, even if the account was closed outside the portal."""
    if not may_manage(actor, person):
        raise NotAllowed
    if person.is_active:
        return
    await db.execute(sa.update(User).where(col(User.id) == person.id).values(is_active=True))
    await sign_out_everywhere(db, user_id=person.id or 0, now=now)
    audit.about(
        db,
        person,
        actor=actor,
        action="account.reactivated",
        now=now,
        details={"role": person.role.value},
    )


async def sign_out(db: AsyncSession, *, actor: User, person: User, now: datetime) -> None:
    """End all of someone's sessions and void their sign-in links, leaving the account
    active (a lost phone, a shared computer). Who may: as for deactivation."""
    if not may_manage(actor, person):
        raise NotAllowed
    await sign_out_everywhere(db, user_id=person.id or 0, now=now)
    audit.about(
        db,
        person,
        actor=actor,
        action="account.signed_out_everywhere",
        now=now,
        details={"role": person.role.value},
    )
