"""The transactional outbox: e-mail is written with the change that causes it, then sent
by the worker (portal.mail.delivery).

Delivery is at least once: a worker that dies after the SMTP server accepted a message
but before it marked the row sent will send it again after the lease runs out. The
Message-ID stays the same, so most mail clients show the duplicate once. Short of that,
each message goes out once: a worker claims one message at a time under a lease, the
send may not outlive the lease, and the row is marked sent in its own commit at once.
After ``outbox_max_attempts`` tries an e-mail is marked failed and shown to HR, who can
send it again.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from email.utils import make_msgid
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from portal import i18n

# Sending lives in portal.mail.delivery; claim and deliver_due are imported from here too.
from portal.mail.delivery import claim as claim
from portal.mail.delivery import deliver_due as deliver_due
from portal.models import OutboxEmail
from portal.security import Keyring

log = logging.getLogger("portal.mail")


def _strip_header(value: str) -> str:
    # CR and LF in a header would let a name or subject add headers of its own.
    return " ".join(value.replace("\r", " ").replace("\n", " ").split())


def render_email(
    templates: Any, name: str, locale: str, context: dict[str, Any]
) -> tuple[str, str, str]:
    """(subject, text, html) of ``templates/email/<name>.*`` in the recipient's language."""
    previous = i18n.get_locale()
    i18n.set_locale(locale)
    try:
        env = templates.env
        text_tpl = env.get_template(f"email/{name}.txt")
        subject = "".join(text_tpl.blocks["subject"](text_tpl.new_context(context))).strip()
        text = "".join(text_tpl.blocks["body"](text_tpl.new_context(context))).strip() + "\n"
        html = env.get_template(f"email/{name}.html").render(context)
    finally:
        i18n.set_locale(previous)
    return _strip_header(subject), text, html


async def enqueue(
    db: AsyncSession,
    *,
    keyring: Keyring,
    base_url: str,
    kind: str,
    recipient: str,
    subject: str,
    text: str,
    html: str,
    now: datetime,
    dedupe_key: str | None = None,
) -> None:
    """Add an e-mail to the outbox inside the caller's transaction.

    With a ``dedupe_key`` a second e-mail with the same key fails the transaction (the key
    is unique): that is how "send once" holds across processes.
    """
    payload = json.dumps({"subject": subject, "text": text, "html": html}).encode()
    db.add(
        OutboxEmail(
            kind=kind,
            recipient=_strip_header(recipient),
            message_id=make_msgid(domain=urlsplit(base_url).hostname or "localhost"),
            payload=keyring.encrypt(payload),
            created_at=now,
            next_attempt_at=now,
            dedupe_key=dedupe_key,
        )
    )
