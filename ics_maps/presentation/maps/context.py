"""Context for maps at local zoom, all offline: place names drawn from the atlas's own units, and
PCN colours that tell neighbours apart with a small palette.

Why: with no base map a PCN footprint floats on a grey background and cannot be placed on the
ground. Council names (the atlas's districts and unitaries, or any tier's units) are written at a
point inside each unit once the map is zoomed in. The optional OpenStreetMap base layer, off by
default, is :func:`ics_maps.presentation.maps.offline.add_basemap`.
"""

from __future__ import annotations

import html

import folium
import geopandas as gpd
import numpy as np
import shapely
from branca.element import MacroElement
from folium.template import Template

from ics_maps.presentation.maps.legend import control_label
from ics_maps.presentation.style import NEIGHBOUR_PALETTE, NHS_BLACK, is_missing

LABEL_MIN_ZOOM = 9  # place names show from this zoom (a county fills the map) inwards
# Units closer than this (degrees, ~80 m) count as neighbours: display layers are simplified, so
# units that share a boundary may be a few metres apart on screen.
NEIGHBOUR_GAP_DEG = 0.0008


def label_points(gdf: gpd.GeoDataFrame) -> list[tuple[float, float, str]]:
    """``(lat, lon, name)`` of each unit at a point inside it (EPSG:4326 layers)."""
    keep = ~(gdf.geometry.isna() | gdf.geometry.is_empty)
    g = gdf[keep]
    if g.empty:
        return []
    pts = shapely.point_on_surface(np.asarray(g.geometry.array, dtype=object))
    return [
        (round(float(p.y), 5), round(float(p.x), 5), str(n))
        for p, n in zip(pts, g["name"], strict=False)
        if not is_missing(n)
    ]


def place_labels(
    gdf: gpd.GeoDataFrame, name: str = "Council names", show: bool = True
) -> folium.FeatureGroup:
    """The names of ``gdf``'s units written on the map (plain text that takes no clicks or hovers),
    as a layer-box entry of their own; :class:`LabelZoom` hides them when zoomed out. Names are
    escaped here."""
    group = folium.FeatureGroup(name=control_label(name, NHS_BLACK, "text"), show=show)
    for lat, lon, text in label_points(gdf):
        folium.Marker(
            [lat, lon],
            icon=folium.DivIcon(
                html=f"<span>{html.escape(text).replace('{', '&#123;')}</span>",
                icon_size=(0, 0),
                icon_anchor=(0, 0),
                class_name="ics-place-label",
            ),
            interactive=False,
            keyboard=False,
        ).add_to(group)
    return group


class LabelZoom(MacroElement):
    """Place names show only from ``min_zoom`` in: zoomed out they would cover the map."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function (map) {
            var box = map.getContainer();
            function zoomed() {
                box.classList.toggle('ics-labels-far', map.getZoom() < {{ this.min_zoom }});
            }
            map.on('zoomend', zoomed);
            zoomed();
        })({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, min_zoom: int = LABEL_MIN_ZOOM):
        super().__init__()
        self._name = "LabelZoom"
        self.min_zoom = int(min_zoom)


def neighbour_colours(
    gdf: gpd.GeoDataFrame, palette: list[str] = NEIGHBOUR_PALETTE
) -> dict[str, str]:
    """A colour per unit code such that units that touch get different colours where the palette
    allows (greedy colouring, most-connected units first). Units without a geometry take the
    palette's colours in turn.

    Why: a council served by 78 PCNs drew them in ~78 colours of a cycled 12-colour list, so two
    neighbours could share a colour while the practice dots needed a legend nobody could read. A
    map needs only a few colours for neighbours to differ (four in theory; greedy needs a few more).
    """
    codes = [None if is_missing(c) else str(c) for c in gdf["code"]]
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    drawn = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    n = len(codes)
    neighbours: list[set[int]] = [set() for _ in range(n)]
    idx = np.flatnonzero(drawn)
    if len(idx) > 1:
        tree = shapely.STRtree(geoms[idx])
        a, b = tree.query(geoms[idx], predicate="dwithin", distance=NEIGHBOUR_GAP_DEG)
        for i, j in zip(idx[a], idx[b], strict=False):
            if i != j:
                neighbours[i].add(int(j))
    order = sorted(range(n), key=lambda i: (-len(neighbours[i]), codes[i] or ""))
    chosen: dict[int, int] = {}
    spare = 0
    for i in order:
        if not drawn[i]:
            chosen[i] = spare % len(palette)
            spare += 1
            continue
        used = {chosen[j] for j in neighbours[i] if j in chosen}
        free = [k for k in range(len(palette)) if k not in used]
        # all taken: the colour least used among the neighbours
        chosen[i] = (
            free[0]
            if free
            else min(
                range(len(palette)), key=lambda k: sum(chosen.get(j) == k for j in neighbours[i])
            )
        )
    return {codes[i]: palette[chosen[i]] for i in range(n) if codes[i] is not None}
