"""Page sentences (no Streamlit): the registered-vs-residents note and the not-found message."""

from __future__ import annotations

import pandas as pd

from ics_maps.app import prose


def test_registered_note_only_where_the_figures_differ_a_lot():
    # West and North London, 2026: 4,750,448 registered against 3,503,372 residents
    note = prose.registered_gap(3_503_372, 4_750_448)
    assert note.startswith("**4,750,448 registered patients against 3,503,372 residents (+36%).**")
    assert "inflow" in note and "list inflation" in note and "grown since" in note
    assert prose.registered_gap(1_000, 1_200) is None  # exactly 20%: no note
    assert prose.registered_gap(1_000, 1_201) is not None
    assert "(−30%)" in prose.registered_gap(1_000, 700)  # fewer registered than residents
    assert prose.registered_gap(1_000, 1_100, threshold=0.05) is not None
    for missing in (None, pd.NA, float("nan"), "x"):
        assert prose.registered_gap(1_000, missing) is None
    assert prose.registered_gap(0, 100) is None


def test_not_found_quotes_the_path_safely():
    said = prose.not_found("/system/<b>x</b>_[y](z)")
    assert "&lt;b&gt;" in said and "<b>" not in said and "\\[y\\]" in said
    assert prose.not_found("") == "That page does not exist."
