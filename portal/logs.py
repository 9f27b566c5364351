"""Logging: UTC timestamps and a request id on every line; never a token or a body."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")

# A last wall against a query string or form value slipping into a message.
_SECRET_PARAM = re.compile(r"(?i)\b(token|code|csrf_token)=[^&\s\"']+")


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        if isinstance(record.msg, str) and record.args:
            record.msg = record.getMessage()
            record.args = None
        if isinstance(record.msg, str):
            record.msg = _SECRET_PARAM.sub(r"\1=[scrubbed]", record.msg)
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
