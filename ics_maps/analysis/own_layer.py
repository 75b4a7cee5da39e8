"""A user's boundary file laid over the atlas's LSOA atoms: the layer every own-boundaries table is
made from.

:func:`read_layer` reads the file (:func:`ics_maps.readers.user_layer.read_upload`, which checks
it) and turns it into a :class:`UserLayer`:

* polygons are overlaid with the LSOAs (:mod:`ics_maps.analysis._lsoa_overlay`): the share of each
  LSOA's area in each unit is the share of its residents there (areal apportionment, with a 0.5 m
  snap so that a boundary drawn along LSOA edges cuts no slivers); the same overlay is the clip to
  England (the union of the LSOAs, so it works for any atlas, also a hand-built one), reporting the
  area that fell outside; units wholly outside are dropped and a layer wholly outside is refused;
* LSOA lists (a CSV) are exact: share 1, and each unit's polygon is its LSOAs dissolved.

Everything happens in memory (and the one temporary folder of a zip, always removed): nothing is
written to the shared atlas, and the :class:`UserLayer` returned belongs to the caller's session
alone.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ics_maps.analysis._lsoa_overlay import (
    SNAP_M,
    clip_to_atoms,
    cores,
    lsoa_geometry,
    overlay,
)
from ics_maps.readers.user_geometry import polygonal
from ics_maps.readers.user_layer import LayerError, UserFile, read_path, read_upload, rows

__all__ = ["LayerError", "UserLayer", "layer_from_file", "read_layer", "read_layer_path", "warm"]


@dataclass
class UserLayer:
    """A checked layer in one session.

    ``units``: one row per unit, ``code, name, area_km2, outside_km2, geometry`` (EPSG:27700,
    clipped to England). ``weights``: ``unit, lsoa, share``, the share of each LSOA's residents
    (its area for polygons; 1 for LSOA lists) in each unit. ``notes``: what was guessed, inferred,
    repaired, clipped or dropped, for the page to show. ``columns``: the file's columns a user may
    choose the code and name from.
    """

    file_name: str
    kind: str  # "polygons" or "lsoas"
    units: gpd.GeoDataFrame
    weights: pd.DataFrame
    code_column: str | None = None
    name_column: str | None = None
    crs: str | None = None
    notes: list[str] = field(default_factory=list)
    columns: tuple[str, ...] = ()
    lsoa_column: str | None = None
    # integer arrays per atlas, made and used by ics_maps.analysis.custom_tier
    cache: dict = field(default_factory=dict, repr=False, compare=False)


def read_layer(data: bytes, file_name: str, atlas, snap_m: float = SNAP_M, **options) -> UserLayer:
    """Read an uploaded file (bytes and name) over ``atlas``; :class:`LayerError` when it cannot be
    used. ``options``: those of :func:`ics_maps.readers.user_layer.read_upload`."""
    known = options.pop("known_lsoas", None)
    if known is None and str(file_name).lower().endswith(".csv"):
        known = set(lsoa_geometry(atlas).codes)
    return layer_from_file(
        read_upload(data, file_name, known_lsoas=known, **options), atlas, snap_m
    )


def read_layer_path(path: str | os.PathLike, atlas, snap_m: float = SNAP_M, **options) -> UserLayer:
    """:func:`read_layer` of a file on disk (its size checked before it is read)."""
    known = options.pop("known_lsoas", None)
    if known is None and str(path).lower().endswith(".csv"):
        known = set(lsoa_geometry(atlas).codes)
    return layer_from_file(read_path(path, known_lsoas=known, **options), atlas, snap_m)


def warm(atlas, snap_m: float = SNAP_M) -> None:
    """Build the shared LSOA tree and cores now (about 1 s once per process), e.g. at server start,
    so that the first upload does not pay for them."""
    cores(lsoa_geometry(atlas), snap_m)


def layer_from_file(f: UserFile, atlas, snap_m: float = SNAP_M) -> UserLayer:
    """The file's units over the atlas's LSOAs (module docstring)."""
    if f.kind == "lsoas":
        return _lsoa_units(f, atlas)
    return _clipped(f, atlas, snap_m)


def _facts(f: UserFile) -> dict:
    return {
        "file_name": f.file_name,
        "kind": f.kind,
        "code_column": f.code_column,
        "name_column": f.name_column,
        "crs": f.crs,
        "notes": list(f.notes),
        "columns": f.columns,
        "lsoa_column": f.lsoa_column,
    }


# ---------------------------------------------------------------------------- polygons


def _clipped(f: UserFile, atlas, snap_m: float) -> UserLayer:
    """Overlay with the LSOAs: weights, the clip to England, units wholly outside dropped."""
    codes, names, geoms, name = f.codes, f.names, f.geoms, f.file_name
    facts = _facts(f)
    notes = facts["notes"]
    ov = overlay(geoms, atlas, snap_m=snap_m)
    outside = ov.inside_m2 <= 0
    if outside.all():
        x0, y0, x1, y1 = shapely.total_bounds(geoms)
        ex = shapely.total_bounds(lsoa_geometry(atlas).geoms)
        raise LayerError(
            f"no part of {name} lies in England: its units span x {x0:,.0f}–{x1:,.0f}, "
            f"y {y0:,.0f}–{y1:,.0f} (EPSG:27700) and the atlas's LSOAs x "
            f"{ex[0]:,.0f}–{ex[2]:,.0f}, y {ex[1]:,.0f}–{ex[3]:,.0f}"
        )
    clipped, was_clipped = clip_to_atoms(geoms, ov, atlas, snap_m)
    area_km2 = ov.area_m2 / 1e6
    out_km2 = np.where(was_clipped | outside, ov.outside_m2 / 1e6, 0.0)
    if outside.any():
        notes.append(
            f"{int(outside.sum())} unit(s) lie wholly outside England and were dropped: "
            f"{rows(outside, codes)}"
        )
    if was_clipped.any():
        share = out_km2[~outside].sum() / max(area_km2[~outside].sum(), 1e-12)
        notes.append(
            f"{share:.2%} of the layer's area ({out_km2[~outside].sum():,.2f} km²) lies outside "
            "England (beyond the atlas's LSOAs) and was clipped off, from "
            f"{rows(was_clipped & ~outside, codes)}"
        )
    keep = ~outside
    units = gpd.GeoDataFrame(
        {
            "code": codes[keep],
            "name": names[keep],
            "area_km2": (area_km2 - out_km2)[keep],
            "outside_km2": out_km2[keep],
        },
        geometry=list(clipped[keep]),
        crs=27700,
    )
    atoms = lsoa_geometry(atlas).codes
    weights = pd.DataFrame({"unit": codes[ov.unit], "lsoa": atoms[ov.atom], "share": ov.share})
    _note_overlaps(weights, atlas, notes)
    return UserLayer(units=units.reset_index(drop=True), weights=weights, **facts)


def _note_overlaps(weights: pd.DataFrame, atlas, notes: list[str]) -> None:
    """Units that overlap each other count the residents there twice: say so."""
    total = weights.groupby("lsoa")["share"].sum()
    over = total[total > 1 + 1e-6]
    if len(over):
        res = atlas.lsoa.set_index("code")["residents"].reindex(over.index).fillna(0)
        twice = float(((over - 1).clip(upper=1) * res).sum())
        pairs = weights[weights["lsoa"].isin(over.index)].groupby("lsoa")["unit"].apply(list)
        example = " and ".join(map(str, pairs.iloc[0][:2]))
        notes.append(
            f"units overlap: {len(over):,} LSOA(s) are partly in more than one unit (e.g. "
            f"{example}), so about {twice:,.0f} residents are counted twice"
        )


# ---------------------------------------------------------------------------- LSOA lists


def _lsoa_units(f: UserFile, atlas) -> UserLayer:
    """Units made of whole LSOAs: exact weights (share 1) and polygons dissolved from the LSOAs."""
    pairs = f.pairs
    facts = _facts(f)
    lg = lsoa_geometry(atlas)
    pos = pd.Index(lg.codes).get_indexer(pairs["lsoa"])
    if (pos < 0).any():  # the reader checked the codes against this atlas's
        raise LayerError(
            f"{f.file_name}: LSOA {pairs['lsoa'][pos < 0].iloc[0]} is not in this atlas"
        )
    first = pairs.drop_duplicates("unit")
    order = np.lexsort((pos, pairs["unit"].to_numpy(dtype=str)))
    unit_sorted = pairs["unit"].to_numpy(dtype=object)[order]
    pos_sorted = pos[order]
    codes = first["unit"].to_numpy(dtype=object)
    geoms, areas = [], []
    groups = pd.Series(np.arange(len(unit_sorted))).groupby(unit_sorted).indices
    for code in codes:
        idx = pos_sorted[groups[code]]
        geoms.append(_dissolve(lg.geoms[idx]))
        areas.append(float(lg.area_m2[idx].sum()) / 1e6)
    units = gpd.GeoDataFrame(
        {
            "code": codes,
            "name": first["name"].to_numpy(dtype=object),
            "area_km2": areas,
            "outside_km2": 0.0,
        },
        geometry=geoms,
        crs=27700,
    )
    weights = pd.DataFrame({"unit": unit_sorted, "lsoa": lg.codes[pos_sorted], "share": 1.0})
    facts["notes"].append(
        f"{len(codes):,} unit(s) made of {len(weights):,} whole LSOA(s): residents are exact sums"
    )
    return UserLayer(units=units, weights=weights, **facts)


def _dissolve(geoms: np.ndarray):
    """Union of LSOAs: the fast coverage union, or a full union where they are not exactly noded."""
    try:
        u = shapely.coverage_union_all(geoms)
        if u is not None and u.is_valid:
            return u
    except shapely.errors.GEOSException:
        pass
    u = shapely.union_all(geoms)
    return u if u.is_valid else polygonal(shapely.make_valid(u))
