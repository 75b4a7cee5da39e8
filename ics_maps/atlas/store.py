"""Storing an atlas: GeoParquet files in a fresh folder per build, a pointer file per vintage
swapped in atomically, and the one question everyone asks before loading: :func:`is_current`.

Layout under the atlas root (``data/atlas``)::

    2026.json                              pointer: {"dir", "fingerprint", "meta_sha256"}
    2026-20260401T120000-4242-a1b2c3/      one build: <tier>.parquet, pcn_lsoa.parquet, web/,
                                           meta.json (with a SHA-256 and row count per file)
    .2026.lock                             the build lock of the vintage (:mod:`._lock`)

Trust rules:

* a folder named in a pointer is used only if it is a plain child of the root with the name
  :func:`save_atlas` gives (``<vintage>-<stamp>``), never a symlink: a pointer edited to
  ``../../etc`` or ``/`` is refused, and nothing outside the root is read or removed;
* every file is checked against its SHA-256 and row count in ``meta.json`` as it is loaded (its
  bytes are read then anyway), and ``meta.json`` against the pointer's hash, so a truncated or
  swapped file is reported (:class:`~ics_maps.errors.AtlasUnreadable`, saying what to run) instead
  of being served;
* saving holds the vintage's lock, and sweeps only that vintage's leftovers, which under the lock
  can only be those of dead builds.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd

from ics_maps.atlas._lock import vintage_lock
from ics_maps.atlas.fingerprint import FORMAT_VERSION, fingerprint
from ics_maps.atlas.model import Atlas, LazyFrames
from ics_maps.errors import AtlasUnreadable
from ics_maps.paths import atlas_root
from ics_maps.sources.vintages import get_vintage
from ics_maps.tiers import TIERS

log = logging.getLogger("ics_maps.atlas")

_VINTAGE_ID = re.compile(r"[A-Za-z0-9_]{1,32}")
_STAMP = r"\d{8}T\d{6}-\d+-[0-9a-f]{6}"
_WEB_KEY = re.compile(r"[a-z0-9_]{1,40}(@[a-z]{1,20})?")
TABLES = (*TIERS, "pcn_lsoa")  # the files every atlas holds, besides web/ and meta.json


def _pointer(vintage: str, root: Path) -> Path:
    return root / f"{vintage}.json"


def _check_vintage(vintage: str) -> str:
    if not isinstance(vintage, str) or not _VINTAGE_ID.fullmatch(vintage):
        raise ValueError(f"not a vintage id: {vintage!r}")
    return vintage


def _rerun(vintage: str) -> str:
    return f"run `ics-maps build --vintage {vintage} --force` to rebuild it"


def atlas_dir(root: Path, name: object, vintage: str) -> Path:
    """The build folder a pointer names, if it is a plain child of ``root`` made by
    :func:`save_atlas` (``<vintage>-<stamp>``, not a symlink); else :class:`AtlasUnreadable`."""
    if not isinstance(name, str) or not re.fullmatch(rf"{re.escape(vintage)}-{_STAMP}", name):
        raise AtlasUnreadable(
            f"the {vintage} atlas pointer {_pointer(vintage, root)} names {str(name)[:80]!r}, "
            f"which is not an atlas folder of {root}: refused; {_rerun(vintage)}"
        )
    d = root / name
    if d.is_symlink() or d.resolve().parent != root.resolve():
        raise AtlasUnreadable(
            f"the {vintage} atlas folder {d} is a link or lies outside {root}: refused; "
            f"{_rerun(vintage)}"
        )
    return d


# ---------------------------------------------------------------------------- saving


def _record(path: Path, rows: int) -> dict:
    data = path.read_bytes()
    return {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data), "rows": int(rows)}


def save_atlas(atlas: Atlas, root: Path | None = None) -> Path:
    """Write the atlas atomically: a fresh directory, then a pointer file swapped in with
    os.replace. Holds the vintage's build lock (:mod:`._lock`).

    A crash at any point leaves the previous pointer, and so the previous atlas, intact.
    """
    root = Path(root or atlas_root())
    vintage = _check_vintage(atlas.vintage)
    root.mkdir(parents=True, exist_ok=True)
    with vintage_lock(root, vintage):
        stamp = time.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}-{secrets.token_hex(3)}"
        final = root / f"{vintage}-{stamp}"
        tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{vintage}-", dir=root))
        try:
            files = {}
            for name in TIERS:
                gdf = atlas.tiers[name]
                gdf.to_parquet(tmp / f"{name}.parquet", index=False)
                files[f"{name}.parquet"] = _record(tmp / f"{name}.parquet", len(gdf))
            atlas.pcn_lsoa.to_parquet(tmp / "pcn_lsoa.parquet", index=False)
            files["pcn_lsoa.parquet"] = _record(tmp / "pcn_lsoa.parquet", len(atlas.pcn_lsoa))
            web_attrs = {}
            if atlas.web:
                (tmp / "web").mkdir()
                for key, gdf in atlas.web.items():
                    if not _WEB_KEY.fullmatch(key):
                        raise ValueError(f"display layer name {key!r} is not a plain file name")
                    gdf.to_parquet(tmp / "web" / f"{key}.parquet", index=False)
                    files[f"web/{key}.parquet"] = _record(tmp / "web" / f"{key}.parquet", len(gdf))
                    web_attrs[key] = gdf.attrs.get("web", {})
            if atlas.areas:
                (tmp / "areas").mkdir()
                for tier, table in atlas.areas.items():
                    if not _WEB_KEY.fullmatch(tier):
                        raise ValueError(f"area table name {tier!r} is not a plain file name")
                    table.to_parquet(tmp / "areas" / f"{tier}.parquet", index=False)
                    files[f"areas/{tier}.parquet"] = _record(
                        tmp / "areas" / f"{tier}.parquet", len(table)
                    )
            meta = dict(
                atlas.meta,
                format_version=FORMAT_VERSION,
                vintage=vintage,
                web=web_attrs,
                areas=sorted(atlas.areas),
                files=files,
            )
            meta_bytes = json.dumps(meta, indent=1, default=str).encode()
            (tmp / "meta.json").write_bytes(meta_bytes)
            os.chmod(tmp, 0o755)  # mkdtemp makes it 0700; the folder is for every reader
            os.replace(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        pointer = _pointer(vintage, root)
        tmp_ptr = pointer.with_name(f"{pointer.name}.tmp-{os.getpid()}")
        tmp_ptr.write_text(
            json.dumps(
                {
                    "dir": final.name,
                    "fingerprint": atlas.meta.get("fingerprint"),
                    "meta_sha256": hashlib.sha256(meta_bytes).hexdigest(),
                }
            )
        )
        os.replace(tmp_ptr, pointer)
        _sweep(root, vintage)
    return final


def _read_pointer(pointer: Path) -> dict | None:
    try:
        data = json.loads(pointer.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _sweep(root: Path, vintage: str) -> list[str]:
    """Remove the leftovers of ``vintage``'s earlier and interrupted builds: its temporary folders,
    its folders no pointer names, and stray pointer temporaries. Called with the vintage's lock
    held, so none of them belongs to a build in progress. Symlinks and other names are left alone.
    Returns the names removed."""
    live = (_read_pointer(_pointer(vintage, root)) or {}).get("dir")
    own = re.compile(
        rf"(\.tmp-{re.escape(vintage)}-.+)|({re.escape(vintage)}-{_STAMP})"
        rf"|({re.escape(vintage)}\.json\.tmp-\d+)"
    )
    removed = []
    for child in root.iterdir():
        if child.name == live or child.is_symlink() or not own.fullmatch(child.name):
            continue
        if child.is_dir():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)
        removed.append(child.name)
    return removed


# ---------------------------------------------------------------------------- the pointer


def stored_fingerprint(vintage: str, root: Path | None = None) -> str | None:
    ptr = _read_pointer(_pointer(vintage, Path(root or atlas_root())))
    return ptr.get("fingerprint") if ptr else None


def atlas_exists(vintage: str, root: Path | None = None) -> bool:
    root = Path(root or atlas_root())
    ptr = _read_pointer(_pointer(vintage, root))
    if not ptr:
        return False
    try:
        return (atlas_dir(root, ptr.get("dir"), vintage) / "meta.json").is_file()
    except AtlasUnreadable:
        return False


def is_current(vintage: str, root: Path | None = None) -> bool:
    """Is the stored atlas of ``vintage`` built from today's inputs and code? (Then it can be
    loaded.)"""
    return atlas_exists(vintage, root) and stored_fingerprint(vintage, root) == fingerprint(
        get_vintage(vintage)
    )


# ---------------------------------------------------------------------------- loading


def load_atlas(vintage: str, root: Path | None = None) -> Atlas:
    """Load a built atlas (fast: Parquet only), every file checked against ``meta.json``.

    Raises :class:`AtlasUnreadable` (a FileNotFoundError) if none was built, or if it is damaged or
    of an older format: the message says what to run.
    """
    root = Path(root or atlas_root())
    _check_vintage(vintage)
    try:
        return _load(vintage, root)
    except FileNotFoundError as exc:
        if isinstance(exc, AtlasUnreadable):
            raise
        # a build swapped the pointer and removed the folder while this one was being read
        log.info("the %s atlas changed while loading (%s): loading it again", vintage, exc)
        try:
            return _load(vintage, root)
        except AtlasUnreadable:
            raise
        except FileNotFoundError as again:
            raise AtlasUnreadable(
                f"the {vintage} atlas under {root} lost a file while loading: {again}; "
                f"{_rerun(vintage)}"
            ) from again


def _load(vintage: str, root: Path) -> Atlas:
    ptr = _read_pointer(_pointer(vintage, root))
    if not ptr:
        raise AtlasUnreadable(
            f"no atlas for vintage {vintage} under {root}: run `ics-maps build --vintage {vintage}`"
        )
    d = atlas_dir(root, ptr.get("dir"), vintage)
    meta_bytes = (d / "meta.json").read_bytes()
    if hashlib.sha256(meta_bytes).hexdigest() != ptr.get("meta_sha256"):
        raise AtlasUnreadable(
            f"the {vintage} atlas {d} is damaged or of an older format: meta.json differs from "
            f"the hash its pointer records; {_rerun(vintage)}"
        )
    try:
        meta = json.loads(meta_bytes)
    except ValueError as exc:
        raise AtlasUnreadable(f"{d / 'meta.json'} is not JSON ({exc}); {_rerun(vintage)}") from exc
    if meta.get("format_version") != FORMAT_VERSION:
        raise AtlasUnreadable(
            f"atlas {d} has format {meta.get('format_version')}, expected {FORMAT_VERSION}; "
            f"{_rerun(vintage)}"
        )
    records = meta.get("files") or {}
    web_attrs = meta.get("web") or {}
    area_tiers = meta.get("areas") or []
    names = (
        [f"{t}.parquet" for t in TABLES]
        + [f"web/{k}.parquet" for k in web_attrs]
        + [f"areas/{t}.parquet" for t in area_tiers]
    )
    bad = [k for k in [*web_attrs, *area_tiers] if not _WEB_KEY.fullmatch(str(k))]
    if bad or set(names) != set(records):
        raise AtlasUnreadable(
            f"the {vintage} atlas {d} lists files {sorted(records)[:12]} in meta.json, expected "
            f"{sorted(names)[:12]}; {_rerun(vintage)}"
        )
    blobs = {name: _verified(d, name, records[name], vintage) for name in names}
    tiers = LazyFrames({t: _reader(blobs[f"{t}.parquet"]) for t in TIERS})
    web = LazyFrames(
        {key: _reader(blobs[f"web/{key}.parquet"], {"web": a}) for key, a in web_attrs.items()}
    )
    areas = LazyFrames(
        {tier: _reader(blobs[f"areas/{tier}.parquet"], table=True) for tier in area_tiers}
    )
    pcn_lsoa = pd.read_parquet(io.BytesIO(blobs["pcn_lsoa.parquet"]))
    return Atlas(vintage=vintage, tiers=tiers, pcn_lsoa=pcn_lsoa, meta=meta, web=web, areas=areas)


def _verified(d: Path, name: str, record: dict, vintage: str) -> bytes:
    """The bytes of one stored file, if its size, SHA-256 and row count are those in meta.json."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = d / name
    data = path.read_bytes()
    problem = None
    if len(data) != record.get("bytes") or hashlib.sha256(data).hexdigest() != record.get("sha256"):
        problem = (
            f"its checksum differs from meta.json ({len(data):,} bytes, "
            f"{record.get('bytes', 0):,} when built)"
        )
    else:
        try:
            rows = pq.ParquetFile(pa.BufferReader(data)).metadata.num_rows
        except (pa.ArrowException, OSError, ValueError) as exc:
            problem = f"it is not a readable Parquet file ({exc})"
        else:
            if rows != record.get("rows"):
                problem = f"it has {rows:,} rows, meta.json says {record.get('rows')}"
    if problem:
        raise AtlasUnreadable(
            f"the {vintage} atlas is damaged: {path}: {problem}; {_rerun(vintage)}"
        )
    return data


def _reader(
    blob: bytes, attrs: dict | None = None, table: bool = False
) -> Callable[[], gpd.GeoDataFrame]:
    """A loader of one stored frame. The file's bytes were read (and checked) at load, and are
    decoded on first use (the costly part: polygons), so a rebuild that replaces the directory
    cannot break an atlas that is already loaded. ``table``: a plain table, not a layer."""
    held = [blob]

    def read() -> gpd.GeoDataFrame:
        raw = io.BytesIO(held[0])
        gdf = pd.read_parquet(raw) if table else gpd.read_parquet(raw)
        held.clear()  # decoded once: the bytes are no longer needed
        if attrs:
            gdf.attrs.update(attrs)
        return gdf

    return read
