"""Your boundaries in a real browser: upload a file through the page's own uploader, see the table
and the map (``path.leaflet-interactive``) with every request to another host blocked; a bad file
gives a message, and the page keeps working.

Screenshots: ``screenshots/own_boundaries_{1400,1000}.png`` (the layer read, its map and table),
``own_boundaries_cut_1000.png`` (the Cut PCNs tab) and ``own_boundaries_error_1000.png``.
"""

from __future__ import annotations

import json

import pytest
from own_files import coventry_geojson

from .conftest import PROJECT_ROOT, map_frame
from .test_app_browser import metrics, no_error_on_page, shoot, wait_for_map, wait_idle

pytestmark = pytest.mark.browser

APP = PROJECT_ROOT / "app.py"
TABLE = '[data-testid="stDataFrame"]'


@pytest.fixture()
def app_url(streamlit_server):
    return streamlit_server(APP, timeout=120)


def upload(page, path) -> None:
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))


def test_upload_shows_table_and_map(app_url, offline_page, atlas_2026, tmp_path):
    page = offline_page.page
    good = tmp_path / "coventry_neighbourhoods.geojson"
    good.write_bytes(
        coventry_geojson(
            atlas_2026, {"CV1": "North <b>one</b>", "CV2": "East", "CV3": "South", "CV4": "Rest"}
        )
    )
    for width, height in ((1400, 1000), (1000, 800)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(app_url + "/your-boundaries", wait_until="domcontentloaded", timeout=90_000)
        page.get_by_text("Upload a file to begin").first.wait_for(timeout=90_000)
        upload(page, good)
        wait_for_map(page, timeout=90_000)
        page.locator(TABLE).first.wait_for(state="visible", timeout=60_000)
        wait_idle(page, timeout=60_000)
        got = metrics(page)
        assert got["Nested"] == "4" and got["Split"] == "0", got
        assert page.get_by_text("Your 4 units against the districts and unitaries").count() == 1
        # the map: four units coloured by relationship, Coventry's outline over them
        paths = map_frame(page).locator("path.leaflet-interactive")
        assert paths.count() >= 4
        # the unit's name with HTML in it is text in the tooltip, not markup
        tip = json.dumps(map_frame(page).locator("body").inner_html())
        assert "<b>one</b>" not in tip
        no_error_on_page(offline_page)
        shoot(page, f"own_boundaries_{width}.png")
    # the Cut PCNs tab (built when opened)
    page.get_by_role("tab", name="Cut PCNs").click()
    page.get_by_text("PCNs are cut").first.wait_for(timeout=60_000)
    wait_idle(page)
    no_error_on_page(offline_page)
    assert page.locator(TABLE).count() >= 1  # the cut PCNs, one row per piece
    shoot(page, "own_boundaries_cut_1000.png")


def test_bad_file_is_a_message_and_the_page_keeps_working(
    app_url, offline_page, atlas_2026, tmp_path
):
    page = offline_page.page
    page.set_viewport_size({"width": 1000, "height": 800})
    points = tmp_path / "sites.geojson"
    points.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"code": "s1"},
                        "geometry": {"type": "Point", "coordinates": [-1.5, 52.4]},
                    }
                ],
            }
        )
    )
    page.goto(app_url + "/your-boundaries", wait_until="domcontentloaded", timeout=90_000)
    page.get_by_text("Upload a file to begin").first.wait_for(timeout=90_000)
    upload(page, points)
    page.get_by_text("where polygons were expected").first.wait_for(timeout=60_000)
    wait_idle(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    shoot(page, "own_boundaries_error_1000.png")
    good = tmp_path / "coventry.geojson"
    good.write_bytes(coventry_geojson(atlas_2026))
    upload(page, good)
    wait_for_map(page, timeout=90_000)
    wait_idle(page, timeout=60_000)
    assert metrics(page)["Nested"] == "4"
    no_error_on_page(offline_page)
