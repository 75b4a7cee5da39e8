"""The dashboard under faults (issue 16, findings 5 and 7), with Streamlit's AppTest.

The stored 2026 atlas is copied into a private data folder and the mirror is emptied (offline), as
on a server whose inputs vanished: every page still serves the last good atlas, saying when it was
built and that its inputs changed. A damaged copy with no inputs gives a message saying what to
run. An unexpected error inside a page shows the app's own message with a reference and is logged;
no traceback reaches the visitor.
"""

from __future__ import annotations

import json
import logging
import shutil

import pytest

from ics_maps.app import caches
from ics_maps.paths import atlas_root
from tests.app.test_app import PAGES, metrics, no_exception, open_page, texts

NOTE = "from inputs that have since changed or are missing"


@pytest.fixture()
def inputs_gone(atlas_2026, tmp_path, monkeypatch):
    """A copy of the stored 2026 atlas in a private data folder, and an empty mirror (offline)."""
    src = atlas_root()
    ptr = json.loads((src / "2026.json").read_text())
    dst = tmp_path / "data" / "atlas"
    dst.mkdir(parents=True)
    shutil.copy(src / "2026.json", dst / "2026.json")
    shutil.copytree(src / ptr["dir"], dst / ptr["dir"])
    (tmp_path / "mirror").mkdir()
    monkeypatch.setenv("ICS_MAPS_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("ICS_MAPS_MIRROR", str(tmp_path / "mirror"))
    monkeypatch.setenv("ICS_MAPS_DOWNLOADS", str(tmp_path / "downloads"))
    monkeypatch.setenv("ICS_MAPS_OFFLINE", "1")
    caches._loaded.clear()
    yield dst / ptr["dir"]
    caches._loaded.clear()


@pytest.mark.parametrize("page", PAGES)
def test_every_page_serves_the_last_good_atlas_with_a_note(inputs_gone, page):
    built = json.loads((inputs_gone / "meta.json").read_text())["built_at"].replace("T", " at ")
    at = open_page(page)
    no_exception(at)
    notes = [w for w in texts(at, "warning") if NOTE in w]
    assert len(notes) == 1 and f"built on {built}" in notes[0]
    assert "ics-maps build --vintage 2026" in notes[0]
    assert not any("could not be loaded or built" in e for e in texts(at, "error"))
    if page == "overview":
        assert metrics(at)["ICBs"] == "36"


def test_a_damaged_atlas_with_no_inputs_says_what_to_run(inputs_gone):
    (inputs_gone / "icb.parquet").write_bytes((inputs_gone / "pcn.parquet").read_bytes())
    at = open_page("overview")
    no_exception(at)
    errors = texts(at, "error")
    assert len(errors) == 1 and "icb.parquet" in errors[0]
    assert "ics-maps build --vintage 2026 --force" in errors[0]
    assert not at.metric  # nothing drawn from the damaged tables


def test_an_unexpected_error_shows_the_apps_message_not_a_traceback(
    atlas_2026, monkeypatch, caplog
):
    import ics_maps.analysis.filters as filters

    def broken(view):
        raise RuntimeError("a bug in the headline figures")

    monkeypatch.setattr(filters, "headline", broken)
    with caplog.at_level(logging.ERROR, logger="ics_maps.app"):
        at = open_page("overview")
    no_exception(at)
    errors = texts(at, "error")
    assert len(errors) == 1 and errors[0].startswith("Something went wrong while drawing this page")
    ref = errors[0].split("(reference ")[1][:8]
    logged = [r for r in caplog.records if ref in r.getMessage()]
    assert logged and "a bug in the headline figures" in logged[0].getMessage()
    assert logged[0].exc_info is not None  # the traceback goes to the log, not to the page
    assert any("Contains OS data" in c for c in texts(at, "caption"))  # the frame still ends
