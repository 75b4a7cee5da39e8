"""Exports: CSV tables safe to open in a spreadsheet, GeoJSON layers, and the `ics-maps export`
commands.

CSV files are UTF-8 with one header row. Text cells that a spreadsheet would run as a formula
(starting with ``=``, ``+``, ``-``, ``@``, TAB or CR) get a leading apostrophe; numbers, and text
that is just a number such as ``-0.5``, are left alone. Columns of whole numbers (residents) are
written as integers; shares and proportions keep 6 decimals, km² and deprivation scores 3 and other
fractions 2 (:func:`tidy_numbers`).
Every file is written to a temporary file beside the target and swapped in with :func:`os.replace`,
so a reader never sees half a file; a replaced file keeps its mode, and targets that are not
regular files (devices, FIFOs, folders, symbolic links) are refused (:func:`output_target`).
"""

from __future__ import annotations

import io
import os
import re
import stat
import sys
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


# ---------------------------------------------------------------------------- writing files


class OutputError(ValueError):
    """An output path that ics-maps refuses to write: the message says why and what to give
    instead."""


def output_target(value: str | os.PathLike | None) -> Path | None:
    """Check an output path (``--out``) before any work is done: the Path to write, or None for
    ``-`` (standard output).

    Refused, with a message: an empty name; a directory; a device, FIFO or socket (a CSV must never
    replace ``/dev/null``); a symbolic link (replacing the file atomically would replace the link
    itself; the message names the path it points to, to give instead); a folder that does not
    exist (ics-maps does not create folders: a typo would otherwise scatter files); a name longer
    than the file system allows; a folder that cannot be written.
    """
    text = os.fspath(value) if value is not None else ""
    if text.strip() == "":
        raise OutputError("--out is empty: give a file name, or - to write to standard output")
    if text == "-":
        return None
    path = Path(text)
    limit = _name_max(path.parent)
    if len(path.name.encode()) > limit:
        raise OutputError(
            f"the file name in --out is {len(path.name.encode())} bytes long; this file system "
            f"allows {limit}"
        )
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        st = None
    except OSError as exc:  # e.g. a name too long, or a folder in the path that is a file
        raise OutputError(f"cannot use --out {_quote(text)}: {exc.strerror}") from exc
    if st is not None:
        if stat.S_ISLNK(st.st_mode):
            raise OutputError(
                f"--out {_quote(text)} is a symbolic link (to {_quote(os.readlink(path))}): "
                "refused, because replacing the file would replace the link; give the path of "
                "the file itself to replace it"
            )
        if stat.S_ISDIR(st.st_mode):
            raise OutputError(
                f"--out {text} is a directory (give a file name in it, e.g. …/out.csv): a folder "
                "is never replaced by a file"
            )
        if not stat.S_ISREG(st.st_mode):
            raise OutputError(
                f"--out {text} is not a regular file (a {_kind(st.st_mode)}): refused "
                "(use --out - to write to standard output)"
            )
    parent = path.parent
    if not parent.is_dir():
        raise OutputError(
            f"the folder {_quote(str(parent))} of --out does not exist: create it first "
            "(ics-maps does not create folders)"
        )
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write in the folder {_quote(str(parent))}: permission denied")
    return path


def _quote(text: str, n: int = 80) -> str:
    return repr(text if len(text) <= n else text[: n - 1] + "…")


def _kind(mode: int) -> str:
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    if stat.S_ISFIFO(mode):
        return "named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "special file"


def _name_max(folder: Path) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        return 255


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _publish(tmp: str, path: Path, before: os.stat_result | None) -> None:
    """Give the temp file the mode (and, where allowed, the owner) of the file it replaces, or
    ordinary permissions for a new file (mkstemp makes it 0600), and swap it into place."""
    if before is None:
        os.chmod(tmp, 0o666 & ~_umask())
    else:
        os.chmod(tmp, stat.S_IMODE(before.st_mode))
        if (before.st_uid, before.st_gid) != (os.geteuid(), os.getegid()):
            try:
                os.chown(tmp, before.st_uid, before.st_gid)
            except PermissionError:
                pass  # only root may give a file away; the mode is kept in any case
    os.replace(tmp, path)


def atomic_write_bytes(data: bytes, path: str | os.PathLike) -> Path:
    """Write bytes to ``path`` via a temporary file in the same directory and os.replace.

    ``path`` must pass :func:`output_target` (a regular file or a new name in an existing folder);
    a replaced file keeps its mode.
    """
    target = output_target(path)
    if target is None:
        raise OutputError("atomic_write_bytes writes files; use write_output for standard output")
    before = target.stat() if target.exists() else None
    fd, tmp = tempfile.mkstemp(prefix=".ics-maps-", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        _publish(tmp, target, before)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def write_output(data: bytes, target: Path | None) -> str:
    """Write to ``target`` atomically, or to standard output when it is None (``--out -``).
    Returns where it went, in words."""
    if target is None:
        out = sys.stdout.buffer
        out.write(data)
        out.flush()
        return "standard output"
    return str(atomic_write_bytes(data, target))


def write_csv(df: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write :func:`safe_csv` output atomically."""
    return atomic_write_bytes(safe_csv(df), path)


# ---------------------------------------------------------------------------- GeoJSON


def geojson_bytes(gdf: gpd.GeoDataFrame) -> bytes:
    """A layer as UTF-8 GeoJSON (RFC 7946: EPSG:4326 longitude/latitude, no ``crs`` member) with
    every attribute column; missing values are ``null``. What the dashboard's "Download this layer"
    buttons hand over (the ``export geojson`` command writes :func:`geojson_file_bytes`)."""
    if gdf.crs is None:
        raise ValueError("layer has no CRS: cannot reproject to EPSG:4326")
    out = gdf if gdf.crs.equals("EPSG:4326") else gdf.to_crs(4326)
    return out.to_json(na="null", drop_id=True, show_bbox=False).encode("utf-8")


def geojson_file_bytes(gdf: gpd.GeoDataFrame, layer: str = "layer") -> bytes:
    """A layer as an RFC 7946 GeoJSON file in EPSG:4326 (GDAL's driver, named ``layer``)."""
    if gdf.crs is None:
        raise ValueError("layer has no CRS: cannot reproject to EPSG:4326")
    buf = io.BytesIO()
    gdf.to_crs(4326).to_file(buf, driver="GeoJSON", layer=layer, RFC7946="YES", engine="pyogrio")
    return buf.getvalue()


def write_geojson(gdf: gpd.GeoDataFrame, path: str | os.PathLike) -> Path:
    """Write a layer as RFC 7946 GeoJSON in EPSG:4326, atomically."""
    target = output_target(path)  # refuse before the (slow) encoding
    if target is None:
        raise OutputError("write_geojson writes files; use write_output for standard output")
    return atomic_write_bytes(geojson_file_bytes(gdf, target.stem), target)
