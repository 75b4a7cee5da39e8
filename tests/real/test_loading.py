"""Loading a built atlas: tiers decoded on first use, display layers stored with it, the server
warm-up."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely.geometry import Polygon, mapping

from ics_maps.app import warmup
from ics_maps.atlas import Atlas, load_atlas
from ics_maps.atlas.display import NATIONAL_TOLERANCE_M, TOLERANCE_M, WEB_TIERS, simplify_for_web
from ics_maps.atlas.model import LazyFrames
from ics_maps.paths import atlas_root
from ics_maps.presentation.maps import features
from ics_maps.tiers import TIERS

PROJECT = Path(__file__).resolve().parents[2]


def test_lazy_frames_load_each_frame_once_even_when_asked_at_once():
    calls = []
    gate = threading.Event()

    def slow():
        calls.append(1)
        gate.wait(2)
        return pd.DataFrame({"a": [1]})

    frames = LazyFrames({"x": slow, "y": lambda: pd.DataFrame({"b": [2]})})
    assert frames.loaded() == [] and list(frames) == ["x", "y"] and len(frames) == 2
    got = []
    threads = [threading.Thread(target=lambda: got.append(frames["x"])) for _ in range(4)]
    for t in threads:
        t.start()
    gate.set()
    for t in threads:
        t.join()
    assert calls == [1] and len(got) == 4 and all(g is got[0] for g in got)
    assert frames.loaded() == ["x"]
    with pytest.raises(KeyError):
        frames["nope"]


def test_loaded_atlas_decodes_tiers_on_first_use(atlas_2026):
    atlas = load_atlas("2026")
    assert atlas.tiers.loaded() == []
    icb = atlas.tier("icb")
    assert atlas.tiers.loaded() == ["icb"] and len(icb) == 36
    assert "lsoa" not in atlas.tiers.loaded()
    assert len(atlas.lsoa) == 33_755 and int(atlas.lsoa["residents"].sum()) == 56_490_091


def test_a_rebuild_does_not_break_an_atlas_already_loaded(atlas_2026, tmp_path, monkeypatch):
    """The app keeps a loaded atlas for hours; `ics-maps build --force` replaces its directory."""
    root = tmp_path / "atlas"
    src = atlas_root()
    live = json.loads((src / "2026.json").read_text())["dir"]
    shutil.copytree(src / live, root / live)
    shutil.copy(src / "2026.json", root / "2026.json")
    atlas = load_atlas("2026", root)
    shutil.rmtree(root / live)  # what saving a new build does to the previous directory
    assert len(atlas.tier("lsoa")) == 33_755 and len(atlas.web_layer("pcn")) == 1_297


def test_display_layers_are_stored_with_the_atlas(atlas_2026):
    atlas = load_atlas("2026")
    assert set(atlas.web) == set(WEB_TIERS) | {f"{t}@national" for t in NATIONAL_TOLERANCE_M}
    for tier in WEB_TIERS:
        web = atlas.web_layer(tier)
        assert web.crs.to_epsg() == 4326 and len(web) == len(atlas.tier(tier))
        assert web.attrs["web"]["tolerance_m"] == TOLERANCE_M[tier]
        assert list(web["code"]) == list(atlas.tier(tier)["code"])
    lad = atlas.web_layer("lad", national=True)
    assert lad.attrs["web"]["tolerance_m"] == NATIONAL_TOLERANCE_M["lad"]
    assert lad.attrs["web"]["vertices_out"] < atlas.web_layer("lad").attrs["web"]["vertices_out"]
    # the stored layer is what simplify_for_web makes from the tier now (same rule, same result)
    fresh = simplify_for_web(atlas.tier("icb"), tier="icb")
    assert shapely.equals_exact(
        fresh.geometry.values, atlas.web_layer("icb").geometry.values, 1e-9
    ).all()
    with pytest.raises(ValueError, match="LSOA"):
        atlas.web_layer("lsoa")


def test_hand_made_atlas_makes_missing_display_layers_once():
    from toy_atlas import toy_atlas

    atlas = toy_atlas()
    first = atlas.web_layer("icb")
    assert first is atlas.web_layer("icb") and first.crs.to_epsg() == 4326
    assert atlas.web_layer("icb", national=True) is first  # no national version for ICBs


def test_feature_geometry_is_the_geometry_drawn():
    gdf = gpd.GeoDataFrame(
        {"code": ["a", "b", "c"], "name": ["A", "B", "C"]},
        geometry=[Polygon([(0, 0), (1.5, 0), (1, 1.25)]), None, Polygon()],
        crs="EPSG:4326",
    )
    fc = features.feature_collection(gdf, "icb", [])
    assert [f["id"] for f in fc["features"]] == ["a"]  # rows without geometry are not drawn
    assert fc["features"][0]["geometry"] == json.loads(json.dumps(mapping(gdf.geometry[0])))


def test_warm_up_loads_the_overview_tiers_but_never_builds(atlas_2026, monkeypatch):
    atlas = warmup.warm("2026")
    assert isinstance(atlas, Atlas)
    assert set(atlas.tiers.loaded()) == set(warmup.OVERVIEW_TIERS) and "icb" in atlas.web.loaded()
    from ics_maps.atlas import store

    monkeypatch.setattr(store, "fingerprint", lambda v: "changed inputs")
    assert (
        warmup.warm("2026") is None
    )  # out of date: the first page builds it behind a progress bar


def test_prefetched_atlas_is_handed_out_once(atlas_2026, monkeypatch):
    monkeypatch.setattr(warmup, "_futures", {})
    assert warmup.prefetched("2026") is None  # no warm-up started
    fut = warmup.start("2026")
    assert warmup.start("2026") is fut
    atlas = warmup.prefetched("2026", timeout=120)
    assert isinstance(atlas, Atlas) and atlas.vintage == "2026"
    assert warmup.prefetched("2026") is None


def test_warm_up_does_not_import_the_map_component():
    """streamlit_folium imported outside a script would never register its files with the server."""
    code = (
        "import sys; from ics_maps.app import warmup; warmup.warm('2026'); "
        "assert 'streamlit_folium' not in sys.modules; assert 'folium' in sys.modules; print('ok')"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


def test_every_tier_is_stored(atlas_2026):
    d = atlas_root() / json.loads((atlas_root() / "2026.json").read_text())["dir"]
    assert {p.stem for p in d.glob("*.parquet")} == set(TIERS) | {"pcn_lsoa"}
    assert {p.stem for p in (d / "web").glob("*.parquet")} == set(load_atlas("2026").web)
