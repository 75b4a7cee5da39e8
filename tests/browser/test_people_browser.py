"""The People views in a real browser (issue 11): a system, a place and a PCN, each opened from a
link, then its *People* tab: the headline figures, both charts drawn (bars in the SVG) with their
data year and source, at 1,400 and 1,000 px; the Overview map coloured by a profile measure.

Screenshots: ``screenshots/people_<page>_<width>.png`` and ``people_overview_map.png``. The seconds
from the tab click to both charts drawn are printed (``bench/people_view.py`` measures them).
"""

from __future__ import annotations

import re
import time

import pytest

from .conftest import map_frame
from .test_app_browser import APP, no_error_on_page, shoot, wait_for_map, wait_idle

pytestmark = pytest.mark.browser

# (page, link, the unit's name on the page, its tier and code)
PEOPLE = [
    (
        "system",
        "/system?icb=E54000057",
        "NHS Greater Manchester Integrated Care Board",
        "icb",
        "E54000057",
    ),
    ("place", "/place?place=E06000009", "Blackpool", "utla", "E06000009"),
    ("pcn", "/pcn?q=eccles", "ECCLES & IRLAM PCN", "pcn", "U00203"),
]
CHART = '[data-testid="stPlotlyChart"]'
SIZES = [(1400, 1000), (1000, 800)]


@pytest.fixture()
def app_url(streamlit_server):
    return streamlit_server(APP, timeout=120)


def open_people_tab(page) -> float:
    """Click the People tab; seconds until both charts have drawn their bars."""
    t0 = time.perf_counter()
    page.get_by_role("tab", name="People", exact=True).click()
    page.wait_for_function(
        f"""() => {{
            const charts = [...document.querySelectorAll('{CHART}')];
            return charts.length >= 2 && charts.every(c => c.querySelector('g.barlayer path'));
        }}""",
        timeout=60_000,
    )
    return time.perf_counter() - t0


def test_people_views_draw_their_charts(app_url, offline_page, atlas_2026):
    from ics_maps.analysis.profiles import tier_profile

    page = offline_page.page
    timings = {}
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        for name, link, unit, tier, code in PEOPLE:
            page.goto(app_url + link, wait_until="domcontentloaded", timeout=90_000)
            wait_for_map(page, timeout=90_000)
            page.get_by_text(unit, exact=False).first.wait_for(timeout=30_000)
            wait_idle(page)
            timings[f"{name}_{width}"] = round(open_people_tab(page), 2)
            wait_idle(page)
            charts = page.locator(CHART)
            assert charts.count() == 2
            age, deciles = charts.nth(0).inner_text(), charts.nth(1).inner_text()
            assert "Census 2021 (ONS, TS007A)" in age and "England" in age
            assert "English Indices of Deprivation 2025" in deciles and "England: 10%" in deciles
            # 18 age bars and 10 decile bars, each chart inside the page's width
            assert charts.nth(0).locator("g.barlayer path").count() == 18
            assert charts.nth(1).locator("g.barlayer path").count() == 10
            for i in range(2):
                box = charts.nth(i).bounding_box()
                assert box["x"] >= 0 and box["x"] + box["width"] <= width
            # the rank shown is the unit's rank among England's units of its tier
            row = tier_profile(atlas_2026, tier).set_index("code").loc[code]
            rank, of = int(row["imd_avg_score_rank"]), int(row["imd_avg_score_rank_of"])
            metric = page.locator('[data-testid="stMetric"]', has_text="Rank by IMD score")
            assert re.search(rf"\b{rank}(st|nd|rd|th) of {of:,}\b", metric.inner_text())
            if name == "pcn":
                assert page.get_by_text("Modelled catchment.").count() == 1
            no_error_on_page(offline_page)
            shoot(page, f"people_{name}_{width}.png")
    print("seconds from the People tab click to both charts drawn:", timings)


def test_overview_map_coloured_by_a_profile_measure(app_url, offline_page):
    page = offline_page.page
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(app_url + "/?color=people&measure=age_65_plus_share", wait_until="domcontentloaded")
    wait_for_map(page, timeout=90_000)
    wait_idle(page)
    legend = map_frame(page).locator(".ics-legend")
    text = legend.inner_text()
    assert "Residents aged 65 and over" in text and "Census 2021, ONS" in text
    assert "all England" in text
    assert map_frame(page).locator("path.leaflet-interactive").count() == 36
    no_error_on_page(offline_page)
    shoot(page, "people_overview_map.png")
