"""What a session keeps after a page has run (issue 16, finding 4: memory after hostile links).

A session outlives its run: Streamlit keeps each widget's ``format_func`` for the session's life,
and a download button's callable until no session refers to it, and a closed tab's session stays
for two minutes. A function defined in a page script holds the whole page's namespace, so with the
page's tables at module level every session kept its own copies of them: 238,823-row LSOA × PCN
tables at ~6 MB a view, which is how 100 links at other tolerances took the server from 444 to
1,047 MB. Pages keep their working tables in a function's locals, gone when the run ends.

The rendered coterminosity map is kept for every session under what it draws, so tolerances that
classify every child alike share one map.
"""

from __future__ import annotations

import gc

import pandas as pd

from ics_maps.app import caches
from tests.app.test_app import no_exception, open_page


def _cached_ids() -> set[int]:
    """The objects the shared caches hold (these are meant to stay)."""
    ids: set[int] = set()
    for cache in (caches.TABLES, caches.LABELS, caches.MAPS):
        with cache._lock:
            ids.update(id(value) for value, _ in cache._items.values())
    return ids


def _big_frames(rows: int) -> list[pd.DataFrame]:
    gc.collect()
    return [o for o in gc.get_objects() if isinstance(o, pd.DataFrame) and len(o) == rows]


def test_a_session_keeps_no_copy_of_the_tables_its_page_showed(atlas_2026):
    """After a Coterminosity view of LSOA × PCN at 5 %, with the session still open (its widgets
    and download button alive), the only 238,823-row tables left are the ones the shared caches
    hold: none belongs to the session."""
    strict = caches.coterminosity_table("2026", "lsoa", "pcn", "population", 0.0)
    rows = len(strict)
    assert rows > 200_000  # the largest table the app shows: the case that mattered
    before = {id(f) for f in _big_frames(rows)}

    at = open_page("coterminosity", {"child": "lsoa", "parent": "pcn", "tol": "5"})
    no_exception(at)

    kept = [f for f in _big_frames(rows) if id(f) not in before and id(f) not in _cached_ids()]
    assert not kept, (
        f"{len(kept)} table(s) of {rows:,} rows outlive the page's run, held by the open session"
    )
    del at  # the open session: alive until here


def _coterminosity_maps() -> set:
    with caches.MAPS._lock:
        return {k for k in caches.MAPS._items if "coterminosity_map" in str(k)}


def test_tolerances_that_give_the_same_relationships_share_one_rendered_map(atlas_2026):
    """Districts × ICSs at tolerances that classify every district alike draw one map, kept once
    for the server; a tolerance that changes a district's relationship draws another. (Keyed by
    the settings, a hundred tolerances in links kept a hundred maps, 96 MB.)"""
    from ics_maps.analysis.nesting import children

    def relationships(pct: float) -> tuple:
        table = caches.coterminosity_table("2026", "lad", "icb", "population", pct / 100)
        return tuple(children(table).sort_values("child_code")["relationship"])

    pcts = [0, 0.1, 0.5, 1, 2, 3, 5, 10, 15, 20]
    outcome = {p: relationships(p) for p in pcts}
    a, b = next(
        (p, q) for i, p in enumerate(pcts) for q in pcts[i + 1 :] if outcome[p] == outcome[q]
    )
    c = next(p for p in pcts if outcome[p] != outcome[a])

    caches.MAPS.clear(lambda k: "coterminosity_map" in str(k))  # earlier tests drew some
    for pct in (a, b):
        no_exception(open_page("coterminosity", {"child": "lad", "parent": "icb", "tol": f"{pct}"}))
    assert len(_coterminosity_maps()) == 1
    no_exception(open_page("coterminosity", {"child": "lad", "parent": "icb", "tol": f"{c}"}))
    assert len(_coterminosity_maps()) == 2


def test_the_largest_table_at_a_tolerance_is_the_engines_with_its_string_labels(atlas_2026):
    """LSOA × PCN at 5 %: the cached overlap table with the labels taken from their categories
    (3 ms a call, not 45 ms) equals the engine's own table, computed at that tolerance, dtypes and
    all (the page, the CSV and the summaries read this column as strings)."""
    from ics_maps.analysis import nesting

    got = caches.coterminosity_table("2026", "lsoa", "pcn", "population", 0.05)
    want = nesting.with_ods_codes(
        nesting.coterminosity(atlas_2026, "lsoa", "pcn", "population", 0.05),
        atlas_2026,
        "lsoa",
        "pcn",
    )
    pd.testing.assert_frame_equal(got, want)
    assert set(got["relationship"]) == {"split", "nested"}  # the labels are really there
