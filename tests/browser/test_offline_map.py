"""Maps paint in a real browser with every non-local request blocked: Leaflet comes from
/app/static.

Starts ``streamlit run`` on a copy of ``apps/offline_map_app.py`` in a tmp folder (Streamlit serves
``static/`` next to the main script; the app copies Leaflet there), opens it in headless Chromium,
waits for Leaflet's SVG paths inside streamlit-folium's iframe, clicks a feature and checks the app
got its code back (``last_active_drawing.properties.code``), and saves screenshots under
``screenshots/``.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from .conftest import SCREENSHOTS, map_frame

pytestmark = pytest.mark.browser

APP = Path(__file__).parent / "apps" / "offline_map_app.py"
LEAFLET_JS = "/app/static/vendor/leaflet/leaflet.js"
ANY_MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"], iframe[src*="streamlit_folium"]'


@pytest.fixture()
def app_url(tmp_path, streamlit_server):
    app = tmp_path / "offline_map_app.py"
    shutil.copy(APP, app)
    return streamlit_server(app)


def open_map(offline_page, url: str):
    page = offline_page.page
    page.goto(url, wait_until="domcontentloaded", timeout=60_000)
    page.locator(ANY_MAP_IFRAME).first.wait_for(timeout=60_000)
    frame = map_frame(page)
    paths = frame.locator("path.leaflet-interactive")
    paths.first.wait_for(state="visible", timeout=60_000)
    return page, frame, paths


def centre(locator) -> tuple[float, float]:
    box = locator.bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def shoot(page, name: str) -> Path:
    page.mouse.move(5, 5)
    page.wait_for_timeout(400)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    page.screenshot(path=str(path), full_page=True)
    return path


def assert_offline(offline_page) -> None:
    served = {u: v for u, v in offline_page.responses.items() if u.endswith(LEAFLET_JS)}
    assert served, f"leaflet.js was not requested: {sorted(offline_page.responses)[:20]}"
    status, ctype = next(iter(served.values()))
    assert status == 200 and "javascript" in ctype, (status, ctype)
    assert offline_page.external == [], (
        f"requests to other hosts (blocked): {offline_page.external}"
    )
    assert not offline_page.page_errors, offline_page.page_errors


def test_ics_map_paints_without_internet(app_url, offline_page):
    page, frame, paths = open_map(offline_page, app_url)
    assert paths.count() == 4, "one SVG path per system"
    legend = frame.locator(".ics-legend")
    legend.wait_for(state="visible", timeout=10_000)
    assert "Residents (Census 2021)" in legend.inner_text()
    fills = {paths.nth(i).get_attribute("fill") for i in range(4)}
    assert len(fills) == 4, f"four residents classes, four colours: {fills}"

    # Hover shows the tooltip (the name escaped: no <b> element made from data); a click returns the
    # code
    x, y = centre(paths.nth(1))
    page.mouse.move(x, y)
    tip = frame.locator(".leaflet-tooltip").first
    tip.wait_for(state="visible", timeout=10_000)
    page.mouse.click(x, y)
    clicked = page.get_by_text(re.compile(r"Clicked icb: E54\d{6}"))
    clicked.wait_for(timeout=30_000)
    code = re.search(r"E54\d{6}", clicked.inner_text()).group(0)
    assert code in tip.inner_text(), "the code returned is the one whose tooltip was shown"
    for i in range(4):  # every system's tooltip: "NHS <b>Beta</b> & Co ICB" shows as text
        page.mouse.move(*centre(paths.nth(i)))
        if "Beta" in tip.inner_text():
            assert "<b>Beta</b> & Co" in tip.inner_text() and tip.locator("b").count() == 0
            break
    else:
        pytest.fail("no tooltip showed the escaped name")
    shoot(page, "offline_map.png")
    assert_offline(offline_page)


def test_system_map_layers_and_practices_without_internet(app_url, offline_page):
    page, frame, paths = open_map(offline_page, app_url + "/?map=system")
    # 2 LAs + 3 PCN footprints + 3 located practices; the ICS outline is not interactive
    page.wait_for_timeout(300)
    assert paths.count() == 8
    control = frame.locator(".leaflet-control-layers")
    labels = control.inner_text()
    for name in ("District or unitary (lower tier)", "PCN footprints (indicative)", "GP practices"):
        assert name in labels
    assert "GP practices (1 without a known location, not drawn)" in labels

    # a practice marker (the small paths) returns its ODS code
    small = [i for i in range(paths.count()) if paths.nth(i).bounding_box()["width"] < 30]
    assert len(small) == 3
    page.mouse.click(*centre(paths.nth(small[0])))
    page.get_by_text(re.compile(r"Clicked practice: A8100\d")).wait_for(timeout=30_000)

    # switching a layer off removes its paths
    frame.locator(
        ".leaflet-control-layers label", has_text="District or unitary (lower tier)"
    ).locator("input").uncheck()
    page.wait_for_timeout(300)
    assert paths.count() == 6
    shoot(page, "offline_system_map.png")
    assert_offline(offline_page)
