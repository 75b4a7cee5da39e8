"""A real example: PCN footprints of one system built from the 2026 atlas's own LSOAs, written
out as GeoJSON, read back as a user's layer and compared with the official PCN tier.

System: NHS Staffordshire and Stoke-on-Trent ICB (E54000010), the one ICB whose PCN shares come from
real registrations by LSOA (NHS England, October 2025; SOURCES-primary-care.md entry 5). Its 697
LSOAs, dissolved by their majority PCN (``atlas.lsoa.pcn``), make 34 footprints: 25 of the ICB's own
PCNs and 9 edge pieces of neighbouring systems' PCNs.

Checked against independent sources, not the figure's own path:

* the Census 2021 first release (ONS, rounded to 100): Staffordshire 876,100 and Stoke-on-Trent
  258,400 residents (the ICB is exactly the county and the city);
* the LSOA codes of each footprint (``atlas.lsoa``), which the GeoJSON round trip must recover from
  geometry alone;
* the publisher's raw registrations file (practice × LSOA, October 2025), regrouped here with
  pandas, for the PCNs the footprints cut.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ics_maps.analysis.custom_summary import cut_pcns, unit_summary
from ics_maps.analysis.custom_tier import coterminosity
from ics_maps.analysis.own_layer import read_layer_path
from ics_maps.paths import mirror_root
from ics_maps.presentation.export import write_geojson

ICB = "E54000010"
CENSUS_FIRST_RELEASE = 876_100 + 258_400  # Staffordshire + Stoke-on-Trent, rounded to 100 each
REGISTRATIONS = "gp_reg_lsoa_ssot_icb_2025-10/SSOT_GP_Patients_Oct25_clean.csv"


@pytest.fixture(scope="module")
def example(atlas_2026, tmp_path_factory):
    lsoa = atlas_2026.lsoa[atlas_2026.lsoa["icb"] == ICB]
    foot = (
        lsoa[["pcn", "geometry"]].dissolve("pcn").reset_index().rename(columns={"pcn": "pcn_code"})
    )
    names = atlas_2026.tier("pcn").drop_duplicates("code").set_index("code")["name"]
    foot["pcn_name"] = foot["pcn_code"].map(names)
    path = tmp_path_factory.mktemp("real") / "ssot_pcn_footprints.geojson"
    write_geojson(foot[["pcn_code", "pcn_name", "geometry"]], path)  # EPSG:4326, 7 decimals
    return lsoa, read_layer_path(path, atlas_2026)


def test_geojson_round_trip_recovers_every_lsoa(example):
    lsoa, layer = example
    assert len(layer.units) == lsoa["pcn"].nunique() == 34
    assert layer.code_column == "pcn_code" and layer.name_column == "pcn_name"
    assert "longitude/latitude" in layer.crs
    assert (layer.weights["share"] == 1.0).all()  # the 0.5 m snap absorbs the 7-decimal rounding
    got = layer.weights.groupby("unit")["lsoa"].apply(frozenset)
    expected = lsoa.groupby("pcn")["code"].apply(frozenset)
    assert got.to_dict() == expected.to_dict()


def test_residents_match_the_census_first_release(atlas_2026, example):
    lsoa, layer = example
    s = unit_summary(atlas_2026, layer)
    assert s["residents"].sum() == pytest.approx(CENSUS_FIRST_RELEASE, abs=100)
    by_code = lsoa.groupby("pcn")["residents"].sum()
    np.testing.assert_allclose(
        s.set_index("code")["residents"], by_code.reindex(s["code"]), rtol=1e-12
    )
    assert set(s["main_icb"]) == {ICB} and (s["relationship_to_icb"] == "nested").all()


def test_area_weighted_matches_official_footprints_where_they_lie_inside(atlas_2026, example):
    """Each footprint is the official PCN polygon cut at the ICB boundary: coterminous when the
    PCN's footprint lies wholly in the ICB, nested (holding its in-ICB share of land) when it
    crosses."""
    lsoa, layer = example
    t = coterminosity(atlas_2026, layer, "pcn", weight="area")
    own = t[t["child_code"] == t["parent_code"]].set_index("child_code")
    assert len(own) == 34 and (own["share_of_child"] > 1 - 1e-6).all()
    everywhere = atlas_2026.lsoa[atlas_2026.lsoa["pcn"].isin(own.index)]
    area = everywhere.geometry.area
    inside = (
        area[everywhere["icb"] == ICB].groupby(everywhere["pcn"]).sum()
        / area.groupby(everywhere["pcn"]).sum()
    )
    np.testing.assert_allclose(own["share_of_parent"], inside.reindex(own.index), atol=1e-6)
    whole = inside[inside > 1 - 1e-9].index
    assert (own.loc[whole, "relationship"] == "coterminous").all() and len(whole) == 22
    assert (own.drop(whole)["relationship"] == "nested").all()


def test_population_weighted_differs_through_fractional_shares(atlas_2026, example):
    """By residents a footprint is not its PCN: pcn_lsoa gives each LSOA's residents to every PCN
    with patients there, so a majority footprint holds only part of its PCN's residents."""
    lsoa, layer = example
    t = coterminosity(atlas_2026, layer, "pcn")
    own = t[t["child_code"] == t["parent_code"]].set_index("child_code")
    pl = atlas_2026.pcn_lsoa.merge(
        lsoa[["code", "pcn", "residents"]].rename(columns={"code": "lsoa", "pcn": "unit"}),
        on="lsoa",
    )
    pl = pl[pl["pcn"] == pl["unit"]]
    expected = (pl["residents"] * pl["share"]).groupby(pl["pcn"]).sum()
    np.testing.assert_allclose(own["overlap_residents"], expected.reindex(own.index), rtol=1e-9)
    assert (own["share_of_child"] < 1).all() and (
        t.groupby("child_code")["relationship"].first() == "split"
    ).all()


