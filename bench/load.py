"""Serving many people at once: `streamlit run app.py` under load, driven by Debian's headless
Chromium (issue 16, "Serve many at once" and finding 4).

Phases (``--phases``, default all), each on a fresh server:

* ``cpu`` — **server CPU per view**: the server process tree's CPU time (user + system, from
  /proc) spent on one fresh page view, from opening the URL until the page is painted and idle;
  the median of ``--repeats`` views of each page after one first view (targets: Overview < 0.1 s,
  any page < 0.2 s); and the same for the smallest Streamlit app (a title and a line), the floor
  that Streamlit itself costs per view on this machine.
* ``load`` — ``--sessions`` (20) sessions opening the Overview at once: first browser-less (the
  server's own share of the time to first map, no browser competing for the CPU), then in real
  browser tabs (time to Leaflet's first path, errors, and how busy the server was meanwhile); the
  browsers' share is the difference.
* ``memory`` — the server's resident memory (process tree) idle, after one session, and with
  ``--memory-sessions`` (50) sessions open, each having drawn the Overview (target < 1.5 GB).
* ``hostile`` — finding 4: memory after a normal Coterminosity session (LSOA × PCN, the largest
  table, at 0 % and 5 %) and then after 100 distinct hostile links (other tolerances, garbage
  values) in further sessions (target: within 10 % of the normal session's), measured at once and
  again once the closed tabs' sessions have expired (Streamlit keeps a closed tab's session, with
  the tables it showed, for two minutes); ``hostile-default`` does the same on the page as it
  opens (districts × ICSs).
* ``scale`` — views per minute with ``--clients`` sessions each loading the Overview again and
  again for ``--seconds``, against one server and against two server processes on this machine
  (each client sticks to one server, as behind a load balancer with sticky sessions). These
  clients speak Streamlit's websocket protocol without a browser (:func:`ws_view`), so the figure
  is what the servers can serve, not what Chromium on the same two cores can draw.

Usage: ``python bench/load.py [--project DIR] [--label before|after] [--phases cpu,load,...]``.
``--project`` serves another checkout (e.g. the code before a change, with its own
``ICS_MAPS_DATA``) for a before/after comparison. Needs /usr/bin/chromium (never downloaded) and
a built 2026 atlas. Writes ``bench/results/load-<label>.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/_server.py
from _server import free_port, process_tree, rss_mb, stop_server, wait_healthy  # noqa: E402

CHROMIUM = os.environ.get("ICS_MAPS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]
MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
PAGES = {
    "overview": "/",
    "system": "/system?icb=E54000057",
    "place": "/place?place=E10000025",
    "pcn": "/pcn?q=eccles",
    "coterminosity": "/coterminosity",
}
BIG_TABLE = "/coterminosity?child=lsoa&parent=pcn"
TARGETS = {"cpu_overview_s": 0.1, "cpu_any_page_s": 0.2, "memory_50_sessions_mb": 1536}
PROBLEM = (
    '[data-testid="stException"], [data-testid="stAlertContentError"]'  # a traceback or an error
)


# ---------------------------------------------------------------------------- the server


SERVER_ARGS: list[str] = []  # extra `streamlit run` options (--server-args)


def start_server(project: Path, data: str | None, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(project / "app.py"),
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
        *SERVER_ARGS,
    ]
    env = dict(os.environ, PYTHONPATH=str(project))
    if data:
        env["ICS_MAPS_DATA"] = data
    proc = subprocess.Popen(
        cmd,
        cwd=project,
        env=env,
        stdout=open(log, "ab"),
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    wait_healthy(url, proc, 120, log)
    settle(proc.pid)
    return proc, url


def settle(pid: int, quiet_s: float = 1.5, limit_s: float = 90) -> None:
    """Wait until the server's warm-up is over: ``quiet_s`` seconds using under 5 % of a CPU."""
    end = time.monotonic() + limit_s
    while time.monotonic() < end:
        c0 = cpu_s(pid)
        time.sleep(quiet_s)
        if cpu_s(pid) - c0 < 0.05 * quiet_s:
            return


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) used so far by the server and its children."""
    total = 0.0
    for q in process_tree(pid):
        try:
            t = q.cpu_times()
            total += t.user + t.system
        except Exception:  # noqa: BLE001 - a child that just ended
            pass
    return total


# ---------------------------------------------------------------------------- one view


async def view(
    browser, url: str, timeout_ms: int = 180_000, shared=None, has_map: bool = True
) -> dict:
    """Open ``url`` in a fresh session; return when painted (a map, else the title) and idle.

    ``shared``: a browser context to open the page in (its HTTP cache holds Streamlit's JavaScript,
    as for a returning visitor); by default a new context (a first visit: everything downloaded).
    Times (s): ``painted_s`` from opening until Leaflet drew a path (or the page's title showed,
    for a page without a map); within it ``server_s`` from the session's websocket opening until
    its largest message (the map) arrived, and ``browser_s`` the rest (loading the page's
    JavaScript, then painting the map).
    """
    ctx = shared or await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await ctx.new_page()
    frames: list[tuple[float, int]] = []
    opened: list[float] = []
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)[:200]))

    def on_ws(ws) -> None:
        opened.append(time.perf_counter())
        ws.on("framereceived", lambda payload: frames.append((time.perf_counter(), len(payload))))

    page.on("websocket", on_ws)
    t0 = time.perf_counter()
    out: dict = {"url": url}
    try:
        await page.goto(url, wait_until="commit", timeout=timeout_ms)
        if has_map:
            await page.locator(MAP_IFRAME).first.wait_for(timeout=timeout_ms)
            await (
                page.frame_locator(MAP_IFRAME)
                .first.locator("path.leaflet-interactive")
                .first.wait_for(state="visible", timeout=timeout_ms)
            )
        else:  # the page's title, then its last element (the credits) drawn
            await page.locator("h1").first.wait_for(timeout=timeout_ms)
            await page.get_by_text("Contains OS data").first.wait_for(timeout=timeout_ms)
        out["painted_s"] = time.perf_counter() - t0
        await page.wait_for_timeout(200)
        await page.wait_for_function(
            "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
            timeout=timeout_ms,
        )
        out["idle_s"] = time.perf_counter() - t0
        problems = await page.locator(PROBLEM).all_inner_texts()
        if problems:
            errors.append("on the page: " + problems[0][:200])
    except Exception as exc:  # noqa: BLE001 - a time-out is a failed view, counted
        errors.append(f"{type(exc).__name__}: {str(exc)[:200]}")
    if frames and opened:
        t_big, _ = max(frames, key=lambda f: f[1])
        # the server's part: from the session's websocket opening to the map's message arriving;
        # the browser's: loading the page's JavaScript before that, and painting the map after
        out["server_s"] = t_big - opened[0]
        if "painted_s" in out:
            out["browser_s"] = (opened[0] - t0) + (t0 + out["painted_s"] - t_big)
        out["bytes"] = sum(n for _, n in frames)
    out["errors"] = errors
    out["page"] = page
    out["context"] = None if shared else ctx
    return out


async def close(v: dict) -> None:
    ctx, page = v.pop("context", None), v.pop("page", None)
    await (ctx.close() if ctx is not None else page.close())


async def returning(browser, url: str):
    """A browser context that has visited once (Streamlit's JavaScript in its cache)."""
    ctx = await browser.new_context(viewport={"width": 1280, "height": 900})
    await close(await view(browser, url + "/about", shared=ctx, has_map=False))
    return ctx


# ---------------------------------------------------------------------------- a browser-less view


async def ws_view(url: str, page: str = "", query: str = "", timeout_s: float = 300) -> float:
    """One view as Streamlit's own protocol makes it, with no browser: open a session's websocket,
    ask for a run of ``page`` with ``query`` (what the browser sends first), read the server's
    messages until the run finishes. Returns the seconds it took; raises on an error or a
    traceback in the run. Measures what the server can serve when browsers cost it nothing."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    t0 = time.perf_counter()
    ws_url = url.replace("http://", "ws://") + "/_stcore/stream"
    async with websockets.connect(
        ws_url, subprotocols=["streamlit"], max_size=None, open_timeout=timeout_s
    ) as ws:
        msg = BackMsg()
        msg.rerun_script.query_string = query
        msg.rerun_script.page_name = page
        await ws.send(msg.SerializeToString())
        while True:
            raw = await asyncio.wait_for(ws.recv(), timeout_s)
            fwd = ForwardMsg()
            fwd.ParseFromString(raw)
            kind = fwd.WhichOneof("type")
            if kind == "delta" and fwd.delta.new_element.WhichOneof("type") == "exception":
                raise RuntimeError(f"exception in the run: {fwd.delta.new_element.exception}")
            if kind == "script_finished":
                return time.perf_counter() - t0


# ---------------------------------------------------------------------------- phases


FLOOR_APP = 'import streamlit as st\n\nst.title("Hello")\nst.caption("Contains OS data")\n'


async def floor_cpu(browser, repeats: int, log: Path) -> float:
    """Server CPU per view of the smallest Streamlit app (a title and a line) on this machine:
    what Streamlit itself costs per page view before any app code runs."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "app.py").write_text(FLOOR_APP)
        proc, url = start_server(Path(tmp), None, log)
        try:
            ctx = await browser.new_context(viewport={"width": 1280, "height": 900})
            used = []
            for i in range(repeats + 1):
                c0 = cpu_s(proc.pid)
                await close(await view(browser, url + "/", shared=ctx, has_map=False))
                if i:
                    used.append(cpu_s(proc.pid) - c0)
            await ctx.close()
        finally:
            stop_server(proc)
    return round(statistics.median(used), 3)


async def phase_cpu(browser, url: str, pid: int, repeats: int) -> dict:
    out = {}
    ctx = await returning(browser, url)
    for name, path in PAGES.items():
        per_view = []
        first = None
        for i in range(repeats + 1):
            c0 = cpu_s(pid)
            v = await view(browser, url + path, shared=ctx)
            await close(v)
            used = cpu_s(pid) - c0
            if v["errors"]:
                raise RuntimeError(f"{name}: {v['errors']}")
            if i == 0:
                first = used
            else:
                per_view.append(used)
        out[name] = {
            "first_view_cpu_s": round(first, 3),
            "cpu_per_view_s": round(statistics.median(per_view), 3),
            "views": repeats,
        }
        print(f"  cpu {name}: first {first:.3f} s, then {out[name]['cpu_per_view_s']:.3f} s")
    await ctx.close()
    return out


async def phase_load(browser, url: str, pid: int, sessions: int) -> dict:
    """``sessions`` people opening the Overview at once, measured twice on one server.

    1. The server's own share: ``sessions`` browser-less sessions (:func:`ws_view`) at once, each
       timed from opening its websocket to the end of its run (the map sent): what the server
       takes when browsers cost it nothing.
    2. Real browsers: ``sessions`` tabs at once (a browser that has visited before, so Streamlit's
       JavaScript is cached; the tabs share this machine's two cores with the server), each timed
       to Leaflet's first painted path; errors are exceptions on a page, page errors, time-outs.
    """
    c0, t0 = cpu_s(pid), time.perf_counter()
    server_times = await asyncio.gather(*(ws_view(url) for _ in range(sessions)))
    ws_wall, ws_cpu = time.perf_counter() - t0, cpu_s(pid) - c0
    ctx = await returning(browser, url)
    c0, t0 = cpu_s(pid), time.perf_counter()
    views = await asyncio.gather(
        *(view(browser, url + "/", timeout_ms=600_000, shared=ctx) for _ in range(sessions))
    )
    wall = time.perf_counter() - t0
    used = cpu_s(pid) - c0
    for v in views:
        await close(v)
    await ctx.close()
    errors = [e for v in views for e in v["errors"]]
    painted = [v["painted_s"] for v in views if "painted_s" in v]
    server_med = statistics.median(server_times)

    def r(x):
        return round(x, 2) if x is not None else None

    res = {
        "sessions": sessions,
        "server_only": {
            "time_to_map_median_s": r(server_med),
            "time_to_map_max_s": r(max(server_times)),
            "wall_s": r(ws_wall),
            "server_cpu_s": r(ws_cpu),
            "server_cpu_per_session_s": round(ws_cpu / sessions, 3),
        },
        "browsers": {
            "errors": len(errors),
            "error_examples": errors[:3],
            "first_map_median_s": r(statistics.median(painted)) if painted else None,
            "first_map_max_s": r(max(painted)) if painted else None,
            "browser_share_median_s": r(statistics.median(painted) - server_med)
            if painted
            else None,
            "wall_s": r(wall),
            "server_cpu_s": r(used),
            "server_busy_share": round(used / wall, 3),
        },
    }
    print(f"  load: {res}")
    return res


async def phase_memory(browser, url: str, pid: int, sessions: int) -> dict:
    res = {"idle_mb": rss_mb(pid)}
    ctx = await returning(browser, url)
    open_views = []
    v = await view(browser, url + "/", shared=ctx)
    open_views.append(v)
    res["one_session_mb"] = rss_mb(pid)
    batch = 10
    while len(open_views) < sessions:
        n = min(batch, sessions - len(open_views))
        open_views += await asyncio.gather(
            *(view(browser, url + "/", shared=ctx) for _ in range(n))
        )
    await asyncio.sleep(2)
    res[f"sessions_{sessions}_mb"] = rss_mb(pid)
    res["errors"] = sum(len(v["errors"]) for v in open_views)
    for v in open_views:
        await close(v)
    await ctx.close()
    print(f"  memory: {res}")
    return res


def hostile_links(base: str, n: int = 100) -> list[str]:
    """``n`` distinct links no widget makes: odd tolerances (which once each cached a table),
    out-of-range and garbage values."""
    sep = "&" if "?" in base else "?"
    links = [f"{base}{sep}tol={0.013 + i * 0.1937:.4f}" for i in range(n - 10)]
    links += [
        f"{base}{sep}tol={v}"
        for v in ("1e-9", "-3", "nan", "inf", "20.0000001", "5%25", "abc", "0x10", "1" * 60, "")
    ]
    return links[:n]


SESSION_TTL_S = 120  # Streamlit's server.disconnectedSessionTTL: a closed tab's session is kept


async def phase_hostile(browser, url: str, pid: int, base: str = BIG_TABLE) -> dict:
    """Memory after a normal session (``base`` at 0 % and 5 %) and after 100 hostile links, each
    measured twice: at once, and once the closed tabs' sessions have expired (what the server
    keeps)."""
    sep = "&" if "?" in base else "?"
    ctx = await returning(browser, url)
    for path in (base, f"{base}{sep}tol=5"):  # a normal session: 0 % and 5 %
        v = await view(browser, url + path, shared=ctx, has_map=False)
        await close(v)
    await asyncio.sleep(2)
    normal = rss_mb(pid)
    await asyncio.sleep(SESSION_TTL_S + 20)
    normal_kept = rss_mb(pid)
    errors = 0
    for i, link in enumerate(hostile_links(base)):
        v = await view(browser, url + link, shared=ctx, has_map=False)
        errors += bool([e for e in v["errors"] if not e.startswith("on the page")])
        await close(v)
        if i % 20 == 19:
            print(f"  hostile: {i + 1} links, {rss_mb(pid)} MB")
    await ctx.close()
    await asyncio.sleep(2)
    after = rss_mb(pid)
    await asyncio.sleep(SESSION_TTL_S + 20)
    after_kept = rss_mb(pid)
    res = {
        "page": base,
        "normal_session_mb": normal,
        "after_100_hostile_links_mb": after,
        "growth": round(after / normal - 1, 3),
        "normal_session_kept_mb": normal_kept,
        "after_100_hostile_links_kept_mb": after_kept,
        "growth_kept": round(after_kept / normal_kept - 1, 3),
        "view_errors": errors,
    }
    print(f"  hostile: {res}")
    return res


async def phase_scale(urls: list[str], clients: int, seconds: float) -> dict:
    """Views per minute: ``clients`` browser-less sessions (:func:`ws_view`) opening the Overview
    again and again, each sticking to one of ``urls`` (one server process, or two)."""
    done = 0
    errors = 0
    for u in urls:  # one view each first: the first run of a process loads and renders
        await ws_view(u)
    end = time.perf_counter() + seconds

    async def client(i: int) -> None:
        nonlocal done, errors
        while time.perf_counter() < end:
            try:
                await ws_view(urls[i % len(urls)])
                done += 1
            except Exception:  # noqa: BLE001 - counted
                errors += 1

    t0 = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    wall = time.perf_counter() - t0
    return {"views": done, "errors": errors, "views_per_minute": round(done / wall * 60, 1)}


# ---------------------------------------------------------------------------- main


async def run(args) -> dict:
    from playwright.async_api import async_playwright

    project = Path(args.project).resolve()
    results: dict = {
        "label": args.label,
        "project": str(project),
        "server_args": SERVER_ARGS,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "targets": TARGETS,
    }
    log = ROOT / "bench" / "results" / f"load-{args.label}-server.log"
    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        for phase in args.phases.split(","):
            print(f"phase {phase} ({args.label})")
            if phase == "scale":
                one = start_server(project, args.data, log)
                try:
                    single = await phase_scale([one[1]], args.clients, args.seconds)
                finally:
                    stop_server(one[0])
                two = [start_server(project, args.data, log) for _ in range(2)]
                try:
                    double = await phase_scale([u for _, u in two], args.clients, args.seconds)
                finally:
                    for proc, _ in two:
                        stop_server(proc)
                results["scale"] = {
                    "clients": args.clients,
                    "seconds": args.seconds,
                    "one_process": single,
                    "two_processes": double,
                }
                print(f"  scale: {results['scale']}")
                continue
            proc, url = start_server(project, args.data, log)
            try:
                if phase == "cpu":
                    results["cpu"] = await phase_cpu(browser, url, proc.pid, args.repeats)
                    results["cpu"]["floor_hello_world_cpu_per_view_s"] = await floor_cpu(
                        browser, args.repeats, log
                    )
                    print(f"  floor: {results['cpu']['floor_hello_world_cpu_per_view_s']} s")
                elif phase == "load":
                    results["load"] = await phase_load(browser, url, proc.pid, args.sessions)
                elif phase == "memory":
                    results["memory"] = await phase_memory(
                        browser, url, proc.pid, args.memory_sessions
                    )
                elif phase == "hostile":  # the largest table: LSOA × PCN, 238,823 rows
                    results["hostile"] = await phase_hostile(browser, url, proc.pid)
                elif phase == "hostile-default":  # the page as it opens: district × ICS
                    results["hostile_default"] = await phase_hostile(
                        browser, url, proc.pid, "/coterminosity"
                    )
                else:
                    raise SystemExit(f"unknown phase {phase}")
            finally:
                stop_server(proc)
        await browser.close()
    return results


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--project", default=str(ROOT), help="the checkout to serve")
    ap.add_argument("--data", default=None, help="ICS_MAPS_DATA for that checkout")
    ap.add_argument("--label", default="after")
    ap.add_argument("--phases", default="cpu,load,memory,hostile,hostile-default,scale")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--memory-sessions", type=int, default=50)
    ap.add_argument("--clients", type=int, default=6)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument(
        "--server-args",
        default="",
        help="extra streamlit run options, e.g. '--runner.postScriptGC true' to measure a setting",
    )
    args = ap.parse_args()
    SERVER_ARGS[:] = args.server_args.split()
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    results = asyncio.run(run(args))
    path = out_dir / f"load-{args.label}.json"
    old = json.loads(path.read_text()) if path.exists() else {}
    old.update(results)  # phases run separately add up in one file
    path.write_text(json.dumps(old, indent=1))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
