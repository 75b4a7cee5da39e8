"""Storing an atlas: GeoParquet files in a fresh folder per build, a pointer file per vintage
swapped
in atomically, and the one question everyone asks before loading: :func:`is_current`."""

from __future__ import annotations

import io
import json
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd

from ics_maps.atlas.fingerprint import FORMAT_VERSION, fingerprint
from ics_maps.atlas.model import Atlas, LazyFrames
from ics_maps.paths import atlas_root
from ics_maps.sources.vintages import get_vintage
from ics_maps.tiers import TIERS


def _pointer(vintage: str, root: Path) -> Path:
    return root / f"{vintage}.json"


def save_atlas(atlas: Atlas, root: Path | None = None) -> Path:
    """Write the atlas atomically: a fresh directory, then a pointer file swapped in with
    os.replace.

    A crash at any point leaves the previous pointer, and so the previous atlas, intact.
    """
    root = Path(root or atlas_root())
    root.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}-{secrets.token_hex(3)}"
    final = root / f"{atlas.vintage}-{stamp}"
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{atlas.vintage}-", dir=root))
    try:
        for name in TIERS:
            gdf = atlas.tiers[name]
            gdf.to_parquet(tmp / f"{name}.parquet", index=False)
        atlas.pcn_lsoa.to_parquet(tmp / "pcn_lsoa.parquet", index=False)
        web_attrs = {}
        if atlas.web:
            (tmp / "web").mkdir()
            for key, gdf in atlas.web.items():
                gdf.to_parquet(tmp / "web" / f"{key}.parquet", index=False)
                web_attrs[key] = gdf.attrs.get("web", {})
        if atlas.areas:
            (tmp / "areas").mkdir()
            for tier, table in atlas.areas.items():
                table.to_parquet(tmp / "areas" / f"{tier}.parquet", index=False)
        meta = dict(
            atlas.meta,
            format_version=FORMAT_VERSION,
            vintage=atlas.vintage,
            web=web_attrs,
            areas=sorted(atlas.areas),
        )
        (tmp / "meta.json").write_text(json.dumps(meta, indent=1, default=str))
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    pointer = _pointer(atlas.vintage, root)
    previous = _read_pointer(pointer)
    tmp_ptr = pointer.with_suffix(f".json.tmp-{os.getpid()}")
    tmp_ptr.write_text(
        json.dumps({"dir": final.name, "fingerprint": atlas.meta.get("fingerprint")})
    )
    os.replace(tmp_ptr, pointer)
    if previous and previous.get("dir") != final.name:
        shutil.rmtree(root / previous["dir"], ignore_errors=True)
    _sweep(root)
    return final


def _read_pointer(pointer: Path) -> dict | None:
    try:
        return json.loads(pointer.read_text())
    except (OSError, ValueError):
        return None


def _sweep(root: Path) -> None:
    """Remove leftovers of interrupted builds (temp dirs and directories no pointer names)."""
    live = {p.get("dir") for p in (_read_pointer(f) for f in root.glob("*.json")) if p}
    for child in root.iterdir():
        if (
            child.is_dir()
            and child.name not in live
            and (child.name.startswith(".tmp-") or "-" in child.name)
        ):
            if time.time() - child.stat().st_mtime > 3600 or child.name.startswith(".tmp-"):
                shutil.rmtree(child, ignore_errors=True)


def stored_fingerprint(vintage: str, root: Path | None = None) -> str | None:
    ptr = _read_pointer(_pointer(vintage, Path(root or atlas_root())))
    return ptr.get("fingerprint") if ptr else None


def atlas_exists(vintage: str, root: Path | None = None) -> bool:
    root = Path(root or atlas_root())
    ptr = _read_pointer(_pointer(vintage, root))
    return bool(ptr) and (root / ptr["dir"] / "meta.json").exists()


def is_current(vintage: str, root: Path | None = None) -> bool:
    """Is the stored atlas of ``vintage`` built from today's inputs and code? (Then it can be
    loaded.)"""
    return atlas_exists(vintage, root) and stored_fingerprint(vintage, root) == fingerprint(
        get_vintage(vintage)
    )


def load_atlas(vintage: str, root: Path | None = None) -> Atlas:
    """Load a built atlas (fast: Parquet only). Raises FileNotFoundError if none was built."""
    root = Path(root or atlas_root())
    ptr = _read_pointer(_pointer(vintage, root))
    if not ptr:
        raise FileNotFoundError(
            f"no atlas for vintage {vintage} under {root}: run `ics-maps build --vintage {vintage}`"
        )
    d = root / ptr["dir"]
    meta = json.loads((d / "meta.json").read_text())
    if meta.get("format_version") != FORMAT_VERSION:
        raise FileNotFoundError(
            f"atlas {d} has format {meta.get('format_version')}, expected {FORMAT_VERSION}: rebuild"
        )
    tiers = LazyFrames({name: _reader(d / f"{name}.parquet") for name in TIERS})
    web = LazyFrames(
        {
            key: _reader(d / "web" / f"{key}.parquet", {"web": attrs})
            for key, attrs in (meta.get("web") or {}).items()
        }
    )
    areas = LazyFrames(
        {
            tier: _reader(d / "areas" / f"{tier}.parquet", table=True)
            for tier in meta.get("areas", [])
        }
    )
    pcn_lsoa = pd.read_parquet(d / "pcn_lsoa.parquet")
    return Atlas(vintage=vintage, tiers=tiers, pcn_lsoa=pcn_lsoa, meta=meta, web=web, areas=areas)


def _reader(
    path: Path, attrs: dict | None = None, table: bool = False
) -> Callable[[], gpd.GeoDataFrame]:
    """A loader of one stored frame. The file's bytes are read now (cheap) and decoded on first use
    (the costly part: polygons), so a rebuild that replaces the directory cannot break an atlas
    that is already loaded. ``table``: a plain table, not a layer."""
    blob = [path.read_bytes()]

    def read() -> gpd.GeoDataFrame:
        raw = io.BytesIO(blob[0])
        gdf = pd.read_parquet(raw) if table else gpd.read_parquet(raw)
        blob.clear()  # decoded once: the bytes are no longer needed
        if attrs:
            gdf.attrs.update(attrs)
        return gdf

    return read
