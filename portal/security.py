"""Secrets, hashes, CSRF tokens, safe redirects and the client's address."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from starlette.requests import HTTPConnection

TOKEN_BYTES = 32  # 256 bits from the OS's CSPRNG; the checklist asks for at least 128.
CODE_DIGITS = 6


# A masked CSRF token: 32 bytes of mask and 32 of masked HMAC-SHA256, in unpadded base64url.
CSRF_TOKEN_LENGTH = 86
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")


def _xor(left: bytes, right: bytes) -> bytes:
    return (int.from_bytes(left) ^ int.from_bytes(right)).to_bytes(len(left))


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def _fernet(secret_key: str, purpose: bytes) -> Fernet:
    # One key per purpose: a token from the outbox never decrypts as an answer, and back.
    derived = hmac.new(secret_key.encode(), purpose, hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(derived))


def _multi(secret_key: str, old_keys: Sequence[str], purpose: bytes) -> MultiFernet:
    """Encrypts with the current key; decrypts with it or any earlier one (rotation)."""
    return MultiFernet([_fernet(key, purpose) for key in (secret_key, *old_keys)])


class Keyring:
    """Everything derived from the secret key, computed once at start-up.

    ``old_secret_keys`` (PORTAL_OLD_SECRET_KEYS) only ever decrypt: what was encrypted
    under an earlier key stays readable after the key is changed, and is encrypted under
    the current key when it is next written.
    """

    def __init__(self, secret_key: str, old_secret_keys: Sequence[str] = ()) -> None:
        root = secret_key.encode()
        old = [key for key in old_secret_keys if key and key != secret_key]
        self._hash_key = hmac.new(root, b"portal/hash", hashlib.sha256).digest()
        self._csrf_key = hmac.new(root, b"portal/csrf", hashlib.sha256).digest()
        self._fernet = _multi(secret_key, old, b"portal/outbox")
        # Diet, accessibility and the free texts (portal.preferences.sealed).
        self._answers = _multi(secret_key, old, b"portal/answers")
        self._answers_current = _fernet(secret_key, b"portal/answers")

    def digest(self, purpose: str, value: str) -> str:
        """A keyed hash of a secret, bound to its purpose.

        Keyed, so that a six-digit code in a database dump cannot be brute-forced offline;
        bound to a purpose, so that a session id never passes as a sign-in token.
        """
        msg = f"{purpose}\x00{value}".encode()
        return hmac.new(self._hash_key, msg, hashlib.sha256).hexdigest()

    def _csrf_secret(self, binding: str) -> bytes:
        return hmac.new(self._csrf_key, binding.encode(), hashlib.sha256).digest()

    def csrf_token(self, binding: str) -> str:
        """The CSRF token of ``binding``, masked afresh: a different string on every call.

        Pages are compressed, and a compressed page that shows a visitor's own text beside
        a secret that is the same in every response leaks that secret through the
        response's size (BREACH). So a page never carries the secret itself but
        ``mask || mask XOR secret`` with a new random mask each time, as Django and Rails
        do: no two responses share the string, and there is nothing to guess towards.
        """
        secret = self._csrf_secret(binding)
        mask = secrets.token_bytes(len(secret))
        raw = mask + _xor(mask, secret)
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")

    def csrf_valid(self, binding: str, token: str) -> bool:
        """Whether ``token`` is a masked form of ``binding``'s secret.

        Only the masked form passes: the bare secret (what pages carried before the
        masking) is refused, so the value BREACH would aim at is worth nothing on its own.
        """
        if len(token) != CSRF_TOKEN_LENGTH or not _BASE64URL.fullmatch(token):
            return False
        raw = base64.urlsafe_b64decode(token + "==")
        # One spelling per token: base64's last character has spare bits that decoding
        # ignores, and a changed character must never pass.
        if base64.urlsafe_b64encode(raw).rstrip(b"=") != token.encode("ascii"):
            return False
        half = len(raw) // 2
        return hmac.compare_digest(_xor(raw[:half], raw[half:]), self._csrf_secret(binding))

    def encrypt(self, data: bytes) -> bytes:
        return self._fernet.encrypt(data)

    def decrypt(self, data: bytes) -> bytes | None:
        try:
            return self._fernet.decrypt(data)
        except InvalidToken:
            return None

    def seal_answer(self, text: str) -> str:
        """A Fernet token (ASCII) for a special-category answer."""
        return self._answers.encrypt(text.encode()).decode("ascii")

    def open_answer(self, token: str) -> str | None:
        """The answer, or None when ``token`` is not one of ours under any known key."""
        try:
            return self._answers.decrypt(token.encode("ascii")).decode()
        except (InvalidToken, UnicodeError):
            return None

    def answer_is_current(self, token: str) -> bool:
        """Whether ``token`` is encrypted under the current key (else it wants re-sealing)."""
        try:
            self._answers_current.decrypt(token.encode("ascii"))
        except (InvalidToken, UnicodeError):
            return False
        return True


def safe_next(path: str | None) -> str | None:
    """A same-origin relative path, or None.

    Refuses ``//evil``, ``/\\evil``, schemes (``javascript:``) and control characters:
    an open redirect after sign-in would hand a phishing page our users' trust.
    """
    if not path or not path.startswith("/") or len(path) > 500:
        return None
    if path.startswith(("//", "/\\")) or any(ord(ch) < 32 or ch == "\\" for ch in path):
        return None
    parts = urlsplit(path)
    if parts.scheme or parts.netloc:
        return None
    return path


def client_ip(conn: HTTPConnection, trusted_proxies: frozenset[str]) -> str:
    """The client's address for rate limits.

    ``X-Forwarded-For`` is believed only when the direct peer is a configured proxy, and
    then only its right-most address not belonging to a trusted proxy: anyone can send
    that header, so from elsewhere it would let a client pick its own limit bucket.
    """
    peer = conn.client.host if conn.client else "unknown"
    if peer not in trusted_proxies:
        return peer
    forwarded = conn.headers.get("x-forwarded-for", "")
    for hop in reversed([h.strip() for h in forwarded.split(",") if h.strip()]):
        if hop not in trusted_proxies:
            return hop
    return peer
