"""The question and answer forms: an explicit list of fields, a message per field."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

from portal.i18n import gettext as _

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str) -> str:
    """Line breaks as one character, no control characters (PostgreSQL refuses NUL)."""
    return _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n")).strip()


def version_of(data: dict[str, str]) -> int:
    """The version of the question the person's page showed (0 when missing or garbled)."""
    value = data.get("version", "")
    return int(value) if value.isdigit() else 0


def new_key() -> str:
    """A fresh idempotency key for each form the server renders."""
    return secrets.token_urlsafe(24)


@dataclass
class QuestionForm:
    body: str = ""
    ask_in_person: bool = False
    key: str = field(default_factory=new_key)
    version: int = 0
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, data: dict[str, str], *, limit: int) -> QuestionForm:
        form = cls(
            body=clean_text(data.get("body", "")),
            ask_in_person=data.get("ask_in_person") == "on",
            key=data.get("idempotency_key", "")[:64] or new_key(),
            version=version_of(data),
        )
        if not form.body:
            form.errors["body"] = _("Write your question.")
        elif len(form.body) > limit:
            form.errors["body"] = _(
                "Please keep your question under %(limit)s characters (it has %(count)s)."
            ) % {"limit": limit, "count": len(form.body)}
        return form


@dataclass
class AnswerForm:
    answer: str = ""
    version: int = 0
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, data: dict[str, str], *, limit: int) -> AnswerForm:
        form = cls(
            answer=clean_text(data.get("answer", "")),
            version=version_of(data),
        )
        if not form.answer:
            form.errors["answer"] = _("Write the answer.")
        elif len(form.answer) > limit:
            form.errors["answer"] = _(
                "Please keep the answer under %(limit)s characters (it has %(count)s)."
            ) % {"limit": limit, "count": len(form.answer)}
        return form
