"""The ``portal`` command, run as a person would run it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.mail.test_outbox import free_port

ROOT = Path(__file__).resolve().parent.parent


def portal_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env.update(PORTAL_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'portal.db'}", **extra)
    return env


def portal(tmp_path: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "portal", *args],
        cwd=tmp_path,
        env=portal_env(tmp_path, **extra),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_db_upgrade_and_users_create(tmp_path):
    assert portal(tmp_path, "db", "upgrade").returncode == 0
    made = portal(
        tmp_path,
        "users",
        "create",
        "--email",
        "Admin@Example.org",
        "--name",
        "Yusuf Demir",
        "--role",
        "admin",
    )
    assert made.returncode == 0 and "admin@example.org" in made.stdout
    again = portal(
        tmp_path,
        "users",
        "create",
        "--email",
        "admin@example.org",
        "--name",
        "Y",
        "--role",
        "admin",
    )
    assert again.returncode == 1 and "exists already" in again.stderr
    bad = portal(tmp_path, "users", "create", "--email", "nope", "--name", "Y", "--role", "hr")
    assert bad.returncode == 1 and "not a valid e-mail address" in bad.stderr


def test_import_twice_and_a_bad_file(tmp_path):
    example = ROOT / "examples" / "import.json"
    first = portal(tmp_path, "import", str(example))
    assert first.returncode == 0, first.stderr
    assert "visits 1 new" in first.stdout
    second = portal(tmp_path, "import", str(example))
    assert "visits 0 new, 1 updated" in second.stdout
    broken = json.loads(example.read_text())
    broken["visits"][0]["agenda"][0]["kind"] = "party"
    broken["visits"][0]["colour"] = "blue"
    bad_file = tmp_path / "bad.json"
    bad_file.write_text(json.dumps(broken))
    bad = portal(tmp_path, "import", str(bad_file))
    assert bad.returncode == 1
    assert "nothing was imported" in bad.stderr
    assert (
        "visits[0].agenda[0].kind" in bad.stderr and "visits[0].colour: unknown key" in bad.stderr
    )


def test_import_csv_reports_progress_unless_quiet(tmp_path):
    """The CSV is told from JSON by its content; progress goes to stderr, the result to stdout."""
    assert (
        portal(tmp_path, "import", "--quiet", str(ROOT / "examples" / "import.json")).stderr == ""
    )
    csv_copy = tmp_path / "export.txt"  # the name says nothing about the format
    csv_copy.write_bytes((ROOT / "examples" / "import.csv").read_bytes())
    first = portal(tmp_path, "import", str(csv_copy))
    assert first.returncode == 0, first.stderr
    assert "visits 2 new, 0 updated" in first.stdout
    assert "checked 2 visits, 6 agenda items and 0 staff (CSV)" in first.stderr
    assert "writing visits: 2/2" in first.stderr
    again = portal(tmp_path, "import", "--quiet", str(csv_copy))
    assert "visits 0 new, 2 updated" in again.stdout and again.stderr == ""


def test_import_names_the_bad_csv_row(tmp_path):
    lines = (ROOT / "examples" / "import.csv").read_text().splitlines(keepends=True)
    lines[1] = lines[1].replace(",other,", ",party,")
    bad = tmp_path / "bad.csv"
    bad.write_text("".join(lines))
    result = portal(tmp_path, "import", str(bad))
    assert result.returncode == 1
    assert "nothing was imported; 1 problem(s)" in result.stderr
    assert "line 2, column kind: Input should be 'interview'" in result.stderr
    missing = portal(tmp_path, "import", str(tmp_path / "nope.csv"))
    assert missing.returncode == 1 and "cannot read" in missing.stderr
    assert "Traceback" not in missing.stderr


@pytest.mark.parametrize("zone", ["Mars/Olympus", "localtime"])
def test_bad_setting_is_reported_plainly(tmp_path, zone):
    result = portal(tmp_path, "db", "upgrade", PORTAL_DEFAULT_TIMEZONE=zone)
    assert result.returncode == 2 and "unknown time zone" in result.stderr
    assert "Traceback" not in result.stderr


@contextmanager
def running(tmp_path: Path, *args: str) -> Iterator[tuple[subprocess.Popen[str], str, float]]:
    """``portal ARGS --port P`` in the background until it answers /healthz (10 s at most)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "portal", *args, "--port", str(port)],
        cwd=tmp_path,
        env=portal_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=1) as r:  # noqa: S310 (loopback)
                    if r.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() - started < 10, "the portal did not answer within 10 seconds"
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            time.sleep(0.1)
        yield proc, base, time.monotonic() - started
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def stop(proc: subprocess.Popen[str]) -> str:
    proc.terminate()
    output, _ = proc.communicate(timeout=10)
    return output


def test_demo_starts_quickly_with_labelled_links(tmp_path):
    with running(tmp_path, "demo") as (proc, base, startup):
        print(f"demo answered /healthz after {startup:.2f} s")
        with urllib.request.urlopen(f"{base}/login", timeout=5) as r:  # noqa: S310
            assert r.status == 200
        output = stop(proc)
    links = re.findall(rf"{base}/login/confirm\?token=(\S+)", output)
    assert len(links) == 3
    for label in ("candidate", "HR", "employee"):
        assert re.search(rf"^\s+{label}\s+\S", output, re.M), output
    # The secret key was generated beside the database, readable by its owner only.
    key = tmp_path / ".portal-secret-key"
    assert key.exists() and oct(key.stat().st_mode & 0o777) == "0o600"


