"""Readers: one raw source in, one tidy validated table out.

Every polygon reader returns ``code, name, ods_code, geometry`` in EPSG:27700; every table reader
returns short snake_case columns. Each checks what the catalogue promises (columns, row counts,
unique codes, a plausible CRS) and raises :class:`DataError` naming the dataset when it is not so.
"""
from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .errors import DataError, DataWarning
from .fetch import Progress, dataset, resolve
from .paths import waves_csv
from .sources import Dataset

BNG = "EPSG:27700"
# The UK in British National Grid metres (with Northern Ireland and Shetland), with a margin.
_UK_BNG = (-250_000, -50_000, 700_000, 1_300_000)
_MIN_NORTHING_M = 1_000  # all of Great Britain lies north of this; lon/lat read as metres does not


# ---------------------------------------------------------------------------- shared checks

def _check_columns(ds: Dataset, columns, required=None) -> None:
    missing = [c for c in (required or ds.required) if c not in columns]
    if missing:
        raise DataError(ds, f"missing column(s) {missing}; expected {list(required or ds.required)}, "
                            f"found {list(columns)[:15]}")


def _check_rows(ds: Dataset, n: int) -> None:
    if ds.expect_rows and not (ds.expect_rows[0] <= n <= ds.expect_rows[1]):
        lo, hi = ds.expect_rows
        want = f"{lo:,}" if lo == hi else f"{lo:,}–{hi:,}"
        raise DataError(ds, f"has {n:,} rows/features, expected {want} (truncated or wrong file?)")


def _check_unique(ds: Dataset, codes: pd.Series, what: str) -> None:
    dup = codes[codes.duplicated()]
    if len(dup):
        raise DataError(ds, f"duplicate {what} code(s): {sorted(dup.unique())[:5]} ({len(dup)} duplicates)")


def _header_line(ds: Dataset, path) -> int:
    """Index of the header line: exports differ (a Nomis query export has title lines, the bulk file none)."""
    names = {ds.required[0], *(pub for pub, ours in ds.aliases if ours == ds.required[0])} if ds.required else set()
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as fh:
            for i, line in zip(range(12), fh):
                cells = {c.strip().strip('"') for c in line.split(",")}
                if names & cells:
                    return i
    except OSError as exc:
        raise DataError(ds, f"cannot open {path}: {exc}") from exc
    return 0


def _read_csv(ds: Dataset, progress: Progress | None = None, **kw) -> pd.DataFrame:
    path = resolve(ds.id, progress)
    try:
        df = pd.read_csv(path, dtype=str, encoding="utf-8-sig", skiprows=_header_line(ds, path),
                         keep_default_na=False, na_values=[""], **kw)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise DataError(ds, f"cannot parse {path}: {exc}") from exc
    df = df.rename(columns={pub: ours for pub, ours in ds.aliases if ours not in df.columns})
    _check_columns(ds, df.columns)
    return df


