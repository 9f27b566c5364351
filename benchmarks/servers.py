"""The two servers of a run, each a process of its own on a free loopback port: the portal
(``portal serve``, one uvicorn worker) and the ceiling app."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from benchmarks import databases

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path
    log_file: IO[bytes]

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    def memory_kib(self, field: str = "VmRSS") -> int:
        """A line of /proc/<pid>/status (VmRSS now, VmHWM at its peak), in KiB. The process
        is uvicorn itself: with one worker it serves in-process, with no supervisor."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        raise RuntimeError(f"no {field} for {self.name} (pid {self.process.pid})")

    def cpu_ticks(self) -> int:
        """User and system time the process has used so far, in clock ticks."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime and stime (fields 14 and 15)

    def wait_idle(self, timeout: float = 120.0) -> None:
        """Wait until the server has finished what the last load left it: wrk stops with
        requests still in flight, and the server works them off after it has gone. Idle is
        two windows of a tenth of a second with (almost) no CPU used."""
        deadline = time.monotonic() + timeout
        quiet, last = 0, self.cpu_ticks()
        while quiet < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
            now = self.cpu_ticks()
            quiet = quiet + 1 if now - last <= 1 else 0
            last = now

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited; its log:\n{self.tail()}")
            try:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer within {timeout:.0f} s:\n{self.tail()}")

    def tail(self, lines: int = 30) -> str:
        self.log_file.flush()
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log_file.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _start(name: str, argv: list[str], env: dict[str, str], log_dir: Path, port: int) -> Server:
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"{name}.log"
    log_file = log.open("wb")
    # Our own interpreter, with arguments we build: no shell, nothing from outside.
    process = subprocess.Popen(  # noqa: S603
        argv, env=env, stdout=log_file, stderr=subprocess.STDOUT, cwd=ROOT
    )
    return Server(name, process, port, log, log_file)


def start_portal(database_url: str, *, media_dir: Path, log_dir: Path) -> Server:
    """``portal serve`` as deployed: one uvicorn worker, uvicorn's access log off (the
    portal's own access log stays, as in production), the e-mail worker not in it."""
    port = free_port()
    env = {
        **os.environ,
        "PORTAL_DATABASE_URL": database_url,
        "PORTAL_SECRET_KEY": databases.SECRET_KEY,
        "PORTAL_BASE_URL": f"http://{HOST}:{port}",
        "PORTAL_MEDIA_DIR": str(media_dir),
        "PORTAL_RUN_WORKER": "false",
        "PORTAL_EMAIL_BACKEND": "console",
        "PORTAL_REDIS_URL": "",
        "PORTAL_DEBUG": "false",
    }
    argv = [sys.executable, "-m", "portal", "serve", "--host", HOST, "--port", str(port)]
    return _start("portal", argv, env, log_dir, port)


def start_ceiling(database_url: str, *, log_dir: Path) -> Server:
    port = free_port()
    argv = [sys.executable, "-m", "benchmarks.ceiling", "--database-url", database_url]
    argv += ["--host", HOST, "--port", str(port)]
    return _start("ceiling", argv, dict(os.environ), log_dir, port)
