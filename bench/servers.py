"""Start and stop servers for the bench as separate processes, and read their memory."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import httpx

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Server:
    """A running server process; ``workers`` are its worker processes (or itself with one)."""

    def __init__(self, proc: subprocess.Popen, base_url: str, startup_s: float) -> None:
        self.proc = proc
        self.base_url = base_url
        self.startup_s = startup_s

    def worker_pids(self) -> list[int]:
        # uvicorn --workers N: master -> (resource tracker?) + N workers running the app
        kids = [p for p in _children(self.proc.pid) if _is_python_worker(p)]
        return kids or [self.proc.pid]

    def worker_rss_mb(self) -> list[float]:
        return [round(rss_mb(p), 1) for p in self.worker_pids()]

    def cpu_seconds(self) -> float:
        """CPU time used so far by the workers (the master only supervises)."""
        return sum(cpu_seconds(p) for p in self.worker_pids())


def _is_python_worker(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return not any(b"resource_tracker" in part for part in cmdline)


def _wait_ready(url: str, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.02)
    raise RuntimeError(f"server not ready within {timeout} s")


@contextmanager
def start(kind: str, *, workers: int, env: dict[str, str] | None = None, timeout: float = 60,
          source: Path | None = None) -> Iterator[Server]:
    """Start ``service`` (the README's command, default settings) or ``baseline`` on a free loopback port.

    ``source``: serve the ``cds_service`` package of that checkout (a git worktree) instead of this
    one, with this interpreter (so both share its installed dependencies): it goes first on
    PYTHONPATH and is the working directory.

    The server's output (the service logs one JSON line per call at the default level) goes to a
    file that is thrown away, so a full pipe never blocks it.
    """
    port = free_port()
    bindir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory() as tmp:
        environment = {**os.environ, "CDS_DATABASE_URL": f"sqlite:///{tmp}/bench.db", **(env or {})}
        if source is not None:
            environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(source), os.environ.get("PYTHONPATH")]))
        if kind == "service":
            cmd = [str(bindir / "cds-service"), "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
            ready = f"http://127.0.0.1:{port}/readyz"
        else:
            cmd = [str(bindir / "uvicorn"), "bench.baseline_app:app", "--host", "127.0.0.1", "--port", str(port),
                   "--workers", str(workers), "--log-level", "warning", "--no-access-log"]
            ready = f"http://127.0.0.1:{port}/"
        started = time.perf_counter()
        output = open(Path(tmp, "server.log"), "wb")
        proc = subprocess.Popen(cmd, cwd=source or ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT)
        try:
            try:
                _wait_ready(ready, proc, timeout)
            except RuntimeError as exc:
                output.flush()
                tail = Path(tmp, "server.log").read_bytes()[-2000:].decode(errors="replace")
                raise RuntimeError(f"{exc}; its output ends with:\n{tail}") from None
            server = Server(proc, f"http://127.0.0.1:{port}", time.perf_counter() - started)
            time.sleep(0.3 if workers > 1 else 0)  # let every worker finish its own start-up
            yield server
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            output.close()
