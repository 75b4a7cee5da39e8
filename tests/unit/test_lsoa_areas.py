"""The LSOA × tier area table (ics_maps.atlas.lsoa_areas): hand-computed on the toy atlas's 1 km
squares, stored with the atlas, and used by the area-weighted tables of a user's layer.

Toy LSOAs (tests/toy_atlas.py): L1–L4 at y 0–1 km, L5–L8 at y 1–2 km, x from 0 to 4 km.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from layer_files import HALVES, WHOLE_CSV, geojson, km_box, layer
from toy_atlas import CELLS, toy_atlas

from ics_maps.analysis.custom_tier import coterminosity
from ics_maps.analysis.own_layer import read_layer
from ics_maps.atlas import Atlas
from ics_maps.atlas.lsoa_areas import AREA_COLUMNS, lsoa_areas, made_of_lsoas
from ics_maps.atlas.store import load_atlas, save_atlas

M2 = 1e6  # one toy LSOA


def boxes(rows: list[tuple[str, tuple]]) -> gpd.GeoDataFrame:
    """A tier of boxes (code, (x0, y0, x1, y1) in km)."""
    return gpd.GeoDataFrame(
        {"code": [c for c, _ in rows], "name": [f"Name {c}" for c, _ in rows]},
        geometry=[km_box(*b) for _, b in rows],
        crs=27700,
    )


def as_dict(table: pd.DataFrame) -> dict:
    return {(r.lsoa, r.code): r.area_m2 for r in table.itertuples()}


@pytest.fixture(scope="module")
def atlas():
    return toy_atlas()


def test_polygons_cutting_lsoas_are_intersected(atlas):
    # P = x 0–1.5 km, Q = x 1.5–4 km: L2 and L6 are cut in half, the rest lie wholly in one
    t = lsoa_areas(atlas.lsoa, boxes([("P", (0, 0, 1.5, 2)), ("Q", (1.5, 0, 4, 2))]), "lad")
    assert list(t.columns) == list(AREA_COLUMNS)
    expected = {("L1", "P"): M2, ("L5", "P"): M2, ("L2", "P"): M2 / 2, ("L6", "P"): M2 / 2}
    expected |= {("L2", "Q"): M2 / 2, ("L6", "Q"): M2 / 2}
    expected |= {(c, "Q"): M2 for c in ("L3", "L4", "L7", "L8")}
    assert as_dict(t) == pytest.approx(expected)


def test_lsoas_partly_or_wholly_outside_every_polygon(atlas):
    # one polygon covering x 0–1.5, y 0–1.5 km: L1 whole, L2 and L5 half, L6 a quarter, the rest
    # in no polygon (the coast of a generalised boundary)
    t = lsoa_areas(atlas.lsoa, boxes([("P", (0, 0, 1.5, 1.5))]), "region")
    assert as_dict(t) == pytest.approx(
        {("L1", "P"): M2, ("L2", "P"): M2 / 2, ("L5", "P"): M2 / 2, ("L6", "P"): M2 / 4}
    )


def test_lsoas_no_boundary_crosses_lie_in_the_polygon_holding_them(atlas):
    # a polygon much larger than the toy England: no boundary touches an LSOA (point-in-polygon)
    t = lsoa_areas(atlas.lsoa, boxes([("BIG", (-5, -5, 9, 7))]), "region")
    assert as_dict(t) == pytest.approx({(c, "BIG"): M2 for c in CELLS})


def test_an_lsoa_with_an_island_beyond_the_coast_is_intersected(atlas):
    """An LSOA of several parts may have one that no boundary crosses and that lies outside every
    polygon (a fort in the Solent): its inside point would count it all in; it is intersected."""
    from shapely.geometry import MultiPolygon

    lsoa = atlas.lsoa.copy()
    island = km_box(-2, 0, -1.5, 0.5)  # 0.25 km² off the toy coast
    lsoa.loc[lsoa["code"] == "L1", "geometry"] = MultiPolygon([km_box(0, 0, 1, 1), island])
    t = as_dict(lsoa_areas(lsoa, boxes([("P", (-1, -1, 5, 3))]), "region"))  # no edge touches
    assert t == pytest.approx({(c, "P"): M2 for c in CELLS})  # L1: its 1 km² on land only


def test_tiers_made_of_lsoas_give_each_lsoa_to_its_code(atlas):
    for tier in ("icb", "lad", "pcn"):
        assert made_of_lsoas(atlas.lsoa, atlas.tier(tier), tier)
        t = lsoa_areas(atlas.lsoa, atlas.tier(tier), tier)
        codes = atlas.lsoa.set_index("code")[tier]
        assert as_dict(t) == pytest.approx({(c, codes[c]): M2 for c in CELLS})
    moved = atlas.tier("lad").copy()
    moved.loc[0, "geometry"] = moved.geometry.iloc[0].buffer(-10)
    assert not made_of_lsoas(atlas.lsoa, moved, "lad")
    # then it is intersected: L1 and L5 each lose a 10 m band on three sides of A's outline
    t = as_dict(lsoa_areas(atlas.lsoa, moved, "lad"))
    assert t[("L1", "A")] == pytest.approx((1000 - 20) * (1000 - 10))


def test_the_table_is_stored_with_the_atlas_and_made_when_missing(atlas, tmp_path):
    tiers = ("region", "icb", "sicbl", "utla", "lad", "pcn")
    areas = {t: lsoa_areas(atlas.lsoa, atlas.tier(t), t) for t in tiers}
    built = Atlas("toy", dict(atlas.tiers), atlas.pcn_lsoa, meta={}, areas=areas)
    save_atlas(built, tmp_path)
    loaded = load_atlas("toy", tmp_path)
    assert sorted(loaded.areas) == sorted(tiers)
    for t in tiers:
        pd.testing.assert_frame_equal(loaded.lsoa_areas(t), areas[t])
    bare = toy_atlas()  # a hand-made atlas has none: made once on first use, then kept
    assert not bare.areas
    first = bare.lsoa_areas("lad")
    assert first is bare.lsoa_areas("lad")
    pd.testing.assert_frame_equal(first, areas["lad"])
    with pytest.raises(ValueError, match="not 'practice'"):
        bare.lsoa_areas("practice")


def shifted_lad_atlas(atlas) -> Atlas:
    """The toy atlas with districts that do not follow LSOA edges: A' = x 0–1.5 km, B' = 1.5–4."""
    tiers = dict(atlas.tiers)
    tiers["lad"] = boxes([("A", (0, 0, 1.5, 2)), ("B", (1.5, 0, 4, 2))])
    return Atlas("toy", tiers, atlas.pcn_lsoa, meta={})


def test_area_tables_from_the_lsoa_table_for_units_of_whole_lsoas(atlas):
    """W = x 0–2 km, E = x 2–4 km (whole LSOAs) against A' and B': exact, as the polygon overlay."""
    shifted = shifted_lad_atlas(atlas)
    whole = read_layer(WHOLE_CSV, "whole.csv", shifted)
    t = coterminosity(shifted, whole, "lad", weight="area")
    km2 = {(r.child_code, r.parent_code): r.overlap_km2 for r in t.itertuples()}
    share = {(r.child_code, r.parent_code): r.share_of_child for r in t.itertuples()}
    # W ∩ A' = L1 + L5 + half of L2 and L6 = 3 km²; W ∩ B' = 1 km²; E ∩ B' = 4 km²
    # (flat dicts: pytest >= 9.2's approx refuses tuples as values)
    assert km2 == pytest.approx({("W", "A"): 3, ("W", "B"): 1, ("E", "B"): 4})
    assert share == pytest.approx({("W", "A"): 0.75, ("W", "B"): 0.25, ("E", "B"): 1})
    shares = {(r.child_code, r.parent_code): r.share_of_parent for r in t.itertuples()}
    assert shares == pytest.approx({("W", "A"): 1.0, ("W", "B"): 0.2, ("E", "B"): 0.8})
    ref = coterminosity(shifted, whole, "lad", weight="area", overlay="polygons")
    cols = ["overlap_km2", "share_of_child", "share_of_parent"]
    np.testing.assert_allclose(t[cols].to_numpy(float), ref[cols].to_numpy(float), atol=1e-9)


def test_area_tables_apportion_lsoas_cut_both_by_a_unit_and_the_tier(atlas):
    """The stated approximation: unit A = x 0–1.5 km holds half of L2 and L6, and A' holds the same
    halves; the LSOA table shares A's half of L2 between A' and B' by their halves of L2 (0.25 km²
    each), where the polygon overlay finds it all in A'."""
    shifted = shifted_lad_atlas(atlas)
    halves = read_layer(geojson(layer(HALVES), 27700), "h.geojson", shifted)
    t = coterminosity(shifted, halves, "lad", weight="area")
    got = {(r.child_code, r.parent_code): r.overlap_km2 for r in t.itertuples()}
    expected = {("A", "A"): 2.5, ("A", "B"): 0.5, ("B", "A"): 0.5, ("B", "B"): 4.5}
    assert got == pytest.approx(expected)
    ref = coterminosity(shifted, halves, "lad", weight="area", overlay="polygons")
    exact = {(r.child_code, r.parent_code): r.overlap_km2 for r in ref.itertuples()}
    assert exact == pytest.approx({("A", "A"): 3.0, ("B", "B"): 5.0})
