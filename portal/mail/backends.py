"""Where e-mail goes: the terminal (development, demo) or an SMTP server."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol, TextIO

import aiosmtplib

from portal.config import Settings


@dataclass(frozen=True)
class Message:
    sender: str
    recipient: str
    subject: str
    text: str
    html: str
    message_id: str

    def to_email(self) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = self.recipient
        msg["Subject"] = self.subject
        msg["Message-ID"] = self.message_id
        msg["Auto-Submitted"] = "auto-generated"
        msg.set_content(self.text)
        msg.add_alternative(self.html, subtype="html")
        return msg


class EmailBackend(Protocol):
    async def send(self, message: Message) -> None: ...


class ConsoleBackend:
    """Prints each e-mail's text part: the demo's and a developer's inbox."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream

    async def send(self, message: Message) -> None:
        out = self.stream or sys.stdout
        rule = "-" * 72
        out.write(
            f"{rule}\nTo: {message.recipient}\nSubject: {message.subject}\n\n{message.text}{rule}\n"
        )
        out.flush()


class SMTPBackend:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def send(self, message: Message) -> None:
        s = self.settings
        await aiosmtplib.send(
            message.to_email(),
            hostname=s.smtp_host,
            port=s.smtp_port,
            username=s.smtp_username or None,
            password=s.smtp_password or None,
            start_tls=s.smtp_starttls,
            timeout=s.smtp_timeout_seconds,
        )


def make_backend(settings: Settings) -> EmailBackend:
    if settings.email_backend == "smtp":
        return SMTPBackend(settings)
    return ConsoleBackend()
