"""Benchmark the dashboard end to end: `streamlit run app.py` driven by Debian's headless Chromium.

Figures (with the issue's targets):

* ``server_start_to_first_map_s`` — from launching ``streamlit run app.py`` (atlas already built)
  to Leaflet's first SVG path painted in the Overview map of a fresh browser session opened as soon
  as the server answers (target < 3 s): the median of ``--cold-starts`` restarts. In the same run,
  ``floor_server_start_to_first_map_s`` does the same for the smallest possible app of this kind
  (one ``st_folium`` map of one polygon, same offline Leaflet): what Streamlit, streamlit-folium and
  the browser cost on this machine before ics-maps does anything. Also: the first start split into
  ``server_healthy_s`` and ``open_to_first_map_s``; a second session on the warm server
  (``warm_open_to_map_s``); a browser opened 3 s after the server started, as a person would
  (``open_3s_after_start_to_first_map_s``: the start-up warm-up has finished by then); and a server
  restart seen from a browser that has visited before (``returning_browser_...``: Streamlit's JS
  bundle comes from the browser cache);
* ``filter_change_s`` — choosing an NHS region (then a wave) in the sidebar until the headline
  figures show the filtered values (median of several changes; target < 1 s);
* ``payload`` per page — bytes the browser receives over Streamlit's websocket for one page view
  (the app's own HTML/JSON/Arrow payload: map HTML, tables, charts; Streamlit's cached JS bundle is
  not counted), the largest single message, and the national ICS map's HTML (target < 2 MB);
* ``memory`` — the server's resident memory (process and children) idle after start, after one
  session, and with 10 concurrent browser sessions that have each opened every page (target
  < 1.5 GB).

Usage: ``python bench/app.py [--sessions 10]``. Needs /usr/bin/chromium (never downloaded) and a
built 2026 atlas (``ics-maps build``; built here if missing). Writes ``bench/results/app.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/_server.py
sys.path.insert(0, str(ROOT))

from _server import free_port, rss_mb, stop_server, wait_healthy  # noqa: E402

CHROMIUM = os.environ.get("ICS_MAPS_CHROMIUM", "/usr/bin/chromium")
MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
PAGES = {
    "overview": "/",
    "system": "/system?icb=E54000057",
    "place": "/place?place=E10000025",
    "pcn": "/pcn?q=eccles",
    "coterminosity": "/coterminosity",
    "about": "/about",
}
MINIMAL_APP = """import folium
import streamlit as st
from streamlit_folium import st_folium

m = folium.Map(location=[52.5, -1.5], zoom_start=6, tiles=None)
m.default_js = [("leaflet", "/app/static/vendor/leaflet/leaflet.js")]
m.default_css = [("leaflet_css", "/app/static/vendor/leaflet/leaflet.css")]
folium.GeoJson({"type": "Feature", "properties": {},
                "geometry": {"type": "Polygon", "coordinates": [[[-2, 52], [-1, 52], [-1, 53], [-2,
                52]]]}}).add_to(m)
st_folium(m, height=500, returned_objects=[])
"""
TARGETS = {
    "server_start_to_first_map_s": 3.0,
    "filter_change_s": 1.0,
    "national_map_bytes": 2_000_000,
    "memory_10_sessions_mb": 1536,
}


def minimal_app(folder: Path) -> Path:
    """The floor: a one-polygon st_folium app with the same offline Leaflet and Streamlit
    settings."""
    import shutil

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "app.py").write_text(MINIMAL_APP)
    shutil.copytree(ROOT / ".streamlit", folder / ".streamlit", dirs_exist_ok=True)
    shutil.copytree(ROOT / "static" / "vendor", folder / "static" / "vendor", dirs_exist_ok=True)
    return folder / "app.py"


def cold_start(browser, script: Path, log: Path, open_delay: float = 0.0) -> dict:
    """Start ``streamlit run script``; open a fresh browser context (empty cache) once it answers
    (or ``open_delay`` s after the start); time until the first map path is painted."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    t0 = time.perf_counter()
    proc = start_server(port, log, script)
    try:
        wait_healthy(url, proc)
        t_health = time.perf_counter()
        if open_delay:
            time.sleep(max(0.0, open_delay - (t_health - t0)))
        t_open = time.perf_counter()
        page.goto(url + "/", wait_until="commit")
        wait_map(page)
        t_map = time.perf_counter()
    finally:
        ctx.close()
        stop_server(proc)
    return {
        "healthy_s": round(t_health - t0, 2),
        "open_to_map_s": round(t_map - t_open, 2),
        "start_to_map_s": round(t_map - t0, 2),
    }


