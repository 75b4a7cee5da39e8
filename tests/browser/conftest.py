"""Shared fixtures for browser tests: a real ``streamlit run`` server and Debian's headless
Chromium.

* ``streamlit_server(script_path, env=None, *, cwd=PROJECT_ROOT, args=(), timeout=90)`` starts
  Streamlit (:func:`launch_streamlit`) on a free localhost port (static serving on, headless, no
  usage stats, no file watcher), waits for ``/_stcore/health`` and returns the base URL. Every
  server it started is stopped (its whole process group) when the test ends. ``server.log`` of each
  run is kept in the test's tmp dir and its tail is shown if the server does not come up.
  ``app_server``: one ``app.py`` server shared by a module's tests.
* ``chromium``: one browser per session, Playwright for Python driving ``/usr/bin/chromium`` (never
a
  downloaded browser). Missing Playwright or Chromium skips the test, or fails it when
  ``ICS_MAPS_REQUIRE_BROWSER=1`` (CI).
* ``offline_page``: a fresh page whose every request to a host other than localhost is *blocked*
  and recorded (``offline_page.external``); console errors and page errors are kept too.
* :func:`map_frame` finds streamlit-folium's component iframe.

All waits are bounded; nothing here touches the network beyond 127.0.0.1.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = PROJECT_ROOT / "screenshots"
CHROMIUM = os.environ.get("ICS_MAPS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-default-browser-check",
    "--metrics-recording-only",
    "--disable-features=OptimizationHints,MediaRouter,Translate",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'


def require_browser() -> bool:
    return os.environ.get("ICS_MAPS_REQUIRE_BROWSER", "").strip() not in ("", "0", "false", "no")


def browser_problem() -> str | None:
    """Why no browser test can run here (None when Playwright and Chromium are both present)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return f"Playwright for Python is not installed ({exc}); pip install -e '.[test]'"
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return (
            f"Chromium not found at {CHROMIUM} (apt-get install chromium, or set ICS_MAPS_CHROMIUM)"
        )
    return None


def skip_or_fail(reason: str) -> None:
    if require_browser():
        pytest.fail(f"ICS_MAPS_REQUIRE_BROWSER is set but {reason}", pytrace=False)
    pytest.skip(reason)


# ---------------------------------------------------------------------------- Streamlit server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {proc.returncode}:\n{_tail(log)}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as exc:
            last = exc
        time.sleep(0.25)
    raise TimeoutError(
        f"streamlit not healthy at {url} after {timeout:.0f}s ({last}):\n{_tail(log)}"
    )


def _tail(log: Path, n: int = 40) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return "(no log)"


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)  # the process group we created with start_new_session
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def launch_streamlit(
    script_path: str | os.PathLike,
    log_dir: Path,
    env: dict[str, str] | None = None,
    *,
    cwd: str | os.PathLike | None = None,
    args: tuple[str, ...] | list[str] = (),
    timeout: float = 90,
) -> tuple[str, subprocess.Popen]:
    """Start ``streamlit run script_path`` on a free port; return its base URL and process (stop it
    with :func:`_stop`). The server's log goes to ``log_dir``."""
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script_path),
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--server.enableStaticServing",
        "true",
        "--server.fileWatcherType",
        "none",
        "--server.runOnSave",
        "false",
        "--browser.gatherUsageStats",
        "false",
        "--global.developmentMode",
        "false",
        *args,
    ]
    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(PROJECT_ROOT), full_env.get("PYTHONPATH")) if p
    )
    full_env["PYTHONUNBUFFERED"] = "1"
    full_env.update(env or {})
    log = Path(log_dir) / f"server-{port}.log"
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            cmd,
            cwd=str(cwd or PROJECT_ROOT),
            env=full_env,
            stdout=fh,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, log, timeout)
    except Exception:
        _stop(proc)
        raise
    return url, proc


@pytest.fixture()
def streamlit_server(tmp_path):
    """Factory: ``url = streamlit_server(script_path, env=None, cwd=..., args=(), timeout=90)``."""
    started: list[subprocess.Popen] = []

    def start(
        script_path: str | os.PathLike,
        env: dict[str, str] | None = None,
        *,
        cwd: str | os.PathLike | None = None,
        args: tuple[str, ...] | list[str] = (),
        timeout: float = 90,
    ) -> str:
        url, proc = launch_streamlit(
            script_path, tmp_path, env, cwd=cwd, args=args, timeout=timeout
        )
        started.append(proc)
        return url

    yield start
    for proc in reversed(started):
        _stop(proc)


@pytest.fixture(scope="module")
def app_server(tmp_path_factory):
    """One ``streamlit run app.py`` shared by a module's tests (each opens its own pages)."""
    url, proc = launch_streamlit(
        PROJECT_ROOT / "app.py", tmp_path_factory.mktemp("server"), timeout=120
    )
    yield url
    _stop(proc)


# ---------------------------------------------------------------------------- Chromium


@pytest.fixture(scope="session")
def chromium():
    problem = browser_problem()
    if problem:
        skip_or_fail(problem)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        try:
            browser = p.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, timeout=60_000
            )
        # noqa: BLE001 - a chromium that will not start is a missing browser
        except Exception as exc:
            skip_or_fail(f"Chromium at {CHROMIUM} did not start: {exc}")
        yield browser
        browser.close()


@dataclass
class OfflinePage:
    page: object
    external: list[str] = field(default_factory=list)  # blocked requests to non-local hosts
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    responses: dict[str, tuple[int, str]] = field(
        default_factory=dict
    )  # local URL -> (status, content-type)


@pytest.fixture()
def offline_page(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    context.set_default_timeout(30_000)
    state = OfflinePage(page=None)

    def gate(route):
        url = route.request.url
        host = urlparse(url).hostname or ""
        if url.startswith(("data:", "blob:", "about:")) or host in LOCAL_HOSTS:
            route.continue_()
        else:
            state.external.append(url)
            route.abort("internetdisconnected")

    context.route("**/*", gate)
    page = context.new_page()
    page.on(
        "console",
        lambda msg: state.console_errors.append(msg.text) if msg.type == "error" else None,
    )
    page.on("pageerror", lambda exc: state.page_errors.append(str(exc)))
    page.on(
        "response",
        lambda r: state.responses.__setitem__(r.url, (r.status, r.headers.get("content-type", ""))),
    )
    state.page = page
    yield state
    context.close()


def map_frame(page, selector: str = MAP_IFRAME):
    """streamlit-folium's component iframe as a FrameLocator (by title, else by its URL)."""
    if page.locator(selector).count():
        return page.frame_locator(selector)
    return page.frame_locator('iframe[src*="streamlit_folium"]')
