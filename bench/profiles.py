"""Benchmark people profiles: a full profile table for every tier on a loaded atlas, against a
plain pandas merge-and-groupby from the raw files, in the same run.

For each tier (region, icb, sicbl, utla, lad, pcn) it times:

* ``first_s``: the first :func:`ics_maps.analysis.profiles.tier_profile` call on the freshly
  loaded atlas (decoding the tier, and the first time also the LSOA atoms and the people matrix,
  and building
  the tier's sparse weights: once per loaded atlas);
* ``table_s``: the same call again, median of ``--repeat`` runs: what a dashboard page pays;
* ``naive_s``: the plain way, median of 3 runs: merge the raw Census and IMD tables (read once,
  ``raw_read_s``) onto the tier's LSOA codes (or ``pcn_lsoa``), multiply by the shares,
  ``groupby(...).sum()`` for counts and weighted sums, a pivot for the deciles and a per-unit
  ``apply`` for the median age.

It checks that both ways agree (largest difference in residents, IMD average score, quintile 1
share and median age) and that every table meets the 50 ms target.

Usage: ``python bench/profiles.py [VINTAGE] [--repeat N]``. Writes ``bench/results/profiles.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ics_maps.analysis import profiles as P  # noqa: E402
from ics_maps.atlas import ensure_atlas, load_atlas  # noqa: E402
from ics_maps.readers.people import (  # noqa: E402
    AGE_BANDS,
    BAND_STARTS,
    DOMAINS,
    IMD_SOURCE_COLUMNS,
)
from ics_maps.sources.fetch import resolve  # noqa: E402

TARGET_S = 0.05


def timed(fn, repeat: int = 1):
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return out, statistics.median(times)


def read_raw() -> pd.DataFrame:
    """The raw files as an analyst would read them: Census bands and IMD, joined by LSOA code."""
    census = pd.read_csv(resolve("census21_lsoa_population"), skiprows=4, skip_blank_lines=True)
    census = census[census["mnemonic"].astype(str).str.startswith("E01")]
    bands = [c for c in census.columns if str(c).startswith("Aged ")]
    ages = census[["mnemonic", "Total", *bands]].set_axis(["lsoa", "residents", *AGE_BANDS], axis=1)
    imd = pd.read_csv(resolve("imd2025_lsoa21")).rename(columns=IMD_SOURCE_COLUMNS)
    return ages.merge(imd.rename(columns={"code": "lsoa"}), on="lsoa")


def naive_median(group: pd.DataFrame) -> float:
    counts = group[list(AGE_BANDS)].sum().to_numpy()
    half, below = counts.sum() / 2, 0.0
    if half <= 0:
        return np.nan
    for start, n in zip(BAND_STARTS, counts, strict=True):
        if below + n >= half:
            return start + 5 * (half - below) / n
        below += n
    return np.nan


def naive(raw: pd.DataFrame, weights: pd.DataFrame) -> pd.DataFrame:
    """Profile by merge and groupby: the usual pandas recipe."""
    df = weights.merge(raw, on="lsoa")
    s = df["share"]
    w = pd.DataFrame(
        {
            "unit": df["unit"],
            "residents": df["residents"] * s,
            "lsoas": s,
            "decile1": s * (df["imd_decile"] == 1),
            "imd": df["imd_score"] * df["residents"] * s,
        }
    )
    for b in AGE_BANDS:
        w[b] = df[b] * s
    for d in DOMAINS:
        w[d] = df[f"{d}_score"] * df["residents"] * s
    g = w.groupby("unit").sum()
    out = pd.DataFrame(index=g.index)
    out["residents"] = g["residents"]
    out["imd_avg_score"] = g["imd"] / g["residents"]
    out["imd_prop_lsoas_decile1"] = g["decile1"] / g["lsoas"]
    for d in DOMAINS:
        out[f"{d}_avg_score"] = g[d] / g["residents"]
    dec = df.assign(pop=df["residents"] * s, q=(df["imd_decile"] + 1) // 2).pivot_table(
        index="unit", columns="q", values="pop", aggfunc="sum", fill_value=0
    )
    for q in range(1, 6):
        out[f"imd_quintile{q}_share"] = dec.get(q, 0) / g["residents"]
    out["age_65_plus_share"] = g[[b for b in AGE_BANDS[13:]]].sum(axis=1) / g["residents"]
    banded = w[["unit", *AGE_BANDS]]
    out["median_age"] = banded.groupby("unit").apply(naive_median, include_groups=False)
    out["imd_avg_score_rank"] = out["imd_avg_score"].rank(ascending=False, method="min")
    return out.reset_index().rename(columns={"unit": "code"})


def bench_tier(atlas, raw: pd.DataFrame, tier: str, repeat: int) -> dict:
    table, first_s = timed(lambda: P.tier_profile(atlas, tier))
    _, table_s = timed(lambda: P.tier_profile(atlas, tier), repeat)
    weights = P.tier_weights(atlas, tier)
    nv, naive_s = timed(lambda: naive(raw, weights), 3)
    both = table.merge(nv, on="code", suffixes=("", "_naive"))
    diffs = {
        c: float((both[c] - both[f"{c}_naive"]).abs().max())
        for c in ("residents", "imd_avg_score", "imd_quintile1_share", "median_age")
    }
    return {
        "tier": tier,
        "units": len(table),
        "first_s": round(first_s, 4),
        "table_s": round(table_s, 4),
        "naive_s": round(naive_s, 4),
        "speedup": round(naive_s / table_s, 1),
        "meets_target": table_s < TARGET_S,
        "units_compared": len(both),
        "max_diff": {k: float(f"{v:.3g}") for k, v in diffs.items()},
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("vintage", nargs="?", default="2026")
    ap.add_argument("--repeat", type=int, default=15, help="warm runs per tier (median)")
    args = ap.parse_args(argv)
    ensure_atlas(args.vintage)  # built and saved once, outside the timings
    t0 = time.perf_counter()
    atlas = load_atlas(args.vintage)
    load_s = time.perf_counter() - t0
    raw, raw_s = timed(read_raw)
    _, england_s = timed(lambda: P.england_profile(atlas))  # warms the atoms and the people matrix
    print(
        f"vintage {args.vintage}: atlas loaded in {load_s:.2f} s; raw files read in "
        f"{raw_s:.2f} s (naive, once); first England profile {england_s:.2f} s (decodes the LSOA "
        f"atoms, builds the people matrix); warm tables: median of {args.repeat}"
    )
    print(
        f"{'tier':<8}{'units':>7}{'first_s':>9}{'table_ms':>10}{'naive_s':>9}{'speedup':>9}"
        f"{'Δres':>9}{'Δscore':>9}{'Δq1':>9}{'Δmedian':>9}"
    )
    rows = []
    for tier in P.PROFILE_TIERS:
        r = bench_tier(atlas, raw, tier, args.repeat)
        rows.append(r)
        d = r["max_diff"]
        print(
            f"{tier:<8}{r['units']:>7}{r['first_s']:>9.3f}{r['table_s'] * 1000:>10.1f}"
            f"{r['naive_s']:>9.3f}{r['speedup']:>8.0f}x{d['residents']:>9.2g}"
            f"{d['imd_avg_score']:>9.2g}{d['imd_quintile1_share']:>9.2g}{d['median_age']:>9.2g}",
            flush=True,
        )
    ok = all(r["meets_target"] for r in rows)
    slowest = max(r["table_s"] for r in rows)
    print(
        f"target (each warm table < {TARGET_S * 1000:.0f} ms): {'met' if ok else 'NOT met'}; "
        f"slowest {slowest * 1000:.1f} ms; all six {sum(r['table_s'] for r in rows):.3f} s"
    )
    out = ROOT / "bench" / "results" / "profiles.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "vintage": args.vintage,
                "repeat": args.repeat,
                "atlas_load_s": round(load_s, 3),
                "raw_read_s": round(raw_s, 3),
                "first_england_s": round(england_s, 3),
                "target_table_s": TARGET_S,
                "targets_met": ok,
                "tiers": rows,
                "machine": {
                    "python": platform.python_version(),
                    "platform": platform.platform(),
                    "cpus": os.cpu_count(),
                    "pandas": pd.__version__,
                    "numpy": np.__version__,
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
