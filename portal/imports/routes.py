"""HR's upload form for import files (/hr/import): the same files as ``portal import``."""

from __future__ import annotations

from typing import Any

from babel.numbers import format_decimal
from sqlalchemy.exc import IntegrityError
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal.i18n import get_locale
from portal.i18n import gettext as _
from portal.imports import service
from portal.imports.csv_format import HEADER
from portal.imports.report import recent_imports
from portal.web import UploadRoute, now, render, require_hr, state, unit_of_work

# A file with thousands of problems is shown in part: the first ones say what is wrong.
SHOWN_PROBLEMS = 200


async def _page(
    request: Request,
    *,
    problems: list[str] | None = None,
    notice: str = "",
    filename: str = "",
    status_code: int = 200,
) -> Response:
    user = require_hr(request)
    done = request.query_params.get("done") == "1" and not problems
    async with unit_of_work(request) as db:
        recent = await recent_imports(db)
        mine = await recent_imports(db, limit=1, actor_id=user.id) if done else []
    problems = problems or []
    context: dict[str, Any] = {
        "problems": problems[:SHOWN_PROBLEMS],
        "more_problems": max(0, len(problems) - SHOWN_PROBLEMS),
        "total_problems": len(problems),
        "notice": notice,
        "filename": filename,
        "report": mine[0] if mine else None,
        "recent": recent,
        "columns": HEADER,
        "max_mb": _megabytes(state(request).settings.max_upload_bytes),
        "status_code": status_code,
    }
    return render(request, "imports/upload.html", context, status_code=status_code)


def _megabytes(size: int) -> str:
    return format_decimal(round(size / (1024 * 1024), 1), locale=get_locale())


async def import_page(request: Request) -> Response:
    return await _page(request)


async def _read_file(request: Request) -> tuple[bytes, str, str]:
    """The uploaded file's bytes and name, or a message saying what is wrong with it."""
    limit = state(request).settings.max_upload_bytes
    async with request.form(max_files=1, max_fields=10) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return b"", "", _("Choose a file to import.")
        # One byte more than allowed tells a file at the limit from one above it.
        raw = await upload.read(limit + 1)
        name = upload.filename[:100]
    if len(raw) > limit:
        message = _(
            "This file is larger than %(mb)s MB. Split it into smaller files, or import it "
            "with the command line (portal import)."
        )
        return b"", name, message % {"mb": _megabytes(limit)}
    if not raw.strip():
        return b"", name, _("This file is empty.")
    return raw, name, ""


async def upload(request: Request) -> Response:
    user = require_hr(request)
    raw, name, problem = await _read_file(request)
    if problem:
        return await _page(request, problems=[problem], filename=name, status_code=422)
    st = state(request)
    when = now(request)
    notify = service.notifier(mailer=st.mailer, now=when)
    try:
        async with unit_of_work(request) as db:
            # Photos (photos=None) are refused by name: an upload has no folder to read them.
            await service.import_bytes(
                db,
                raw,
                now=when,
                actor_id=user.id,
                notify=notify,
                details={"source": "upload", "file": name},
            )
    except service.ImportProblems as exc:
        return await _page(request, problems=exc.problems, filename=name, status_code=422)
    except IntegrityError:
        # Another import (or an edit) wrote the same rows at the same moment; the
        # transaction was rolled back whole, so trying again is safe.
        notice = _(
            "Someone else changed the same visits at the same moment, so nothing of this file "
            "was imported. Please upload it again."
        )
        return await _page(request, notice=notice, filename=name, status_code=409)
    return RedirectResponse(request.url_for("hr_import").path + "?done=1", 303)


routes = [
    Route("/hr/import", import_page, methods=["GET"], name="hr_import"),
    UploadRoute("/hr/import", upload, name="hr_import_upload"),
]