def test_cut_pcns_match_the_raw_registrations(atlas_2026, example):
    """Patients of the ICB's 25 PCNs by footprint, from NHS England's practice × LSOA file."""
    lsoa, layer = example
    raw = pd.read_csv(
        mirror_root() / REGISTRATIONS, usecols=["LSOA_CODE", "PCN_CODE", "NUMBER_OF_PATIENTS"]
    )
    raw = raw[
        raw["LSOA_CODE"].isin(atlas_2026.lsoa["code"])
    ]  # English LSOAs (no CLOSED, EMPTY, W01…)
    unit = raw["LSOA_CODE"].map(lsoa.set_index("code")["pcn"])
    per = (
        raw.assign(unit=unit.fillna("outside"))
        .groupby(["PCN_CODE", "unit"])["NUMBER_OF_PATIENTS"]
        .sum()
    )
    share = per / per.groupby(level=0).transform("sum")
    cut = cut_pcns(atlas_2026, layer)
    mine = cut[cut["pcn_code"].isin(raw["PCN_CODE"])]
    got = pd.Series(
        mine["share_of_pcn"].to_numpy(),
        index=pd.MultiIndex.from_arrays([mine["pcn_code"], mine["unit_code"].fillna("outside")]),
    )
    expected = share[share >= 1e-5]  # cut_pcns leaves out crumbs under 1e-5 of a PCN's patients
    assert raw["PCN_CODE"].nunique() == 25 and mine["pcn_code"].nunique() == 25  # every one is cut
    pd.testing.assert_series_equal(
        got.sort_index(), expected.sort_index(), check_names=False, rtol=1e-9
    )


# ------------------------------------------------------------------------- Coventry, drawn, listed


KEY = ["child_code", "parent_code"]


@pytest.fixture(scope="module")
def coventry(atlas_2026):
    from own_files import coventry_csv, coventry_geojson

    from ics_maps.analysis.own_layer import read_layer

    return (
        read_layer(coventry_geojson(atlas_2026), "coventry.geojson", atlas_2026),
        read_layer(coventry_csv(atlas_2026), "coventry.csv", atlas_2026),
    )


def test_drawn_and_listed_units_agree(atlas_2026, coventry):
    """The same four units as WGS84 polygons (7 decimals, as GIS tools save them) and as an LSOA
    list: the 0.5 m snap keeps every LSOA whole, so every table agrees to float noise."""
    drawn, listed = coventry
    assert (drawn.weights["share"] == 1.0).all() and len(drawn.weights) == len(listed.weights)
    for tier in ("icb", "lad", "pcn"):
        for side in ("child", "parent"):
            a = coterminosity(atlas_2026, drawn, tier, side).sort_values(KEY)
            b = coterminosity(atlas_2026, listed, tier, side).sort_values(KEY)
            assert (
                a[["child_code", "parent_code"]].values.tolist()
                == b[["child_code", "parent_code"]].values.tolist()
            )
            cols = ["overlap_residents", "share_of_child", "share_of_parent"]
            np.testing.assert_allclose(a[cols].to_numpy(float), b[cols].to_numpy(float), atol=1e-9)


def test_area_tables_from_the_lsoa_table_match_the_polygon_overlay(atlas_2026, coventry):
    """Units of whole LSOAs against the generalised (BUC) district and ICB polygons: the stored LSOA
    × tier area table gives the polygon overlay's table (the pieces are the same areas, summed in
    another order; the drawn units are the LSOAs to 7 decimals of a degree). Both drop pieces
    under 10 m²: at the default 1 m² a 2 m² sliver where an LSOA meets Birmingham and Solihull's
    generalised polygon is kept from the exact LSOA but falls under 1 m² from the rounded drawing,
    which turns CV1 from nested to split by a share of 5e-8."""
    drawn, _ = coventry
    sliver = {"min_overlap_m2": 10.0}
    for tier in ("lad", "utla", "icb", "region"):
        for side in ("child", "parent"):
            a = coterminosity(atlas_2026, drawn, tier, side, "area", **sliver).sort_values(KEY)
            b = coterminosity(atlas_2026, drawn, tier, side, "area", overlay="polygons", **sliver)
            b = b.sort_values(KEY)
            assert (
                a[["child_code", "parent_code", "relationship"]].values.tolist()
                == b[["child_code", "parent_code", "relationship"]].values.tolist()
            ), (tier, side)
            cols = ["share_of_child", "share_of_parent"]
            np.testing.assert_allclose(a[cols].to_numpy(float), b[cols].to_numpy(float), atol=1e-6)


def test_the_server_warm_up_builds_the_overlay_an_upload_uses(atlas_2026, coventry):
    from own_files import coventry_geojson

    from ics_maps.analysis import _lsoa_overlay
    from ics_maps.analysis.own_layer import read_layer
    from ics_maps.app.warmup import warm_own_layers

    warm_own_layers(atlas_2026)
    shared = _lsoa_overlay.lsoa_geometry(atlas_2026)
    cores = shared.cores[_lsoa_overlay.SNAP_M]
    read_layer(coventry_geojson(atlas_2026), "c.geojson", atlas_2026)
    assert _lsoa_overlay.lsoa_geometry(atlas_2026) is shared
    assert shared.cores[_lsoa_overlay.SNAP_M] is cores  # reused, not rebuilt
