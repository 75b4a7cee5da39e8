"""The dashboard under faults in a real browser (issue 16, findings 5 and 7): `streamlit run app.py`
on a copy of the stored 2026 atlas whose inputs have vanished (an empty mirror, offline).

* every page still draws its map from the last good atlas, with the note saying when it was built
  and that its inputs changed, and no traceback;
* the same copy damaged (PCNs copied over the ICBs) shows the app's message saying what to run,
  never a traceback.

Screenshots: ``screenshots/trust_stale_*.png`` and ``trust_damaged_*.png`` at 1,400 × 1,000 and
1,000 × 800.
"""

from __future__ import annotations

import json
import shutil

import pytest

from ics_maps.paths import atlas_root

from .conftest import PROJECT_ROOT
from .test_app_browser import PAGES, shoot, wait_for_map, wait_idle

pytestmark = pytest.mark.browser
NOTE = "from inputs that have since changed or are missing"
SIZES = ((1400, 1000), (1000, 800))


@pytest.fixture()
def copy_without_inputs(atlas_2026, tmp_path):
    src = atlas_root()
    ptr = json.loads((src / "2026.json").read_text())
    dst = tmp_path / "data" / "atlas"
    dst.mkdir(parents=True)
    shutil.copy(src / "2026.json", dst / "2026.json")
    shutil.copytree(src / ptr["dir"], dst / ptr["dir"])
    (tmp_path / "empty-mirror").mkdir()
    env = {
        "ICS_MAPS_DATA": str(tmp_path / "data"),
        "ICS_MAPS_MIRROR": str(tmp_path / "empty-mirror"),
        "ICS_MAPS_DOWNLOADS": str(tmp_path / "downloads"),
        "ICS_MAPS_OFFLINE": "1",
    }
    return env, dst / ptr["dir"]


def _no_traceback(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "Traceback" not in page.inner_text("body")


def test_every_page_serves_the_last_good_atlas_with_its_note(
    streamlit_server, offline_page, copy_without_inputs
):
    env, _ = copy_without_inputs
    url = streamlit_server(PROJECT_ROOT / "app.py", env=env, timeout=120)
    page = offline_page.page
    for name, link, text in PAGES:
        page.goto(url + link, wait_until="domcontentloaded", timeout=120_000)
        page.get_by_text(text).first.wait_for(timeout=120_000)
        if name != "about":
            wait_for_map(page, timeout=120_000)
        note = page.get_by_text(NOTE)
        note.first.wait_for(timeout=60_000)
        wait_idle(page)
        assert note.count() == 1, name
        assert "ics-maps build --vintage 2026" in note.first.inner_text()
        _no_traceback(page)
        if name in ("overview", "coterminosity"):
            for w, h in SIZES:
                page.set_viewport_size({"width": w, "height": h})
                shoot(page, f"trust_stale_{name}_{w}.png")
    assert offline_page.external == []


def test_a_damaged_atlas_says_what_to_run(streamlit_server, offline_page, copy_without_inputs):
    env, folder = copy_without_inputs
    (folder / "icb.parquet").write_bytes((folder / "pcn.parquet").read_bytes())
    url = streamlit_server(PROJECT_ROOT / "app.py", env=env, timeout=120)
    page = offline_page.page
    page.goto(url + "/", wait_until="domcontentloaded", timeout=120_000)
    message = page.locator('[data-testid="stAlertContentError"]').first
    message.wait_for(timeout=120_000)
    text = message.inner_text()
    assert "icb.parquet" in text and "ics-maps build --vintage 2026 --force" in text
    _no_traceback(page)
    for w, h in SIZES:
        page.set_viewport_size({"width": w, "height": h})
        shoot(page, f"trust_damaged_{w}.png")
