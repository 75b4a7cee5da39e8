"""AppTest of the *Your boundaries* page on the real 2026 atlas: a file uploaded through the widget
gives the map's figures and every table with its CSV; each kind of bad file gives a message on the
page, never a traceback, and the page keeps working; the layer stays in its session.

The good layer is Coventry's LSOAs in four units (tests/own_files.py): all four lie in the one
district, and together they hold Coventry's residents (345,300 in the Census 2021 first release).
"""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path

import pandas as pd
import pytest
from own_files import (
    COVENTRY,
    COVENTRY_FIRST_RELEASE,
    coventry_csv,
    coventry_geojson,
    zip_of,
)
from test_app import _file, downloads, no_exception, open_page, texts  # noqa: F401 (fixture)

from ics_maps.analysis.custom_summary import layer_with_summary, unit_summary
from ics_maps.analysis.custom_tier import coterminosity
from ics_maps.analysis.own_layer import read_layer
from ics_maps.analysis.profiles import tier_profile
from ics_maps.presentation.export import geojson_bytes, safe_csv

PAGE = "your_boundaries"


@pytest.fixture(scope="module")
def atlas(atlas_2026):
    return atlas_2026


@pytest.fixture()
def private_tmp(tmp_path, monkeypatch):
    """Temporary folders go to a private place, to check that none is left behind."""
    import tempfile

    t = tmp_path / "tmp"
    t.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(t))
    return t


@pytest.fixture(scope="module")
def good(atlas):
    return coventry_geojson(atlas)


def upload(at, name: str, data: bytes, mime: str = "application/octet-stream"):
    at.file_uploader(key="own_upload").set_value((name, data, mime)).run()
    return at


def button(at, key: str):
    return next(b for b in at.get("download_button") if key in b.proto.id)


def residents_in_headline(at) -> int:
    text = next(m.value for m in at.markdown if "residents (Census 2021)" in m.value)
    return int(re.search(r"([\d,]+) residents", text).group(1).replace(",", ""))


def metrics(at) -> dict[str, str]:
    """The relationship counts, and the number of units from the caption above them."""
    got = {m.label: m.value for m in at.metric}
    for c in texts(at, "caption"):
        hit = re.match(r"Your ([\d,]+) units? against", c)
        if hit:
            got["Your units"] = hit.group(1)
    return got


# ---------------------------------------------------------------------------- a good file


def test_without_a_file_the_page_invites_one():
    at = open_page(PAGE)
    no_exception(at)
    assert any("Upload a file to begin" in i for i in texts(at, "info"))
    assert not at.error and not at.dataframe


def test_upload_shows_figures_map_tables_and_their_csv(atlas, good, downloads):  # noqa: F811
    at = upload(open_page(PAGE), "coventry.geojson", good, "application/geo+json")
    no_exception(at)
    assert not at.error, texts(at, "error")
    # four units, all nested in Coventry, the district they were made from
    got = metrics(at)
    assert got["Your units"] == "4" and got["Nested"] == "4" and got["Split"] == "0"
    assert abs(residents_in_headline(at) - COVENTRY_FIRST_RELEASE) <= 50
    # what was guessed and inferred is said
    notes = " ".join(m.value for m in at.markdown)
    assert "No CRS declared" in notes and "longitude/latitude" in notes
    assert "Code column guessed: 'unit\\_code'" in notes
    assert [s.value for s in at.selectbox][:2] == ["unit_code", "unit_name"]
    # the table is the library's, and so is its CSV
    layer = read_layer(good, "coventry.geojson", atlas)
    expected = coterminosity(atlas, layer, "lad")
    shown = at.dataframe[0].value
    assert len(shown) == 4 and set(shown["parent_code"]) == {COVENTRY}
    assert _file(downloads, button(at, "own_child").proto) == safe_csv(expected)
    # the map's layers as GeoJSON: the four units and the district outlined over them
    doc = json.loads(_file(downloads, button(at, "own_dl_map").proto))
    tiers = pd.Series([f["properties"]["tier"] for f in doc["features"]]).value_counts()
    assert tiers.to_dict() == {"yours": 4, "lad": 1}


