"""Exports: CSV tables safe to open in a spreadsheet, GeoJSON layers, and the `ics-maps export` commands.

CSV files are UTF-8 with one header row. Text cells that a spreadsheet would run as a formula
(starting with ``=``, ``+``, ``-``, ``@``, TAB or CR) get a leading apostrophe; numbers, and text
that is just a number such as ``-0.5``, are left alone. Columns of whole numbers (residents) are
written as integers; shares keep 6 decimals, km² 3 and other fractions 2 (:func:`tidy_numbers`).
Every file is written to a temporary file beside the target and swapped in with :func:`os.replace`,
so a reader never sees half a file.

Commands::

    ics-maps export coterminosity --child TIER --parent TIER [--vintage V] [--weight population|area]
                                  [--tolerance T] --out FILE.csv
    ics-maps export summary --tier TIER [--vintage V] --out FILE.csv
    ics-maps export geojson --tier TIER [--vintage V] --out FILE.geojson

Columns of the coterminosity CSV (one row per overlapping child × parent pair):
child_code, child_name, parent_code, parent_name; overlap_residents (Census 2021 residents in both;
fractional where a PCN is involved; areal interpolation under ``--weight area``); child_residents,
parent_residents; share_of_child, share_of_parent (0–1); overlap_km2; relationship (coterminous,
nested, combines or split, for the child, under the tolerance). See :mod:`ics_maps.nesting`.

Columns of the summary CSVs (see :mod:`ics_maps.summaries`):

* ``icb``: code, name, ods_code, residents, registered (patients of its practices, April 2025),
  n_sicbl, n_lad_whole / n_lad_part and n_utla_whole / n_utla_part (councils with all / some of
  their residents in the ICS), relationship_to_utla (coterminous, combines, nested or split against
  counties and unitaries), n_pcn, n_practices, share_residents_in_split_lads (share of the
  ICS's residents living in districts split with another ICS), wave, waves, region, region_name.
* ``lad`` / ``utla``: code, name, ods_code, [utla,] residents, n_icb, n_sicbl, n_pcn (PCNs holding
  ≥ 1 % of its residents), n_pcn_based (PCNs whose largest share of patients lives there), n_pcn_any
  (PCNs with any resident attributed), icbs (each ICS with its share), relationship_to_icb.
* ``sicbl``: code, name, ods_code, icb, region, residents, registered, n_lad_whole, n_lad_part,
  n_pcn, n_practices.
* ``region``: code, name, ods_code, residents, registered, n_icb, n_sicbl, n_pcn, n_practices.
* ``pcn``: code, name, ods_code, sicbl, icb, region, list_size, n_practices, residents (attributed),
  method, n_lad, main_lad, main_lad_name, main_lad_share (share of its registered patients).
* ``practice`` / ``lsoa``: the atlas table as it is, without geometry.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd

from .tiers import TIERS

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


# ---------------------------------------------------------------------------- CSV


def neutralise(value):
    """A text value made inert for spreadsheets; anything else (numbers, NA) unchanged."""
    if isinstance(value, str) and value.startswith(DANGEROUS_PREFIXES) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def _neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out.columns = [neutralise(str(c)) for c in out.columns]
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s) or \
                pd.api.types.is_datetime64_any_dtype(s):
            continue
        out[col] = s.astype(object).map(neutralise, na_action="ignore")
    return out


# Decimal places kept in CSV cells: shares to 1 in a million, areas to 0.001 km² (1,000 m²), any other
# fractional figure (a PCN's attributed residents) to 0.01. More would be float noise, not precision.
SHARE_DECIMALS, KM2_DECIMALS, OTHER_DECIMALS = 6, 3, 2


def tidy_numbers(df: pd.DataFrame) -> pd.DataFrame:
    """Floats as a spreadsheet user expects them: whole-number columns (residents) as integers, not
    "92376.0"; other columns rounded (see the *_DECIMALS above) instead of 17 significant digits."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if not pd.api.types.is_float_dtype(s):
            continue
        name = str(col)
        digits = SHARE_DECIMALS if "share" in name else KM2_DECIMALS if "km2" in name else OTHER_DECIMALS
        s = s.round(digits)
        values = s.dropna()
        if len(values) and (values == values.round()).all() and values.abs().max() < 2**53:
            s = s.astype("Int64")
        out[col] = s
    return out