def test_served_app_scrubs_tokens_from_its_log(tmp_path):
    """uvicorn's own access log prints query strings; the portal's log must not."""
    secret = "SeCrEtToKeN0123456789abcdefghijklmnopqrstu"
    with running(tmp_path, "serve") as (proc, base, _startup):
        try:
            urllib.request.urlopen(f"{base}/login/confirm?token={secret}", timeout=5)  # noqa: S310
        except urllib.error.HTTPError as exc:
            assert exc.code == 400
        output = stop(proc)
    assert "GET /login/confirm 400" in output
    assert secret not in output


@pytest.mark.parametrize("args", [["--help"], ["users", "--help"]])
def test_help(args, tmp_path):
    result = portal(tmp_path, *args)
    assert result.returncode == 0 and "usage" in result.stdout


def test_import_reads_portraits_next_to_the_file(tmp_path):
    from PIL import Image

    folder = tmp_path / "ats-export"
    folder.mkdir()
    Image.new("RGB", (300, 400), "#336699").save(folder / "noor.png")
    data = json.loads((ROOT / "examples" / "import.json").read_text())
    data["staff"][0]["photo"] = "noor.png"
    (folder / "visits.json").write_text(json.dumps(data))
    done = portal(tmp_path, "import", str(folder / "visits.json"))
    assert done.returncode == 0, done.stderr
    stored = list((tmp_path / "media" / "images").glob("*/*.jpg"))
    assert sorted(p.name for p in stored) == ["128.jpg", "256.jpg", "300.jpg"]
    data["staff"][0]["photo"] = "gone.png"
    (folder / "visits.json").write_text(json.dumps(data))
    bad = portal(tmp_path, "import", str(folder / "visits.json"))
    assert bad.returncode == 1 and "staff[0].photo: cannot read gone.png" in bad.stderr


def test_demo_on_a_busy_port_says_so_and_prints_no_links(tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = portal(tmp_path, "demo", "--port", str(port))
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "--port" in result.stderr and "Traceback" not in result.stderr
    assert "login/confirm" not in result.stdout + result.stderr


@pytest.mark.parametrize("command", ["serve", "worker"])
def test_console_mail_is_refused_behind_https(command, tmp_path):
    """The console backend would write live sign-in links into a production log."""
    result = portal(tmp_path, command, PORTAL_BASE_URL="https://kandidaat.example.nl")
    assert result.returncode == 2
    assert "PORTAL_EMAIL_BACKEND=smtp" in result.stderr and "PORTAL_SMTP_HOST" in result.stderr
    assert "Traceback" not in result.stderr
    # Nothing was started or migrated.
    assert not (tmp_path / "portal.db").exists()


def test_purge_dry_run_prints_counts_and_erases_nothing(tmp_path):
    """`portal purge --dry-run` says what would go, by kind and without names; `purge` erases."""
    visit = {
        "external_id": "ats-1",
        "candidate": {"email": "vergeten@example.org", "name": "Vera Vergeten"},
        "position": "Tester",
        "starts_at": "2025-01-10T09:00",
        "ends_at": "2025-01-10T12:00",
        "outcome": "rejected",
        "decided_on": "2025-01-20",
    }
    (tmp_path / "visits.json").write_text(json.dumps({"visits": [visit]}))
    assert portal(tmp_path, "import", "visits.json", "--quiet").returncode == 0
    dry = portal(tmp_path, "purge", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would erase 1 candidate(s)" in dry.stdout and "visits: 1" in dry.stdout
    assert "Vera" not in dry.stdout + dry.stderr and "vergeten@" not in dry.stdout + dry.stderr
    assert _candidate_emails(tmp_path) == ["vergeten@example.org"]
    done = portal(tmp_path, "purge")
    assert done.returncode == 0 and "erased 1 candidate(s)" in done.stdout
    assert _candidate_emails(tmp_path) == []
    assert "would erase 0 candidate(s)" in portal(tmp_path, "purge", "--dry-run").stdout


def _candidate_emails(tmp_path: Path) -> list[str]:
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(tmp_path / "portal.db")) as conn:
        rows = conn.execute("SELECT email FROM users WHERE role = 'candidate'").fetchall()
    return [email for (email,) in rows]


def test_the_listening_socket_turns_nagle_off_on_its_connections():
    """`portal serve` binds its own socket; asyncio sets TCP_NODELAY only on connections
    whose socket says it is TCP. With the default proto (0) every response on a kept-alive
    connection waited about 40 ms for the client's delayed ACK: 20 requests/s at most per
    connection, whatever the page cost."""
    import asyncio
    import socket

    from portal.cli import _bind

    sock = _bind("127.0.0.1", free_port())
    assert sock is not None
    nodelay: list[int] = []

    async def main() -> None:
        def accepted(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            conn = writer.get_extra_info("socket")
            nodelay.append(conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(accepted, sock=sock)
        host, port = sock.getsockname()[:2]
        _reader, writer = await asyncio.open_connection(host, port)
        for _ in range(100):
            if nodelay:
                break
            await asyncio.sleep(0.01)
        writer.close()
        server.close()
        await server.wait_closed()

    asyncio.run(main())
    assert nodelay == [1]


def test_a_kept_alive_connection_is_answered_without_a_delay(tmp_path):
    """Ten requests on one connection: with Nagle on they took 40 ms each or more."""
    import http.client

    with running(tmp_path, "serve") as (proc, base, _startup):
        host, port = base.removeprefix("http://").split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=5)
        took = []
        for _ in range(10):
            started = time.perf_counter()
            conn.request("GET", "/login")
            response = conn.getresponse()
            response.read()
            assert response.status == 200
            took.append(time.perf_counter() - started)
        conn.close()
        stop(proc)
    # The fastest of ten: scheduling noise can slow one request, never all ten by 40 ms.
    assert min(took[1:]) < 0.035, took
