"""The dashboard in a real browser: `streamlit run app.py` and Debian's headless Chromium
(Playwright).

* every page opens from a link and its map paints (``path.leaflet-interactive`` inside the
  st_folium iframe) with every request to a non-local host blocked;
* a region filter and then a wave filter, chosen in the sidebar, change the figures shown, the map
  and the link; the filtered link reopens the same view; the filters follow the user to other pages;
* clicking an ICS on the national map lands on that system's page.

Screenshots go to ``screenshots/app_*.png``. Chromium is /usr/bin/chromium (never downloaded);
without it these tests skip, or fail when ICS_MAPS_REQUIRE_BROWSER=1 (CI).
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

from ics_maps.analysis import filters as F

from .conftest import MAP_IFRAME, PROJECT_ROOT, SCREENSHOTS, map_frame

pytestmark = pytest.mark.browser

APP = PROJECT_ROOT / "app.py"
NORTH_WEST = "E40000010"
PAGES = [  # (name, link, text that must appear)
    ("overview", "/", "England's integrated care systems"),
    ("system", "/system?icb=E54000057", "NHS Greater Manchester Integrated Care Board"),
    ("place", "/place?place=E10000025", "Oxfordshire"),
    ("pcn", "/pcn?q=eccles", "ECCLES & IRLAM PCN"),
    ("coterminosity", "/coterminosity?child=lad&parent=icb", "Coterminosity"),
    ("about", "/about", "About ics-maps"),
]


PLOT, TABLE = '[data-testid="stPlotlyChart"]', '[data-testid="stDataFrame"]'
EXTRA_TABS = {
    "overview": [
        ("Designation waves", PLOT, "app_overview_waves.png"),
        ("ICBs table", TABLE, "app_overview_table.png"),
    ],
    "system": [
        ("Residents by place and PCN", PLOT, "app_system_treemap.png"),
        ("Coterminosity", TABLE, "app_system_tables.png"),
    ],
    "place": [("Residents to systems", PLOT, "app_place_sankey.png")],
    "pcn": [("List-size distribution", PLOT, "app_pcn_list_sizes.png")],
}


@pytest.fixture()
def app_url(streamlit_server):
    return streamlit_server(APP, timeout=120)


def wait_for_map(page, timeout: float = 60_000) -> None:
    """Until Leaflet has drawn at least one interactive SVG path inside the st_folium iframe."""
    page.locator(MAP_IFRAME).first.wait_for(timeout=timeout)
    map_frame(page).locator("path.leaflet-interactive").first.wait_for(
        state="visible", timeout=timeout
    )


def wait_idle(page, timeout: float = 30_000) -> None:
    """Until Streamlit has finished running the script (no "running" status widget)."""
    page.wait_for_timeout(150)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout
    )


def metrics(page) -> dict[str, str]:
    out = {}
    for m in page.locator('[data-testid="stMetric"]').all():
        out[m.locator('[data-testid="stMetricLabel"]').inner_text().strip()] = (
            m.locator('[data-testid="stMetricValue"]').inner_text().strip()
        )
    return out


def wait_metric(page, label: str, value: str, timeout: float = 30_000) -> None:
    page.wait_for_function(
        """([label, value]) => [...document.querySelectorAll('[data-testid="stMetric"]')].some(m =>
              m.querySelector('[data-testid="stMetricLabel"]')?.innerText.trim() === label &&
              m.querySelector('[data-testid="stMetricValue"]')?.innerText.trim() === value)""",
        arg=[label, value],
        timeout=timeout,
    )


def choose(page, widget_index: int, text: str) -> None:
    """Pick the option matching ``text`` in the sidebar multiselect number ``widget_index``."""
    box = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').nth(widget_index)
    box.click()
    page.keyboard.type(text)
    option = page.get_by_role(
        "option", name=re.compile("^" + re.escape(text))
    )  # not "Select all matches"
    option.first.wait_for(timeout=10_000)
    option.first.click()
    page.keyboard.press("Escape")


def shoot(page, name: str) -> Path:
    """A screenshot of the whole page (the viewport is stretched to the content for the picture)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.mouse.move(2, 2)
    size = page.viewport_size
    height = page.evaluate(
        '() => Math.max(...[...document.querySelectorAll(\'section, [data-testid="stMain"], '
        '[data-testid="stMainBlockContainer"]\')].map(e => e.scrollHeight), 900)'
    )
    page.set_viewport_size({"width": size["width"], "height": min(int(height) + 120, 4000)})
    page.wait_for_timeout(1200)
    path = SCREENSHOTS / name
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)
    return path


