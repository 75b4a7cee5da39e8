"""Overlay a user's polygons with the atlas's LSOA 2021 atoms: which LSOAs each polygon holds, and
what share of each LSOA's area lies inside it.

Why: every figure of the dashboard is a sum over LSOA atoms, so a user's polygon takes part in the
same sums once we know, for each LSOA it touches, the share of the LSOA inside it. The same overlay
tells how much of a polygon lies outside England (outside every LSOA) and is the clip to England.

How (fast, exact where it matters):

1. candidate pairs from an STRtree of the LSOA polygons (built once per loaded atlas, cached);
2. **snap** (``snap_m``, 0.5 m by default): an LSOA whose *core* (the LSOA shrunk by ``snap_m``)
   is covered by the polygon counts as wholly inside (share 1); one whose core misses the polygon
   counts as outside. The same line digitised twice, or rounded to 6 decimals of a degree in
   GeoJSON (about 0.1 m), then cuts no slivers off its neighbours. A snapped share is off by at
   most the LSOA's edge band ``snap_m`` wide (3 km of edge: 1,500 m², 0.3 % of a 0.5 km² LSOA).
   With ``snap_m=0`` the core is the LSOA itself: exact covers / intersects tests. Either way two
   prepared-geometry predicates, no intersection computed;
3. only LSOAs truly cut by the polygon's edge get an exact intersection; overlaps under
   ``min_overlap_m2`` (1 m², as in :func:`ics_maps.analysis.overlap.area_overlaps`) are dropped.

The LSOA polygons, their cores and the tree are shared by every session and never modified: the
user's polygons are the only prepared geometries (the first argument of every predicate).
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

import numpy as np
import shapely

from ics_maps.readers.user_geometry import polygonal

SNAP_M = 0.5
MIN_OVERLAP_M2 = 1.0


@dataclass
class Overlay:
    """Aligned arrays, one entry per (polygon, LSOA) overlap, and per-polygon areas.

    ``unit``: index of the polygon; ``atom``: row of the LSOA in ``atlas.lsoa``; ``share``: share of
    the LSOA's area inside the polygon (1 for whole LSOAs). ``inside_m2`` / ``area_m2``: per
    polygon, its area inside the LSOAs (England) and its whole area.
    """

    unit: np.ndarray
    atom: np.ndarray
    share: np.ndarray
    inside_m2: np.ndarray
    area_m2: np.ndarray

    @property
    def outside_m2(self) -> np.ndarray:
        """Per polygon, the area outside every LSOA (never negative: rounding is clipped)."""
        return np.maximum(self.area_m2 - self.inside_m2, 0.0)


@dataclass
class LsoaGeometry:
    """The atlas's LSOA polygons as plain arrays with their tree and areas (read-only, shared)."""

    codes: np.ndarray
    geoms: np.ndarray
    area_m2: np.ndarray
    tree: shapely.STRtree
    cores: dict


_CACHE: dict[int, tuple] = {}
_LOCK = threading.Lock()


def lsoa_geometry(atlas) -> LsoaGeometry:
    """The atlas's :class:`LsoaGeometry`, built once per loaded atlas and kept while it lives."""
    key = id(atlas)
    lsoa = atlas.lsoa
    hit = _CACHE.get(key)
    if hit and hit[0]() is atlas and hit[1] == id(lsoa):
        return hit[2]
    if lsoa.crs is None or lsoa.crs.to_epsg() != 27700:
        raise ValueError(f"the atlas's LSOAs must be in EPSG:27700, not {lsoa.crs}")
    geoms = np.asarray(lsoa.geometry.values, dtype=object)
    geoms = np.where(shapely.is_missing(geoms), shapely.Polygon(), geoms)
    out = LsoaGeometry(
        codes=np.asarray(lsoa["code"], dtype=object),
        geoms=geoms,
        area_m2=shapely.area(geoms),
        tree=shapely.STRtree(geoms),
        cores={},
    )
    with _LOCK:
        if hit is None:
            weakref.finalize(atlas, _CACHE.pop, key, None)
        _CACHE[key] = (weakref.ref(atlas), id(lsoa), out)
    return out


