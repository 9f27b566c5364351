"""The staff forms: a new colleague, and a profile (as HR edits it, or as its owner does).

Each form reads an explicit list of fields: a posted ``role``, ``is_active`` or ``email``
on a profile form is never looked at, so it cannot be slipped in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request

from portal.auth.service import normalise_email
from portal.i18n import gettext as _
from portal.models import Image, Role, User
from portal.parsing import FIRST_DAY, LAST_DAY, clean_text, line_errors, one_line

# The roles a member of staff can have; "candidate" is never given from these screens.
STAFF_ROLES = (Role.EMPLOYEE, Role.HR, Role.ADMIN)
MAX_NAME = 200
MAX_EMAIL = 320
MAX_JOB = 200
MAX_PRONOUNS = 50
MAX_BIO = 5000
MAX_URL = 500
MAX_PHONE = 50
_PHONE = re.compile(r"^[0-9+() \-]*$")


def may_grant(actor: User, role: Role) -> bool:
    """HR may make employees; only an administrator hands out HR or administrator rights,
    so nobody can raise their own kind of power above what they hold."""
    if role not in STAFF_ROLES:
        return False
    return actor.role is Role.ADMIN or (actor.role is Role.HR and role is Role.EMPLOYEE)


def grantable(actor: User) -> list[Role]:
    return [role for role in STAFF_ROLES if may_grant(actor, role)]


# Shown on one line (the directory, a candidate's card, the calendar's interviewers).
NEW_LINES = ("name", "job_title", "department")
OWN_LINES = ("pronouns", "linkedin_url", "phone")


def _line(value: str) -> str:
    """One line of text: runs of spaces squeezed (a line break is refused: line_errors)."""
    return one_line(value)


def _too_long(limit: int, value: str) -> str:
    return _("Please keep this under %(limit)s characters (it has %(count)s).") % {
        "limit": limit,
        "count": len(value),
    }


def parse_version(value: str) -> datetime | None:
    """The profile's ``updated_at`` as the page showed it (None when missing or garbled)."""
    try:
        parsed = datetime.fromisoformat(value.strip()[:40])
        # Aware, and in UTC within the window: year 1 at +01:00 has no UTC time at all.
        in_utc = parsed.astimezone(UTC) if parsed.tzinfo is not None else None
    except (ValueError, OverflowError):
        return None
    if in_utc is None or not FIRST_DAY <= in_utc.date() <= LAST_DAY:
        return None
    return parsed


def _text(data: FormData | dict[str, str], name: str) -> str:
    value = data.get(name, "")
    return value if isinstance(value, str) else ""


@dataclass
class NewPersonForm:
    name: str = ""
    email: str = ""
    role: str = Role.EMPLOYEE.value
    job_title: str = ""
    department: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, data: dict[str, str]) -> NewPersonForm:
        form = cls(
            name=_line(_text(data, "name")),
            email=normalise_email(_text(data, "email")),
            role=_text(data, "role").strip(),
            job_title=_line(_text(data, "job_title")),
            department=_line(_text(data, "department")),
        )
        form.errors.update(line_errors(data, NEW_LINES))
        return form

    def validate(self, actor: User) -> bool:
        e = self.errors
        if not self.name and "name" not in e:
            e["name"] = _("Write their name.")
        elif len(self.name) > MAX_NAME:
            e["name"] = _too_long(MAX_NAME, self.name)
        if not self.email:
            e["email"] = _("Write their work e-mail address.")
        elif len(self.email) > MAX_EMAIL:
            e["email"] = _too_long(MAX_EMAIL, self.email)
        else:
            try:
                self.email = validate_email(self.email, check_deliverability=False).normalized
                self.email = self.email.lower()
            except EmailNotValidError:
                e["email"] = _("This is not a valid e-mail address.")
        role = Role(self.role) if self.role in {r.value for r in STAFF_ROLES} else None
        if role is None:
            e["role"] = _("Choose a role: employee, HR or administrator.")
        elif not may_grant(actor, role):
            e["role"] = _(
                "Only an administrator can create HR or administrator accounts. "
                "Create an employee account, or ask an administrator."
            )
        if len(self.job_title) > MAX_JOB:
            e["job_title"] = _too_long(MAX_JOB, self.job_title)
        if len(self.department) > MAX_JOB:
            e["department"] = _too_long(MAX_JOB, self.department)
        return not e

    def values(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "email": self.email,
            "role": Role(self.role),
            "job_title": self.job_title,
            "department": self.department,
        }


# The fields each kind of editor may change. The owner keeps their own words and photo;
# HR keeps what the organisation decides (name, title, department, who candidates see).
OWN_FIELDS = ("pronouns", "bio", "linkedin_url", "phone")
HR_FIELDS = ("name", "job_title", "department", *OWN_FIELDS, "visible_to_candidates")