def safe_csv(df: pd.DataFrame) -> bytes:
    """UTF-8 CSV bytes with a header row, formula injection neutralised, numbers tidied, no index, no geometry."""
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


# ---------------------------------------------------------------------------- CLI


def add_export_parser(subparsers) -> argparse.ArgumentParser:
    """Add ``export coterminosity|summary|geojson`` to the CLI's subparsers."""
    from .sources import DEFAULT_VINTAGE, VINTAGES

    p = subparsers.add_parser("export", help="write a coterminosity table, a tier summary or a GeoJSON layer",
                              description="Export tables (CSV) and layers (GeoJSON) from a built atlas.")
    kinds = p.add_subparsers(dest="export_kind", metavar="{coterminosity,summary,geojson}")
    kinds.required = True

    def common(sp: argparse.ArgumentParser, suffix: str) -> None:
        sp.add_argument("--vintage", default=DEFAULT_VINTAGE, choices=list(VINTAGES),
                        help=f"geography vintage (default {DEFAULT_VINTAGE})")
        sp.add_argument("--out", required=True, type=Path, help=f"output file ({suffix})")

    c = kinds.add_parser("coterminosity", help="child × parent overlap table (CSV)")
    c.add_argument("--child", required=True, choices=TIERS)
    c.add_argument("--parent", required=True, choices=TIERS)
    c.add_argument("--weight", default="population", choices=("population", "area"))
    c.add_argument("--tolerance", default=0.0, type=float,
                   help="share of a child that may lie outside its parent and still count as nested (0–1)")
    common(c, ".csv")
    c.set_defaults(func=export_coterminosity)

    s = kinds.add_parser("summary", help="one row per unit of a tier (CSV)")
    s.add_argument("--tier", required=True, choices=TIERS)
    common(s, ".csv")
    s.set_defaults(func=export_summary)

    g = kinds.add_parser("geojson", help="a tier's polygons or points (GeoJSON, EPSG:4326)")
    g.add_argument("--tier", required=True, choices=TIERS)
    common(g, ".geojson")
    g.set_defaults(func=export_geojson)
    return p


def _atlas(vintage: str):
    from .atlas import load_atlas

    try:
        return load_atlas(vintage)
    except FileNotFoundError:
        from .build import ensure_atlas

        print(f"no atlas for vintage {vintage}: building it (a few minutes)", file=sys.stderr)
        return ensure_atlas(vintage)


def _run(make, out: Path, writer) -> int:
    try:
        data = make()
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    writer(data, out)
    print(f"wrote {len(data):,} rows to {out}")
    return 0


def export_coterminosity(args) -> int:
    """Handler of `ics-maps export coterminosity`."""
    from .nesting import check_pair, coterminosity

    try:
        check_pair(args.child, args.parent, args.weight)  # fail before loading anything
        if not 0 <= args.tolerance < 1:
            raise ValueError(f"--tolerance must be in [0, 1), not {args.tolerance}")
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    atlas = _atlas(args.vintage)
    return _run(lambda: coterminosity(atlas, args.child, args.parent, args.weight, args.tolerance), args.out,
                write_csv)


def export_summary(args) -> int:
    """Handler of `ics-maps export summary`."""
    from .summaries import summary

    atlas = _atlas(args.vintage)
    return _run(lambda: summary(atlas, args.tier), args.out, write_csv)


def export_geojson(args) -> int:
    """Handler of `ics-maps export geojson`."""
    atlas = _atlas(args.vintage)
    return _run(lambda: atlas.tier(args.tier), args.out, write_geojson)
