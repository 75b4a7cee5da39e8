"""The Changes page's map: where units changed between two vintages, over the new units' lines."""

from __future__ import annotations

import folium
import geopandas as gpd

from ics_maps.presentation.maps.features import (
    LEGEND_WIDTH,
    bounds,
    esc,
    feature_collection,
    fmt_int_or_none,
    new_map,
    tooltip,
    web_ready,
)
from ics_maps.presentation.maps.layers import outline
from ics_maps.presentation.maps.legend import Legend
from ics_maps.presentation.style import CHANGE_COLOURS, NHS_BLACK, NO_DATA

LEGEND_ORDER = ("split", "merged", "boundary", "recoded", "unchanged")  # striking first


def changes_map(
    moved: gpd.GeoDataFrame,
    new_units: gpd.GeoDataFrame,
    *,
    from_label: str,
    to_label: str,
    unit_word: str = "unit",
    static_url: str | None = None,
) -> folium.Map:
    """The areas that changed unit (``moved``: one polygon per old → new pair, from
    :func:`ics_maps.analysis.changes.moved_areas`), coloured by what happened to the old unit, with
    the new units' outlines (``new_units``, display layer) on top; framed on the moved areas (all
    England when nothing moved). Tooltips (escaped) name both units, the residents and the LSOAs.
    """
    web = web_ready(moved, None, None) if len(moved) else moved
    lines = web_ready(new_units, None, None)
    m = new_map(bounds(web) if len(web) else bounds(lines), static_url, right=LEGEND_WIDTH)
    if len(web):
        fields = [
            ("from", "from_name", f"{from_label} {unit_word}", esc),
            ("from_code", "from_code", "Code", esc),
            ("to", "to_name", f"{to_label} {unit_word}", esc),
            ("to_code", "to_code", "Code", esc),
            ("change", "change", f"What happened to the {from_label} {unit_word}", esc),
            ("residents", "residents", "Residents who moved (Census 2021)", fmt_int_or_none),
            ("lsoas", "lsoas", "LSOAs", fmt_int_or_none),
        ]
        fc = feature_collection(web, "moved", fields)
        colour = dict(zip(web["code"].astype(str), web["change"].astype(str), strict=True))
        styles = {
            f["id"]: {
                "fillColor": CHANGE_COLOURS.get(colour.get(f["id"]), NO_DATA),
                "color": "#ffffff",
                "weight": 0.6,
                "fillOpacity": 0.75,
            }
            for f in fc["features"]
        }
        folium.GeoJson(
            fc,
            name="Areas that changed unit",
            style_function=lambda f: styles[f["id"]],
            highlight_function=lambda f: {"weight": 3, "color": NHS_BLACK},
            tooltip=tooltip(fields),
        ).add_to(m)
    outline(lines, f"{to_label} boundaries", NHS_BLACK, 1.4).add_to(m)
    shown = [c for c in LEGEND_ORDER if len(web) and (web["change"] == c).any()]
    n_old = web.drop_duplicates("from_code")["change"].value_counts() if len(web) else {}
    items = [(CHANGE_COLOURS[c], f"{c} ({int(n_old[c])})", "fill") for c in shown]
    items.append((NHS_BLACK, f"{to_label} boundaries", "line"))
    Legend(
        f"What happened to the {from_label} {unit_word} (how many) whose areas changed",
        items,
        note=None if len(web) else "Nothing moved: every area kept its code.",
    ).add_to(m)
    return m
