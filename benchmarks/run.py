"""Measure the portal against the ceiling of its own stack, page by page, in one run.

    python -m benchmarks.run --database sqlite --scale 1
    python -m benchmarks.run --database postgresql          # makes and drops database "bench"
    python -m benchmarks.run --quick                        # CI: small data, short turns

Generates the organisation (benchmarks.generate) in a fresh database, starts the portal
(``portal serve``: uvicorn, one worker) and the ceiling app (benchmarks.ceiling) side by
side on free loopback ports, signs in a candidate and an HR person, and loads every page in
turns with wrk (portal, ceiling, portal, ceiling, …). Prints a table and writes a JSON
result; benchmarks/README.md says what the columns mean.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from benchmarks import databases, load, report
from benchmarks.generate import generate
from benchmarks.servers import Server, start_ceiling, start_portal
from benchmarks.visitors import Visitors, sign_in

ROOT = Path(__file__).resolve().parent.parent
INBOX_STATES = ("received", "routed", "drafted", "answered", "withdrawn")


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    who: str  # whose cookie: "candidate" or "hr"


@dataclass
class Result:
    page: Page
    status: int
    html_bytes: int
    portal: list[load.Measure] = field(default_factory=list)
    ceiling: list[load.Measure] = field(default_factory=list)
    alone_ms: float = 0.0
    seconds: float = 0.0
    rss_kib: int = 0


def pages(v: Visitors) -> list[Page]:
    """The candidate's pages, then HR's: the dashboard, the question inbox with each filter
    its form offers (portal/questions/inbox_routes.py) and its next page, and the visit
    search."""

    def inbox(**query: str) -> str:
        return "/hr/questions" + (f"?{urlencode(query)}" if query else "")

    return [
        Page("visit", f"/visit/{v.visit}", "candidate"),
        Page("stories", "/stories", "candidate"),
        Page("questions", "/questions", "candidate"),
        Page("person", f"/people/{v.person}", "candidate"),
        Page("hr dashboard", "/hr", "hr"),
        Page("inbox open", inbox(), "hr"),
        *(Page(f"inbox {s}", inbox(status=s), "hr") for s in INBOX_STATES),
        Page("inbox department", inbox(department=v.department), "hr"),
        Page("inbox nobody", inbox(assignee="nobody"), "hr"),
        Page("inbox colleague", inbox(assignee=v.colleague), "hr"),
        Page("inbox one visit", inbox(visit=v.visit), "hr"),
        Page("inbox page 2", inbox(page="2"), "hr"),
        Page("visit search name", "/hr/visits?" + urlencode({"q": "jansen"}), "hr"),
        Page("visit search e-mail", "/hr/visits?" + urlencode({"q": v.candidate_email}), "hr"),
    ]


@dataclass(frozen=True)
class Plan:
    seconds: float  # per turn, at least
    rounds: int  # portal/ceiling pairs per page
    warmup: float  # seconds of load on each page before its turns (0: none)
    connections: int
    # A slow page gets longer turns, so every connection completes a few requests (a turn
    # shorter than a request's time under load would count nothing); never past this.
    max_seconds: float


def turn_seconds(plan: Plan, alone_ms: float) -> float:
    wanted = 3 * plan.connections * alone_ms / 1000
    return round(min(plan.max_seconds, max(plan.seconds, wanted)))


def alone(url: str, cookie: str, times: int = 3) -> float:
    """The median time of a request with nothing else going on, in milliseconds."""
    took = []
    for _ in range(times):
        started = time.perf_counter()
        load.fetch(url, cookie=cookie)
        took.append((time.perf_counter() - started) * 1000)
    return statistics.median(took)


def measure(page: Page, portal: Server, ceiling: Server, v: Visitors, plan: Plan) -> Result:
    cookie = v.cookies[page.who]
    url = portal.base + page.path
    checked = load.fetch(url, cookie=cookie, encodings="identity")
    result = Result(page, checked.status, checked.transferred)
    if checked.status != 200:
        print(f"  {page.name}: HTTP {checked.status}, not loaded", file=sys.stderr)
        return result
    result.alone_ms = alone(url, cookie)
    result.seconds = seconds = turn_seconds(plan, result.alone_ms)
    # A request waits for the others in line: give it their time, and then some.
    options = {
        "connections": plan.connections,
        "timeout_s": max(30, round(2 * plan.connections * result.alone_ms / 1000)),
    }
    if plan.warmup > 0:
        load.wrk(url, cookie=cookie, seconds=plan.warmup, **options)
        portal.wait_idle()
    for _ in range(plan.rounds):
        result.portal.append(load.wrk(url, cookie=cookie, seconds=seconds, **options))
        portal.wait_idle()
        result.ceiling.append(load.wrk(ceiling.base + "/", cookie="", seconds=seconds, **options))
        ceiling.wait_idle()
    result.rss_kib = portal.memory_kib()
    print(f"  {report.row_text(result)}", file=sys.stderr, flush=True)
    return result


def run(args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    url = database_url(args)
    work = (ROOT / args.work_dir).resolve()
    media = work / f"media-{args.database}"
    print(f"generating scale {args.scale} on {args.database} …", file=sys.stderr, flush=True)
    generated = asyncio.run(generate(url, scale=args.scale, media_dir=media, seed=args.seed))
    print(f"  generated in {generated.seconds:.1f} s", file=sys.stderr, flush=True)
    plan = plan_of(args)
    portal = start_portal(url, media_dir=media, log_dir=work / "logs")
    ceiling = start_ceiling(url, log_dir=work / "logs")
    try:
        portal.wait_ready()
        ceiling.wait_ready()
        at_start = {"portal": portal.memory_kib(), "ceiling": ceiling.memory_kib()}
        visitors = asyncio.run(sign_in(url, portal.base))
        visit_page = portal.base + f"/visit/{visitors.visit}"
        first = load.first_load(visit_page, cookie=visitors.cookies["candidate"])
        if plan.warmup > 0:
            load.wrk(
                ceiling.base + "/", cookie="", seconds=plan.warmup, connections=plan.connections
            )
            ceiling.wait_idle()
        results = [measure(p, portal, ceiling, visitors, plan) for p in pages(visitors)]
        memory = {
            "portal_start_rss_kib": at_start["portal"],
            "ceiling_start_rss_kib": at_start["ceiling"],
            "portal_rss_kib": portal.memory_kib(),
            "portal_peak_kib": portal.memory_kib("VmHWM"),
            "ceiling_rss_kib": ceiling.memory_kib(),
        }
    finally:
        portal.stop()
        ceiling.stop()
        if not args.keep:
            asyncio.run(databases.drop(url))
    return report.as_json(
        database=args.database,
        scale=args.scale,
        generated=generated,
        plan=plan.__dict__,
        results=results,
        first=first,
        memory=memory,
        seconds=time.perf_counter() - started,
        machine={"cpus": os.cpu_count(), "python": platform.python_version()},
        at=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def database_url(args: argparse.Namespace) -> str:
    if args.database_url:
        return str(args.database_url)
    if args.database == "postgresql":
        return databases.DEFAULT_POSTGRESQL_URL
    return databases.sqlite_url((ROOT / args.work_dir / "bench.db").resolve())


def plan_of(args: argparse.Namespace) -> Plan:
    if args.quick:
        return Plan(1, 1, 0, args.connections, max_seconds=1)
    return Plan(args.seconds, args.rounds, args.warmup, args.connections, args.max_seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--database-url",
        help="default: build/benchmarks/bench.db, or " + databases.DEFAULT_POSTGRESQL_URL,
    )
    parser.add_argument("--scale", type=float, default=None, help="1 = 10,000 visits (default)")
    parser.add_argument("--quick", action="store_true", help="scale 0.01, one 1-second turn each")
    parser.add_argument("--seconds", type=float, default=5, help="length of one turn")
    parser.add_argument(
        "--max-seconds", type=float, default=60, help="longest turn for a slow page"
    )
    parser.add_argument("--rounds", type=int, default=3, help="portal/ceiling turns per page")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of load before a page")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--output", type=Path, default=databases.BUILD_DIR / "result.json")
    parser.add_argument("--work-dir", type=Path, default=databases.BUILD_DIR)
    parser.add_argument("--keep", action="store_true", help="keep the generated database")
    args = parser.parse_args(argv)
    if args.scale is None:
        args.scale = 0.01 if args.quick else 1.0
    if args.database_url:  # the database named by the URL, whatever --database says
        args.database = "sqlite" if databases.is_sqlite(args.database_url) else "postgresql"
    load.wrk_path()  # fail before generating anything
    result = run(args)
    print(report.table(result), flush=True)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report.dumps(result))
    print(f"\nresult written to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
