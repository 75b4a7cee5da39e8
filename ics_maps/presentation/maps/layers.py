"""Map layers: tooltip fields per tier, tier polygons, outlines and practice markers."""

from __future__ import annotations

from collections.abc import Mapping

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from ics_maps.presentation.maps.features import (
    Field,
    esc,
    esc_or_dash,
    feature_collection,
    fields_present,
    fmt_int_or_none,
    tooltip,
    wave_text,
    web_ready,
)
from ics_maps.presentation.maps.legend import control_label
from ics_maps.presentation.style import (
    COUNCIL_WORDS,
    LABELS,
    NHS_BLACK,
    NHS_BLUE,
    TIER_COLOURS,
    TIER_DASH,
    is_missing,
)

ICS_FIELDS: list[Field] = [
    ("name", "name", "ICS / ICB", esc),
    ("code", "code", "ONS code", esc),
    ("ods", "ods_code", "ODS code", esc_or_dash),
    ("region", "region_name", "NHS region", esc),
    ("wave", "wave", "Wave (majority of residents)", wave_text),
    ("waves", "waves", "Waves (share of residents)", esc),
    ("councils", "council_lines", "Council lines", lambda v: esc(COUNCIL_WORDS.get(str(v), v))),
    ("residents", "residents", "Residents (Census 2021)", fmt_int_or_none),
    ("n_pcn", "n_pcn", "PCNs", fmt_int_or_none),
]


def tier_fields(tier: str) -> list[Field]:
    label = LABELS.get(tier, tier)
    base: list[Field] = [
        ("name", "name", label, esc),
        ("code", "code", "Code", esc),
        ("ods", "ods_code", "ODS code", esc_or_dash),
    ]
    if tier == "pcn":
        base += [
            ("sicbl", "sicbl", "Sub-ICB location", esc),
            ("n_practices", "n_practices", "Practices", fmt_int_or_none),
            ("list_size", "list_size", "Registered patients", fmt_int_or_none),
            ("residents", "residents", "Residents in footprint (Census 2021)", fmt_int_or_none),
            ("method", "method", "Footprint (indicative)", esc),
        ]
    elif tier == "practice":
        base = [
            ("name", "name", "GP practice", esc),
            ("code", "code", "ODS code", esc),
            ("postcode", "postcode", "Postcode", esc),
            ("pcn", "pcn", "PCN", esc),
            ("pcn_name", "pcn_name", "PCN name", esc),
            ("list_size", "list_size", "Registered patients", fmt_int_or_none),
        ]
    else:
        if tier == "lad":
            base.append(("utla", "utla", "Upper-tier LA", esc))
        base.append(("residents", "residents", "Residents (Census 2021)", fmt_int_or_none))
    return base


def row_gdf(icb: gpd.GeoDataFrame | pd.Series, crs: str) -> gpd.GeoDataFrame:
    if isinstance(icb, gpd.GeoDataFrame):
        return icb
    if isinstance(icb, pd.Series):
        geom = icb.get("geometry")
        data = {k: [v] for k, v in icb.items() if k != "geometry"}
        return gpd.GeoDataFrame(data, geometry=[geom], crs=crs)
    raise TypeError("icb must be a GeoDataFrame or one row of it (a Series with a geometry)")


def outline(
    web: gpd.GeoDataFrame, name: str, colour: str, weight: float = 2.5, dash: str | None = None
) -> folium.GeoJson:
    """Non-interactive outline (clicks and hovers go to the layers beneath); ``dash``: a Leaflet
    dash pattern ("10 6")."""
    fc = feature_collection(web, "outline", [])
    style = {"color": colour, "weight": weight, "fill": False, "opacity": 0.9}
    if dash:
        style["dashArray"] = dash
    return folium.GeoJson(
        fc, name=name, interactive=False, control=False, style_function=lambda f: style
    )


