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


def test_pcn_tolerance_note_counts_this_pair():
    """Three PCNs: A inside one council, B 97% in one (nested at 5%), C 80/20 (split at 5%)."""
    strict = pd.DataFrame(
        {
            "child_code": ["A", "B", "B", "C", "C"],
            "relationship": ["nested", "split", "split", "split", "split"],
        }
    )
    at5 = strict.assign(relationship=["nested", "nested", "nested", "split", "split"])
    note = prose.pcn_tolerance_note(strict, at5, 0.05, "PCNs")
    assert "At 0% tolerance 2 of these 3 PCNs count as split; at 5% 1 do." in note
    assert "open at 5% for that reason" in note and "at least 95% of its residents" in note
    zero = prose.pcn_tolerance_note(strict, strict, 0.0, "PCNs")
    assert zero.endswith(
        "the page opens at 5%, which counts a child with at least 95% of its "
        "residents in one parent as inside it."
    )
    other = prose.pcn_tolerance_note(strict, at5, 0.025, "PCNs")
    assert "at 2.5% 1 do." in other and "for that reason" not in other