def read_vector(dataset_id: str, progress: Progress | None = None) -> gpd.GeoDataFrame:
    """Read a boundary file, check its CRS and columns, return it in EPSG:27700 with valid geometry."""
    ds = dataset(dataset_id)
    path = resolve(ds.id, progress)
    import pyogrio  # here, not at the top: the app loads built atlases and never reads boundary files

    try:
        gdf = gpd.read_file(path, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as exc:
        raise DataError(ds, f"cannot read {path}: {exc}") from exc
    gdf = gdf.rename(columns={pub: ours for pub, ours in ds.aliases if ours not in gdf.columns})
    _check_columns(ds, gdf.columns)
    _check_rows(ds, len(gdf))
    empty = gdf.geometry.isna() | gdf.geometry.is_empty
    if empty.any():
        raise DataError(ds, f"{int(empty.sum())} of {len(gdf)} features in {path} have no geometry: "
                            "the file is truncated or corrupt")
    if gdf.crs is None:
        raise DataError(ds, f"{path} has no CRS; expected EPSG:27700 or EPSG:4326")
    gdf = gdf.to_crs(BNG)
    _check_bounds(ds, gdf)
    invalid = ~gdf.geometry.is_valid
    if invalid.any():
        gdf.loc[invalid, "geometry"] = shapely.make_valid(gdf.geometry[invalid].values)
        gdf.geometry = gdf.geometry.apply(_polygonal)
    return gdf


def _polygonal(geom):
    """make_valid can return collections with stray lines: keep the polygonal part."""
    if geom is None or geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else geom


def _check_bounds(ds: Dataset, gdf: gpd.GeoDataFrame) -> None:
    x0, y0, x1, y1 = gdf.total_bounds
    bx0, by0, bx1, by1 = _UK_BNG
    inside = x0 >= bx0 and y0 >= by0 and x1 <= bx1 and y1 <= by1
    if not inside or y1 < _MIN_NORTHING_M:
        raise DataError(ds, f"coordinates fall outside Great Britain after reprojection to EPSG:27700 "
                            f"(bounds {x0:.0f},{y0:.0f},{x1:.0f},{y1:.0f}): the declared CRS {gdf.crs} "
                            f"is probably wrong")


def tidy_polygons(gdf: gpd.GeoDataFrame, ds: Dataset, code: str, name: str, ods: str | None = None,
                  prefix: tuple[str, ...] | None = None) -> gpd.GeoDataFrame:
    """Rename to the shared tier schema, keep England (by code prefix), check codes are unique."""
    out = gpd.GeoDataFrame({
        "code": gdf[code].astype(str).str.strip(),
        "name": gdf[name].astype(str).str.strip(),
        "ods_code": gdf[ods].astype("string") if ods else pd.Series(pd.NA, index=gdf.index, dtype="string"),
    }, geometry=gdf.geometry.values, crs=gdf.crs)
    if prefix:
        out = out[out["code"].str.startswith(prefix)].reset_index(drop=True)
    _check_unique(ds, out["code"], "area")
    return out


# ---------------------------------------------------------------------------- boundaries

def read_boundaries(dataset_id: str, code: str, name: str, prefix: tuple[str, ...] | None = None,
                    progress: Progress | None = None) -> gpd.GeoDataFrame:
    ds = dataset(dataset_id)
    return tidy_polygons(read_vector(dataset_id, progress), ds, code, name, prefix=prefix)


def read_lsoa_boundaries(progress: Progress | None = None) -> gpd.GeoDataFrame:
    """English LSOA 2021 polygons (the atom), EPSG:27700."""
    return read_boundaries("lsoa21_bsc", "lsoa21_code", "lsoa21_name", prefix=("E01",), progress=progress)


# ---------------------------------------------------------------------------- population

def read_census_population(progress: Progress | None = None) -> pd.DataFrame:
    """Census 2021 usual residents per English LSOA: ``code, residents``.

    The Nomis export has 4 title lines before the header and notes/blank lines after the data.
    """
    ds = dataset("census21_lsoa_population")
    df = _read_csv(ds, progress, skip_blank_lines=True, on_bad_lines="skip")
    df = df[df["mnemonic"].notna() & df["mnemonic"].str.match(r"^[EW]\d{8}$", na=False)]
    _check_rows(ds, len(df))
    residents = pd.to_numeric(df["Total"], errors="coerce")
    if residents.isna().any():
        bad = df.loc[residents.isna(), "mnemonic"].head(3).tolist()
        raise DataError(ds, f"non-numeric 'Total' for LSOA(s) {bad}: expected whole numbers of residents")
    out = pd.DataFrame({"code": df["mnemonic"].values, "residents": residents.astype("int64").values})
    out = out[out["code"].str.startswith("E01")].reset_index(drop=True)
    _check_unique(ds, out["code"], "LSOA")
    return out


# ---------------------------------------------------------------------------- lookups

def read_lsoa_lookup(dataset_id: str, progress: Progress | None = None) -> pd.DataFrame:
    """An LSOA 2021 → sub-ICB → ICB (→ region) → LAD lookup in a common form.

    Columns: ``lsoa, sicbl, sicbl_ods, sicbl_name, icb, icb_ods, icb_name, lad, lad_name`` and, where
    the file has them, ``region, region_ods, region_name``.
    """
    ds = dataset(dataset_id)
    df = _read_csv(ds, progress)
    _check_rows(ds, len(df))
    yy = "26" if "SICBL26CD" in df.columns else "24"
    out = pd.DataFrame({
        "lsoa": df["LSOA21CD"], "sicbl": df[f"SICBL{yy}CD"], "sicbl_ods": df[f"SICBL{yy}CDH"],
        "sicbl_name": df[f"SICBL{yy}NM"], "icb": df[f"ICB{yy}CD"],
        "icb_ods": df.get(f"ICB{yy}CDH", pd.Series(pd.NA, index=df.index, dtype="string")),
        "icb_name": df[f"ICB{yy}NM"], "lad": df.get("LAD24CD", df.get("LAD26CD")),
        "lad_name": df.get("LAD24NM", df.get("LAD26NM")),
    })
    if "NHSER23CD" in df.columns:
        out["region"] = df["NHSER23CD"]
        out["region_ods"] = df["NHSER23CDH"]
        out["region_name"] = df["NHSER26NM"]
    nulls = out[["lsoa", "sicbl", "icb"]].isna().sum()
    if nulls.any():
        raise DataError(ds, f"empty codes in {nulls[nulls > 0].to_dict()}: every LSOA needs a sub-ICB, ICB and LAD")
    _check_unique(ds, out["lsoa"], "LSOA")
    return out


def _code_table(dataset_id: str, key: str, what: str, columns: dict[str, str],
                progress: Progress | None = None) -> pd.DataFrame:
    """A lookup with one row per ``key`` code: read, check, keep and rename ``columns``."""
    ds = dataset(dataset_id)
    df = _read_csv(ds, progress)
    _check_rows(ds, len(df))
    _check_unique(ds, df[key], what)
    return df[list(columns)].rename(columns=columns).reset_index(drop=True)


def read_sicbl_region_lookup(progress: Progress | None = None) -> pd.DataFrame:
    """April 2023 sub-ICB → ICB → NHS region: ``sicbl, icb, icb_ods, region, region_ods, region_name``."""
    return _code_table("sicbl23_icb23_nhser23_lookup", "SICBL23CD", "sub-ICB", {
        "SICBL23CD": "sicbl", "ICB23CD": "icb", "ICB23CDH": "icb_ods", "NHSER23CD": "region",
        "NHSER23CDH": "region_ods", "NHSER23NM": "region_name"}, progress)


def read_sicbl22_lookup(progress: Progress | None = None) -> pd.DataFrame:
    """July 2022 sub-ICB → ICB with ODS codes, from the LSOA 2011 lookup (one row per sub-ICB)."""
    ds = dataset("lsoa11_sicbl22_lookup")
    df = _read_csv(ds, progress)
    _check_rows(ds, len(df))
    out = df[["sicbl22_code", "sicbl22_code_h", "sicbl22_name", "icb22_code", "icb22_code_h", "icb22_name"]]
    out = out.drop_duplicates().set_axis(["sicbl", "sicbl_ods", "sicbl_name", "icb", "icb_ods", "icb_name"], axis=1)
    _check_unique(ds, out["sicbl"], "sub-ICB (each must sit in one ICB)")
    return out.reset_index(drop=True)


def read_ccg_stp_lookup(progress: Progress | None = None) -> pd.DataFrame:
    """April 2021 CCG → STP → region: ``sicbl, sicbl_ods, sicbl_name, icb, icb_ods, icb_name, region21, region_name``."""
    return _code_table("ccg21_stp21_nhser21_lookup", "CCG21CD", "CCG", {
        "CCG21CD": "sicbl", "CCG21CDH": "sicbl_ods", "CCG21NM": "sicbl_name", "STP21CD": "icb",
        "STP21CDH": "icb_ods", "STP21NM": "icb_name", "NHSER21CD": "region21", "NHSER21NM": "region_name"}, progress)


# ---------------------------------------------------------------------------- primary care

def read_practice_map(dataset_id: str, progress: Progress | None = None) -> pd.DataFrame:
    """NHS England practice → PCN → sub-ICB → ICB → region map (one row per practice).

    Unallocated practices keep ``pcn = "U"``; they belong to no PCN but are still practices.
    """
    ds = dataset(dataset_id)
    df = _read_csv(ds, progress)
    _check_rows(ds, len(df))
    _check_unique(ds, df["PRACTICE_CODE"], "practice")
    return pd.DataFrame({
        "code": df["PRACTICE_CODE"].str.strip(), "name": df["PRACTICE_NAME"].str.strip(),
        "postcode": df["PRACTICE_POSTCODE"].str.strip(), "pcn": df["PCN_CODE"].str.strip(),
        "pcn_name": df["PCN_NAME"].str.strip(), "sicbl": df["ONS_SUB_ICB_LOCATION_CODE"],
        "sicbl_ods": df["SUB_ICB_LOCATION_CODE"], "icb": df["ONS_ICB_CODE"], "icb_ods": df["ICB_CODE"],
        "region": df["ONS_COMM_REGION_CODE"], "extract_date": df.get("EXTRACT_DATE"),
    })


def read_list_sizes(progress: Progress | None = None) -> pd.DataFrame:
    """Registered patients per practice (April 2025): ``code, list_size``."""
    ds = dataset("gp_list_2025_04")
    df = _read_csv(ds, progress)
    df = df[df["TYPE"].str.upper() == "GP"]
    _check_rows(ds, len(df))
    n = pd.to_numeric(df["NUMBER_OF_PATIENTS"], errors="coerce")
    if n.isna().any():
        raise DataError(ds, f"non-numeric NUMBER_OF_PATIENTS for {df.loc[n.isna(), 'CODE'].head(3).tolist()}")
    _check_unique(ds, df["CODE"], "practice")
    return pd.DataFrame({"code": df["CODE"].values, "list_size": n.astype("int64").values})


def read_practice_locations(progress: Progress | None = None) -> pd.DataFrame:
    """Practice coordinates (WGS84): ``code, postcode, lat, lng, location_source``.

    The national geocoded lookup (Jan 2024) first; the Staffordshire file (Oct 2025) adds practices
    opened since. Callers match by code, then by postcode.
    """
    ds = dataset("practice_locations_2024_01")
    df = _read_csv(ds, progress)
    _check_rows(ds, len(df))
    nat = pd.DataFrame({"code": df["PRAC_CODE"], "postcode": df["PRAC_POSTCODE"],
                        "lat": pd.to_numeric(df["PRAC_LAT"], errors="coerce"),
                        "lng": pd.to_numeric(df["PRAC_LNG"], errors="coerce"),
                        "location_source": "ONSPD Nov 2023 (Jan 2024 lookup)"})
    parts = [nat]
    ds2 = dataset("practice_locations_ssot_2025_10")
    try:
        s = _read_csv(ds2, progress)
        parts.append(pd.DataFrame({"code": s["PRACTICE_CODE"], "postcode": s["PRACTICE_POSTCODE"],
                                   "lat": pd.to_numeric(s["Latitude_1m"], errors="coerce"),
                                   "lng": pd.to_numeric(s["Longitude_1m"], errors="coerce"),
                                   "location_source": "Staffordshire & Stoke-on-Trent list (Oct 2025)"}))
    except DataError as exc:
        warnings.warn(f"{exc}: continuing with the national practice locations only", DataWarning, stacklevel=2)
    out = pd.concat(parts, ignore_index=True).dropna(subset=["lat", "lng"])
    ok = out["lat"].between(49.8, 55.9) & out["lng"].between(-6.5, 2.0)
    return out[ok].drop_duplicates("code").reset_index(drop=True)


def read_gp_lsoa_registrations(progress: Progress | None = None) -> tuple[pd.DataFrame, dict]:
    """Practice × LSOA registered patients: ``lsoa, practice, patients`` (English LSOA codes only).

    Returns the table and a report of what was dropped (pseudo-codes CLOSED/EMPTY, Welsh, Scottish...).
    """
    ds = dataset("gp_lsoa_2025_10")
    df = _read_csv(ds, progress)
    _check_rows(ds, len(df))
    n = pd.to_numeric(df["NUMBER_OF_PATIENTS"], errors="coerce").fillna(0).astype("int64")
    english = df["LSOA_CODE"].str.match(r"^E01\d{6}$", na=False)
    report = {"rows": int(len(df)), "patients": int(n.sum()), "patients_english_lsoa": int(n[english].sum()),
              "practices": int(df["PRACTICE_CODE"].nunique()), "dropped_codes":
              sorted(df.loc[~english, "LSOA_CODE"].str[:3].dropna().unique().tolist())}
    out = pd.DataFrame({"lsoa": df.loc[english, "LSOA_CODE"].values, "practice": df.loc[english, "PRACTICE_CODE"].values,
                        "patients": n[english].values})
    out = out.groupby(["lsoa", "practice"], as_index=False)["patients"].sum()
    return out, report


# ---------------------------------------------------------------------------- facts

def read_waves(path=None) -> pd.DataFrame:
    """ICS designation waves per July 2022 ICB (facts kept in the project, with their sources)."""
    path = path or waves_csv()
    try:
        df = pd.read_csv(path, dtype=str)
    except OSError as exc:
        raise DataError("ics_waves", f"cannot read {path}: {exc}") from exc
    need = ["icb22cd", "icb23cd", "icb_ods", "icb_name", "wave", "wave_label", "designated", "evidence"]
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise DataError("ics_waves", f"{path} lacks column(s) {missing}; expected {need}")
    df["wave"] = pd.to_numeric(df["wave"], errors="raise").astype("int64")
    if df["icb23cd"].duplicated().any() or len(df) != 42:
        raise DataError("ics_waves", f"{path} must hold 42 unique ICBs, found {df['icb23cd'].nunique()}")
    return df


def to_points_bng(lng: pd.Series, lat: pd.Series) -> gpd.GeoSeries:
    """WGS84 lon/lat columns to EPSG:27700 points (None where missing)."""
    pts = gpd.GeoSeries(gpd.points_from_xy(lng, lat), crs="EPSG:4326").to_crs(BNG)
    missing = lng.isna().to_numpy() | lat.isna().to_numpy()
    if missing.any():
        pts = pts.where(~missing, None)
    return pts


__all__ = [n for n in dir() if n.startswith("read_")] + ["tidy_polygons", "to_points_bng", "BNG", "np"]