def no_error_on_page(state) -> None:
    page = state.page
    assert page.locator('[data-testid="stException"]').count() == 0, page.locator(
        '[data-testid="stException"]'
    ).first.inner_text()
    assert state.external == [], f"requests to other hosts: {state.external}"
    assert not state.page_errors, state.page_errors


def test_every_page_opens_and_paints(app_url, offline_page):
    page = offline_page.page
    timings = {}
    for name, link, text in PAGES:
        t0 = time.perf_counter()
        page.goto(app_url + link, wait_until="domcontentloaded", timeout=90_000)
        if name == "about":
            page.get_by_text(text).first.wait_for(timeout=60_000)
        else:
            wait_for_map(page, timeout=90_000)
        timings[name] = time.perf_counter() - t0
        page.get_by_text(text, exact=False).first.wait_for(timeout=30_000)
        wait_idle(page)
        assert page.get_by_text("Open Government Licence v3.0").count() >= 1  # the credits footer
        assert page.get_by_text(re.compile(r"Vintage 2026 — April 2026")).count() >= 1
        no_error_on_page(offline_page)
        shoot(page, f"app_{name}.png")
        for tab, what, shot in EXTRA_TABS.get(name, []):  # tabs built on demand: open each once
            page.get_by_role("tab", name=tab).click()
            page.locator(what).first.wait_for(state="visible", timeout=30_000)
            wait_idle(page)
            no_error_on_page(offline_page)
            shoot(page, shot)
    # the sidebar lists the seven pages (the app's navigation, also when a deep link came first)
    nav = page.locator('[data-testid="stSidebarNav"] a').all_inner_texts()
    assert [re.sub(r"^\w+\s+", "", t.strip()) for t in nav] == [
        "Overview",
        "System",
        "Place",
        "PCN",
        "Coterminosity",
        "Changes",
        "Your boundaries",
        "About",
    ], nav
    print("seconds to first map per page:", {k: round(v, 2) for k, v in timings.items()})


def test_a_deep_link_as_the_first_request_goes_through_navigation(streamlit_server, offline_page):
    """A fresh server whose very first request is a deep link still runs st.navigation.

    Why: Streamlit switches a process into its old multipage mode when a ``pages/`` folder sits
    beside the main script; the pages live in the project's ``pages/`` while the main script is
    ``ics_maps/app/navigation.py``, so the link must open the System page with the app's own
    navigation (seven named pages, the shared sidebar), not a folder listing of page files.
    """
    url = streamlit_server(APP, timeout=120)  # its own server: nothing has been requested yet
    page = offline_page.page
    page.goto(url + "/system?icb=E54000057", wait_until="domcontentloaded", timeout=90_000)
    wait_for_map(page, timeout=90_000)
    wait_idle(page)
    assert page.get_by_role("heading", name="System").count() >= 1
    assert page.get_by_text("NHS Greater Manchester Integrated Care Board").count() >= 1
    assert urlparse(page.url).path.rstrip("/").endswith("/system")
    nav = page.locator('[data-testid="stSidebarNav"] a').all_inner_texts()
    assert [re.sub(r"^\w+\s+", "", t.strip()) for t in nav] == [
        "Overview",
        "System",
        "Place",
        "PCN",
        "Coterminosity",
        "Changes",
        "Your boundaries",
        "About",
    ], nav
    assert page.get_by_text("Boundary vintage").count() >= 1  # the shared sidebar of frame.page
    no_error_on_page(offline_page)


