"""The Changes page and the links that survive a vintage change, in a real browser (`streamlit run
app.py`, Debian's headless Chromium, every request to another host blocked).

* /changes opens on 2024 → 2026 ICSs: the headline says 42 → 36, the Sankey draws one node per old
  and new unit that changed, the map paints the moved areas (``path.leaflet-interactive``), and a
  CSV of 42 ICB figures uploaded through the browser comes back re-based to 36 rows;
* a link with a 2024 code under 2026 (/system?icb=E54000024&vintage=2026: Bedfordshire, Luton and
  Milton Keynes) opens its successor with a note, not the first system in the list.

Screenshots at 1,400 × 1,000 and 1,000 × 800: ``screenshots/changes_*.png``.
"""

from __future__ import annotations

import pytest

from ics_maps.analysis.changes import flows
from ics_maps.analysis.crosswalk import crosswalk

from .conftest import PROJECT_ROOT, map_frame
from .test_app_browser import no_error_on_page, shoot, wait_for_map, wait_idle

pytestmark = pytest.mark.browser

APP = PROJECT_ROOT / "app.py"
SIZES = ((1400, 1000), (1000, 800))


@pytest.fixture()
def app_url(streamlit_server):
    return streamlit_server(APP, timeout=120)


def test_changes_page_shows_the_sankey_and_the_map(app_url, offline_page, atlas_2024, atlas_2026):
    rows = [f"{c},Jan 2025,{100 + i}" for i, c in enumerate(atlas_2024.tier("icb")["code"])]
    upload = ("icb_code,month,deaths\n" + "\n".join(rows) + "\n").encode()
    links = flows(crosswalk(atlas_2024, atlas_2026, "icb"), include_unchanged=False)
    nodes = links["source"].nunique() + links["target"].nunique()
    page = offline_page.page
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.goto(app_url + "/changes", wait_until="domcontentloaded", timeout=90_000)
        page.get_by_text("42 ICSs (2024) → 36 ICSs (2026).").wait_for(timeout=90_000)
        sankey = page.locator('[data-testid="stPlotlyChart"] .sankey .sankey-node')
        sankey.first.wait_for(state="visible", timeout=60_000)
        wait_idle(page)
        assert sankey.count() == nodes  # 13 old units that changed, 7 new units
        no_error_on_page(offline_page)
        shoot(page, f"changes_sankey_{width}.png")

        page.get_by_role("tab", name="Map of what moved").click()
        wait_for_map(page, timeout=90_000)
        wait_idle(page)
        moved = map_frame(page).locator("path.leaflet-interactive")
        assert moved.count() == 17  # old -> new pairs whose LSOAs changed ICB
        no_error_on_page(offline_page)
        shoot(page, f"changes_map_{width}.png")

        page.get_by_role("tab", name="Crosswalk table").click()
        page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=30_000)
        wait_idle(page)
        shoot(page, f"changes_table_{width}.png")
        page.get_by_role("tab", name="Re-base your figures").click()
        page.get_by_text("CSV of figures for the 2024 ICSs").wait_for(timeout=30_000)
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
            {"name": "deaths.csv", "mimeType": "text/csv", "buffer": upload}
        )
        page.get_by_text("Re-based: 36 rows").wait_for(timeout=60_000)
        wait_idle(page)
        no_error_on_page(offline_page)
        shoot(page, f"changes_rebase_{width}.png")


def test_an_old_code_in_a_link_opens_its_successor(app_url, offline_page):
    page = offline_page.page
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(
        app_url + "/system?icb=E54000024&vintage=2026",
        wait_until="domcontentloaded",
        timeout=90_000,
    )
    wait_for_map(page, timeout=90_000)
    wait_idle(page)
    note = page.get_by_text("a 2024 system that is not in the 2026 vintage")
    assert note.count() == 1
    assert "NHS Bedfordshire, Luton and Milton Keynes" in note.inner_text()
    heading = page.locator('[data-testid="stHeading"]').all_inner_texts()
    assert any("Central East" in h for h in heading), heading
    no_error_on_page(offline_page)
    shoot(page, "changes_successor_link_1400.png")
