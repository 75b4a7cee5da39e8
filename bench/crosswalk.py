"""Benchmark crosswalks between vintages and re-basing a 100,000-row file, against naive pandas.

In one run, on atlases already loaded (LSOA and tier tables decoded once, outside the timings):

* ``crosswalk_s``: :func:`ics_maps.analysis.crosswalk.crosswalk` for every ordered pair of the four
  vintages and each tier (icb, sicbl, region), median of ``--repeat`` runs; target < 50 ms each;
  ``cold_s`` is the first call, which integer-codes both atlases' atoms once;
* ``naive_s``: the plain pandas way to the same numbers (merge the two LSOA tables on the code,
  groupby the pair, transform for both shares, merge the names), without change labels, so it is a
  lower bound for the naive method; its rows and shares are compared with the crosswalk's;
* re-basing a generated 100,000-row CSV (42 ICBs of 2024 × 2,381 months, a count, a denominator and
  a rate) to 2026: ``rebase_file_s`` reads, checks and re-bases it (:func:`read_table` +
  :func:`rebase` of :mod:`ics_maps.analysis.rebase`; target < 2 s);
  ``naive_merge_s`` is a plain merge + groupby of the same data (no checks, no apportioned shares,
  the rate left out); ``naive_loop_s`` is the hand-written way (a Python loop over the rows,
  adding value × share into a dict); the results of all three are compared.

Usage: ``python bench/crosswalk.py [--repeat N]``. Needs the four atlases built
(``ics-maps build --vintage all``). Writes ``bench/results/crosswalk.json``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ics_maps.analysis.crosswalk import TIERS, crosswalk  # noqa: E402
from ics_maps.analysis.rebase import read_table, rebase  # noqa: E402
from ics_maps.atlas import load_atlas  # noqa: E402

VINTAGES = ("2021", "2022", "2024", "2026")
TARGET_CROSSWALK_S, TARGET_REBASE_S, N_ROWS = 0.05, 2.0, 100_000


def timed(fn, repeat: int = 1):
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return out, statistics.median(times)


def naive_crosswalk(old, new, tier: str) -> pd.DataFrame:
    """Merge + groupby + transform: the numbers of a crosswalk without its labels."""
    m = old.lsoa[["code", tier, "residents"]].merge(
        new.lsoa[["code", tier]], on="code", suffixes=("_f", "_t")
    )
    t = m.groupby([f"{tier}_f", f"{tier}_t"], as_index=False)["residents"].sum()
    t["share_of_from"] = t["residents"] / t.groupby(f"{tier}_f")["residents"].transform("sum")
    t["share_of_to"] = t["residents"] / t.groupby(f"{tier}_t")["residents"].transform("sum")
    t = t.merge(
        old.tier(tier)[["code", "name"]].rename(columns={"code": f"{tier}_f", "name": "from_name"})
    )
    t = t.merge(
        new.tier(tier)[["code", "name"]].rename(columns={"code": f"{tier}_t", "name": "to_name"})
    )
    return t.rename(columns={f"{tier}_f": "from_code", f"{tier}_t": "to_code"})


def bench_crosswalks(atlases: dict, repeat: int) -> list[dict]:
    """Every ordered pair of vintages and tier. ``cold_s`` is the first call, which also
    integer-codes both atlases' atoms (kept for later calls while the atlases live)."""
    import ics_maps.analysis.crosswalk as X

    rows = []
    for (a, b), tier in itertools.product(itertools.permutations(VINTAGES, 2), TIERS):
        X._CODED.clear()
        old, new = atlases[a], atlases[b]
        _, cold = timed(lambda o=old, n=new, t=tier: crosswalk(o, n, t))
        mine, s = timed(lambda o=old, n=new, t=tier: crosswalk(o, n, t), repeat)
        nv, ns = timed(lambda o=old, n=new, t=tier: naive_crosswalk(o, n, t), repeat)
        both = mine.merge(
            nv, on=["from_code", "to_code"], how="outer", suffixes=("", "_naive"), indicator=True
        )
        same = (both["_merge"] == "both").all() and np.allclose(
            both["share_of_from"], both["share_of_from_naive"]
        )
        rows.append(
            {
                "from": a,
                "to": b,
                "tier": tier,
                "rows": len(mine),
                "crosswalk_s": round(s, 4),
                "cold_s": round(cold, 4),
                "naive_s": round(ns, 4),
                "same_numbers_as_naive": bool(same),
                "meets_target": s < TARGET_CROSSWALK_S,
            }
        )
    return rows