def test_region_and_wave_filters_change_what_is_shown(app_url, offline_page, atlas_2026):
    page = offline_page.page
    page.goto(app_url + "/", wait_until="domcontentloaded", timeout=90_000)
    wait_for_map(page, timeout=90_000)
    wait_idle(page)
    national = metrics(page)
    paths = map_frame(page).locator("path.leaflet-interactive")
    assert national["ICBs"] == "36" and paths.count() == 36

    nw = F.apply_filters(atlas_2026, F.Filters(regions=(NORTH_WEST,)))
    choose(page, 0, "North West")
    wait_metric(page, "ICBs", str(len(nw.icb_codes)))
    wait_idle(page)
    wait_for_map(page)
    region_only = metrics(page)
    assert region_only != national
    assert region_only["Residents"] == f"{int(nw.tier('icb')['residents'].sum()):,}"
    page.wait_for_function(
        f"n => document.querySelector('{MAP_IFRAME}').contentDocument"
        ".querySelectorAll('path.leaflet-interactive').length === n",
        arg=len(nw.icb_codes),
    )
    assert f"region={NORTH_WEST}" in page.url
    shoot(page, "app_filter_region.png")

    both = F.apply_filters(atlas_2026, F.Filters(regions=(NORTH_WEST,), waves=(1,)))
    choose(page, 1, "Wave 1")
    wait_metric(page, "ICBs", str(len(both.icb_codes)))
    wait_idle(page)
    filtered = metrics(page)
    assert filtered != region_only and filtered["PCNs"] == f"{len(both.tier('pcn')):,}"
    assert "wave=1" in page.url
    shoot(page, "app_filter_region_wave.png")

    # the link reopens the same view in a new session
    link = page.url
    page.goto(link, wait_until="domcontentloaded")
    wait_for_map(page)
    wait_idle(page)
    assert metrics(page) == filtered
    # and the filters follow the user to another page
    page.locator('[data-testid="stSidebarNav"] a', has_text="Coterminosity").click()
    page.get_by_role("heading", name="Coterminosity").wait_for(timeout=30_000)
    wait_for_map(page)
    wait_idle(page)
    assert f"region={NORTH_WEST}" in page.url and "wave=1" in page.url
    lads = len(both.tier("lad"))
    assert metrics(page)["Districts and unitaries"] == f"{lads:,}"
    no_error_on_page(offline_page)


def test_click_an_ics_to_open_it(app_url, offline_page):
    page = offline_page.page
    # a short window, so the map (inside the first screen of a usual one) is only partly in view
    page.set_viewport_size({"width": 1280, "height": 560})
    page.goto(app_url + f"/?region={NORTH_WEST}", wait_until="domcontentloaded", timeout=90_000)
    wait_for_map(page, timeout=90_000)
    wait_idle(page)
    # As a person would: the map is only partly in view and nothing is scrolled first. One click
    # must open the system; it once only scrolled the map into view.
    viewport = page.viewport_size["height"]
    frame_box = page.locator(MAP_IFRAME).bounding_box()
    assert frame_box["y"] + frame_box["height"] > viewport, (
        "the map should start partly below the fold"
    )
    frame = map_frame(page)
    x = y = None
    for target in frame.locator("path.leaflet-interactive").all():
        box = target.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        if frame_box["y"] < y < viewport - 20 and target.evaluate(
            "(el, [x, y]) => el.ownerDocument.elementFromPoint(x, y) === el",
            [x - frame_box["x"], y - frame_box["y"]],
        ):
            break
    else:
        pytest.fail("no ICS of the North West shows above the fold")
    scrolled = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollTop")
    page.mouse.move(x, y)
    tip = frame.locator(".leaflet-tooltip").first
    tip.wait_for(state="visible", timeout=10_000)
    tip_box = tip.bounding_box()  # the tooltip is drawn inside the map, not cut by its edges
    assert (
        frame_box["y"] <= tip_box["y"]
        and tip_box["y"] + tip_box["height"] <= frame_box["y"] + frame_box["height"]
    )
    code = re.search(r"E54\d{6}", tip.inner_text()).group(0)
    name = tip.inner_text().split("\n")[0].split("\t")[-1].strip()
    page.mouse.click(x, y)
    assert page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]')?.scrollTop") in (
        scrolled,
        None,
    )
    page.wait_for_function(
        "code => location.pathname.endsWith('/system') && location.search.includes('icb=' + code)",
        arg=code,
        timeout=30_000,
    )
    page.get_by_role("heading", name=name).wait_for(timeout=30_000)
    wait_for_map(page)
    wait_idle(page)
    assert f"region={NORTH_WEST}" in page.url  # the filter came along
    no_error_on_page(offline_page)
    shoot(page, "app_clicked_system.png")