def cores(lg: LsoaGeometry, snap_m: float) -> np.ndarray:
    """The LSOAs shrunk by ``snap_m`` (an LSOA too thin to shrink stays whole), cached per snap."""
    if snap_m == 0:
        return lg.geoms
    hit = lg.cores.get(snap_m)
    if hit is None:
        hit = shapely.buffer(lg.geoms, -snap_m, quad_segs=1)
        thin = shapely.is_empty(hit)
        hit[thin] = lg.geoms[thin]
        with _LOCK:
            lg.cores[snap_m] = hit
    return hit


def warm(atlas, snap_m: float = SNAP_M) -> None:
    """Build the shared tree and LSOA cores now (about 1 s once per process), e.g. at server start,
    so that the first upload does not pay for them."""
    cores(lsoa_geometry(atlas), snap_m)


def overlay(
    polygons, atlas, snap_m: float = SNAP_M, min_overlap_m2: float = MIN_OVERLAP_M2
) -> Overlay:
    """Overlay valid polygons (EPSG:27700, array or GeoSeries) with the atlas's LSOAs (above)."""
    if snap_m < 0:
        raise ValueError(f"snap_m must be ≥ 0, not {snap_m}")
    polys = np.asarray(polygons, dtype=object)
    lg = lsoa_geometry(atlas)
    core = cores(lg, snap_m)
    was = shapely.is_prepared(polys)
    shapely.prepare(polys)
    try:
        return _overlay(polys, lg, core, min_overlap_m2)
    finally:  # a prepared polygon holds an index several times its own size: drop ours
        shapely.destroy_prepared(polys[~was])


def _overlay(
    polys: np.ndarray, lg: LsoaGeometry, core: np.ndarray, min_overlap_m2: float
) -> Overlay:
    u, a = lg.tree.query(polys)  # bounding boxes only: the predicates below sort the pairs
    share = np.full(len(u), np.nan)
    inside = shapely.covers(polys[u], core[a])
    share[inside] = 1.0
    open_ = np.flatnonzero(~inside)
    out = ~shapely.intersects(polys[u[open_]], core[a[open_]])
    share[open_[out]] = 0.0
    open_ = open_[~out]
    if len(open_):
        area = shapely.area(shapely.intersection(polys[u[open_]], lg.geoms[a[open_]]))
        lsoa_area = lg.area_m2[a[open_]]
        share[open_] = np.where(
            (area >= min_overlap_m2) & (lsoa_area > 0),
            area / np.where(lsoa_area > 0, lsoa_area, 1),
            0.0,
        )
    keep = share > 0
    u, a, share = u[keep], a[keep], share[keep]
    order = np.lexsort((a, u))
    u, a, share = u[order], a[order], share[order]
    inside_m2 = np.bincount(u, weights=share * lg.area_m2[a], minlength=len(polys))
    return Overlay(
        unit=u.astype(np.int64),
        atom=a.astype(np.int64),
        share=share,
        inside_m2=inside_m2,
        area_m2=shapely.area(polys),
    )


def clip_to_atoms(
    polygons, ov: Overlay, atlas, snap_m: float = SNAP_M
) -> tuple[np.ndarray, np.ndarray]:
    """Clip each polygon reaching beyond the LSOAs (England) to the union of the LSOAs it overlaps.

    A polygon counts as reaching out when its outside area exceeds ``snap_m`` × its perimeter (the
    band the snap allows) and 1 m². Returns the geometries (unchanged where inside) and a boolean
    array of which polygons were clipped. Polygons with no LSOA at all become empty.
    """
    polys = np.array(polygons, dtype=object)
    lg = lsoa_geometry(atlas)
    band = np.maximum(snap_m * shapely.length(polys), MIN_OVERLAP_M2)
    out = ov.outside_m2 > band
    starts = np.searchsorted(ov.unit, np.arange(len(polys) + 1))
    for i in np.flatnonzero(out):
        atoms = ov.atom[starts[i] : starts[i + 1]]
        if len(atoms) == 0:
            polys[i] = shapely.Polygon()
            continue
        polys[i] = polygonal(shapely.intersection(polys[i], shapely.union_all(lg.geoms[atoms])))
    return polys, out
