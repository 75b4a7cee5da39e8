"""Benchmark a user's own boundaries: read, LSOA overlay and tables, against geopandas.overlay.

Two layers, made from the atlas's own LSOAs before any timing and written as RFC 7946 GeoJSON
(EPSG:4326, 7 decimals, as a user's tool would write them):

* ``small``: 20 neighbourhoods of NHS Coventry and Warwickshire (E54000018): its 557 LSOAs in 20
  k-means clusters of their centroids, dissolved; target: read + coterminosity against districts
  (lad), by residents and by area, under 1 s;
* ``large``: about 2,000 neighbourhoods of ~17 LSOAs (k-means on LSOA centroids inside each sub-ICB
  location, dissolved); target: read + every table (coterminosity with every official tier in both
  directions, by residents and by area, the unit summary, cut PCNs) under 5 s.

Area-weighted tables, before and after: *before* (phase 1) overlaid the unit polygons with each
official tier's polygons when asked (``overlay="polygons"``, a shortcut for units properly inside
one polygon); *after* sums the layer's LSOA pieces over the LSOA × tier area table made at build
time and stored with the atlas (``overlay="lsoa_areas"``, :mod:`ics_maps.atlas.lsoa_areas`). Both
are timed in the same run, with the largest difference in share_of_child and share_of_parent
between them, and the one-off cost of making the table (paid by ``ics-maps build``) and its size.

Timings are medians of ``--repeat`` runs with the atlas loaded and its shared caches warm (the
atom index, the LSOA tree and LSOA cores: built once per process, ``cold_s`` gives their one-off
cost). The
naive way is ``geopandas.overlay`` of the layer with the 33,755 LSOA polygons at full resolution,
residents by area share, then pandas groupby per tier (the usual GIS recipe); we report its time and
the largest difference in share_of_child from ours. Memory per session: the RSS growth of holding
``--sessions`` separately read copies of the large layer (its units, weights and notes), and the
size of every table computed from it.

Usage: ``python bench/own_boundaries.py [--repeat N] [--sessions K] [--skip-naive-large]``.
Writes ``bench/results/own_boundaries.json``.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import io
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import psutil
import pyogrio
import shapely
from scipy.cluster.vq import kmeans2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ics_maps.analysis import _lsoa_overlay, atoms, custom_tier, own_layer  # noqa: E402
from ics_maps.analysis.custom_summary import cut_pcns, unit_summary  # noqa: E402
from ics_maps.analysis.custom_tier import OFFICIAL, coterminosity  # noqa: E402
from ics_maps.analysis.own_layer import read_layer as read_upload  # noqa: E402
from ics_maps.atlas import load_atlas  # noqa: E402
from ics_maps.atlas.lsoa_areas import lsoa_areas  # noqa: E402

SMALL_ICB = "E54000018"  # NHS Coventry and Warwickshire
TARGET_SMALL_S, TARGET_LARGE_S = 1.0, 5.0


def dissolve(lsoa: gpd.GeoDataFrame, key: np.ndarray) -> gpd.GeoDataFrame:
    """LSOAs dissolved by ``key`` (coverage union, falling back to a full union)."""
    geoms = np.asarray(lsoa.geometry.values, dtype=object)
    out_codes, out_geoms = [], []
    for code, idx in pd.Series(np.arange(len(key))).groupby(key).indices.items():
        try:
            g = shapely.coverage_union_all(geoms[idx])
            if not g.is_valid:
                raise shapely.errors.GEOSException("invalid")
        except shapely.errors.GEOSException:
            g = shapely.make_valid(shapely.union_all(geoms[idx]))
        out_codes.append(str(code))
        out_geoms.append(g)
    return gpd.GeoDataFrame(
        {"code": out_codes, "name": [f"Unit {c}" for c in out_codes]},
        geometry=out_geoms,
        crs=lsoa.crs,
    )


def neighbourhoods(lsoa: gpd.GeoDataFrame, per: float = 17) -> np.ndarray:
    """A neighbourhood per LSOA: k-means of LSOA centroids in each sub-ICB, ~``per`` LSOAs each."""
    pts = shapely.get_coordinates(
        shapely.point_on_surface(np.asarray(lsoa.geometry.values, dtype=object))
    )
    label = np.empty(len(lsoa), dtype=object)
    for sicbl, idx in lsoa.groupby("sicbl").indices.items():
        k = max(1, round(len(idx) / per))
        _, lab = kmeans2(pts[idx], k, seed=1, minit="++")
        label[idx] = [f"{sicbl}-{x:03d}" for x in lab]
    return label


def geojson_bytes(gdf: gpd.GeoDataFrame) -> bytes:
    buf = io.BytesIO()
    pyogrio.write_dataframe(
        gdf.to_crs(4326),
        buf,
        driver="GeoJSON",
        layer="units",
        RFC7946="YES",
        COORDINATE_PRECISION=7,
    )
    return buf.getvalue()


CPU: list[float] = [0.0]  # the CPU seconds of the last timed() call (median), beside its wall time


def timed(fn, repeat: int = 1):
    """``fn()``'s result and its median wall time; its median CPU time (this process) goes to
    ``CPU[0]``. On a shared machine the wall time includes waiting for other processes' turns; the
    CPU time is the work itself (GEOS and numpy run on one thread here)."""
    times, cpus, out = [], [], None
    for _ in range(repeat):
        gc.collect()
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        times.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    CPU[0] = statistics.median(cpus)
    return out, statistics.median(times)


def clear_caches() -> None:
    _lsoa_overlay._CACHE.clear()
    atoms._INDEX.clear()
    custom_tier.clear_shared()


def population_tables(atlas, layer) -> dict[str, pd.DataFrame]:
    """Every table by residents: each official tier in both directions, the summary, cut PCNs."""
    out = {}
    for tier in OFFICIAL:
        out[f"{tier}_child"] = coterminosity(atlas, layer, tier)
        out[f"{tier}_parent"] = coterminosity(atlas, layer, tier, custom_as="parent")
    out["summary"] = unit_summary(atlas, layer)
    out["cut_pcns"] = cut_pcns(atlas, layer)
    return out


def area_tables(atlas, layer, overlay: str = "lsoa_areas") -> dict[str, pd.DataFrame]:
    """Every table by area: each official tier in both directions."""
    out = {}
    for tier in OFFICIAL:
        for side in ("child", "parent"):
            out[f"{tier}_{side}_area"] = coterminosity(
                atlas, layer, tier, custom_as=side, weight="area", overlay=overlay
            )
    return out


def area_diff(ours: pd.DataFrame, ref: pd.DataFrame) -> dict[str, float]:
    """Largest difference in each share between two area tables of the same pairs (0 if absent)."""
    key = ["child_code", "parent_code"]
    both = ours.merge(ref, on=key, how="outer", suffixes=("", "_ref"))
    out = {}
    for col in ("share_of_child", "share_of_parent"):
        d = (both[col].fillna(0) - both[f"{col}_ref"].fillna(0)).abs()
        out[col] = float(d.max()) if len(d) else 0.0
    rel = (both["relationship"] != both["relationship_ref"]).groupby(both["child_code"]).any()
    out["children_relationship_differs"] = int(rel.sum())
    return out


def naive(atlas, units_bng: gpd.GeoDataFrame, tiers: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    """geopandas.overlay of the layer with every LSOA (full resolution); residents by area share."""
    lsoa = atlas.lsoa[["code", "residents", "geometry"]].rename(columns={"code": "lsoa"})
    ov = gpd.overlay(units_bng[["code", "geometry"]], lsoa, how="intersection", keep_geom_type=True)
    lsoa_area = lsoa.set_index("lsoa").geometry.area
    ov["w"] = ov["residents"] * ov.geometry.area / ov["lsoa"].map(lsoa_area)
    codes = atlas.lsoa.set_index("code")
    out = {}
    for tier in tiers:
        ov["parent"] = ov["lsoa"].map(codes[tier])
        t = ov.groupby(["code", "parent"], as_index=False)["w"].sum()
        t["share_of_child"] = t["w"] / t.groupby("code")["w"].transform("sum")
        out[tier] = t
    return out


def max_diff(mine: pd.DataFrame, theirs: pd.DataFrame) -> float:
    m = mine.rename(columns={"child_code": "code", "parent_code": "parent"})
    both = m.merge(theirs, on=["code", "parent"], how="outer", suffixes=("", "_naive"))
    return float(
        (both["share_of_child"].fillna(0) - both["share_of_child_naive"].fillna(0)).abs().max()
    )


def rss() -> int:
    """Resident memory after a collection, with freed heap handed back to the system (glibc)."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: RSS then also counts freed, reusable heap
        pass
    return psutil.Process().memory_info().rss


