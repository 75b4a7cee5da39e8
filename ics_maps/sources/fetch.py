"""Mirror-or-download: find each catalogue file locally, or fetch it from its publisher.

The mirror (``ICS_MAPS_MIRROR``) wins when it holds the file; otherwise the file is downloaded into
``boundaries/`` or ``data/downloads/`` under the same relative path, with a progress bar, written
atomically (``.part`` then ``os.replace``) so an interrupted download never looks complete.
"""

from __future__ import annotations

import io
import json
import os
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path
from typing import Callable

from ics_maps.errors import DataError
from ics_maps.paths import download_root, mirror_root
from ics_maps.sources.catalogue import Dataset, dataset

Progress = Callable[[str, float], None]
_PAGE = 2000  # ArcGIS feature services cap a page at 2,000 records


def local_path(ds: Dataset) -> Path | None:
    """The mirror copy, else a previous download, else None. Shapefiles need all their parts."""
    main = mirror_root() / ds.mirror_path
    if main.exists() and all((mirror_root() / c).exists() for c in ds.companions):
        return main
    cached = download_root(ds.kind) / ds.download_path
    return cached if cached.exists() else None


def resolve(dataset_id: str, progress: Progress | None = None) -> Path:
    """Path of a dataset's main file, downloading it from the publisher if no copy is local."""
    ds = dataset(dataset_id)
    found = local_path(ds)
    if found is not None:
        return found
    missing = mirror_root() / ds.mirror_path
    parts = [str(mirror_root() / c) for c in ds.companions if not (mirror_root() / c).exists()]
    if missing.exists() and parts:  # a shapefile without its .shx/.dbf cannot be read
        local = (
            f"{missing} is in the mirror but its companion file(s) {', '.join(parts)} are "
            "missing (a shapefile cannot be read without them)"
        )
    else:
        local = f"file not found: {missing}"
    if os.environ.get("ICS_MAPS_OFFLINE"):
        raise DataError(ds, f"{local} (offline mode: no download attempted)")
    target = download_root(ds.kind) / ds.download_path
    try:
        download(ds, target, progress)
    except DataError:
        raise
    except Exception as exc:  # network, HTTP, zip errors: say which dataset and where it was going
        raise DataError(ds, f"{local}, and the download from {ds.url} failed: {exc}") from exc
    return target


def download(ds: Dataset, target: Path, progress: Progress | None = None) -> None:
    """Download one dataset to ``target`` atomically, in the form the readers expect."""
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    try:
        steps = ds.download.split("|")
        if steps[0] == "arcgis":
            data = _arcgis_pages(ds, progress)
        else:
            url = ds.url
            if steps[0].startswith("page:"):
                url = _link_on_page(ds, steps.pop(0).split(":", 1)[1])
            data = _get(url, ds.title, progress)
            zips = [s for s in steps if s.startswith("zip:")]
            if zips:
                member = zips[0].split(":", 1)[1]
                with zipfile.ZipFile(io.BytesIO(data)) as zf:
                    names = [n for n in zf.namelist() if n.endswith(member)]
                    if not names:
                        raise DataError(
                            ds, f"downloaded zip has no member {member!r} (has {zf.namelist()[:5]})"
                        )
                    data = zf.read(names[0])
        part.write_bytes(data)
        os.replace(part, target)
    finally:
        part.unlink(missing_ok=True)


def _link_on_page(ds: Dataset, pattern: str) -> str:
    """Publication pages link a file whose path changes monthly: take the first link matching
    ``pattern``."""
    import re

    html = _get(ds.url, ds.title, None).decode("utf-8", "replace")
    found = re.search(pattern, html)
    if not found:
        raise DataError(ds, f"no link matching {pattern!r} on the publication page {ds.url}")
    return found.group(0)


def _get(url: str, title: str, progress: Progress | None) -> bytes:
    req = urllib.request.Request(url, headers={"User-Agent": "ics-maps/0.1"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        total = int(resp.headers.get("Content-Length") or 0)
        chunks, got = [], 0
        while chunk := resp.read(1 << 16):
            chunks.append(chunk)
            got += len(chunk)
            if progress and total:
                progress(f"Downloading {title}", got / total)
    return b"".join(chunks)


def _arcgis_pages(ds: Dataset, progress: Progress | None) -> bytes:
    """Page through an ArcGIS FeatureServer query and return one GeoJSON (or a CSV for tables)."""
    features: list[dict] = []
    offset = 0
    expected = ds.expect_rows[1] if ds.expect_rows else None
    while True:
        sep = "&" if "?" in ds.url else "?"
        url = (
            ds.url
            + sep
            + urllib.parse.urlencode({"resultOffset": offset, "resultRecordCount": _PAGE})
        )
        page = json.loads(_get(url, ds.title, None))
        if "error" in page:
            raise DataError(ds, f"publisher service returned an error: {page['error']}")
        batch = page.get("features", [])
        features.extend(batch)
        offset += len(batch)
        if progress and expected:
            progress(f"Downloading {ds.title}", min(1.0, offset / expected))
        if not batch or not page.get(
            "exceededTransferLimit", page.get("properties", {}).get("exceededTransferLimit")
        ):
            break
    if ds.kind == "csv":
        import pandas as pd

        rows = [f.get("attributes") or f.get("properties") or {} for f in features]
        return pd.DataFrame(rows).to_csv(index=False).encode("utf-8")
    return json.dumps({"type": "FeatureCollection", "features": features}).encode("utf-8")
