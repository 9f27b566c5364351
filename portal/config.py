"""Settings: one object, read from the environment (prefix ``PORTAL_``) and ``.env``."""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from portal.zones import is_zone

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = ROOT / "templates"
STATIC_DIR = ROOT / "static"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LOCALES = ("nl", "en")


class Settings(BaseSettings):
    """Every setting the portal reads; the README lists them all (a test checks that)."""

    model_config = SettingsConfigDict(env_prefix="PORTAL_", env_file=".env", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./portal.db"
    company_name: str = "Kandidatenportaal"
    # The privacy notice (/privacy): the controller's name (empty: the company name, which
    # is usually the same organisation), how to reach them about privacy, and their data
    # protection officer if they have one (empty: not shown).
    organisation_name: str = Field(default="", validate_default=True)
    privacy_contact: str = ""
    dpo_contact: str = ""
    secret_key: str = ""
    # Earlier secret keys, comma-separated: what was encrypted under them stays readable
    # (and is encrypted under the current key when next saved). Never used to encrypt.
    old_secret_keys: str = ""
    base_url: str = "http://127.0.0.1:8000"
    email_backend: Literal["console", "smtp"] = "console"
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = 30.0
    mail_from: str = "Kandidatenportaal <no-reply@localhost>"
    default_locale: Literal["nl", "en"] = "nl"
    default_timezone: str = "Europe/Amsterdam"
    redis_url: str = ""
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    retention_days: int = 7
    # A candidate's data is erased this many weeks after their procedure ended (the last
    # visit's outcome); a visit without an outcome counts as ended the second number of
    # weeks after its date (portal.privacy.retention).
    retention_weeks: int = Field(default=4, ge=1, le=52)
    retention_undecided_weeks: int = Field(default=26, ge=1, le=104)
    # A question waiting longer than this is flagged on HR's dashboard.
    question_wait_hours: int = Field(default=48, ge=1)
    # Sign-in links and codes.
    sign_in_link_minutes: int = Field(default=15, ge=1, le=60)
    invitation_link_days: int = Field(default=7, ge=1, le=30)
    # Code attempts per account per 15 minutes (since its last sign-in), across browsers.
    code_attempts: int = Field(default=5, ge=1, le=10)
    # Per 15 minutes: sign-in e-mails for one address (/login and /login/resend), and
    # requests from one client on /login, /login/resend and code entry.
    login_rate_per_address: int = 5
    login_rate_per_client: int = 20
    # Sessions: idle and absolute limits, different for candidates and staff.
    candidate_session_idle_hours: int = 72
    candidate_session_max_days: int = 30
    staff_session_idle_hours: int = 8
    staff_session_max_days: int = 7
    # Addresses of reverse proxies whose X-Forwarded-For we believe (comma-separated).
    trusted_proxies: str = ""
    max_body_bytes: int = 256 * 1024
    # Uploaded pictures: stored under this folder (relative to the working directory),
    # at most this many bytes and this many pixels before they are re-encoded.
    media_dir: Path = Path("media")
    max_upload_bytes: int = Field(default=8 * 1024 * 1024, ge=64 * 1024)
    max_image_pixels: int = Field(default=40_000_000, ge=100_000)
    # Stories one person may keep (not counting archived ones), and pictures one person
    # may upload in 15 minutes.
    max_stories_per_author: int = Field(default=30, ge=1)
    upload_rate_per_person: int = Field(default=20, ge=1)
    outbox_max_attempts: int = 8
    run_worker: bool = True
    debug: bool = False

    @field_validator("default_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        # IANA names only: "localtime" would make visits follow the server's own zone.
        if not is_zone(value):
            raise ValueError(f"unknown time zone {value!r}")
        return value

    @field_validator("organisation_name")
    @classmethod
    def _organisation(cls, value: str, info: ValidationInfo) -> str:
        return value.strip() or str(info.data.get("company_name", ""))

    @field_validator("base_url")
    @classmethod
    def _absolute_base(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("PORTAL_BASE_URL must be an absolute http(s) URL")
        return value.rstrip("/")

    @property
    def https(self) -> bool:
        return self.base_url.startswith("https://")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def trusted_proxy_set(self) -> frozenset[str]:
        return frozenset(p.strip() for p in self.trusted_proxies.split(",") if p.strip())

    def session_limits(self, *, staff: bool) -> tuple[timedelta, timedelta]:
        """(idle, absolute) session lifetimes for a candidate or a staff member."""
        if staff:
            return (
                timedelta(hours=self.staff_session_idle_hours),
                timedelta(days=self.staff_session_max_days),
            )
        return (
            timedelta(hours=self.candidate_session_idle_hours),
            timedelta(days=self.candidate_session_max_days),
        )

    def old_keys(self) -> list[str]:
        """PORTAL_OLD_SECRET_KEYS as a list, newest first as written."""
        return [key.strip() for key in self.old_secret_keys.split(",") if key.strip()]

    def sqlite_path(self) -> Path | None:
        """The database file for a SQLite URL (None in memory or on another database)."""
        if not self.is_sqlite:
            return None
        path = self.database_url.split(":///", 1)[-1].split("?", 1)[0]
        return None if path in ("", ":memory:") else Path(path)


def resolve_secret_key(settings: Settings) -> str:
    """The secret key: the setting, else one generated once and stored beside the database.

    Never a default in the code: a known key would let anyone forge CSRF tokens and read
    the encrypted outbox.
    """
    if settings.secret_key:
        if len(settings.secret_key) < 32:
            raise ValueError("PORTAL_SECRET_KEY must be at least 32 characters")
        return settings.secret_key
    db_file = settings.sqlite_path()
    key_file = (db_file.parent if db_file else Path.cwd()) / ".portal-secret-key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_urlsafe(48)
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key_file.touch(mode=0o600)
    key_file.write_text(key)
    return key
