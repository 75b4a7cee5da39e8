"""Bad input: each fault gives a clear error naming the dataset and what was expected, and no
half-written atlas."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from ics_maps import readers
from ics_maps.atlas import Atlas, atlas_exists, load_atlas, save_atlas
from ics_maps.errors import DataError


def test_missing_file_names_dataset_and_path(mirror_copy):
    mirror_copy("census21_lsoa_population", None)
    with pytest.raises(
        DataError, match=r"census21_lsoa_population.*file not found.*TS007A.*offline"
    ):
        readers.read_census_population()


def test_truncated_csv_fails_row_count(mirror_copy):
    lines = mirror_copy.real("lsoa21_sicbl24_lookup").read_text().splitlines()[:5000]
    mirror_copy("lsoa21_sicbl24_lookup", "\n".join(lines) + "\n")
    with pytest.raises(DataError, match=r"lsoa21_sicbl24_lookup.*4,999 rows.*expected 33,755"):
        readers.read_lsoa_lookup("lsoa21_sicbl24_lookup")


def test_truncated_shapefile_is_reported(mirror_copy):
    ds_path = mirror_copy.real("icb_2023_bsc")
    data = ds_path.read_bytes()[:20_000]
    mirror_copy("icb_2023_bsc", data)
    with pytest.raises(DataError, match=r"icb_2023_bsc"):
        readers.read_boundaries("icb_2023_bsc", "ICB23CD", "ICB23NM")


def test_corrupt_geopackage_is_reported(mirror_copy):
    mirror_copy("lsoa21_bsc", b"this is not a geopackage" * 100)
    with pytest.raises(DataError, match=r"lsoa21_bsc.*cannot read"):
        readers.read_lsoa_boundaries()


def test_missing_column_is_named(mirror_copy):
    df = pd.read_csv(mirror_copy.real("gp_list_2025_04"), dtype=str)
    mirror_copy("gp_list_2025_04", df.drop(columns=["NUMBER_OF_PATIENTS"]).to_csv(index=False))
    with pytest.raises(
        DataError, match=r"gp_list_2025_04.*missing column\(s\) \['NUMBER_OF_PATIENTS'\]"
    ):
        readers.read_list_sizes()


def test_duplicate_codes_are_named(mirror_copy):
    df = pd.read_csv(mirror_copy.real("gp_map_2025_10"), dtype=str)
    mirror_copy("gp_map_2025_10", pd.concat([df, df.iloc[[0]]]).to_csv(index=False))
    with pytest.raises(DataError, match=r"gp_map_2025_10.*duplicate practice code.*A81001"):
        readers.read_practice_map("gp_map_2025_10")


def test_wrong_crs_is_detected(mirror_copy):
    # The 2023 ICB shapefile is in British National Grid metres; declare it lon/lat instead.
    prj = mirror_copy.root / "icb_2023_bsc/ICB_APR_2023_EN_BSC.prj"
    prj.unlink()
    prj.write_text(
        'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],'
        'PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]]'
    )
    with pytest.raises(DataError, match=r"icb_2023_bsc.*outside Great Britain.*CRS"):
        readers.read_boundaries("icb_2023_bsc", "ICB23CD", "ICB23NM")


def test_missing_crs_is_detected(mirror_copy):
    (mirror_copy.root / "icb_2023_bsc/ICB_APR_2023_EN_BSC.prj").unlink()
    with pytest.raises(DataError, match=r"icb_2023_bsc.*no CRS"):
        readers.read_boundaries("icb_2023_bsc", "ICB23CD", "ICB23NM")


def test_codes_that_join_to_nothing_stop_the_build(mirror_copy, tmp_path):
    """An ICB in the lookup with no polygon: the build fails, naming the codes, and writes
    nothing."""
    df = pd.read_csv(mirror_copy.real("lsoa21_sicbl24_lookup"), dtype=str)
    df.loc[df["ICB24CD"] == "E54000008", "ICB24CD"] = "E54099999"
    mirror_copy("lsoa21_sicbl24_lookup", df.to_csv(index=False))
    from ics_maps.atlas import ensure_atlas

    with pytest.raises(DataError, match=r"E54099999"):
        ensure_atlas("2024", root=tmp_path / "atlas")
    left = [p.name for p in (tmp_path / "atlas").iterdir()] if (tmp_path / "atlas").exists() else []
    assert left in ([], [".2024.lock"])  # nothing but the build lock (an empty file)


def test_unknown_practice_codes_in_list_sizes_are_reported_not_fatal(mirror_copy):
    df = pd.read_csv(mirror_copy.real("gp_list_2025_04"), dtype=str)
    extra = df.iloc[[0]].assign(CODE="Z99999")
    mirror_copy("gp_list_2025_04", pd.concat([df, extra]).to_csv(index=False))
    import geopandas as gpd

    from ics_maps.atlas._primary_care import locate_practices
    from ics_maps.sources.vintages import get_vintage

    lsoa = readers.read_lsoa_boundaries()
    lk = readers.read_lsoa_lookup("lsoa21_sicbl24_lookup").set_index("lsoa")
    lsoa["sicbl"] = lsoa["code"].map(lk["sicbl"])
    lsoa["icb"] = lsoa["code"].map(lk["icb"])
    lsoa["region"] = "E40000003"
    report: dict = {"coverage": {}, "derived": {}}
    prac = locate_practices(get_vintage("2024"), gpd.GeoDataFrame(lsoa), report)
    assert report["practices"]["list_sizes_in_file_not_in_map"] == 38  # 37 real + the bogus one
    assert "Z99999" not in set(prac["code"])


def _tiny_atlas(vintage="2024", marker="old"):
    import geopandas as gpd
    from shapely.geometry import box

    from ics_maps.tiers import TIERS

    g = gpd.GeoDataFrame(
        {"code": ["X"], "name": [marker], "ods_code": ["Q"]}, geometry=[box(0, 0, 1, 1)], crs=27700
    )
    return Atlas(
        vintage,
        {t: g for t in TIERS},
        pd.DataFrame(
            {"pcn": ["P"], "lsoa": ["X"], "patients": [1], "share": [1.0], "method": ["modelled"]}
        ),
        {"fingerprint": marker},
    )


def test_interrupted_save_leaves_previous_atlas(tmp_path, monkeypatch):
    root = tmp_path / "atlas"
    save_atlas(_tiny_atlas(marker="old"), root)
    import geopandas as gpd

    real = gpd.GeoDataFrame.to_parquet
    calls = {"n": 0}

    def flaky(self, *a, **k):
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt("power cut")
        return real(self, *a, **k)

    monkeypatch.setattr(gpd.GeoDataFrame, "to_parquet", flaky)
    with pytest.raises(KeyboardInterrupt):
        save_atlas(_tiny_atlas(marker="new"), root)
    monkeypatch.undo()
    assert load_atlas("2024", root).tier("icb")["name"].iloc[0] == "old"
    assert [p.name for p in root.iterdir() if p.name.startswith(".tmp")] == []
    assert json.loads((root / "2024.json").read_text())["fingerprint"] == "old"


def test_save_replaces_and_cleans_previous(tmp_path):
    root = tmp_path / "atlas"
    save_atlas(_tiny_atlas(marker="old"), root)
    save_atlas(_tiny_atlas(marker="new"), root)
    assert load_atlas("2024", root).tier("icb")["name"].iloc[0] == "new"
    assert len([p for p in root.iterdir() if p.is_dir()]) == 1
    assert atlas_exists("2024", root) and not atlas_exists("2026", root)


def test_unknown_vintage_is_a_clear_error():
    from ics_maps.sources.vintages import get_vintage as vintage

    with pytest.raises(ValueError, match=r"unknown vintage '2030'.*2026, 2024, 2022, 2021"):
        vintage("2030")