def start_server(port: int, log: Path, script: Path | None = None) -> subprocess.Popen:
    script = script or ROOT / "app.py"
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
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
    ]
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    )
    return subprocess.Popen(
        cmd,
        cwd=script.parent,
        env=env,
        stdout=open(log, "wb"),
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )


def wait_map(page, timeout: float = 90_000) -> None:
    page.locator(MAP_IFRAME).first.wait_for(timeout=timeout)
    page.frame_locator(MAP_IFRAME).first.locator("path.leaflet-interactive").first.wait_for(
        state="visible", timeout=timeout
    )


def wait_idle(page, timeout: float = 60_000) -> None:
    page.wait_for_timeout(200)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout
    )


def metric(page, label: str) -> str:
    return page.evaluate(
        """label => { for (const m of document.querySelectorAll('[data-testid="stMetric"]')) {
             if (m.querySelector('[data-testid="stMetricLabel"]')?.innerText.trim() === label)
               return m.querySelector('[data-testid="stMetricValue"]').innerText.trim(); }
             return null; }""",
        label,
    )


def choose(page, index: int, text: str) -> float:
    """Pick an option in sidebar multiselect ``index``; return the time of the click
    (perf_counter)."""
    box = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').nth(index)
    box.click()
    page.keyboard.type(text)
    option = page.get_by_role("option", name=re.compile("^" + re.escape(text)))
    option.first.wait_for(timeout=10_000)
    t = time.perf_counter()
    option.first.click()
    return t