def test_every_tab_has_its_table_and_csv(atlas, good, downloads):  # noqa: F811
    at = upload(open_page(PAGE), "coventry.geojson", good)
    layer = read_layer(good, "coventry.geojson", atlas)
    checks = {
        "By district or unitary": (
            "own_parent",
            coterminosity(atlas, layer, "lad", custom_as="parent"),
        ),
        "All tiers": ("own_summary", unit_summary(atlas, layer)),
    }
    for tab, (key, expected) in checks.items():
        at.session_state["own_tab"] = tab
        at.run()
        no_exception(at)
        assert _file(downloads, button(at, key).proto) == safe_csv(expected), tab
    # Coventry's PCNs: the four units cut some of them; each piece's share is given
    at.session_state["own_tab"] = "Cut PCNs"
    at.run()
    no_exception(at)
    cut = pd.read_csv(io.BytesIO(_file(downloads, button(at, "own_cut").proto)))
    # pieces under 1e-5 of a PCN are dropped as boundary crumbs; the CSV keeps 6 decimals
    assert (cut.groupby("pcn_code")["share_of_pcn"].sum() - 1).abs().max() < 1e-4
    assert any("PCNs are cut" in m.value or "PCN is cut" in m.value for m in at.markdown)
    # the layer back as GeoJSON, with its computed figures
    at.session_state["own_tab"] = "Downloads"
    at.run()
    no_exception(at)
    doc = json.loads(_file(downloads, button(at, "own_dl_layer").proto))
    assert {f["properties"]["code"] for f in doc["features"]} == {"CV1", "CV2", "CV3", "CV4"}
    assert _file(downloads, button(at, "own_dl_layer").proto) == geojson_bytes(
        layer_with_summary(atlas, layer)
    )
    # people profiles: the units, then England; the four units add up to Coventry's profile as
    # the People views make it from the district tier (an independent path: the tier's weights)
    at.session_state["own_tab"] = "People"
    at.run()
    no_exception(at)
    prof = pd.read_csv(io.BytesIO(_file(downloads, button(at, "own_profiles").proto)))
    assert prof["code"].tolist() == ["CV1", "CV2", "CV3", "CV4", "E92000001"]
    coventry = tier_profile(atlas, "lad").set_index("code").loc[COVENTRY]
    units = prof[prof["code"] != "E92000001"]
    for col in ("residents", "age_0_4", "age_85_plus", "imd_lsoas_decile1"):
        assert units[col].sum() == pytest.approx(coventry[col], abs=0.01), col


def test_choices_reread_and_recompute(atlas, good):
    at = upload(open_page(PAGE), "coventry.geojson", good)
    at.selectbox(key="w_over").set_value("icb").run()
    no_exception(at)
    assert metrics(at)["Nested"] == "4"  # Coventry lies inside Coventry and Warwickshire
    assert set(at.dataframe[0].value["parent_code"]) == {"E54000018"}
    # against PCNs the tolerance opens at 5 %, as on every PCN pair (a moved slider is kept)
    at.selectbox(key="w_over").set_value("pcn").run()
    no_exception(at)
    assert at.slider(key="w_tol").value == 5.0
    layer = read_layer(good, "coventry.geojson", atlas)
    expected = coterminosity(atlas, layer, "pcn", tolerance=0.05)
    assert at.dataframe[0].value["relationship"].tolist() == expected["relationship"].tolist()
    at.slider(key="w_tol").set_value(2.0).run()
    at.selectbox(key="w_over").set_value("icb").run()
    assert at.slider(key="w_tol").value == 2.0
    at.selectbox(key="own_name_col").set_value("(use the code)").run()
    no_exception(at)
    assert sorted(at.dataframe[0].value["child_name"]) == ["CV1", "CV2", "CV3", "CV4"]
    at.selectbox(key="own_code_col").set_value("unit_name").run()
    no_exception(at)
    assert "Coventry north" in set(at.dataframe[0].value["child_code"])


def test_lsoa_list_gives_exact_residents(atlas):
    at = upload(open_page(PAGE), "coventry.csv", coventry_csv(atlas), "text/csv")
    no_exception(at)
    assert any("made of whole LSOAs" in m.value for m in at.markdown)
    exact = int(atlas.lsoa.loc[atlas.lsoa["lad"] == COVENTRY, "residents"].sum())
    assert residents_in_headline(at) == exact
    assert metrics(at)["Nested"] == "4"


# ---------------------------------------------------------------------------- bad files


def features(*feats) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(feats)}).encode()


def feature(code: str, geometry: dict, name: str = "x") -> dict:
    return {"type": "Feature", "properties": {"code": code, "name": name}, "geometry": geometry}


def box(x0, y0, x1, y1) -> dict:
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def bad_files(good: bytes) -> dict[str, tuple[str, bytes, str]]:
    """kind -> (file name, bytes, text the message must hold)."""
    doc = json.loads(good)
    dup = dict(doc, features=[doc["features"][0], doc["features"][0]])
    odd_crs = dict(doc, crs={"type": "name", "properties": {"name": "EPSG:999999"}})
    bomb = zip_of({"units.shp": b"\0" * (20 * 1024 * 1024)})
    return {
        "non-geographic": ("page.geojson", b"<html><body>Not found</body></html>", "could not be"),
        "empty file": ("empty.geojson", b"", "is empty (0 bytes)"),
        "empty layer": ("none.geojson", features(), "has no features: the layer is empty"),
        "points": (
            "pts.geojson",
            features(feature("p", {"type": "Point", "coordinates": [-1.5, 52.4]})),
            "where polygons were expected",
        ),
        "lines": (
            "lines.geojson",
            features(
                feature("l", {"type": "LineString", "coordinates": [[-1.5, 52.4], [-1.4, 52.5]]})
            ),
            "not points or lines",
        ),
        "unknown CRS": ("odd.geojson", json.dumps(odd_crs).encode(), "unknown CRS 'EPSG:999999'"),
        "outside England": (
            "highlands.geojson",
            features(feature("h", box(-5.0, 57.0, -4.9, 57.1))),  # Scotland: in GB, not England
            "lies in England",
        ),
        "duplicate codes": ("dup.geojson", json.dumps(dup).encode(), "duplicate codes"),
        "zip with ../": ("up.zip", zip_of({"../evil.shp": b"x"}), "absolute or '..' path"),
        "zip bomb": ("bomb.zip", bomb, "possible zip bomb"),
        "over the limit": ("huge.geojson", b" " * (50 * 1024 * 1024 + 1), "upload limit"),
    }


