"""Benchmark the People view in a real browser: ``streamlit run app.py`` and Debian's headless
Chromium, against a tab the app already had (the floor of "a tab with a chart" on the same page).

For a system, a place and a PCN (each opened from a link, its map painted first: the page's data
is loaded), it times:

* ``people_first_s``: the first click on the *People* tab until both its charts have drawn their
  bars: this server's first profile table of the tier (and for the first page the people matrix
  of the atlas); plotly.js is already loaded, by the page's other chart tab opened just before;
* ``people_s``: the same click again (median of ``--repeat``), after switching away to the
  page's other chart tab: what a user pays each time (target < 1 s);
* ``other_tab_s``: the click on that other chart tab (the treemap, the Sankey, the list-size
  histogram) until its chart is drawn: what any tab of this app costs on this machine;
* ``python_ms``: the view's own work without Streamlit or a browser (the cached profile row,
  band and decile shares, both figures and their JSON), median of ``--repeat``;
* ``script_s`` / ``other_script_s``: the whole page's script run after a click on the People tab
  / on the other chart tab, in-process (Streamlit's AppTest, warm caches), median of
  ``--repeat``: the server's share of the click.

The machine's load average is recorded beside the figures (the 2 cores are shared).
Usage: ``python bench/people_view.py [--repeat 5]``. Needs /usr/bin/chromium and a built 2026 atlas.
Writes ``bench/results/people_view.json``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

_spec = importlib.util.spec_from_file_location("bench_app", ROOT / "bench" / "app.py")
bench_app = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_app)

TARGET_S = 1.0
CHART = '[data-testid="stPlotlyChart"]'
# page, link, tier, code, the page's other chart tab
PAGES = [
    ("system", "/system?icb=E54000057", "icb", "E54000057", "Residents by place and PCN"),
    ("place", "/place?place=E06000009", "utla", "E06000009", "Residents to systems"),
    ("pcn", "/pcn?q=eccles", "pcn", "U00203", "List-size distribution"),
]


def wait_idle(page) -> None:
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000
    )


def click_until_drawn(page, tab: str, charts: int) -> float:
    """Click a tab; seconds until ``charts`` charts have drawn (bars, treemap, sankey or bins)."""
    t0 = time.perf_counter()
    page.get_by_role("tab", name=tab, exact=True).click()
    page.wait_for_function(
        f"""n => {{
            const c = [...document.querySelectorAll('{CHART}')];
            return c.length === n && c.every(x => x.querySelector(
                'g.barlayer path, g.trace.treemap path, g.sankey path, g.trace.bars path'));
        }}""",
        arg=charts,
        timeout=60_000,
    )
    elapsed = time.perf_counter() - t0
    wait_idle(page)
    return elapsed


def python_side(repeat: int) -> dict:
    """The view's own work: profile row, shares and both figures as JSON (tables cached)."""
    from ics_maps.analysis.profile_views import age_shares, decile_shares
    from ics_maps.analysis.profiles import england_profile, tier_profile
    from ics_maps.atlas import load_atlas
    from ics_maps.presentation.charts import age_chart, decile_chart

    atlas = load_atlas("2026")
    england = england_profile(atlas).iloc[0]
    out = {}
    for name, _, tier, code, _ in PAGES:
        table = tier_profile(atlas, tier)
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            row = table[table["code"] == code].iloc[0]
            age_chart(age_shares(row, england), row["name"]).to_json()
            decile_chart(decile_shares(row, england), row["name"]).to_json()
            times.append(time.perf_counter() - t0)
        out[name] = round(statistics.median(times) * 1000, 1)
    return out


def script_runs(repeat: int) -> dict:
    """Seconds of the page's script run after each tab click (in-process, warm caches)."""
    from streamlit.testing.v1 import AppTest

    app = str(ROOT / "ics_maps" / "app" / "navigation.py")
    out = {}
    for name, link, _, _, other in PAGES:
        path, _, query = link.partition("?")
        at = AppTest.from_file(app, default_timeout=120)
        at.run()
        at.switch_page(f"../../pages/{path.strip('/')}.py")
        at.query_params.update(dict(kv.split("=") for kv in query.split("&")))
        at.run()
        key = f"{name}_tab"
        times = {"People": [], other: []}
        for _ in range(repeat + 1):  # the first round warms the caches
            for tab in (other, "People"):
                at.session_state[key] = tab
                t0 = time.perf_counter()
                at.run()
                times[tab].append(time.perf_counter() - t0)
        out[name] = {
            "script_s": round(statistics.median(times["People"][1:]), 3),
            "other_script_s": round(statistics.median(times[other][1:]), 3),
        }
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright

    from ics_maps.atlas import ensure_atlas

    ensure_atlas("2026")
    load_before = os.getloadavg()
    port = bench_app.free_port()
    url = f"http://127.0.0.1:{port}"
    log = Path(tempfile.mkdtemp()) / "server.log"
    proc = bench_app.start_server(port, log)
    rows = []
    try:
        bench_app.wait_healthy(url, proc)
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=bench_app.CHROMIUM, headless=True, args=["--no-sandbox"]
            )
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            for name, link, tier, _, other in PAGES:
                page.goto(url + link, wait_until="domcontentloaded", timeout=120_000)
                bench_app.wait_map(page, timeout=120_000)
                wait_idle(page)
                click_until_drawn(page, other, 1)  # loads plotly.js in this page
                first = click_until_drawn(page, "People", 2)
                people, others = [], []
                for _ in range(args.repeat):
                    others.append(click_until_drawn(page, other, 1))
                    people.append(click_until_drawn(page, "People", 2))
                row = {
                    "page": name,
                    "tier": tier,
                    "people_first_s": round(first, 2),
                    "people_s": round(statistics.median(people), 2),
                    "people_all_s": [round(t, 2) for t in people],
                    "other_tab": other,
                    "other_tab_s": round(statistics.median(others), 2),
                    "meets_target": statistics.median(people) < TARGET_S,
                }
                rows.append(row)
                print(
                    f"{name:<7} People tab: first {row['people_first_s']:.2f} s, then "
                    f"{row['people_s']:.2f} s (median of {args.repeat}); '{other}' tab "
                    f"{row['other_tab_s']:.2f} s",
                    flush=True,
                )
            browser.close()
    finally:
        bench_app.stop_server(proc)
    py = python_side(args.repeat)
    print("the view's own Python work (ms):", py)
    runs = script_runs(args.repeat)
    print("the page's script run after the click, s (People / other tab):", runs)
    for row in rows:
        row.update(runs[row["page"]])
    load_after = os.getloadavg()
    print(f"load average before {load_before[0]:.1f}, after {load_after[0]:.1f} (2 cores shared)")
    ok = all(r["meets_target"] for r in rows)
    print(
        f"target (People tab < {TARGET_S:.0f} s once the page is loaded): "
        f"{'met' if ok else 'NOT met'}"
    )
    out = ROOT / "bench" / "results" / "people_view.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "repeat": args.repeat,
                "target_s": TARGET_S,
                "targets_met": ok,
                "pages": rows,
                "python_ms": py,
                "load_average": {"before": load_before, "after": load_after},
                "machine": {
                    "python": platform.python_version(),
                    "platform": platform.platform(),
                    "cpus": os.cpu_count(),
                },
                "at": time.strftime("%Y-%m-%dT%H:%M:%S"),
            },
            indent=1,
        )
    )
    print(f"wrote {out}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