def make_input(atlas, path: Path) -> pd.DataFrame:
    """42 ICB codes × months, rows cut at N_ROWS: cases (count), population (denominator), rate."""
    rng = np.random.default_rng(12)
    codes = atlas.tier("icb")["code"].to_numpy()
    months = np.arange(-(-N_ROWS // len(codes)))
    code, month = np.meshgrid(codes, months, indexing="ij")
    df = pd.DataFrame({"icb_code": code.ravel(), "month": month.ravel()}).iloc[:N_ROWS]
    df["cases"] = rng.integers(0, 5000, len(df))
    df["population"] = rng.integers(100_000, 3_000_000, len(df))
    df["admission_rate"] = (df["cases"] / df["population"] * 1000).round(3)
    df.to_csv(path, index=False)
    return df


def naive_merge(df: pd.DataFrame, xw: pd.DataFrame) -> pd.DataFrame:
    m = df.merge(
        xw[["from_code", "to_code", "share_of_from"]], left_on="icb_code", right_on="from_code"
    )
    for c in ("cases", "population"):
        m[c] = m[c] * m["share_of_from"]
    return m.groupby(["month", "to_code"], as_index=False)[["cases", "population"]].sum()


def naive_loop(df: pd.DataFrame, xw: pd.DataFrame) -> dict:
    out: dict = {}
    for _, row in df.iterrows():
        for _, x in xw[xw["from_code"] == row["icb_code"]].iterrows():
            key = (row["month"], x["to_code"])
            out[key] = out.get(key, 0.0) + row["cases"] * x["share_of_from"]
    return out


def bench_rebase(atlases: dict, loop_rows: int) -> dict:
    xw = crosswalk(atlases["2024"], atlases["2026"], "icb")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "in.csv"
        df = make_input(atlases["2024"], path)
        size = path.stat().st_size

        def full():
            t = read_table(path)
            return rebase(t, xw, "icb_code", by=["month"], rates={"admission_rate": "population"})

        out, full_s = timed(full, 3)
        table = read_table(path)
        _, rebase_s = timed(
            lambda: rebase(
                table, xw, "icb_code", by=["month"], rates={"admission_rate": "population"}
            ),
            3,
        )
    nm, merge_s = timed(lambda: naive_merge(df, xw), 3)
    cmp = out.assign(month=out["month"].astype(int)).merge(
        nm, on=["month", "to_code"], suffixes=("", "_naive")
    )
    same = len(cmp) == len(out) == len(nm) and np.allclose(cmp["cases"], cmp["cases_naive"])
    part = df.iloc[:loop_rows]
    loop, loop_part_s = timed(lambda: naive_loop(part, xw))
    loop_s = loop_part_s * len(df) / len(part)
    mine_part = rebase(
        part.astype(str), xw, "icb_code", by=["month"], rates={"admission_rate": "population"}
    )
    return {
        "rows": len(df),
        "bytes": size,
        "output_rows": len(out),
        "rebase_file_s": round(full_s, 3),
        "rebase_only_s": round(rebase_s, 3),
        "naive_merge_s": round(merge_s, 3),
        "naive_loop_s": round(loop_s, 1),
        "naive_loop_measured_rows": len(part),
        "total_cases_in": int(df["cases"].sum()),
        "total_cases_out": round(float(out["cases"].sum()), 3),
        "total_cases_naive_merge": round(float(nm["cases"].sum()), 3),
        "same_cases_as_naive_merge": bool(same),
        "loop_matches": bool(np.isclose(sum(loop.values()), mine_part["cases"].sum())),
        "meets_target": full_s < TARGET_REBASE_S and same,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=7, help="runs per crosswalk (median)")
    ap.add_argument(
        "--loop-rows", type=int, default=5_000, help="rows the Python loop is timed on (scaled up)"
    )
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    atlases = {v: load_atlas(v) for v in VINTAGES}
    for a in atlases.values():  # decode the tables once, outside every timing
        a.lsoa, [a.tier(t) for t in TIERS]
    load_s = time.perf_counter() - t0
    print(f"4 atlases loaded and decoded in {load_s:.1f} s")
    xws = bench_crosswalks(atlases, args.repeat)
    head = f"{'from':>5}{'to':>6}  {'tier':<7}{'rows':>6}{'crosswalk_ms':>14}{'cold_ms':>9}"
    print(head + f"{'naive_ms':>10}  same")
    for r in xws:
        print(
            f"{r['from']:>5}{r['to']:>6}  {r['tier']:<7}{r['rows']:>6}"
            f"{r['crosswalk_s'] * 1000:>14.1f}{r['cold_s'] * 1000:>9.1f}"
            f"{r['naive_s'] * 1000:>10.1f}  {r['same_numbers_as_naive']}"
        )
    rb = bench_rebase(atlases, args.loop_rows)
    print(
        f"rebase {rb['rows']:,} rows ({rb['bytes'] / 1e6:.1f} MB) -> {rb['output_rows']:,}: "
        f"read+check+rebase {rb['rebase_file_s']:.3f} s "
        f"(rebase alone {rb['rebase_only_s']:.3f} s); "
        f"naive merge+groupby {rb['naive_merge_s']:.3f} s; naive Python loop "
        f"{rb['naive_loop_s']:.1f} s (timed on {rb['naive_loop_measured_rows']:,} rows, scaled); "
        f"cases in {rb['total_cases_in']:,}, out {rb['total_cases_out']:,.1f}; "
        f"same as naive merge: {rb['same_cases_as_naive_merge']}, loop agrees: {rb['loop_matches']}"
    )
    ok = all(r["meets_target"] and r["same_numbers_as_naive"] for r in xws) and rb["meets_target"]
    slowest = max(r["crosswalk_s"] for r in xws)
    print(
        f"targets (each crosswalk < {TARGET_CROSSWALK_S * 1000:.0f} ms, re-basing {N_ROWS:,} rows "
        f"< {TARGET_REBASE_S:.0f} s): {'met' if ok else 'NOT met'}; slowest crosswalk "
        f"{slowest * 1000:.1f} ms"
    )
    out = ROOT / "bench" / "results" / "crosswalk.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "repeat": args.repeat,
                "atlas_load_s": round(load_s, 2),
                "targets_met": ok,
                "crosswalks": xws,
                "rebase": rb,
                "machine": {
                    "python": platform.python_version(),
                    "platform": platform.platform(),
                    "cpus": os.cpu_count(),
                    "pandas": pd.__version__,
                },
                "at": time.strftime("%Y-%m-%dT%H:%M:%S"),
            },
            indent=1,
        )
    )
    print(f"wrote {out}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
