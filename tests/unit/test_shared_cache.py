"""Memory-bounded caches shared across sessions (issue 16, finding 4), on hand-built data.

* :class:`SharedCache` keeps values up to a budget in bytes, dropping the least recently used;
  two threads asking for the same missing value compute it once;
* the Coterminosity page's table cache takes the tolerance in tenths of a percent and keeps one
  overlap table per tier pair: 100 distinct tolerances from hand-made links compute the table once
  and hold a few bytes per row each, and every result is the engine's own table at the rounded
  tolerance;
* a link's tolerance is rounded to a tenth of a percent.
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pandas as pd
import pytest

from ics_maps.analysis import nesting
from ics_maps.app import caches, params
from ics_maps.app.shared_cache import SharedCache, approx_bytes
from tests.toy_atlas import toy_atlas


def frame(n: int) -> pd.DataFrame:
    return pd.DataFrame({"x": np.arange(n, dtype="int64")})  # 8 bytes a row + the index


def test_the_cache_stays_within_its_budget_dropping_the_least_recently_used():
    one = approx_bytes(frame(10_000))
    assert 80_000 <= one <= 81_000
    cache = SharedCache("t", 3 * one + 10)
    for k in "abc":
        cache.get(k, lambda: frame(10_000))
    cache.get("a", lambda: pytest.fail("a is held"))  # a is now the most recently used
    cache.get("d", lambda: frame(10_000))
    assert "b" not in cache and {"a", "c", "d"} <= {k for k in "abcd" if k in cache}
    assert cache.bytes <= cache.max_bytes and len(cache) == 3


def test_a_value_over_the_whole_budget_is_returned_but_not_kept():
    cache = SharedCache("t", 1000)
    assert len(cache.get("big", lambda: frame(1000))) == 1000
    assert len(cache) == 0 and cache.bytes == 0


def test_two_sessions_asking_at_once_compute_once():
    cache = SharedCache("t", 10**7)
    calls = []

    def slow():
        calls.append(1)
        time.sleep(0.3)
        return frame(10)

    got = []
    threads = [threading.Thread(target=lambda: got.append(cache.get("k", slow))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len(got) == 4 and all(g is got[0] for g in got)


def test_a_failed_computation_is_not_kept():
    cache = SharedCache("t", 10**7)
    with pytest.raises(ZeroDivisionError):
        cache.get("k", lambda: 1 / 0)
    assert cache.get("k", lambda: 5) == 5


@pytest.fixture
def toy_caches(monkeypatch):
    atlas = toy_atlas()
    monkeypatch.setattr(caches, "get_atlas", lambda vintage="2026": atlas)
    computed = []
    real = nesting.coterminosity

    def counting(*args, **kw):
        computed.append(args[1:])
        return real(*args, **kw)

    monkeypatch.setattr(nesting, "coterminosity", counting)
    caches.TABLES.clear()  # tables other tests left in the server-wide cache
    caches.LABELS.clear()
    yield atlas, computed
    caches.TABLES.clear()
    caches.LABELS.clear()


def test_a_hundred_tolerances_compute_the_overlap_once(toy_caches):
    atlas, computed = toy_caches
    for i in range(100):
        tol = 0.000137 + i * 0.0019713  # what 100 hand-made links could ask for
        got = caches.coterminosity_table("2026", "pcn", "icb", "population", tol)
        assert len(got) == 4 and got["relationship"].notna().all()
    assert len(computed) == 1
    assert caches.TABLES.bytes < 10_000 and caches.LABELS.bytes < 100 * 400


@pytest.mark.parametrize("tol", [0.0, 0.001, 0.1, 0.25, 0.4, 0.6])
def test_the_cached_table_is_the_engines_table(toy_caches, tol):
    atlas, _ = toy_caches
    for child, parent, weight in (("pcn", "icb", "population"), ("lad", "icb", "area")):
        got = caches.coterminosity_table("2026", child, parent, weight, tol)
        want = nesting.with_ods_codes(
            nesting.coterminosity(atlas, child, parent, weight, tol), atlas, child, parent
        )
        assert "parent_ods" in got  # the ICBs' ODS codes beside their ONS codes
        pd.testing.assert_frame_equal(got, want)


def test_the_toy_tolerances_change_labels():
    """The equality above is not vacuous: on the toy atlas P2 is split at 0 and nested at 0.4."""
    atlas = toy_atlas()
    t0 = nesting.coterminosity(atlas, "pcn", "icb", "population", 0.0)
    t4 = nesting.coterminosity(atlas, "pcn", "icb", "population", 0.4)
    p2 = t0["child_code"] == "P2"
    assert set(t0.loc[p2, "relationship"]) == {"split"}
    assert set(t4.loc[t4["child_code"] == "P2", "relationship"]) == {"nested"}


@pytest.mark.parametrize(
    ("text", "value"),
    [("2.3719", 2.4), ("2.34", 2.3), ("5", 5.0), ("0.06", 0.1), ("0.04", 0.0), ("19.96", 20.0)],
)
def test_a_links_tolerance_is_rounded_to_a_tenth_of_a_percent(text, value):
    parsed, warning = params.TOLERANCE.parse(text)
    assert parsed == value and warning is None


def test_a_hundred_hostile_tolerances_make_at_most_two_hundred_and_one_values():
    seen = {params.TOLERANCE.parse(f"{0.0137 * i:.5f}")[0] for i in range(1500)}
    assert len(seen) <= 201 and all(round(v * 10) == v * 10 for v in seen)
