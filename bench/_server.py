"""What the benchmarks that start a Streamlit server share: a free port, stopping the server's
process group, and the resident memory of the server with its children."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_server(proc: subprocess.Popen) -> None:
    """SIGTERM the server's process group, then SIGKILL if it has not gone within 10 s."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
            proc.wait(timeout=10)
            return
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            continue


def process_tree(pid: int) -> list:
    import psutil

    p = psutil.Process(pid)
    return [p, *p.children(recursive=True)]


def rss_mb(pid: int) -> float:
    """Resident memory of the server and its children, in MB."""
    return round(sum(q.memory_info().rss for q in process_tree(pid)) / 2**20, 1)


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 120, log=None) -> None:
    """Return once the server at ``url`` answers its health check; fail if it exits or times out."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(
                f"streamlit exited with {proc.returncode}" + (f"; see {log}" if log else "")
            )
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"server at {url} not healthy after {timeout:.0f} s")