def frame_bytes(df: pd.DataFrame) -> int:
    """DataFrame bytes (deep), geometry counted as its WKB size (GEOS holds about as much)."""
    if isinstance(df, gpd.GeoDataFrame):
        geo = sum(len(b) for b in shapely.to_wkb(np.asarray(df.geometry.values, dtype=object)))
        return (
            int(pd.DataFrame(df.drop(columns=df.geometry.name)).memory_usage(deep=True).sum()) + geo
        )
    return int(df.memory_usage(deep=True).sum())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--vintage", default="2026")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--sessions", type=int, default=5)
    ap.add_argument(
        "--skip-naive-large", action="store_true", help="skip the slow naive overlay of 2,000 units"
    )
    args = ap.parse_args(argv)

    atlas = load_atlas(args.vintage)
    lsoa = atlas.lsoa  # decoded once here, as the app's warm-up does
    for t in OFFICIAL:
        atlas.tier(t)
    t0 = time.perf_counter()
    small_sel = lsoa[lsoa["icb"] == SMALL_ICB]
    small = dissolve(
        small_sel, neighbourhoods(small_sel.assign(sicbl="all"), per=len(small_sel) / 20)
    )
    large = dissolve(lsoa, neighbourhoods(lsoa))
    small_json, large_json = geojson_bytes(small), geojson_bytes(large)
    print(
        f"layers made in {time.perf_counter() - t0:.1f} s: small {len(small)} features "
        f"({len(small_json) / 1e6:.2f} MB GeoJSON), large {len(large)} features "
        f"({len(large_json) / 1e6:.1f} MB, "
        f"{int(shapely.get_num_coordinates(large.geometry.values).sum()):,} "
        "vertices)"
    )

    clear_caches()
    (_, warm_s) = timed(lambda: own_layer.warm(atlas))
    print(
        f"the server warm-up's share (LSOA tree and cores, app/warmup.py): {warm_s:.2f} s, once "
        "per process, in the background after the first page's atlas"
    )
    clear_caches()
    (_, cold_s) = timed(
        lambda: (
            _lsoa_overlay.cores(_lsoa_overlay.lsoa_geometry(atlas), _lsoa_overlay.SNAP_M),
            atoms.atom_index(atlas),
            custom_tier.pcn_csr(atlas),
            [custom_tier.area_index(atlas, t) for t in OFFICIAL],
        )
    )
    print(
        "shared caches (LSOA tree and cores, atom index, PCN pieces, LSOA area tables read and "
        f"indexed): {cold_s:.2f} s once per process"
    )
    stored = bool(atlas.areas)
    build_s = {}
    for tier in OFFICIAL:
        _, build_s[tier] = timed(lambda t=tier: lsoa_areas(lsoa, atlas.tier(t), t))
    area_rows = {t: len(atlas.lsoa_areas(t)) for t in OFFICIAL}
    area_bytes = sum(len(atlas.lsoa_areas(t).to_parquet(index=False)) for t in OFFICIAL)
    print(
        "LSOA x tier area tables "
        f"({'stored with the atlas' if stored else 'NOT stored: made here'}): made in "
        f"{sum(build_s.values()):.2f} s at build time ("
        + ", ".join(f"{t} {v:.2f}" for t, v in build_s.items())
        + f"), {sum(area_rows.values()):,} rows, {area_bytes / 1e6:.1f} MB as Parquet"
    )

    # --- small: 20 features against districts
    s_layer, s_read = timed(lambda: read_upload(small_json, "small.geojson", atlas), args.repeat)
    s_cpu = CPU[0]
    _, s_pop = timed(lambda: coterminosity(atlas, s_layer, "lad"), args.repeat)
    s_cpu += CPU[0]
    _, s_area = timed(lambda: coterminosity(atlas, s_layer, "lad", weight="area"), args.repeat)
    s_cpu += CPU[0]
    _, s_area_before = timed(
        lambda: coterminosity(atlas, s_layer, "lad", weight="area", overlay="polygons"),
        args.repeat,
    )
    s_total = s_read + s_pop + s_area
    s_units = s_layer.units
    nv_small, s_naive = timed(lambda: naive(atlas, s_units, ("lad",)))
    s_diff = max_diff(coterminosity(atlas, s_layer, "lad"), nv_small["lad"])
    print(
        f"small ({len(s_units)} units) vs lad: read {s_read:.3f} s + population {s_pop:.3f} s + "
        "area "
        f"{s_area:.3f} s (polygon overlay before: {s_area_before:.3f} s) = {s_total:.3f} s wall, "
        f"{s_cpu:.3f} s CPU (target < {TARGET_SMALL_S} s: "
        f"{'met' if s_total < TARGET_SMALL_S else 'NOT met'}); naive overlay {s_naive:.2f} s "
        f"({s_naive / s_total:.0f}x), max Δshare {s_diff:.2e}"
    )

    # --- large: 2,000 features against every tier
    l_layer, l_read = timed(lambda: read_upload(large_json, "large.geojson", atlas), args.repeat)
    l_read_cpu = CPU[0]
    tables, l_tables = timed(lambda: population_tables(atlas, l_layer), args.repeat)
    l_tables_cpu = CPU[0]
    areas, l_area = timed(lambda: area_tables(atlas, l_layer), args.repeat)
    l_area_cpu = CPU[0]
    before, l_area_before = timed(lambda: area_tables(atlas, l_layer, "polygons"))
    per_table = {}
    for tier in OFFICIAL:
        per_table[f"{tier}_population_s"] = round(
            timed(lambda t=tier: coterminosity(atlas, l_layer, t), args.repeat)[1], 4
        )
        per_table[f"{tier}_area_s"] = round(
            timed(lambda t=tier: coterminosity(atlas, l_layer, t, weight="area"), args.repeat)[1],
            4,
        )
        per_table[f"{tier}_area_before_s"] = round(
            timed(
                lambda t=tier: coterminosity(atlas, l_layer, t, weight="area", overlay="polygons")
            )[1],
            3,
        )
    diffs = {k: area_diff(areas[k], before[k]) for k in areas}
    _, summary_s = timed(lambda: unit_summary(atlas, l_layer), args.repeat)
    _, cut_s = timed(lambda: cut_pcns(atlas, l_layer), args.repeat)
    l_total = l_read + l_tables + l_area
    l_cpu = l_read_cpu + l_tables_cpu + l_area_cpu
    print(
        f"large ({len(l_layer.units)} units, {len(l_layer.weights):,} weights): read + overlay "
        f"{l_read:.2f} s, {len(tables)} tables by residents {l_tables:.2f} s (summary "
        f"{summary_s:.2f} s, cut PCNs {cut_s:.2f} s), {len(areas)} tables by area {l_area:.2f} s; "
        f"total {l_total:.2f} s wall, {l_cpu:.2f} s CPU (target < {TARGET_LARGE_S} s: "
        f"{'met' if l_total < TARGET_LARGE_S else 'NOT met'} by wall time, "
        f"{'met' if l_cpu < TARGET_LARGE_S else 'NOT met'} by CPU time; load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )
    print(
        f"  by area before (polygon overlay, {len(before)} tables): {l_area_before:.2f} s, "
        f"{l_area_before / max(l_area, 1e-9):.0f}x the LSOA area table; largest difference "
        + ", ".join(
            f"{k.removesuffix('_area')} {v['share_of_child']:.1e}/{v['share_of_parent']:.1e}"
            f" ({v['children_relationship_differs']} relationships)"
            for k, v in diffs.items()
        )
    )
    print("  per table (s): " + ", ".join(f"{k[:-2]} {v}" for k, v in per_table.items()))
    tables.update(areas)
    large_csv = large_lsoa_csv(lsoa, large)
    c_layer, c_read = timed(lambda: read_upload(large_csv, "large.csv", atlas), args.repeat)
    print(
        f"  the same as an LSOA list (CSV): read {c_read:.2f} s; weights identical to the "
        "polygons': "
        f"{same_weights(l_layer, c_layer)}"
    )

    l_naive = l_diff = None
    if not args.skip_naive_large:
        nv_large, l_naive = timed(lambda: naive(atlas, l_layer.units, OFFICIAL[:-1]))
        l_diff = max(max_diff(tables[f"{t}_child"], nv_large[t]) for t in OFFICIAL[:-1])
        print(
            "  naive: geopandas.overlay of the large layer with every LSOA, then groupby per tier "
            f"(child tables by residents only): {l_naive:.1f} s, {l_naive / l_total:.1f}x our read "
            f"+ all tables by residents; max Δshare {l_diff:.2e}"
        )

    # --- memory per session
    sessions, steps = [], []
    for i in range(args.sessions):  # each session reads the file and makes one table (its cache)
        before = rss()
        layer = read_upload(large_json, f"s{i}.geojson", atlas)
        coterminosity(atlas, layer, "lad")
        sessions.append(layer)
        steps.append(rss() - before)
    per_session_rss = statistics.median(steps)
    held = frame_bytes(sessions[0].units) + frame_bytes(sessions[0].weights)
    table_bytes = sum(frame_bytes(t) for t in tables.values())
    print(
        f"memory per session with the large layer loaded: {per_session_rss / 1e6:.1f} MB RSS "
        f"({held / 1e6:.1f} MB in units + weights by size; steps "
        f"{', '.join(f'{x / 1e6:.1f}' for x in steps)} MB); all its tables "
        f"{table_bytes / 1e6:.1f} MB if a page keeps them; GeoJSON upload "
        f"{len(large_json) / 1e6:.1f} MB"
    )
    del sessions

    ok = s_total < TARGET_SMALL_S and l_total < TARGET_LARGE_S
    ok_cpu = s_cpu < TARGET_SMALL_S and l_cpu < TARGET_LARGE_S
    lsoa_area_tables = {
        "stored_with_atlas": stored,
        "build_s": {t: round(v, 3) for t, v in build_s.items()},
        "rows": area_rows,
        "parquet_bytes": area_bytes,
    }
    out = ROOT / "bench" / "results" / "own_boundaries.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "vintage": args.vintage,
                "repeat": args.repeat,
                "targets_met": ok,
                "targets_met_by_cpu_time": ok_cpu,
                "warm_up_s": round(warm_s, 3),
                "shared_caches_cold_s": round(cold_s, 3),
                "lsoa_area_tables": lsoa_area_tables,
                "small": {
                    "features": len(s_units),
                    "icb": SMALL_ICB,
                    "geojson_bytes": len(small_json),
                    "read_s": round(s_read, 4),
                    "lad_population_s": round(s_pop, 4),
                    "lad_area_s": round(s_area, 4),
                    "lad_area_before_s": round(s_area_before, 4),
                    "total_s": round(s_total, 4),
                    "total_cpu_s": round(s_cpu, 4),
                    "target_s": TARGET_SMALL_S,
                    "naive_overlay_s": round(s_naive, 3),
                    "max_share_diff_naive": s_diff,
                },
                "large": {
                    "features": len(l_layer.units),
                    "weights_rows": len(l_layer.weights),
                    "vertices": int(shapely.get_num_coordinates(large.geometry.values).sum()),
                    "geojson_bytes": len(large_json),
                    "read_s": round(l_read, 3),
                    "tables": len(tables),
                    "population_tables_s": round(l_tables, 3),
                    "summary_s": round(summary_s, 3),
                    "cut_pcns_s": round(cut_s, 3),
                    "total_s": round(l_total, 3),
                    "total_cpu_s": round(l_cpu, 3),
                    "read_cpu_s": round(l_read_cpu, 3),
                    "population_tables_cpu_s": round(l_tables_cpu, 3),
                    "area_tables_cpu_s": round(l_area_cpu, 3),
                    "target_s": TARGET_LARGE_S,
                    "area_tables_both_sides_s": round(l_area, 3),
                    "area_tables_before_s": round(l_area_before, 3),
                    "area_vs_polygon_overlay": diffs,
                    "per_table": per_table,
                    "csv_read_s": round(c_read, 3),
                    "naive_overlay_s": round(l_naive, 2) if l_naive else None,
                    "max_share_diff_naive": l_diff,
                },
                "memory": {
                    "sessions": args.sessions,
                    "rss_per_session_bytes": int(per_session_rss),
                    "rss_steps_bytes": [int(x) for x in steps],
                    "units_weights_bytes": held,
                    "tables_bytes": table_bytes,
                },
                "machine": {
                    "python": platform.python_version(),
                    "platform": platform.platform(),
                    "cpus": os.cpu_count(),
                    "geopandas": gpd.__version__,
                    "shapely": shapely.__version__,
                    "geos": shapely.geos_version_string,
                    "pandas": pd.__version__,
                    "load_avg": os.getloadavg(),
                },
                "at": time.strftime("%Y-%m-%dT%H:%M:%S"),
            },
            indent=1,
            default=float,
        )
    )
    print(
        f"targets: {'met' if ok else 'NOT met'} by wall time, "
        f"{'met' if ok_cpu else 'NOT met'} by CPU time; wrote {out}"
    )
    return 0 if ok else 1


def large_lsoa_csv(lsoa: gpd.GeoDataFrame, large: gpd.GeoDataFrame) -> bytes:
    """The large layer as an LSOA list: each LSOA to the neighbourhood holding its inside point."""
    pts = shapely.point_on_surface(np.asarray(lsoa.geometry.values, dtype=object))
    pi, ui = shapely.STRtree(np.asarray(large.geometry.values, dtype=object)).query(
        pts, predicate="within"
    )
    table = pd.DataFrame(
        {
            "lsoa21cd": lsoa["code"].to_numpy()[pi],
            "unit_code": large["code"].to_numpy()[ui],
            "unit_name": large["name"].to_numpy()[ui],
        }
    )
    return table.to_csv(index=False).encode()


def same_weights(a, b) -> bool:
    key = ["unit", "lsoa"]
    wa = a.weights.sort_values(key).reset_index(drop=True)
    wb = b.weights.sort_values(key).reset_index(drop=True)
    return wa[key].equals(wb[key]) and bool(np.allclose(wa["share"], wb["share"]))


if __name__ == "__main__":
    raise SystemExit(main())