def practice_layer(
    practices: gpd.GeoDataFrame,
    pcn_colours: Mapping[str, str] | None = None,
    tolerance_m: float | None = None,
) -> tuple[folium.GeoJson | None, int]:
    """Circle markers for located practices (radius ∝ √list size); returns the layer and how many
    lack a location."""
    web = web_ready(practices, "practice", tolerance_m)
    located = ~(web.geometry.isna() | web.geometry.is_empty)
    n_missing = int((~located).sum())
    web = web[located]
    if web.empty:
        return None, n_missing
    fields = fields_present(web, tier_fields("practice"))
    sizes = (
        pd.to_numeric(web["list_size"], errors="coerce")
        if "list_size" in web.columns
        else pd.Series(np.nan, index=web.index)
    )
    radius = (3 + 6 * np.sqrt(sizes.clip(lower=0) / 30000).clip(upper=1)).fillna(3).round(1)
    pcns = (
        web["pcn"].astype(object)
        if "pcn" in web.columns
        else pd.Series(None, index=web.index, dtype=object)
    )
    colours = pcn_colours or {}
    fill = [
        colours.get(str(p), TIER_COLOURS["practice"])
        if not is_missing(p)
        else TIER_COLOURS["practice"]
        for p in pcns
    ]
    fc = feature_collection(web, "practice", fields)
    styles = {
        f["id"]: {
            "radius": float(r),
            "fillColor": c,
            "color": "#ffffff",
            "weight": 1,
            "fillOpacity": 0.95,
        }
        for f, r, c in zip(fc["features"], radius, fill, strict=False)
    }
    layer = folium.GeoJson(
        fc,
        name="GP practices",
        marker=folium.CircleMarker(radius=4, fill=True),
        style_function=lambda f: styles[f["id"]],
        tooltip=tooltip(fields),
        control=False,
    )
    return layer, n_missing


def add_practices(
    m: folium.Map,
    practices: gpd.GeoDataFrame | None,
    pcn_colours: Mapping[str, str],
    tolerance_m: float | None,
    show: bool = True,
) -> None:
    """Practices as a layer-box entry of their own; the entry says how many have no location to
    draw."""
    if practices is None or not len(practices):
        return
    layer, n_missing = practice_layer(practices, pcn_colours, tolerance_m)
    if layer is None and not n_missing:
        return
    text = "GP practices" + (
        f" ({n_missing} without a known location, not drawn)" if n_missing else ""
    )
    group = folium.FeatureGroup(
        name=control_label(text, "#768692" if pcn_colours else TIER_COLOURS["practice"], "dot"),
        show=show,
    )
    if layer is not None:
        layer.add_to(group)
    group.add_to(m)


def tier_layer(
    web: gpd.GeoDataFrame,
    tier: str,
    *,
    fills: Mapping[str, str] | None = None,
    selected: set[str] | None = None,
    fill_opacity: float = 0.06,
) -> folium.GeoJson:
    fields = fields_present(web, tier_fields(tier))
    fc = feature_collection(web, tier, fields)
    colour = TIER_COLOURS.get(tier, NHS_BLUE)
    dash = TIER_DASH.get(tier)
    sel = selected or set()
    styles = {}
    for f in fc["features"]:
        code = f["properties"]["code"]
        on = code in sel
        styles[f["id"]] = {
            "color": NHS_BLACK if on else colour,
            "weight": 4 if on else 1.6,
            "fillColor": (fills or {}).get(code, colour),
            "fillOpacity": 0.45 if on else (0.3 if fills else fill_opacity),
            "opacity": 0.9,
            **({"dashArray": dash} if dash and not on else {}),
        }
    return folium.GeoJson(
        fc,
        name=LABELS.get(tier, tier),
        control=False,
        style_function=lambda f: styles[f["id"]],
        highlight_function=lambda f: {"weight": 3.5, "fillOpacity": 0.35},
        tooltip=tooltip(fields),
    )


def layer_label(key: str) -> str:
    if key == "pcn":
        return "PCN footprints (indicative)"
    return LABELS.get(key, key)