@pytest.mark.parametrize(
    "kind",
    [
        "non-geographic",
        "empty file",
        "empty layer",
        "points",
        "lines",
        "unknown CRS",
        "outside England",
        "duplicate codes",
        "zip with ../",
        "zip bomb",
        "over the limit",
    ],
)
def test_bad_file_is_a_message_and_the_page_keeps_working(atlas, good, kind, private_tmp):
    name, data, needle = bad_files(good)[kind]
    at = upload(open_page(PAGE), name, data)
    no_exception(at)
    errors = texts(at, "error")
    assert any(needle in e for e in errors), (kind, errors)
    assert not at.dataframe and not at.get("download_button")
    assert os.listdir(private_tmp) == []  # no file left behind
    # the same session then reads a good file
    upload(at, "coventry.geojson", good)
    no_exception(at)
    assert not at.error and metrics(at)["Your units"] == "4"


def test_repaired_polygon_is_reported(atlas):
    """A self-intersecting (bow-tie) unit in Coventry is repaired with make_valid, and said so."""
    x0, y0, x1, y1 = -1.55, 52.39, -1.50, 52.42
    ring = [[x0, y0], [x1, y1], [x1, y0], [x0, y1], [x0, y0]]
    bowtie = {"type": "Polygon", "coordinates": [ring]}
    at = upload(open_page(PAGE), "bow.geojson", features(feature("bow", bowtie, "Bow tie")))
    no_exception(at)
    assert not at.error
    notes = " ".join(m.value for m in at.markdown)
    assert "repaired with make\\_valid" in notes and "Self-intersection" in notes


def test_html_and_formulas_in_names_stay_text(atlas, downloads):  # noqa: F811
    evil = {
        "CV1": "<script>alert('x')</script>",
        "CV2": '=HYPERLINK("http://example.com")',
        "CV3": "+1+2",
        "CV4": "@SUM(A1)",
    }
    data = coventry_geojson(atlas, evil)
    at = upload(open_page(PAGE), "evil.geojson", data)
    no_exception(at)
    assert sorted(at.dataframe[0].value["child_name"]) == sorted(evil.values())
    assert not any("<script>" in m.value for m in at.markdown)
    csv = _file(downloads, button(at, "own_child").proto).decode()
    assert "'=HYPERLINK" in csv and "'+1+2" in csv and "'@SUM(A1)" in csv


# ---------------------------------------------------------------------------- sessions


def test_the_layer_lives_in_its_session_only(atlas, good):
    store = Path(os.environ.get("ICS_MAPS_DATA") or Path(__file__).resolve().parents[2] / "data")
    before = sorted(p.as_posix() for p in store.rglob("*"))
    lsoa_columns = list(atlas.lsoa.columns)
    one = upload(open_page(PAGE), "coventry.geojson", good)
    assert metrics(one)["Your units"] == "4"
    two = open_page(PAGE)  # another session, same server process and cached atlas
    no_exception(two)
    assert any("Upload a file to begin" in i for i in texts(two, "info"))
    assert not two.dataframe
    assert sorted(p.as_posix() for p in store.rglob("*")) == before  # nothing written
    assert list(atlas.lsoa.columns) == lsoa_columns
    # removing the file forgets the layer
    one.file_uploader(key="own_upload").clear().run()
    no_exception(one)
    assert "_own_layer" not in one.session_state and not one.dataframe


def test_link_choices_survive_until_a_file_is_read(atlas, good):
    """A shared link sets the tier, weighting and tolerance before any file is uploaded; they are
    kept (not dropped as unused) and apply once the file is read. A bad one is a warning."""
    at = open_page(PAGE, {"over": "icb", "weight": "area", "tol": "5"})
    no_exception(at)
    assert (at.query_params.get("over"), at.query_params.get("tol")) == ("icb", "5")
    upload(at, "coventry.geojson", good)
    no_exception(at)
    assert at.selectbox(key="w_over").value == "icb" and at.radio(key="w_weight").value == "area"
    assert any("Coventry" not in c and "by area" in c and "5.0%" in c for c in texts(at, "caption"))
    bad = open_page(PAGE, {"over": "parish"})
    assert any("Unknown official tier" in w for w in texts(bad, "warning"))
