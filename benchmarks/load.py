"""Load from ``wrk`` (Debian's package), and one page fetched the way a browser does."""

from __future__ import annotations

import gzip
import http.client
import json
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

# What a current browser says it can decode.
BROWSER_ENCODINGS = "gzip, deflate, br, zstd"
MARK = "BENCH-JSON "
# wrk's summary as one JSON line (latencies in microseconds).
SUMMARY_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '%s{"requests": %d, "duration_us": %d, "bytes": %d, "connect_errors": %d, ' ..
    '"read_errors": %d, "write_errors": %d, "non_2xx": %d, "timeouts": %d, ' ..
    '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d}\\n',
    "MARK", summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max))
end
""".replace("MARK", MARK)


@dataclass
class Measure:
    """One wrk run against one URL."""

    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    errors: int  # connection errors, timeouts and answers other than 2xx/3xx

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "rps": round(self.rps, 1)}


def wrk_path() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    return found


def wrk(
    url: str, *, cookie: str, seconds: float, connections: int = 16, timeout_s: int = 30
) -> Measure:
    """``wrk -t1 -c<connections> -d<seconds>`` with the session cookie and a browser's
    Accept-Encoding (the same for the portal and the ceiling)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(SUMMARY_SCRIPT)
    try:
        argv = [wrk_path(), "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s"]
        argv += [f"--timeout={timeout_s}s", "-s", script.name]
        argv += ["-H", f"Accept-Encoding: {BROWSER_ENCODINGS}"]
        if cookie:
            argv += ["-H", f"Cookie: {cookie}"]
        # wrk from PATH with arguments we build; no shell.
        done = subprocess.run(  # noqa: S603
            [*argv, url], capture_output=True, text=True, check=True, timeout=seconds + 120
        )
    finally:
        Path(script.name).unlink(missing_ok=True)
    line = next(ln for ln in done.stdout.splitlines() if ln.startswith(MARK))
    raw = json.loads(line[len(MARK) :])
    errors = sum(raw[k] for k in ("connect_errors", "read_errors", "write_errors", "non_2xx"))
    return Measure(
        requests=raw["requests"],
        seconds=raw["duration_us"] / 1e6,
        p50_ms=raw["p50_us"] / 1000,
        p90_ms=raw["p90_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        max_ms=raw["max_us"] / 1000,
        errors=errors + raw["timeouts"],
    )


@dataclass
class Fetched:
    url: str
    status: int
    transferred: int  # body bytes as they came over the wire (compressed, if they were)
    encoding: str
    cache_control: str
    body: bytes


def fetch(url: str, *, cookie: str = "", encodings: str = BROWSER_ENCODINGS) -> Fetched:
    """One GET as a browser makes it; the body is kept as it travelled (not decoded)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=120)
    headers = {"Accept-Encoding": encodings, "Accept": "text/html,*/*"}
    if cookie:
        headers["Cookie"] = cookie
    try:
        conn.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""), None, headers)
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    return Fetched(
        url=url,
        status=response.status,
        transferred=len(body),
        encoding=response.getheader("Content-Encoding", "") or "",
        cache_control=response.getheader("Cache-Control", "") or "",
        body=body,
    )


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        rel = (named.get("rel") or "").lower().split()
        if tag == "link" and "stylesheet" in rel and named.get("href"):
            self.found.append(named["href"] or "")
        elif tag == "script" and named.get("src"):
            self.found.append(named["src"] or "")


def first_load(url: str, *, cookie: str) -> list[Fetched]:
    """The page and every stylesheet and script it links, as a first visit fetches them."""
    page = fetch(url, cookie=cookie)
    # The links are read from the page as it was sent, or (compressed in a way the standard
    # library cannot open) from a plain copy of it.
    html = page.body if page.encoding in ("", "identity") else _plain(page, cookie)
    parser = _Assets()
    parser.feed(html.decode("utf-8", errors="replace"))
    return [page, *(fetch(urljoin(url, src), cookie=cookie) for src in parser.found)]


def _plain(page: Fetched, cookie: str) -> bytes:
    if page.encoding == "gzip":
        return gzip.decompress(page.body)
    return fetch(page.url, cookie=cookie, encodings="identity").body
