"""The mailer: the app's settings, templates, keyring and clock, bound once.

A feature that tells someone something says ``await mailer.queue(db, "question_answered",
to=user, context={...})``: the e-mail is rendered in the recipient's language and added to
the outbox in the caller's transaction (``portal.mail.outbox``), so it goes out only if
the change that caused it is committed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from jinja2_fragments.starlette import Jinja2Blocks
from sqlalchemy.ext.asyncio import AsyncSession

from portal.config import Settings
from portal.mail.outbox import enqueue, render_email
from portal.security import Keyring


class Recipient(Protocol):
    """Whom an e-mail goes to: a user, as far as the mailer cares."""

    @property
    def email(self) -> str: ...

    @property
    def locale(self) -> str | None: ...


@dataclass(frozen=True)
class Mailer:
    settings: Settings
    templates: Jinja2Blocks
    keyring: Keyring
    clock: Callable[[], datetime]

    def link(self, path: str) -> str:
        """An absolute link for an e-mail: from the configured base URL, never from a
        request's Host header (which a client chooses)."""
        return f"{self.settings.base_url}{path}"

    async def queue(
        self,
        db: AsyncSession,
        name: str,
        *,
        to: Recipient,
        context: dict[str, Any],
        now: datetime | None = None,
        dedupe_key: str | None = None,
    ) -> None:
        """Render ``templates/email/<name>.*`` for ``to`` in their language and add it to the
        outbox in ``db``'s transaction. ``now`` is the caller's moment (the clock's when
        not given); with a ``dedupe_key`` a second e-mail with that key fails the
        transaction, which is how "send once" holds across workers."""
        # Every e-mail links to the privacy notice (templates/email/_footer.*).
        context = {"privacy_url": self.link("/privacy"), **context}
        subject, text, html = render_email(
            self.templates, name, to.locale or self.settings.default_locale, context
        )
        await enqueue(
            db,
            keyring=self.keyring,
            base_url=self.settings.base_url,
            kind=name,
            recipient=to.email,
            subject=subject,
            text=text,
            html=html,
            now=now or self.clock(),
            dedupe_key=dedupe_key,
        )
