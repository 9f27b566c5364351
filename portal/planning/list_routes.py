"""HR's list of visits (/hr/visits) and one outcome for the visits ticked on it."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.i18n import gettext as _
from portal.i18n import ngettext
from portal.parsing import is_one_line, page_of, parse_id, parse_int
from portal.planning import outcomes, search
from portal.planning.forms import parse_date
from portal.planning.workspace import today
from portal.web import not_found, now, render, require_hr, unit_of_work


async def visits(request: Request) -> Response:
    user = require_hr(request)
    params = request.query_params
    filters = _list_filters(params)
    if "since" not in params and "q" not in params:
        filters.since = today(request)  # by default: what is coming
    async with unit_of_work(request) as db:
        found = await search.search(db, actor=user, filters=filters)
    if found is None:
        raise not_found()
    context = _list_context(request, found, filters)
    if params.get("done") == "erased":
        context["notice"] = _("The candidate and everything about them were erased.")
    elif params.get("done") == "outcomes":
        context["notice"] = _outcomes_notice(params)
    return render(request, "planning/visits.html", context, block="results")


def _list_filters(data: Any) -> search.VisitFilter:
    """The list's filters from the query string, or from the hidden copy in a posted form."""
    q = str(data.get("q", "")).strip()[:100]
    return search.VisitFilter(
        # From a posted form a NUL could reach the database (the query string's are refused
        # by the middleware): an unreadable search is dropped, as other unreadable filters.
        q=q if is_one_line(q) else "",
        status=str(data.get("status", "")),
        since=parse_date(str(data.get("since", ""))),
        until=parse_date(str(data.get("until", ""))),
        page=page_of(data.get("page")),
    )


def _list_context(request: Request, found: Any, filters: search.VisitFilter) -> dict[str, Any]:
    return {
        "found": found,
        "filters": filters,
        "now": now(request),
        "outcome_labels": outcomes.outcome_labels(),
    }


async def bulk_outcomes(request: Request) -> Response:
    """One outcome for the visits ticked on the list (a page at most)."""
    user = require_hr(request)
    data, picked = await _bulk_form(request)
    form = outcomes.OutcomeForm.parse(data)
    decided = form.validate(today=today(request))
    if not picked:
        form.errors["visits"] = _("Tick the visits to set the outcome for.")
    elif None in picked:
        raise not_found()  # not a visit id at all: like an unknown visit
    filters = _list_filters(data)
    async with unit_of_work(request) as db:
        if decided is None or form.errors:
            found = await search.search(db, actor=user, filters=filters)
            context = {**_list_context(request, found, filters), "bulk": form, "picked": picked}
            return render(request, "planning/visits.html", context, status_code=422)
        changed, gone = await outcomes.set_outcomes(
            db,
            actor=user,
            public_ids=[p for p in picked if p],
            outcome=decided[0],
            decided_on=decided[1],
            now=now(request),
        )
    back = {k: data[k] for k in ("q", "status", "since", "until", "page") if data.get(k)}
    query = urlencode({**back, "done": "outcomes", "changed": changed, "gone": gone})
    return RedirectResponse(f"{request.url_for('hr_visits').path}?{query}", 303)


async def _bulk_form(request: Request) -> tuple[dict[str, str], list[str | None]]:
    """The posted fields, and the ticked visits' ids (None for one that is not an id)."""
    async with request.form(max_files=0, max_fields=outcomes.BULK_LIMIT + 20) as posted:
        data = {k: v for k, v in posted.items() if isinstance(v, str)}
        picked = [parse_id(v) for v in posted.getlist("visits")]
    return data, picked


def _outcomes_notice(params: Any) -> str:
    changed, gone = parse_int(params.get("changed")) or 0, parse_int(params.get("gone")) or 0
    notice = ngettext(
        "The outcome is saved for %(n)s visit.", "The outcome is saved for %(n)s visits.", changed
    ) % {"n": changed}
    if gone:
        notice += " " + ngettext(
            "%(n)s visit was no longer there (its candidate was erased).",
            "%(n)s visits were no longer there (their candidates were erased).",
            gone,
        ) % {"n": gone}
    return notice
