"""Each reader on small hand-built inputs whose tidy output is known exactly."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

from ics_maps import readers
from ics_maps.sources import CATALOGUE


def write(mirror, dataset_id, text):
    path = mirror / CATALOGUE[dataset_id].mirror_path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_census_skips_nomis_title_lines_blank_tail_and_wales(fake_mirror, any_size):
    write(
        fake_mirror,
        "census21_lsoa_population",
        '"TS007A - Age by five-year age bands"\n"ONS Crown Copyright Reserved"\n"Date       '
        ':","2021"\n\n'
        '"2021 super output area - lower layer","mnemonic","Total","Aged 4 years and under"\n'
        '"Hartlepool 001A","E01011954",2284,166\n"Cardiff 001A","W01001234",1500,90\n'
        '"Hartlepool 001B","E01011955",1000,50\n\n\n"Note: figures perturbed"\n',
    )
    out = readers.read_census_population()
    assert out.to_dict("list") == {"code": ["E01011954", "E01011955"], "residents": [2284, 1000]}


def test_census_non_numeric_total_names_the_lsoa(fake_mirror, any_size):
    write(
        fake_mirror,
        "census21_lsoa_population",
        '"t"\n"c"\n"d"\n\n"name","mnemonic","Total"\n"A","E01000001","x"\n',
    )
    with pytest.raises(ValueError, match=r"census21_lsoa_population.*E01000001"):
        readers.read_census_population()


def test_lsoa_lookup_2024_columns(fake_mirror, any_size):
    write(
        fake_mirror,
        "lsoa21_sicbl24_lookup",
        "LSOA21CD,LSOA21NM,SICBL24CD,SICBL24CDH,SICBL24NM,ICB24CD,ICB24CDH,ICB24NM,LAD24CD,LAD24NM\n"
        "E01000001,City 001A,E38000255,A3A8R,NHS NEL ICB - A3A8R,E54000029,QMF,NHS NEL "
        "ICB,E09000001,City\n",
    )
    out = readers.read_lsoa_lookup("lsoa21_sicbl24_lookup")
    assert out.iloc[0][["lsoa", "sicbl", "sicbl_ods", "icb", "icb_ods", "lad"]].tolist() == [
        "E01000001",
        "E38000255",
        "A3A8R",
        "E54000029",
        "QMF",
        "E09000001",
    ]


def test_lsoa_lookup_rejects_duplicate_lsoa(fake_mirror, any_size):
    row = "E01000001,n,E38000255,A,s,E54000029,Q,i,E09000001,City\n"
    write(
        fake_mirror,
        "lsoa21_sicbl24_lookup",
        "LSOA21CD,LSOA21NM,SICBL24CD,SICBL24CDH,SICBL24NM,ICB24CD,ICB24CDH,ICB24NM,LAD24CD,LAD24NM\n"
        + row * 2,
    )
    with pytest.raises(ValueError, match=r"lsoa21_sicbl24_lookup.*duplicate LSOA code.*E01000001"):
        readers.read_lsoa_lookup("lsoa21_sicbl24_lookup")


def test_practice_map_keeps_unallocated(fake_mirror, any_size):
    header = (
        "PUBLICATION,EXTRACT_DATE,PRACTICE_CODE,PRACTICE_NAME,PRACTICE_POSTCODE,PCN_CODE,PCN_NAME,"
        "ONS_SUB_ICB_LOCATION_CODE,SUB_ICB_LOCATION_CODE,SUB_ICB_LOCATION_NAME,ONS_ICB_CODE,ICB_CODE,ICB_NAME,"
        "ONS_COMM_REGION_CODE,COMM_REGION_CODE,COMM_REGION_NAME,SUPPLIER_NAME\n"
    )
    write(
        fake_mirror,
        "gp_map_2025_10",
        header + "P,01Oct2025,A81001,DENSHAM,TS18 1HU,U89141,STOCKTON "
        "PCN,E38000247,16C,x,E54000050,QHM,y,E40000012,Y63,z,TPP\n"
        "P,01Oct2025,A81099,LONE,TS1 "
        "1AA,U,Unallocated,E38000247,16C,x,E54000050,QHM,y,E40000012,Y63,z,EMIS\n",
    )
    out = readers.read_practice_map("gp_map_2025_10")
    assert out["pcn"].tolist() == ["U89141", "U"]
    assert out.loc[1, "pcn_name"] == "Unallocated"


def test_list_sizes_only_gp_rows(fake_mirror, any_size):
    write(
        fake_mirror,
        "gp_list_2025_04",
        "PUBLICATION,EXTRACT_DATE,TYPE,SUB_ICB_LOCATION_CODE,ONS_SUB_ICB_LOCATION_CODE,CODE,POSTCODE,SEX,AGE,"
        "NUMBER_OF_PATIENTS\r\nG,2025-04-01,GP,16C,E38000247,A81001,TS18 1HU,ALL,ALL,3904\r\n"
        "G,2025-04-01,PCN,16C,E38000247,U89141,,ALL,ALL,40000\r\n",
    )
    assert readers.read_list_sizes().to_dict("list") == {"code": ["A81001"], "list_size": [3904]}


def test_registrations_drop_pseudo_and_non_english_codes(fake_mirror, any_size):
    write(
        fake_mirror,
        "gp_lsoa_2025_10",
        "LSOA_CODE,PRACTICE_CODE,PRACTICE_NAME,NUMBER_OF_PATIENTS,PCN_CODE,PCN_NAME,SUB_ICB_LOCATION_NAME,ICB_CODE\n"
        "CLOSED,C81018,D,3,U1,P,S,QNC\nE01008064,C81018,D,10,U1,P,S,QNC\nW01000001,C81018,D,2,U1,P,S,QNC\n"
        "E01008064,C81018,D,5,U1,P,S,QNC\n",
    )
    out, report = readers.read_gp_lsoa_registrations()
    assert out.to_dict("list") == {"lsoa": ["E01008064"], "practice": ["C81018"], "patients": [15]}
    assert report["patients"] == 20 and report["patients_english_lsoa"] == 15
    assert report["dropped_codes"] == ["CLO", "W01"]


def test_practice_locations_national_then_supplement(fake_mirror, any_size):
    write(
        fake_mirror,
        "practice_locations_2024_01",
        '"","PRAC_CODE","PRAC_POSTCODE","PRAC_LAT","PRAC_LNG"\n"1","A00001","AA1 '
        '1AA",52.5,-1.9\n"2","A00002","AA1 1AB",,\n',
    )
    write(
        fake_mirror,
        "practice_locations_ssot_2025_10",
        "PRACTICE_CODE,PRACTICE_POSTCODE,Latitude_1m,Longitude_1m\nA00001,AA1 1AA,0,0\n"
        "M00001,ST1 1AA,52.9,-2.1\n",
    )
    out = readers.read_practice_locations()
    # A00002 has no coordinates; the national A00001 wins
    assert out["code"].tolist() == ["A00001", "M00001"]
    assert out.loc[0, "lat"] == 52.5


def _write_vector(mirror, dataset_id, gdf, driver):
    path = mirror / CATALOGUE[dataset_id].mirror_path
    path.parent.mkdir(parents=True, exist_ok=True)
    gdf.to_file(path, driver=driver)
    return path


def test_boundaries_reprojected_to_bng_and_england_only(fake_mirror, any_size):
    gdf = gpd.GeoDataFrame(
        {"lsoa21_code": ["E01000001", "W01000001"], "lsoa21_name": ["a", "b"]},
        geometry=[box(-1.0, 52.0, -0.99, 52.01), box(-3.2, 51.5, -3.19, 51.51)],
        crs=4326,
    )
    _write_vector(fake_mirror, "lsoa21_bsc", gdf, "GPKG")
    out = readers.read_lsoa_boundaries()
    assert out["code"].tolist() == ["E01000001"]
    assert out.crs.to_epsg() == 27700
    x, y = out.geometry.iloc[0].centroid.coords[0]
    assert 465_000 < x < 472_000 and 230_000 < y < 240_000


def test_invalid_geometry_is_repaired(fake_mirror, any_size):
    bowtie = __import__("shapely").Polygon(
        [(400000, 300000), (401000, 301000), (401000, 300000), (400000, 301000)]
    )
    gdf = gpd.GeoDataFrame(
        {"LAD23CD": ["E06000001"], "LAD23NM": ["x"]}, geometry=[bowtie], crs=27700
    )
    _write_vector(fake_mirror, "lad_2023_buc", gdf, "ESRI Shapefile")
    out = readers.read_boundaries("lad_2023_buc", "LAD23CD", "LAD23NM")
    assert out.geometry.is_valid.all()
    assert out.geometry.iloc[0].area == pytest.approx(500_000)


def test_to_points_bng_keeps_missing_as_none():
    pts = readers.to_points_bng(pd.Series([-1.9, None]), pd.Series([52.5, None]))
    assert pts.iloc[1] is None
    assert isinstance(pts.iloc[0], Point)


def test_waves_file_must_have_42_icbs(tmp_path):
    p = tmp_path / "w.csv"
    p.write_text(
        "icb22cd,icb23cd,icb_ods,icb_name,wave,wave_label,designated,evidence\nE1,E1,Q,n,1,w,2017,c\n"
    )
    with pytest.raises(ValueError, match="42 unique ICBs"):
        readers.read_waves(p)


def test_sicbl_region_lookup(fake_mirror, any_size):
    write(
        fake_mirror,
        "sicbl23_icb23_nhser23_lookup",
        "\ufeffSICBL23CD,SICBL23CDH,SICBL23NM,ICB23CD,ICB23CDH,ICB23NM,NHSER23CD,NHSER23CDH,NHSER23NM,ObjectId\n"
        "E38000256,W2U3Z,NW London,E54000027,QRV,NWL ICB,E40000003,Y56,London,1\n",
    )
    out = readers.read_sicbl_region_lookup()
    assert out.iloc[0].tolist() == ["E38000256", "E54000027", "QRV", "E40000003", "Y56", "London"]


def test_sicbl22_lookup_one_row_per_sub_icb(fake_mirror, any_size):
    head = (
        "lsoa11_name,lsoa11_code,sicbl22_name,sicbl22_code,sicbl22_code_h,icb22_name,icb22_code,icb22_code_h,"
        "ltla22_name,ltla22_code\n"
    )
    write(
        fake_mirror,
        "lsoa11_sicbl22_lookup",
        head + "a,E01000001,S1,E38000001,01A,I1,E54000001,QA1,L,E06000001\n"
        "b,E01000002,S1,E38000001,01A,I1,E54000001,QA1,L,E06000001\n"
        "c,E01000003,S2,E38000002,02B,I1,E54000001,QA1,L,E06000001\n",
    )
    out = readers.read_sicbl22_lookup()
    assert out["sicbl"].tolist() == ["E38000001", "E38000002"] and set(out["icb_ods"]) == {"QA1"}


def test_sicbl22_lookup_rejects_sub_icb_in_two_icbs(fake_mirror, any_size):
    head = (
        "lsoa11_name,lsoa11_code,sicbl22_name,sicbl22_code,sicbl22_code_h,icb22_name,icb22_code,icb22_code_h,"
        "ltla22_name,ltla22_code\n"
    )
    write(
        fake_mirror,
        "lsoa11_sicbl22_lookup",
        head + "a,E01000001,S1,E38000001,01A,I1,E54000001,QA1,L,E06000001\n"
        "b,E01000002,S1,E38000001,01A,I2,E54000002,QA2,L,E06000001\n",
    )
    with pytest.raises(ValueError, match=r"lsoa11_sicbl22_lookup.*E38000001"):
        readers.read_sicbl22_lookup()


def test_ccg_stp_lookup(fake_mirror, any_size):
    write(
        fake_mirror,
        "ccg21_stp21_nhser21_lookup",
        "\ufeffFID,CCG21CD,CCG21CDH,CCG21NM,STP21CD,STP21CDH,STP21NM,NHSER21CD,NHSER21CDH,NHSER21NM\n"
        "1,E38000236,18C,NHS H&W CCG,E54000019,QGH,H&W,E40000008,Y60,Midlands\n",
    )
    out = readers.read_ccg_stp_lookup()
    assert out.iloc[0][["sicbl", "icb", "region21", "region_name"]].tolist() == [
        "E38000236",
        "E54000019",
        "E40000008",
        "Midlands",
    ]


def test_publisher_census_layout_is_read_through_aliases(fake_mirror, any_size):
    """The Nomis bulk file: header on line 1, 'geography code' and 'Age: Total' columns."""
    write(
        fake_mirror,
        "census21_lsoa_population",
        "date,geography,geography code,Age: Total,Age: Aged 4 years and under\n"
        "2021,Hartlepool 001A,E01011954,2284,166\n2021,Cardiff 001A,W01001234,1500,90\n",
    )
    assert readers.read_census_population().to_dict("list") == {
        "code": ["E01011954"],
        "residents": [2284],
    }