@dataclass
class ProfileForm:
    name: str = ""
    job_title: str = ""
    department: str = ""
    pronouns: str = ""
    bio: str = ""
    linkedin_url: str = ""
    phone: str = ""
    visible_to_candidates: bool = True
    remove_photo: bool = False
    version: datetime | None = None
    # Which of the fields above this form binds: HR_FIELDS or OWN_FIELDS.
    fields: tuple[str, ...] = OWN_FIELDS
    upload: UploadFile | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_form(cls, data: FormData | dict[str, str], *, hr: bool) -> ProfileForm:
        """Only the fields of ``HR_FIELDS`` (HR) or ``OWN_FIELDS`` (the owner) are read."""
        fields = HR_FIELDS if hr else OWN_FIELDS
        form = cls(
            pronouns=_line(_text(data, "pronouns")),
            bio=clean_text(_text(data, "bio")),
            linkedin_url=_line(_text(data, "linkedin_url")),
            phone=_line(_text(data, "phone")),
            remove_photo=_text(data, "remove_photo") == "on",
            version=parse_version(_text(data, "version")),
            fields=fields,
        )
        if hr:
            form.name = _line(_text(data, "name"))
            form.job_title = _line(_text(data, "job_title"))
            form.department = _line(_text(data, "department"))
            form.visible_to_candidates = _text(data, "visible_to_candidates") == "on"
        lines = NEW_LINES + OWN_LINES if hr else OWN_LINES
        form.errors.update(line_errors({name: _text(data, name) for name in lines}, lines))
        upload = data.get("photo")
        if isinstance(upload, UploadFile) and upload.filename:
            form.upload = upload
        return form

    @classmethod
    def of(cls, person: User, *, hr: bool) -> ProfileForm:
        """The form filled in with what is saved now."""
        profile = person.profile
        form = cls(name=person.name, fields=HR_FIELDS if hr else OWN_FIELDS)
        if profile is not None:
            form.job_title = profile.job_title
            form.department = profile.department
            form.pronouns = profile.pronouns
            form.bio = profile.bio
            form.linkedin_url = profile.linkedin_url or ""
            form.phone = profile.phone
            form.visible_to_candidates = profile.visible_to_candidates
            form.version = profile.updated_at
        return form

    def validate(self) -> bool:
        e = self.errors
        if "name" in self.fields:
            if not self.name and "name" not in e:
                e["name"] = _("Write their name.")
            elif len(self.name) > MAX_NAME:
                e["name"] = _too_long(MAX_NAME, self.name)
            for key in ("job_title", "department"):
                if len(getattr(self, key)) > MAX_JOB:
                    e[key] = _too_long(MAX_JOB, getattr(self, key))
        if len(self.pronouns) > MAX_PRONOUNS:
            e["pronouns"] = _too_long(MAX_PRONOUNS, self.pronouns)
        if len(self.bio) > MAX_BIO:
            e["bio"] = _too_long(MAX_BIO, self.bio)
        if self.linkedin_url and "linkedin_url" not in e:
            if len(self.linkedin_url) > MAX_URL:
                e["linkedin_url"] = _too_long(MAX_URL, self.linkedin_url)
            elif not _is_https(self.linkedin_url):
                # Candidates click this link: https only, never javascript: or a bare name.
                e["linkedin_url"] = _(
                    "Give the full address of the profile, starting with https://"
                )
        if self.phone and "phone" not in e:
            if len(self.phone) > MAX_PHONE:
                e["phone"] = _too_long(MAX_PHONE, self.phone)
            elif not _PHONE.match(self.phone) or not any(c.isdigit() for c in self.phone):
                e["phone"] = _("A phone number has digits, and may have spaces, +, - and brackets.")
        return not e

    def values(self) -> dict[str, Any]:
        """The profile's new values, only those this form binds (a ``name`` goes to the user)."""
        values: dict[str, Any] = {key: getattr(self, key) for key in self.fields}
        if "linkedin_url" in values:
            values["linkedin_url"] = values["linkedin_url"] or None
        return values


async def read_profile_form(
    request: Request, *, hr: bool, limit: int
) -> tuple[ProfileForm, bytes | None]:
    """The fields this editor may change and, when one was chosen, the photo's bytes (at
    most ``limit`` + 1 of them: enough for the image pipeline to refuse a larger file)."""
    async with request.form(max_files=1, max_fields=40) as data:
        form = ProfileForm.from_form(data, hr=hr)
        upload = await form.upload.read(limit + 1) if form.upload else None
    form.upload = None
    return form, upload


def _is_https(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:  # for instance an unclosed "[" in the host
        return False
    return parts.scheme == "https" and bool(parts.hostname) and " " not in url


def email_taken(owner: User | None) -> str:
    """The e-mail field's message when the address has an account already."""
    # HR may know who has the address (they manage every account): saying whose it is
    # tells them what to do, which "already in use" alone would not.
    if owner is None:
        return _("This address already has an account.")
    if owner.role is Role.CANDIDATE:
        return _(
            "This address already has an account: it belongs to the candidate %(name)s. "
            "Use their work e-mail address for a staff account."
        ) % {"name": owner.name}
    if not owner.is_active:
        return _(
            "This address already has an account: it belongs to %(name)s, whose account is "
            "deactivated. Reactivate it from the directory instead."
        ) % {"name": owner.name}
    return _("This address already has an account: it belongs to your colleague %(name)s.") % {
        "name": owner.name
    }


# ---- what candidates would see ------------------------------------------------------------


@dataclass
class CardProfile:
    job_title: str
    department: str
    pronouns: str
    bio: str
    linkedin_url: str | None
    photo: Image | None


@dataclass
class CardPerson:
    """A person as ``templates/staff/_card.html`` reads them, built from unsaved text."""

    public_id: str
    name: str
    profile: CardProfile


def card_of(person: User, values: Mapping[str, Any], *, photo: Image | None) -> CardPerson:
    """``person`` as candidates would see them with ``values`` (a profile form's) saved."""
    profile = person.profile

    def value(key: str) -> Any:
        return values[key] if key in values else getattr(profile, key, "")

    return CardPerson(
        public_id=person.public_id,
        name=values.get("name") or person.name,
        profile=CardProfile(
            job_title=value("job_title"),
            department=value("department"),
            pronouns=value("pronouns"),
            bio=value("bio"),
            linkedin_url=value("linkedin_url") or None,
            photo=photo,
        ),
    )
