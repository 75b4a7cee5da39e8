"""Read a user's own boundaries (neighbourhoods, localities, proposed mergers) into a checked file.

Why: users bring footprints no publisher has yet and ask of them what the dashboard answers for the
official tiers. Anything they upload is untrusted, so every step checks and says what it did. This
reader knows no atlas: :func:`ics_maps.analysis.own_layer.read_layer` lays its result over the
atlas's LSOAs (the clip to England and the LSOA weights).

Input is bytes and a file name (a Streamlit upload) or a path (the command line). Formats:

* GeoJSON (``.geojson``/``.json``), GeoPackage (``.gpkg``) or a zipped shapefile (``.zip``) of
  polygons: one feature per unit;
* a CSV (``.csv``) assigning LSOA codes to units, one row per LSOA (:mod:`._lsoa_list`).

Columns: the user names the code and name columns, or they are guessed and the guess reported
(:mod:`._user_columns`). Geometry: polygons only, reprojected to EPSG:27700 and made valid
(:mod:`.user_geometry`).

Limits (:class:`Limits`): file size, features, vertices, CSV rows; for zips the member count, the
total uncompressed size and the compression ratio, all read from the zip directory before anything
is extracted; member paths must be relative with no ``..``; members are extracted only into a fresh
temporary folder that is always removed, and their bytes are counted while extracting
(:mod:`._safe_unzip`).

Names are kept as the text the user wrote, HTML and formulas included: escaping is the renderer's
job and CSVs are neutralised by :func:`ics_maps.presentation.export.safe_csv`.
"""

from __future__ import annotations

import os
from collections.abc import Collection
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from ics_maps.readers._lsoa_list import read_lsoa_csv
from ics_maps.readers._safe_unzip import UnsafeZip, unzipped
from ics_maps.readers._user_columns import as_text, check_unique, choose_columns, rows, unit_codes
from ics_maps.readers._user_files import read_vector, read_zip_folder
from ics_maps.readers._user_types import LIMITS, LayerError, Limits, UserFile, check_size
from ics_maps.readers.user_geometry import check_polygons, repair, to_bng

__all__ = [
    "FORMATS",
    "LIMITS",
    "LayerError",
    "Limits",
    "UserFile",
    "read_path",
    "read_upload",
    "rows",
]

FORMATS: dict[str, str] = {
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".gpkg": "GeoPackage",
    ".zip": "zipped shapefile",
    ".csv": "CSV of LSOA codes",
}
VECTOR_MEMBERS = (".shp", ".shx", ".dbf", ".prj", ".cpg", ".geojson", ".json", ".gpkg")


def read_path(path: str | os.PathLike, **options) -> UserFile:
    """Read a file (its size checked before it is read); see :func:`read_upload`."""
    path = Path(path)
    limits = options.get("limits", LIMITS)
    if not path.is_file():
        raise LayerError(f"{path}: no such file")
    check_size(path.stat().st_size, path.name, limits)
    return read_upload(path.read_bytes(), path.name, **options)


def read_upload(
    data: bytes,
    file_name: str,
    *,
    known_lsoas: Collection[str] | None = None,
    code_column: str | None = None,
    name_column: str | None = None,
    lsoa_column: str | None = None,
    lsoa_year: int | None = None,
    layer: str | None = None,
    drop_unknown_lsoas: bool = False,
    limits: Limits = LIMITS,
) -> UserFile:
    """Read an uploaded file (bytes and name) into a :class:`UserFile`; else :class:`LayerError`.

    ``layer`` picks a layer of a GeoPackage (or a shapefile in a zip holding several);
    ``known_lsoas`` (the LSOA 2021 codes to accept), ``lsoa_column``, ``lsoa_year`` (2021 or 2011)
    and ``drop_unknown_lsoas`` apply to CSVs.
    """
    name = Path(str(file_name or "upload")).name or "upload"
    check_size(len(data), name, limits)
    suffix = Path(name).suffix.lower()
    if suffix == ".shp":
        raise LayerError(
            f"{name}: a shapefile needs its .shx, .dbf and .prj beside it: upload them together "
            "as one .zip"
        )
    if suffix not in FORMATS:
        raise LayerError(
            f"{name} is not a supported boundary file: upload polygons as GeoJSON (.geojson), "
            "GeoPackage (.gpkg) or a zipped shapefile (.zip), or a CSV (.csv) assigning LSOA codes "
            "to units"
        )
    if suffix == ".csv":
        return read_lsoa_csv(
            data,
            name,
            known=known_lsoas,
            code_column=code_column,
            name_column=name_column,
            lsoa_column=lsoa_column,
            lsoa_year=lsoa_year,
            drop_unknown=drop_unknown_lsoas,
            limits=limits,
        )
    notes: list[str] = []
    if suffix == ".zip":
        try:
            with unzipped(data, name, limits, VECTOR_MEMBERS) as folder:
                gdf, declared, how = read_zip_folder(folder, name, layer, limits, notes)
        except UnsafeZip as e:
            raise LayerError(str(e)) from None
    elif suffix == ".gpkg":
        gdf, declared, how = read_vector(data, name, "GeoPackage", layer, limits, notes)
    else:
        gdf, declared, how = read_vector(data, name, "GeoJSON", None, limits, notes)
    return _polygons(gdf, declared, how, name, code_column, name_column, limits, notes)


def _polygons(
    gdf: gpd.GeoDataFrame,
    declared: CRS | None,
    how: str,
    name: str,
    code_column: str | None,
    name_column: str | None,
    limits: Limits,
    notes: list[str],
) -> UserFile:
    """Codes, names and valid polygons in EPSG:27700, every step checked and noted."""
    attrs = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    try:  # an error about the columns carries them, so a page can offer another
        code_col, name_col = choose_columns(attrs, code_column, name_column, name, notes)
        codes = unit_codes(attrs, code_col, name)
        check_unique(codes, name, code_col)
    except LayerError as e:
        raise LayerError(str(e), columns=attrs.columns) from None
    names = as_text(attrs[name_col]) if name_col else codes.copy()
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    check_polygons(geoms, codes, name)
    nverts = int(shapely.get_num_coordinates(geoms).sum())
    if nverts > limits.max_vertices:
        raise LayerError(
            f"{name} has {nverts:,} vertices, over the limit of {limits.max_vertices:,}: simplify "
            "the boundaries (e.g. to 10 m) before uploading"
        )
    geoms, crs_note = to_bng(shapely.force_2d(geoms), declared, how, name)
    notes.append(crs_note)
    geoms = repair(geoms, codes, name, notes)
    return UserFile(
        file_name=name,
        kind="polygons",
        columns=tuple(str(c) for c in attrs.columns),
        code_column=code_col,
        name_column=name_col,
        crs=crs_note,
        notes=notes,
        codes=codes,
        names=names,
        geoms=geoms,
    )
