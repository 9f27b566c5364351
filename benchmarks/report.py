"""A run's figures: the JSON result kept by CI, and the table printed from it."""

from __future__ import annotations

import json
import statistics
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from benchmarks.generate import Generated
    from benchmarks.load import Fetched, Measure
    from benchmarks.run import Result

KB = 1024


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 1) if values else 0.0


def side(turns: list[Measure]) -> dict[str, Any]:
    """One server's figures on one page: the median of its turns (and every turn)."""
    return {
        "rps": _median([t.rps for t in turns]),
        "p50_ms": _median([t.p50_ms for t in turns]),
        "p99_ms": _median([t.p99_ms for t in turns]),
        "errors": sum(t.errors for t in turns),
        "turns": [t.as_dict() for t in turns],
    }


def page_json(result: Result) -> dict[str, Any]:
    portal, ceiling = side(result.portal), side(result.ceiling)
    ratio = portal["rps"] / ceiling["rps"] if ceiling["rps"] else None
    return {
        "name": result.page.name,
        "path": result.page.path,
        "who": result.page.who,
        "status": result.status,
        "html_bytes": result.html_bytes,
        "alone_ms": round(result.alone_ms, 1),
        "turn_seconds": result.seconds,
        "portal": portal,
        "ceiling": ceiling,
        "ratio": round(ratio, 4) if ratio is not None else None,
        "rss_kib": result.rss_kib,
    }


def first_load_json(fetched: list[Fetched]) -> dict[str, Any]:
    return {
        "path": urlsplit(fetched[0].url).path,
        "transferred_bytes": sum(f.transferred for f in fetched),
        "resources": [
            {
                "path": urlsplit(f.url).path,
                "status": f.status,
                "transferred_bytes": f.transferred,
                "content_encoding": f.encoding,
                "cache_control": f.cache_control,
            }
            for f in fetched
        ],
    }


def as_json(
    *,
    database: str,
    scale: float,
    generated: Generated,
    plan: dict[str, Any],
    results: list[Result],
    first: list[Fetched],
    memory: dict[str, int],
    seconds: float,
    machine: dict[str, Any],
    at: str,
) -> dict[str, Any]:
    return {
        "at": at,
        "database": database,
        "scale": scale,
        "machine": machine,
        "generated": {
            "seconds": round(generated.seconds, 1),
            "migrate_seconds": round(generated.migrate_seconds, 1),
            "counts": generated.counts,
        },
        "plan": plan,
        "pages": [page_json(r) for r in results],
        "first_load": first_load_json(first),
        "memory": memory,
        "seconds": round(seconds, 1),
    }


def dumps(result: dict[str, Any]) -> str:
    return json.dumps(result, indent=2) + "\n"


HEADER = (
    f"{'page':<20} {'who':<9} {'status':>6} {'KB':>7} {'alone':>7} {'req/s':>7} {'p50 ms':>8} "
    f"{'p99 ms':>8} {'ceiling':>7} {'ratio':>6} {'errors':>6} {'RSS MB':>6}"
)


def _row(page: dict[str, Any]) -> str:
    portal, ceiling = page["portal"], page["ceiling"]
    ratio = f"{page['ratio']:.1%}" if page["ratio"] is not None else "-"
    return (
        f"{page['name']:<20} {page['who']:<9} {page['status']:>6} "
        f"{page['html_bytes'] / KB:>7.1f} {page['alone_ms']:>7.1f} {portal['rps']:>7.1f} "
        f"{portal['p50_ms']:>8.1f} {portal['p99_ms']:>8.1f} {ceiling['rps']:>7.1f} {ratio:>6} "
        f"{portal['errors'] + ceiling['errors']:>6} {page['rss_kib'] / KB:>6.1f}"
    )


def row_text(result: Result) -> str:
    return _row(page_json(result))


def table(result: dict[str, Any]) -> str:
    plan, generated, memory = result["plan"], result["generated"], result["memory"]
    visits = generated["counts"]["visits"]
    lines = [
        f"portal vs ceiling: {result['database']}, scale {result['scale']} ({visits:,} visits, "
        f"{generated['counts']['questions']:,} questions), generated in "
        f"{generated['seconds']} s",
        f"wrk -t1 -c{plan['connections']}: per page {plan['rounds']} turn(s) on the portal and "
        f"on the ceiling in alternation, each of {plan['seconds']:g} s or more (a slow page's "
        f"up to {plan['max_seconds']:g} s); medians of the turns",
        "",
        HEADER,
        *(_row(page) for page in result["pages"]),
        "",
    ]
    first = result["first_load"]
    parts = ", ".join(
        f"{r['path']} {r['transferred_bytes'] / KB:.1f} KB"
        + (f" ({r['content_encoding']})" if r["content_encoding"] else "")
        for r in first["resources"]
    )
    lines.append(
        f"first load of the visit page: {first['transferred_bytes'] / KB:.1f} KB "
        f"transferred ({parts})"
    )
    lines.append(
        f"memory: portal {memory['portal_start_rss_kib'] / KB:.1f} MB when started, "
        f"{memory['portal_rss_kib'] / KB:.1f} MB after the run "
        f"(peak {memory['portal_peak_kib'] / KB:.1f} MB); ceiling "
        f"{memory['ceiling_start_rss_kib'] / KB:.1f} MB, then "
        f"{memory['ceiling_rss_kib'] / KB:.1f} MB"
    )
    lines.append(f"the run took {result['seconds']:.0f} s")
    return "\n".join(lines)