def measure_page(browser, url: str, name: str) -> dict:
    """Websocket bytes of one fresh page view, until the page is painted and idle."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    frames: list[int] = []
    page.on(
        "websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(len(payload)))
    )
    t0 = time.perf_counter()
    page.goto(url, wait_until="commit")
    if name == "about":
        page.get_by_role("heading", name="About ics-maps").wait_for(timeout=60_000)
    else:
        wait_map(page)
    shown = time.perf_counter() - t0
    wait_idle(page)
    page.wait_for_timeout(500)
    page.close()
    return {
        "ws_bytes": sum(frames),
        "largest_message_bytes": max(frames) if frames else 0,
        "messages": len(frames),
        "open_to_painted_s": round(shown, 2),
    }


def national_map_bytes() -> int:
    from ics_maps.atlas import load_atlas
    from ics_maps.presentation import maps

    atlas = load_atlas("2026")
    icb = atlas.web_layer("icb")  # the display layer the app draws (made at build time)
    return maps.payload_bytes(
        maps.ics_map(icb, "residents", bins=atlas.meta.get("icb_residents_bins"))
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=10)
    ap.add_argument("--filter-repeats", type=int, default=4)
    ap.add_argument(
        "--cold-starts",
        type=int,
        default=5,
        help="server restarts timed for the first map (median)",
    )
    args = ap.parse_args()
    if not os.access(CHROMIUM, os.X_OK):
        print(f"no Chromium at {CHROMIUM}: apt-get install chromium", file=sys.stderr)
        return 2
    from ics_maps.atlas import ensure_atlas

    ensure_atlas("2026")  # the benchmark is "with a built atlas"
    from playwright.sync_api import sync_playwright

    out: dict = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "targets": TARGETS,
    }
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = ROOT / "bench" / "results" / "app-server.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        browser.new_page().close()  # the browser is up before the clock starts
        t0 = time.perf_counter()
        proc = start_server(port, log)
        try:
            wait_healthy(url, proc)
            t_health = time.perf_counter()
            out["memory_idle_mb"] = rss_mb(proc.pid)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            t_open = time.perf_counter()
            page.goto(url + "/", wait_until="commit")
            wait_map(page)
            t_map = time.perf_counter()
            out["server_healthy_s"] = round(t_health - t0, 2)
            out["open_to_first_map_s"] = round(t_map - t_open, 2)
            out["server_start_to_first_map_s"] = round(t_map - t0, 2)
            wait_idle(page)
            out["memory_one_session_mb"] = rss_mb(proc.pid)

            warm = []
            for _ in range(3):
                p2 = browser.new_page(viewport={"width": 1280, "height": 900})
                t = time.perf_counter()
                p2.goto(url + "/", wait_until="commit")
                wait_map(p2)
                warm.append(time.perf_counter() - t)
                p2.close()
            out["warm_open_to_map_s"] = round(statistics.median(warm), 2)

            # filter changes: region, then wave, then clear; each timed until the headline changes
            changes = []
            for i in range(args.filter_repeats):
                region, wave = [
                    ("North West", 1),
                    ("London", 5),
                    ("Midlands", 6),
                    ("South West", 5),
                ][i % 4]
                before = metric(page, "ICBs")
                t = choose(page, 0, region)
                page.keyboard.press("Escape")
                page.wait_for_function(
                    """before => {
                       for (const m of document.querySelectorAll('[data-testid="stMetric"]'))
                         if (m.querySelector('[data-testid="stMetricLabel"]')?.innerText.trim() ===
                         'ICBs')
                           return m.querySelector('[data-testid="stMetricValue"]').innerText.trim()
                           !== before;
                       return false; }""",
                    arg=before,
                    timeout=30_000,
                )
                changes.append(("region " + region, time.perf_counter() - t))
                wait_idle(page)
                before = metric(page, "PCNs")
                t = choose(page, 1, f"Wave {wave}")
                page.keyboard.press("Escape")
                page.wait_for_function(
                    """before => {
                       for (const m of document.querySelectorAll('[data-testid="stMetric"]'))
                         if (m.querySelector('[data-testid="stMetricLabel"]')?.innerText.trim() ===
                         'PCNs')
                           return m.querySelector('[data-testid="stMetricValue"]').innerText.trim()
                           !== before;
                       return false; }""",
                    arg=before,
                    timeout=30_000,
                )
                changes.append((f"+ wave {wave}", time.perf_counter() - t))
                wait_idle(page)
                page.goto(url + "/", wait_until="commit")  # back to no filter (a fresh link)
                wait_map(page)
                wait_idle(page)
            out["filter_changes"] = [{"change": c, "s": round(s, 3)} for c, s in changes]
            out["filter_change_s"] = round(statistics.median(s for _, s in changes), 3)
            out["filter_change_max_s"] = round(max(s for _, s in changes), 3)
            page.close()

            out["payload"] = {
                name: measure_page(browser, url + link, name) for name, link in PAGES.items()
            }
            out["national_map_bytes"] = national_map_bytes()

            # memory with N concurrent sessions, each having opened every page
            contexts = []
            for _ in range(args.sessions):
                ctx = browser.new_context(viewport={"width": 1280, "height": 900})
                p = ctx.new_page()
                for name, link in PAGES.items():
                    p.goto(url + link, wait_until="commit")
                    if name == "about":
                        p.get_by_role("heading", name="About ics-maps").wait_for(timeout=90_000)
                    else:
                        wait_map(p, timeout=120_000)
                    wait_idle(p, timeout=120_000)
                p.goto(url + "/", wait_until="commit")
                wait_map(p, timeout=120_000)
                contexts.append(ctx)
            time.sleep(2)
            out["sessions"] = args.sessions
            out["memory_10_sessions_mb"] = rss_mb(proc.pid)
            for ctx in contexts:
                ctx.close()
        finally:
            stop_server(proc)

        # A server restart seen from a browser that has visited before (its HTTP cache holds
        # Streamlit's JS bundle, as for a returning user): what the server side costs on a cold
        # start.
        try:
            returning = browser.new_context(viewport={"width": 1280, "height": 900})
            port2 = free_port()
            url2 = f"http://127.0.0.1:{port2}"
            proc = start_server(port2, log)
            wait_healthy(url2, proc)
            p = returning.new_page()
            p.goto(url2 + "/", wait_until="commit")
            wait_map(p)
            p.close()
            stop_server(proc)
            port3 = free_port()
            t0 = time.perf_counter()
            proc = start_server(port3, log)
            wait_healthy(f"http://127.0.0.1:{port3}", proc)
            t_h = time.perf_counter()
            p = returning.new_page()
            p.goto(f"http://127.0.0.1:{port3}/", wait_until="commit")
            wait_map(p)
            out["returning_browser_server_start_to_first_map_s"] = round(
                time.perf_counter() - t0, 2
            )
            out["returning_browser_open_to_first_map_s"] = round(time.perf_counter() - t_h, 2)
        finally:
            stop_server(proc)

        # Cold starts, alternating ics-maps and the minimal app so both see the same machine load.
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            floor_app = minimal_app(Path(tmp) / "minimal")
            runs: dict[str, list[dict]] = {"ics_maps": [], "floor": []}
            for _ in range(args.cold_starts):
                runs["ics_maps"].append(cold_start(browser, ROOT / "app.py", log))
                runs["floor"].append(cold_start(browser, floor_app, log))
            late = cold_start(browser, ROOT / "app.py", log, open_delay=3.0)
        browser.close()
    first = out.get("server_start_to_first_map_s")
    out["first_start_to_first_map_s"] = first
    out["cold_starts"] = runs
    out["server_start_to_first_map_s"] = statistics.median(
        r["start_to_map_s"] for r in runs["ics_maps"]
    )
    out["floor_server_start_to_first_map_s"] = statistics.median(
        r["start_to_map_s"] for r in runs["floor"]
    )
    out["server_start_to_first_map_range_s"] = [
        min(r["start_to_map_s"] for r in runs["ics_maps"]),
        max(r["start_to_map_s"] for r in runs["ics_maps"]),
    ]
    out["floor_range_s"] = [
        min(r["start_to_map_s"] for r in runs["floor"]),
        max(r["start_to_map_s"] for r in runs["floor"]),
    ]
    out["open_3s_after_start_to_first_map_s"] = late["open_to_map_s"]

    out["pass"] = {
        "server_start_to_first_map_s": out["server_start_to_first_map_s"]
        < TARGETS["server_start_to_first_map_s"],
        "filter_change_s": out["filter_change_s"] < TARGETS["filter_change_s"],
        "national_map_bytes": out["national_map_bytes"] < TARGETS["national_map_bytes"],
        "memory_10_sessions_mb": out["memory_10_sessions_mb"] < TARGETS["memory_10_sessions_mb"],
    }
    path = ROOT / "bench" / "results" / "app.json"
    path.write_text(json.dumps(out, indent=1))
    lo, hi = out["server_start_to_first_map_range_s"]
    flo, fhi = out["floor_range_s"]
    print(
        f"server start → first map painted: median {out['server_start_to_first_map_s']} s of "
        f"{args.cold_starts} "
        f"(range {lo}–{hi} s) target < 3 s; minimal one-polygon st_folium app in the same run: "
        "median "
        f"{out['floor_server_start_to_first_map_s']} s (range {flo}–{fhi} s)"
    )
    print(
        f"  first start: healthy {out['server_healthy_s']} s + page {out['open_to_first_map_s']} "
        "s; warm session "
        f"{out['warm_open_to_map_s']} s; browser opened 3 s after the start: map "
        f"{out['open_3s_after_start_to_first_map_s']} s after opening"
    )
    print(
        f"  same, from a browser that visited before (cached JS): "
        f"{out.get('returning_browser_server_start_to_first_map_s')} s "
        f"(page {out.get('returning_browser_open_to_first_map_s')} s)"
    )
    print(
        f"filter change → figures updated: median {out['filter_change_s']} s, max "
        f"{out['filter_change_max_s']} s "
        "(target < 1 s)"
    )
    print(f"national ICS map HTML: {out['national_map_bytes'] / 1e6:.2f} MB (target < 2 MB)")
    for name, p in out["payload"].items():
        print(
            f"  {name:14s} websocket {p['ws_bytes'] / 1e6:6.2f} MB in {p['messages']:3d} messages, "
            "largest "
            f"{p['largest_message_bytes'] / 1e6:.2f} MB, painted in {p['open_to_painted_s']} s"
        )
    print(
        f"server memory: idle {out['memory_idle_mb']} MB, one session "
        f"{out['memory_one_session_mb']} MB, "
        f"{out['sessions']} sessions {out['memory_10_sessions_mb']} MB (target < 1536 MB)"
    )
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
