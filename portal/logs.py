"""Logging: UTC timestamps and a request id on every line; never a token or a body."""

from __future__ import annotations

import logging
import re
import sys
import time
import traceback
from collections.abc import Callable
from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")

# A last wall against a query string or form value slipping into a message.
_SECRET_PARAM = re.compile(r"(?i)\b(token|code|csrf_token)=[^&\s\"']+")


def safe_traceback(exc: BaseException) -> str:
    """Where ``exc`` and its causes happened (every frame), without their messages.

    An exception's message can quote the data it choked on: a database error names the
    value it refused (asyncpg's "invalid input for query argument $1: 'sam@…'"), and any
    message may hold a name or an address. So only each exception's type is given, and
    for a failed SQL statement the statement (its parameters are never in it: the engine
    hides them, see portal.db.make_engine).
    """
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    parts: list[str] = []
    for n, item in enumerate(reversed(chain)):
        if n:
            parts.append("\nThe above exception led to the following one:\n\n")
        parts.append("Traceback (most recent call last):\n")
        parts.extend(traceback.format_tb(item.__traceback__))
        parts.append(_describe(item) + "\n")
    return "".join(parts).rstrip("\n")


def _describe(exc: BaseException) -> str:
    kind = type(exc)
    name = (
        kind.__qualname__
        if kind.__module__ == "builtins"
        else f"{kind.__module__}.{kind.__qualname__}"
    )
    statement = getattr(exc, "statement", None)  # SQLAlchemy's StatementError
    if isinstance(statement, str):
        return f"{name} [SQL: {' '.join(statement.split())[:2000]}] (message withheld)"
    return f"{name} (message withheld)"


def log_exception(logger: logging.Logger, message: str, *args: object) -> None:
    """``logger.exception`` for the exception being handled, but with ``safe_traceback``."""
    exc = sys.exception()
    details = safe_traceback(exc) if exc is not None else "(no exception)"
    logger.error(message + "\n%s", *args, details)


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        if isinstance(record.msg, str) and record.args:
            record.msg = record.getMessage()
            record.args = None
        if isinstance(record.msg, str):
            record.msg = _SECRET_PARAM.sub(r"\1=[scrubbed]", record.msg)
        if record.exc_info and record.exc_info[1] is not None:
            # Anyone's logger.exception (uvicorn's "Exception in ASGI application" too)
            # prints the frames only: the formatter uses exc_text when it is set.
            record.exc_text = safe_traceback(record.exc_info[1])
        return True


class UTCFormatter(logging.Formatter):
    # Annotated, or mypy takes the function for a method that binds self (time.gmtime,
    # a builtin, does not).
    converter: Callable[[float | None], time.struct_time] = time.gmtime


def configure(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(ContextFilter())
    handler.setFormatter(
        UTCFormatter("%(asctime)sZ %(levelname)s %(name)s [%(request_id)s] %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # uvicorn's own access log prints query strings (and so sign-in tokens): ours doesn't.
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("alembic").setLevel(logging.WARNING)
