"""Benchmark the nesting engine on every tier pair: LSOA atoms against a naive polygon overlay.

For each (child, parent) pair of the issue, in both directions, it times in one run:

* ``pop_s``: :func:`ics_maps.analysis.nesting.coterminosity` population-weighted (median of
  ``--repeat`` runs), with the atlas's atom index warm (it is built once per loaded atlas and
  cached: ``index_s``);
* ``pop_cold_s``: the same table with the index cache cleared first (index build included);
* ``area_s``: the same, area-weighted (one STRtree overlay run);
* ``overlay_s``: the naive way, a full-resolution ``geopandas.overlay`` of the two polygon layers,
  then residents as the area share of each child's residents (median of 3 runs; geometries are made
  valid beforehand, outside the timing).

It also reports how far the naive figures are from the exact ones: the largest difference in
share_of_child over matching pairs, and how many children each method calls split.

Usage: ``python bench/coterminosity.py [VINTAGE] [--repeat N] [--pairs lad:icb,pcn:lad]``. Writes
``bench/results/coterminosity.json``.
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

import geopandas as gpd
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ics_maps.analysis import atoms  # noqa: E402
from ics_maps.analysis.atoms import atom_index  # noqa: E402
from ics_maps.analysis.nesting import coterminosity  # noqa: E402
from ics_maps.analysis.overlap import label_relationships  # noqa: E402
from ics_maps.atlas import load_atlas  # noqa: E402

PAIRS = [
    ("lad", "icb"),
    ("utla", "icb"),
    ("sicbl", "lad"),
    ("pcn", "lad"),
    ("pcn", "sicbl"),
    ("pcn", "icb"),
    ("icb", "region"),
]
ALL_PAIRS = PAIRS + [(p, c) for c, p in PAIRS]
TARGET_S, TARGET_SPEEDUP = 0.2, 20.0


def clean(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Code, residents and valid polygons only: the naive method's inputs."""
    out = gdf[["code", "residents", "geometry"]].copy()
    out = out[out.geometry.notna() & ~out.geometry.is_empty]
    bad = ~out.geometry.is_valid
    if bad.any():
        out.loc[bad, "geometry"] = shapely.make_valid(out.geometry[bad].values)
    return out


def naive(child: gpd.GeoDataFrame, parent: gpd.GeoDataFrame) -> pd.DataFrame:
    """Full-resolution overlay, then residents by area share of the child: the usual GIS recipe."""
    ov = gpd.overlay(
        child.rename(columns={"code": "child_code"}),
        parent[["code", "geometry"]].rename(columns={"code": "parent_code"}),
        how="intersection",
        keep_geom_type=True,
    )
    ov["overlap_km2"] = ov.geometry.area / 1e6
    t = ov.groupby(["child_code", "parent_code"], as_index=False).agg(
        overlap_km2=("overlap_km2", "sum"), child_residents=("residents", "first")
    )
    child_km2 = child.set_index("code").geometry.area / 1e6
    t["share_of_child"] = t["overlap_km2"] / t["child_code"].map(child_km2)
    t["overlap_residents"] = t["child_residents"] * t["share_of_child"]
    parent_res = t.groupby("parent_code")["overlap_residents"].transform("sum")
    t["share_of_parent"] = t["overlap_residents"] / parent_res
    return t


def timed(fn, repeat: int = 1):
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return out, statistics.median(times)


def n_split(table: pd.DataFrame) -> int:
    rel = label_relationships(table, 0.0)
    return int(table.loc[rel == "split", "child_code"].nunique())


def cold(atlas, child: str, parent: str) -> pd.DataFrame:
    atoms._INDEX.clear()
    return coterminosity(atlas, child, parent)


