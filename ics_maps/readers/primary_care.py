"""Primary care: practice → PCN maps, list sizes, practice locations, practice × LSOA
registrations."""

from __future__ import annotations

import warnings

import geopandas as gpd
import pandas as pd

from ics_maps.crs import BNG, WGS84
from ics_maps.errors import DataError, DataWarning
from ics_maps.readers._checks import (
    PCN_CODE,
    PRACTICE_CODE,
    check_codes,
    check_counts,
    check_rows,
    check_unique,
    ons,
    read_csv,
)
from ics_maps.sources.catalogue import dataset
from ics_maps.sources.fetch import Progress

# Plausible counts: the largest practice in England has about 100,000 registered patients (April
# 2025); five times that is no practice.
MAX_LIST_SIZE = 500_000


def read_practice_map(dataset_id: str, progress: Progress | None = None) -> pd.DataFrame:
    """NHS England practice → PCN → sub-ICB → ICB → region map (one row per practice).

    Unallocated practices keep ``pcn = "U"``; they belong to no PCN but are still practices.
    """
    ds = dataset(dataset_id)
    df = read_csv(ds, progress)
    check_rows(ds, len(df))
    for col, pattern, what in (
        ("PRACTICE_CODE", PRACTICE_CODE, "a GP practice code"),
        ("PCN_CODE", PCN_CODE, "a PCN code"),
        ("ONS_SUB_ICB_LOCATION_CODE", ons("E38"), "a sub-ICB location code"),
        ("ONS_ICB_CODE", ons("E54"), "an ICB code"),
        ("ONS_COMM_REGION_CODE", ons("E40"), "an NHS England region code"),
    ):
        check_codes(ds, df, col, pattern, what)
    check_unique(ds, df["PRACTICE_CODE"], "practice")
    return pd.DataFrame(
        {
            "code": df["PRACTICE_CODE"].str.strip(),
            "name": df["PRACTICE_NAME"].str.strip(),
            "postcode": df["PRACTICE_POSTCODE"].str.strip(),
            "pcn": df["PCN_CODE"].str.strip(),
            "pcn_name": df["PCN_NAME"].str.strip(),
            "sicbl": df["ONS_SUB_ICB_LOCATION_CODE"],
            "sicbl_ods": df["SUB_ICB_LOCATION_CODE"],
            "icb": df["ONS_ICB_CODE"],
            "icb_ods": df["ICB_CODE"],
            "region": df["ONS_COMM_REGION_CODE"],
            "extract_date": df.get("EXTRACT_DATE"),
        }
    )


def read_list_sizes(progress: Progress | None = None) -> pd.DataFrame:
    """Registered patients per practice (April 2025): ``code, list_size``."""
    ds = dataset("gp_list_2025_04")
    df = read_csv(ds, progress)
    df = df[df["TYPE"].str.upper() == "GP"]
    check_rows(ds, len(df))
    check_codes(ds, df, "CODE", PRACTICE_CODE, "a GP practice code")
    n = check_counts(ds, df, "NUMBER_OF_PATIENTS", MAX_LIST_SIZE, "practice list size", key="CODE")
    check_unique(ds, df["CODE"], "practice")
    return pd.DataFrame({"code": df["CODE"].values, "list_size": n.values})


def read_practice_locations(progress: Progress | None = None) -> pd.DataFrame:
    """Practice coordinates (WGS84): ``code, postcode, lat, lng, location_source``.

    The national geocoded lookup (Jan 2024) first; the Staffordshire file (Oct 2025) adds practices
    opened since. Callers match by code, then by postcode.
    """
    ds = dataset("practice_locations_2024_01")
    df = read_csv(ds, progress)
    check_rows(ds, len(df))
    check_codes(ds, df, "PRAC_CODE", PRACTICE_CODE, "a GP practice code")
    nat = pd.DataFrame(
        {
            "code": df["PRAC_CODE"],
            "postcode": df["PRAC_POSTCODE"],
            "lat": pd.to_numeric(df["PRAC_LAT"], errors="coerce"),
            "lng": pd.to_numeric(df["PRAC_LNG"], errors="coerce"),
            "location_source": "ONSPD Nov 2023 (Jan 2024 lookup)",
        }
    )
    parts = [nat]
    ds2 = dataset("practice_locations_ssot_2025_10")
    try:
        s = read_csv(ds2, progress)
        check_codes(ds2, s, "PRACTICE_CODE", PRACTICE_CODE, "a GP practice code")
        parts.append(
            pd.DataFrame(
                {
                    "code": s["PRACTICE_CODE"],
                    "postcode": s["PRACTICE_POSTCODE"],
                    "lat": pd.to_numeric(s["Latitude_1m"], errors="coerce"),
                    "lng": pd.to_numeric(s["Longitude_1m"], errors="coerce"),
                    "location_source": "Staffordshire & Stoke-on-Trent list (Oct 2025)",
                }
            )
        )
    except DataError as exc:
        warnings.warn(
            f"{exc}: continuing with the national practice locations only",
            DataWarning,
            stacklevel=2,
        )
    out = pd.concat(parts, ignore_index=True).dropna(subset=["lat", "lng"])
    ok = out["lat"].between(49.8, 55.9) & out["lng"].between(-6.5, 2.0)
    return out[ok].drop_duplicates("code").reset_index(drop=True)


def read_gp_lsoa_registrations(progress: Progress | None = None) -> tuple[pd.DataFrame, dict]:
    """Practice × LSOA registered patients: ``lsoa, practice, patients`` (English LSOA codes only).

    Returns the table and a report of what was dropped (pseudo-codes CLOSED/EMPTY, Welsh,
    Scottish...).
    """
    ds = dataset("gp_lsoa_2025_10")
    df = read_csv(ds, progress)
    check_rows(ds, len(df))
    check_codes(ds, df, "PRACTICE_CODE", PRACTICE_CODE, "a GP practice code")
    # LSOA, data zone and small-area codes (and ONS pseudo-codes such as M99999999 for the Isle of
    # Man), or a pseudo-code (CLOSED, EMPTY)
    check_codes(ds, df, "LSOA_CODE", r"[A-Z]\d{8}|[A-Z]{3,12}", "an LSOA code or pseudo-code")
    n = check_counts(
        ds, df, "NUMBER_OF_PATIENTS", MAX_LIST_SIZE, "number of patients", key="PRACTICE_CODE"
    )
    english = df["LSOA_CODE"].str.match(r"^E01\d{6}$", na=False)
    report = {
        "rows": int(len(df)),
        "path": df.attrs.get("path"),
        "patients": int(n.sum()),
        "patients_english_lsoa": int(n[english].sum()),
        "practices": int(df["PRACTICE_CODE"].nunique()),
        "dropped_codes": sorted(df.loc[~english, "LSOA_CODE"].str[:3].dropna().unique().tolist()),
    }
    out = pd.DataFrame(
        {
            "lsoa": df.loc[english, "LSOA_CODE"].values,
            "practice": df.loc[english, "PRACTICE_CODE"].values,
            "patients": n[english].values,
        }
    )
    out = out.groupby(["lsoa", "practice"], as_index=False)["patients"].sum()
    return out, report


def to_points_bng(lng: pd.Series, lat: pd.Series) -> gpd.GeoSeries:
    """WGS84 lon/lat columns to EPSG:27700 points (None where missing)."""
    pts = gpd.GeoSeries(gpd.points_from_xy(lng, lat), crs=WGS84).to_crs(BNG)
    missing = lng.isna().to_numpy() | lat.isna().to_numpy()
    if missing.any():
        pts = pts.where(~missing, None)
    return pts
