"""The question and answer forms: an explicit list of fields, a message per field."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from portal.db import Conflict
from portal.i18n import gettext as _
from portal.parsing import clean_text, key_of, new_key, version_of


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
            key=key_of(data.get("idempotency_key")),
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

    async def save(self, save: Callable[[], Awaitable[None]], *, conflict: str) -> int | None:
        """Save a valid form; None when saved, else the status of the page that shows it
        again: 422 to correct it, 409 when the question changed first (``conflict`` then
        says so beside the text, which is kept so that nothing written is lost)."""
        if self.errors:
            return 422
        try:
            await save()
        except Conflict:
            self.errors["answer"] = conflict
            return 409
        return None
