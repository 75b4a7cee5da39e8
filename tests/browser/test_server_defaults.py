"""A server's defaults (issue 16, finding 9): ``streamlit run app.py`` with nothing but the
project's ``.streamlit/config.toml`` listens on this machine only, keeps XSRF protection and CORS
on, answers 404 to ``/_stcore/metrics`` (unless ``ICS_MAPS_METRICS=1``), and never shows visitors
a traceback.

The server is started here without the ``--server.address`` the other browser tests pass, so that
the project's own settings are what is tested. No browser is needed: the listening sockets are read
from ``/proc/net/tcp*`` and the endpoints fetched over HTTP.
"""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from tests.browser.conftest import PROJECT_ROOT, _stop, _wait_healthy, free_port

CONFIG = PROJECT_ROOT / ".streamlit" / "config.toml"


def test_the_config_file_states_the_safe_defaults():
    cfg = tomllib.loads(CONFIG.read_text())
    assert cfg["server"]["address"] == "localhost"
    assert cfg["server"]["enableXsrfProtection"] is True
    assert cfg["server"]["enableCORS"] is True
    assert cfg["client"]["showErrorDetails"] == "none"


def _listening(port: int) -> set[str]:
    """Local addresses (hex, as /proc shows them) with a socket listening on ``port``."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            addr, hexport = local.rsplit(":", 1)
            if state == "0A" and int(hexport, 16) == port:  # 0A: LISTEN
                found.add(addr)
    return found


LOOPBACK = {"0100007F", "00000000000000000000000001000000"}  # 127.0.0.1 and ::1


def _start(tmp_path: Path, env: dict | None = None) -> tuple[subprocess.Popen, str, int]:
    port = free_port()
    full_env = dict(os.environ, PYTHONPATH=str(PROJECT_ROOT), PYTHONUNBUFFERED="1", **(env or {}))
    log = tmp_path / f"server-{port}.log"
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)],
            cwd=PROJECT_ROOT,
            env=full_env,
            stdout=fh,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, log, 90)
    except Exception:
        _stop(proc)
        raise
    return proc, url, port


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


@pytest.mark.browser
def test_the_server_listens_on_this_machine_only_and_hides_its_metrics(tmp_path):
    proc, url, port = _start(tmp_path)
    try:
        addrs = _listening(port)
        assert addrs and addrs <= LOOPBACK, addrs  # not 0.0.0.0 / :: (every interface)
        assert _status(f"{url}/_stcore/metrics") == 404
        assert _status(f"{url}/_stcore/health") == 200
    finally:
        _stop(proc)


@pytest.mark.browser
def test_the_operator_can_open_the_metrics(tmp_path):
    proc, url, _ = _start(tmp_path, {"ICS_MAPS_METRICS": "1"})
    try:
        assert _status(f"{url}/_stcore/metrics") == 200
    finally:
        _stop(proc)
