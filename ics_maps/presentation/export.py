"""Exports: CSV tables safe to open in a spreadsheet, GeoJSON layers, and the `ics-maps export`
commands.

CSV files are UTF-8 with one header row. Text cells that a spreadsheet would run as a formula
(starting with ``=``, ``+``, ``-``, ``@``, TAB or CR) get a leading apostrophe; numbers, and text
that is just a number such as ``-0.5``, are left alone. Columns of whole numbers (residents) are
written as integers; shares and proportions keep 6 decimals, km² and deprivation scores 3 and other
fractions 2 (:func:`tidy_numbers`).
Every file is written to a temporary file beside the target and swapped in with :func:`os.replace`,
so a reader never sees half a file.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


# ---------------------------------------------------------------------------- CSV


def neutralise(value):
    """A text value made inert for spreadsheets; anything else (numbers, NA) unchanged."""
    if (
        isinstance(value, str)
        and value.startswith(DANGEROUS_PREFIXES)
        and not _NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def _neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out.columns = [neutralise(str(c)) for c in out.columns]
    for col in out.columns:
        s = out[col]
        if (
            pd.api.types.is_numeric_dtype(s)
            or pd.api.types.is_bool_dtype(s)
            or pd.api.types.is_datetime64_any_dtype(s)
        ):
            continue
        out[col] = s.astype(object).map(neutralise, na_action="ignore")
    return out


# Decimal places kept in CSV cells: shares to 1 in a million, areas to 0.001 km² (1,000 m²), any
# other fractional figure (a PCN's attributed residents) to 0.01. More would be float noise, not
# precision.
SHARE_DECIMALS, KM2_DECIMALS, OTHER_DECIMALS = 6, 3, 2
SCORE_DECIMALS = 3  # deprivation scores: MHCLG publishes them to 3 decimals (income is a 0-1 rate)


def tidy_numbers(df: pd.DataFrame) -> pd.DataFrame:
    """Floats as a spreadsheet user expects them: whole-number columns (residents) as integers, not
    "92376.0"; other columns rounded (see the *_DECIMALS above) instead of 17 significant digits."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if not pd.api.types.is_float_dtype(s):
            continue
        name = str(col)
        digits = (
            SHARE_DECIMALS if "share" in name else KM2_DECIMALS if "km2" in name else OTHER_DECIMALS
        )
        if "_prop_" in name or "score" in name:  # proportions as shares; deprivation scores
            digits = SHARE_DECIMALS if "_prop_" in name else SCORE_DECIMALS
        s = s.round(digits)
        values = s.dropna()
        if len(values) and (values == values.round()).all() and values.abs().max() < 2**53:
            s = s.astype("Int64")
        out[col] = s
    return out


def safe_csv(df: pd.DataFrame) -> bytes:
    """UTF-8 CSV bytes with a header row, formula injection neutralised, numbers tidied, no index,
    no geometry."""
    if isinstance(df, gpd.GeoDataFrame):
        df = pd.DataFrame(df.drop(columns=df.geometry.name))
    text = _neutralise_frame(tidy_numbers(df)).to_csv(index=False, lineterminator="\n")
    return text.encode("utf-8")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _publish(tmp: str, path: Path) -> None:
    """Give the temp file ordinary permissions (mkstemp makes it 0600) and swap it into place."""
    os.chmod(tmp, 0o666 & ~_umask())
    os.replace(tmp, path)


def atomic_write_bytes(data: bytes, path: str | os.PathLike) -> Path:
    """Write bytes to ``path`` via a temporary file in the same directory and os.replace."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        _publish(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_csv(df: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write :func:`safe_csv` output atomically."""
    return atomic_write_bytes(safe_csv(df), path)


# ---------------------------------------------------------------------------- GeoJSON


def geojson_bytes(gdf: gpd.GeoDataFrame) -> bytes:
    """A layer as UTF-8 GeoJSON (RFC 7946: EPSG:4326 longitude/latitude, no ``crs`` member) with
    every attribute column; missing values are ``null``. What the dashboard's "Download this layer"
    buttons hand over (the ``export geojson`` command writes files with :func:`write_geojson`)."""
    if gdf.crs is None:
        raise ValueError("layer has no CRS: cannot reproject to EPSG:4326")
    out = gdf if gdf.crs.equals("EPSG:4326") else gdf.to_crs(4326)
    return out.to_json(na="null", drop_id=True, show_bbox=False).encode("utf-8")


def write_geojson(gdf: gpd.GeoDataFrame, path: str | os.PathLike) -> Path:
    """Write a layer as RFC 7946 GeoJSON in EPSG:4326, atomically."""
    if gdf.crs is None:
        raise ValueError("layer has no CRS: cannot reproject to EPSG:4326")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    out = gdf.to_crs(4326)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".geojson", dir=path.parent)
    os.close(fd)
    os.unlink(tmp)  # the GeoJSON driver refuses to overwrite an existing file
    try:
        out.to_file(tmp, driver="GeoJSON", layer=path.stem, RFC7946="YES")
        _publish(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
