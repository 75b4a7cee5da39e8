"""Benchmark the sidebar search: building the index once, then one search, against the naive way
(a Python loop over every unit, testing its name and codes one by one).

Usage: ``python bench/search.py [VINTAGE]`` (default 2026). Prints the figures and writes
bench/results/search.json. Both ways must return the same units for every query (checked).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ics_maps.analysis.search import find, find_index  # noqa: E402
from ics_maps.atlas import ensure_atlas  # noqa: E402

QUERIES = ["oxford", "Cherwell", "U00203", "M30 8AR", "E01000001", "QOP", "north yorkshire", "x9"]
REPEAT = 5


def naive(index, query: str) -> set[tuple[str, str]]:
    """Every unit whose name contains the query or whose code, ODS code or postcode (without
    spaces) does, one row at a time."""
    q = " ".join(query.split()).casefold()
    bare = q.replace(" ", "")
    out = set()
    for tier, code, name, ods, post in zip(
        index["tier"], index["code"], index["name"], index["ods"], index["postcode"], strict=True
    ):
        text = " ".join(name.split()).casefold()
        codes = (code.casefold(), ods.casefold(), post.casefold().replace(" ", ""))
        if q in text or any(bare in c for c in codes):
            out.add((tier, code))
    return out


def timed(fn, *args) -> tuple[float, object]:
    times, result = [], None
    for _ in range(REPEAT):
        t = time.perf_counter()
        result = fn(*args)
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def main(vintage: str) -> None:
    atlas = ensure_atlas(vintage)
    t = time.perf_counter()
    index = find_index(atlas)
    build = time.perf_counter() - t
    rows = []
    for q in QUERIES:
        fast, hits = timed(lambda q=q: find(index, q, limit=10**6, per_tier=10**6))
        slow, expected = timed(naive, index, q)
        got = set(zip(hits["tier"], hits["code"], strict=True))
        if got != expected:
            raise SystemExit(f"{q!r}: find() and the naive loop disagree")
        rows.append({"query": q, "hits": len(got), "find_ms": 1000 * fast, "naive_ms": 1000 * slow})
        print(
            f"{q!r:20} {len(got):6,} hits   find {1000 * fast:7.1f} ms   "
            f"naive loop {1000 * slow:7.1f} ms   ×{slow / fast:.1f}"
        )
    print(f"index: {len(index):,} units of every tier, built in {build:.2f} s (once per vintage)")
    out = ROOT / "bench" / "results" / "search.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {"vintage": vintage, "units": len(index), "index_seconds": build, "queries": rows},
            indent=1,
        )
    )
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "2026")
