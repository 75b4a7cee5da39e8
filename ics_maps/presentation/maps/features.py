"""GeoJSON features for Leaflet: display geometry, escaped tooltip fields, bounds and a fitted map.

Every value shown in a tooltip is HTML-escaped here (folium's GeoJsonTooltip writes property values
into ``innerHTML`` unescaped), so feature *properties* hold escaped text; every feature has ``id`` =
its code and the properties ``code`` and ``tier``.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping
from typing import Any, Callable

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ics_maps.atlas.display import simplify_for_web
from ics_maps.presentation.maps.offline import offline_map
from ics_maps.presentation.style import WAVE_LABELS, fmt_int, fmt_pct, is_missing


def fmt_int_or_none(v: Any) -> str | None:
    """A tooltip's whole number: None (no row) where missing."""
    return fmt_int(v, missing=None)


def fmt_pct_or_none(v: Any) -> str | None:
    """A tooltip's percentage: None (no row) where missing."""
    return fmt_pct(v, missing=None)


def web_ready(
    gdf: gpd.GeoDataFrame, tier: str | None, tolerance_m: float | None
) -> gpd.GeoDataFrame:
    """Use ``gdf`` as is when it already came out of :func:`simplify_for_web`, else simplify it."""
    if tolerance_m is None and "web" in gdf.attrs and is_wgs84(gdf.crs):
        return gdf
    return simplify_for_web(gdf, tolerance_m, tier=tier)


def is_wgs84(crs) -> bool:
    """EPSG:4326? Read from the CRS's own text first: ``to_epsg()`` costs 30 ms in each new thread
    (pyproj keeps its PROJ objects per thread), and every Streamlit session runs in a new one."""
    if crs is None:
        return False
    srs = crs.srs
    return (
        srs.upper() == "EPSG:4326"
        or '"authority": "EPSG", "code": 4326}' in srs
        or crs.to_epsg() == 4326
    )


def payload_bytes(m: folium.Map) -> int:
    """Size of the map's standalone HTML (what a browser receives for it) in bytes."""
    return len(m.get_root().render().encode("utf-8"))


def esc(v: Any) -> str | None:
    """HTML-escaped text of a value (None when missing). ``{`` becomes ``&#123;`` too: shown the
    same in a
    tooltip, but never read as template syntax (see :mod:`ics_maps.presentation.maps.render`)."""
    return None if is_missing(v) else html.escape(str(v), quote=True).replace("{", "&#123;")


def esc_or_dash(v: Any) -> str:
    """Like :func:`esc`, but a missing value reads "–" (the five ICBs new in April 2026 have no ODS
    code in
    the source files): an empty tooltip row looks like a fault, a dash says "none"."""
    text = esc(v)
    return "–" if text is None or not text.strip() else text


def wave_text(v: Any) -> str | None:
    if is_missing(v):
        return None
    try:
        return html.escape(WAVE_LABELS.get(int(v), f"Wave {int(v)}"))
    except (TypeError, ValueError):
        return esc(v)


# A tooltip field: (property key, column, alias, formatter). Only fields whose column exists are
# used.
Field = tuple[str, str, str, Callable[[Any], str | None]]


def fields_present(gdf: pd.DataFrame, spec: Iterable[Field]) -> list[Field]:
    return [f for f in spec if f[1] in gdf.columns]


def feature_collection(
    gdf: gpd.GeoDataFrame,
    tier: str,
    fields: list[Field],
    extra: Mapping[str, Iterable[Any]] | None = None,
) -> dict:
    """GeoJSON with ``id`` = code, properties ``code``, ``tier`` and the formatted (escaped)
    fields."""
    if "code" not in gdf.columns:
        raise KeyError(f"the {tier} layer needs a 'code' column (columns: {list(gdf.columns)})")
    codes = [None if is_missing(c) else str(c) for c in gdf["code"]]
    unique = None not in codes and len(set(codes)) == len(codes)
    columns = {key: [fmt(v) for v in gdf[col]] for key, col, _, fmt in fields}
    extras = {k: list(v) for k, v in (extra or {}).items()}
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    drawn = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    # GEOS writes the GeoJSON in C; json.loads turns it back into the dict folium expects (and
    # prints floats shortest-first, so the rounded coordinates stay short in the page).
    geojson = iter(shapely.to_geojson(geoms[drawn]).tolist()) if drawn.any() else iter(())
    feats = []
    for i in np.flatnonzero(drawn):
        props = {"code": esc(codes[i]), "tier": tier}
        for key in columns:
            props[key] = columns[key][i]
        for key in extras:
            props[key] = extras[key][i]
        feats.append(
            {
                "type": "Feature",
                "id": codes[i] if unique else f"{tier}-{i}",
                "properties": props,
                "geometry": json.loads(next(geojson)),
            }
        )
    return {"type": "FeatureCollection", "features": feats}


def tooltip(fields: list[Field]) -> folium.GeoJsonTooltip | None:
    if not fields:
        return None
    return folium.GeoJsonTooltip(
        fields=[f[0] for f in fields],
        aliases=[html.escape(f[2]) for f in fields],
        sticky=True,
        labels=True,
    )


def bounds(gdf: gpd.GeoDataFrame) -> list[list[float]] | None:
    geoms = gdf.geometry[~(gdf.geometry.isna() | gdf.geometry.is_empty)]
    if geoms.empty:
        return None
    minx, miny, maxx, maxy = geoms.total_bounds
    return [[float(miny), float(minx)], [float(maxy), float(maxx)]]


def union_bounds(*bounds: list[list[float]] | None) -> list[list[float]] | None:
    got = [b for b in bounds if b]
    if not got:
        return None
    return [
        [min(b[0][0] for b in got), min(b[0][1] for b in got)],
        [max(b[1][0] for b in got), max(b[1][1] for b in got)],
    ]


SCALE_HEIGHT = 44  # px of the scale bar (bottom left), kept free of data like the legend strip


def new_map(
    bounds: list[list[float]] | None, static_url: str | None = None, *, right: int = 0, **kwargs
) -> folium.Map:
    """A map fitted to ``bounds``, keeping a strip ``right`` pixels wide free of data at first view:
    the legend or layer box sits there (top right) instead of covering a system or a PCN; the scale
    bar's strip at the bottom is kept free the same way."""
    if bounds:
        (s, w), (n, e) = bounds
        kwargs.setdefault("location", [(s + n) / 2, (w + e) / 2])
    else:
        kwargs.setdefault("location", [52.8, -1.6])  # England
    kwargs.setdefault("zoom_start", 6)
    m = offline_map(static_url, **kwargs)
    if bounds:
        m.fit_bounds(
            bounds, padding_top_left=(8, 8), padding_bottom_right=(8 + right, SCALE_HEIGHT)
        )
    return m


# Widths (px) of what sits in the top-right corner, kept free of data by new_map(right=...).
LEGEND_WIDTH = 190


LAYER_BOX_WIDTH = 250


def as_set(codes: Any) -> set[str]:
    if codes is None:
        return set()
    if isinstance(codes, str):
        return {codes}
    return {str(c) for c in codes if not is_missing(c)}