def test_legend_fades_under_a_tooltip(app_url, offline_page):
    """Leaflet draws controls above every pane: a legend once covered the name of the system hovered
    beside it. Now the legend fades while a tooltip lies over it, and comes back when the mouse
    leaves."""
    page = offline_page.page
    page.set_viewport_size({"width": 1280, "height": 1100})
    page.goto(app_url + "/", wait_until="domcontentloaded", timeout=90_000)
    wait_for_map(page, timeout=90_000)
    wait_idle(page)
    frame = map_frame(page)
    legend = frame.locator(".ics-legend")
    seen = {"over": 0, "clear": 0}
    for path in frame.locator("path.leaflet-interactive").all():
        box = path.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_timeout(120)
        tip = frame.locator(".leaflet-tooltip")
        if not tip.count():
            continue
        t, g = tip.first.bounding_box(), legend.bounding_box()
        over = (
            t["x"] < g["x"] + g["width"]
            and t["x"] + t["width"] > g["x"]
            and t["y"] < g["y"] + g["height"]
            and t["y"] + t["height"] > g["y"]
        )
        assert legend.evaluate("e => e.style.opacity") == ("0.15" if over else ""), (over, t, g)
        seen["over" if over else "clear"] += 1
        if seen["over"] and seen["clear"]:
            break
    assert seen["over"] and seen["clear"], seen
    page.mouse.move(5, 5)
    page.wait_for_timeout(300)
    assert legend.evaluate("e => e.style.opacity") == ""
    no_error_on_page(offline_page)


def test_back_returns_to_the_previous_page(app_url, offline_page):
    """Opening a page adds one history entry, so one Back returns to the page before. The app once
    wrote the URL parameter by parameter: Coterminosity added four entries and Back stepped through
    them."""
    page = offline_page.page
    page.goto(app_url + "/about", wait_until="domcontentloaded", timeout=90_000)
    page.get_by_role("heading", name="About ics-maps").wait_for(timeout=90_000)
    wait_idle(page)
    before = page.evaluate("history.length")
    page.locator('[data-testid="stSidebarNav"]').get_by_text("Coterminosity", exact=True).click()
    wait_for_map(page)
    wait_idle(page)
    page.wait_for_timeout(500)
    assert page.evaluate("history.length") == before + 1, page.url
    page.go_back()
    page.get_by_role("heading", name="About ics-maps").wait_for(timeout=30_000)
    assert page.url.split("?")[0].endswith("/about")
    no_error_on_page(offline_page)


def test_csv_download_in_the_browser(app_url, offline_page, atlas_2026):
    """The Coterminosity CSV, made only when clicked, is the engine's table for the settings and
    filters shown."""
    from ics_maps.analysis.nesting import coterminosity, with_ods_codes
    from ics_maps.presentation.export import safe_csv

    page = offline_page.page
    page.goto(
        app_url + f"/coterminosity?child=lad&parent=icb&tol=5&region={NORTH_WEST}",
        wait_until="domcontentloaded",
        timeout=90_000,
    )
    wait_for_map(page, timeout=90_000)
    wait_idle(page)
    with page.expect_download(timeout=30_000) as info:
        page.get_by_role("button", name="Download this table (CSV)").click()
    download = info.value
    view = F.apply_filters(atlas_2026, F.Filters(regions=(NORTH_WEST,)))
    table = coterminosity(atlas_2026, "lad", "icb", "population", 0.05)
    expected = safe_csv(
        F.filter_table(with_ods_codes(table, atlas_2026, "lad", "icb"), view, "lad")
    )
    assert Path(download.path()).read_bytes() == expected
    assert (
        download.suggested_filename
        == f"coterminosity_lad_in_icb_2026_population_tol5pct_regions-{NORTH_WEST}.csv"
    )
    no_error_on_page(offline_page)