def bench_pair(atlas, layers: dict, child: str, parent: str, repeat: int) -> dict:
    _, cold_s = timed(lambda: cold(atlas, child, parent), 3)
    pop, pop_s = timed(lambda: coterminosity(atlas, child, parent), repeat)
    area, area_s = timed(lambda: coterminosity(atlas, child, parent, weight="area"))
    nv, overlay_s = timed(lambda: naive(layers[child], layers[parent]), 3)
    both = pop.merge(nv, on=["child_code", "parent_code"], how="outer", suffixes=("", "_naive"))
    diff = (both["share_of_child"].fillna(0) - both["share_of_child_naive"].fillna(0)).abs()
    return {
        "pair": f"{child}->{parent}",
        "child": child,
        "parent": parent,
        "rows": len(pop),
        "children": int(pop["child_code"].nunique()),
        "split_pop": int(pop.loc[pop["relationship"] == "split", "child_code"].nunique()),
        "split_area": int(area.loc[area["relationship"] == "split", "child_code"].nunique()),
        "split_naive": n_split(nv),
        "rows_naive": len(nv),
        "max_share_diff_naive": round(float(diff.max()), 4),
        "pop_s": round(pop_s, 4),
        "pop_cold_s": round(cold_s, 4),
        "area_s": round(area_s, 3),
        "overlay_s": round(overlay_s, 3),
        "speedup": round(overlay_s / pop_s, 1),
        "speedup_cold": round(overlay_s / cold_s, 1),
        "meets_time": pop_s < TARGET_S,
        "meets_speedup": overlay_s / pop_s >= TARGET_SPEEDUP,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("vintage", nargs="?", default="2026")
    ap.add_argument(
        "--repeat", type=int, default=7, help="population-weighted runs per pair (median)"
    )
    ap.add_argument("--pairs", default="", help="comma list child:parent (default: all 14)")
    args = ap.parse_args(argv)
    pairs = [tuple(p.split(":")) for p in args.pairs.split(",")] if args.pairs else ALL_PAIRS
    t0 = time.perf_counter()
    atlas = load_atlas(args.vintage)
    load_s = time.perf_counter() - t0
    layers = {t: clean(atlas.tier(t)) for t in {x for p in pairs for x in p}}
    coterminosity(atlas, "lad", "icb")  # warm imports once, outside every timing
    atoms._INDEX.clear()
    _, index_s = timed(lambda: atom_index(atlas))
    rows = []
    print(
        f"vintage {args.vintage} (atlas loaded in {load_s:.1f} s; atom index built in "
        f"{index_s:.3f} s, once per "
        f"load); population median of {args.repeat} runs"
    )
    print(
        f"{'pair':<14}{'rows':>7}{'pop_s':>9}{'cold_s':>8}{'area_s':>9}{'overlay_s':>11}{'speedup':>9}"
        f"{'split pop/area/naive':>22}{'max Δshare':>12}"
    )
    for child, parent in pairs:
        r = bench_pair(atlas, layers, child, parent, args.repeat)
        rows.append(r)
        splits = f"{r['split_pop']}/{r['split_area']}/{r['split_naive']}"
        print(
            f"{r['pair']:<14}{r['rows']:>7}{r['pop_s']:>9.4f}{r['pop_cold_s']:>8.3f}{r['area_s']:>9.2f}"
            f"{r['overlay_s']:>11.2f}"
            f"{r['speedup']:>8.0f}x{splits:>22}"
            f"{r['max_share_diff_naive']:>12.3f}",
            flush=True,
        )
    ok = all(r["meets_time"] and r["meets_speedup"] for r in rows)
    print(
        f"targets (each population table < {TARGET_S} s and >= {TARGET_SPEEDUP:.0f}x the overlay): "
        f"{'met' if ok else 'NOT met'}; slowest {max(r['pop_s'] for r in rows):.4f} s, "
        f"lowest speedup {min(r['speedup'] for r in rows):.0f}x"
    )
    out = ROOT / "bench" / "results" / "coterminosity.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "vintage": args.vintage,
                "repeat": args.repeat,
                "atlas_load_s": round(load_s, 2),
                "atom_index_s": round(index_s, 3),
                "targets_met": ok,
                "target_pop_s": TARGET_S,
                "target_speedup": TARGET_SPEEDUP,
                "pairs": rows,
                "machine": {
                    "python": platform.python_version(),
                    "platform": platform.platform(),
                    "cpus": os.cpu_count(),
                    "geopandas": gpd.__version__,
                    "shapely": shapely.__version__,
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
