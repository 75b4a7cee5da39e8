"""Folium map builders: pure functions, data in, :class:`folium.Map` out (no Streamlit here).

Every builder

* draws display layers (``Atlas.web_layer``, made at build time by
  :mod:`ics_maps.atlas.display`); a layer that did not come out of
  :func:`ics_maps.atlas.display.simplify_for_web` (``gdf.attrs["web"]``) is simplified first;
* uses :func:`ics_maps.presentation.maps.offline.offline_map`, so the page needs only Leaflet
  from ``/app/static``;
* HTML-escapes every value shown in a tooltip or legend (folium's GeoJsonTooltip writes property
  values into ``innerHTML`` unescaped), so feature *properties* hold escaped text;
* gives every GeoJSON feature ``id`` = its code and the properties ``code`` and ``tier``.

Click-through with streamlit-folium
-----------------------------------
Render with ``out = st_folium(m, key=..., returned_objects=["last_active_drawing"])``. A click on a
polygon (or a practice marker) sets ``out["last_active_drawing"]`` to that GeoJSON feature, so the
clicked unit is ``out["last_active_drawing"]["properties"]["code"]`` (and ``["tier"]`` says which
layer: ``icb``, ``lad``, ``pcn``, ``practice``, …). Use the code to look the unit up in the atlas:
``properties["name"]`` is HTML-escaped display text. ``last_object_clicked_tooltip`` holds the
tooltip's plain text (it includes the code too) but is for display, not identification.

Legends are plain Leaflet controls (:class:`Legend`), not branca colormaps added to the map:
streamlit-folium injects d3 from two CDNs into its iframe for any branca colormap on the map, and
its loader stops at the first script that fails, which would leave the map blank offline.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import folium
import geopandas as gpd
import pandas as pd

from ics_maps.crs import BNG
from ics_maps.presentation.maps.colouring import colour_by
from ics_maps.presentation.maps.context import LabelZoom, neighbour_colours, place_labels
from ics_maps.presentation.maps.features import (
    LAYER_BOX_WIDTH,
    LEGEND_WIDTH,
    as_set,
    bounds,
    esc,
    esc_or_dash,
    feature_collection,
    fields_present,
    fmt_int_or_none,
    fmt_pct_or_none,
    new_map,
    tooltip,
    union_bounds,
    web_ready,
)
from ics_maps.presentation.maps.layers import (
    ICS_FIELDS,
    add_practices,
    control_label,
    layer_label,
    outline,
    row_gdf,
    tier_layer,
)
from ics_maps.presentation.maps.legend import Legend
from ics_maps.presentation.style import (
    LABELS,
    NHS_BLACK,
    NHS_BLUE,
    NHS_DARK_BLUE,
    NO_DATA,
    PROFILE_MEASURES,
    RELATIONSHIP_COLOURS,
    SYSTEM_LINE,
    TIER_COLOURS,
)

NATIONAL_BUDGET_BYTES = 2_000_000  # the national ICS map's HTML must stay under this
# What the national tooltip adds to name, codes, residents and PCNs, by what the map is coloured by.
ICS_TOOLTIP = {"region": ("region",), "wave": ("wave", "waves"), "councils": ("councils",)}


def ics_map(
    icb_gdf: gpd.GeoDataFrame,
    color_by: str = "residents",
    selected: str | Iterable[str] | None = None,
    *,
    k: int = 5,
    scheme: str = "FisherJenks",
    tolerance_m: float | None = None,
    static_url: str | None = None,
    bins: list[float] | None = None,
) -> folium.Map:
    """National choropleth of ICSs coloured by ``residents`` (classed), ``region``, ``wave``,
    ``councils`` or a profile measure (a column of ``icb_gdf``, e.g. ``imd_avg_score``, classed).

    ``bins``: class upper bounds to use instead of classifying these rows (the atlas stores national
    FisherJenks breaks, so a filtered map keeps the national colours and skips importing
    mapclassify).

    ``selected``: code(s) drawn with a heavy outline. Features carry ``properties.code`` and every
    field of :data:`ICS_FIELDS` whose column exists; the hover tooltip is short (name, codes on
    one line, residents, PCNs and what the map is coloured by): a nine-row tooltip covered half of
    England.
    """
    web = web_ready(icb_gdf, "icb", tolerance_m)
    fills, legend = colour_by(web, color_by, k, scheme, bins)
    sel = as_set(selected)
    fields = fields_present(web, ICS_FIELDS)
    if color_by in PROFILE_MEASURES:  # the measure the map is coloured by, in its own words
        m = PROFILE_MEASURES[color_by]
        fields.append(("measure", color_by, f"{m.label} ({m.source_text})", m.fmt))
    codes = [
        esc_or_dash(c) + (" · " + esc_or_dash(o) if "ods_code" in web.columns else "")
        for c, o in zip(
            web["code"], web["ods_code"] if "ods_code" in web.columns else web["code"], strict=False
        )
    ]
    fc = feature_collection(web, "icb", fields, extra={"codes": codes})
    shown = ICS_TOOLTIP.get(color_by, ()) + ("residents", "n_pcn")
    if color_by in PROFILE_MEASURES:  # the measure the map is coloured by
        shown += ("measure",)
    brief = [("codes", "code", "ONS · ODS" if "ods_code" in web.columns else "ONS code", esc)] + [
        f for f in fields if f[0] in shown
    ]
    brief = [f for f in fields if f[0] == "name"] + brief
    fill_of = {str(c): f for c, f in zip(web["code"], fills, strict=False)}
    styles = {}
    for f in fc["features"]:
        on = f["properties"]["code"] in sel
        styles[f["id"]] = {
            "fillColor": fill_of.get(f["properties"]["code"], NO_DATA),
            "color": NHS_BLACK if on else "#ffffff",
            "weight": 3.5 if on else 0.8,
            "fillOpacity": 0.85 if on or not sel else 0.55,
            "opacity": 1,
        }
    m = new_map(bounds(web), static_url, right=LEGEND_WIDTH)
    folium.GeoJson(
        fc,
        name="ICSs",
        style_function=lambda f: styles[f["id"]],
        highlight_function=lambda f: {"weight": 3, "color": NHS_DARK_BLUE, "fillOpacity": 0.95},
        tooltip=tooltip(brief),
        smooth_factor=0.5,
    ).add_to(m)
    legend.add_to(m)
    return m


def system_map(
    icb_row_or_gdf: gpd.GeoDataFrame | pd.Series,
    layers: Mapping[str, gpd.GeoDataFrame],
    practices: gpd.GeoDataFrame | None = None,
    *,
    show: Iterable[str] | None = None,
    show_practices: bool = True,
    labels: gpd.GeoDataFrame | None = None,
    crs: str = BNG,
    tolerance_m: float | None = None,
    static_url: str | None = None,
) -> folium.Map:
    """One ICS with toggleable layers: ``layers`` maps a tier (``lad``, ``utla``, ``sicbl``, ``pcn``
    …) to its units in (or around) the system; ``practices`` adds circle markers coloured by PCN.

    Each layer is a :class:`folium.FeatureGroup` in a :class:`folium.LayerControl`; ``show`` lists
    the keys of ``layers`` visible at first (default: all), ``show_practices`` the practices. PCN
    footprints are labelled *indicative* (a PCN has no official boundary) and coloured so that
    neighbours differ (:func:`neighbour_colours`). ``labels``: units whose names are written on
    the map at local zoom (e.g. the districts); an OpenStreetMap base layer is offered, off.
    ``crs`` is the CRS of ``icb_row_or_gdf`` when it is a bare row (a Series).
    """
    icb = web_ready(row_gdf(icb_row_or_gdf, crs), "icb", tolerance_m)
    visible = None if show is None else set(show)
    m = new_map(bounds(icb), static_url, right=LAYER_BOX_WIDTH, basemap=True)
    outline(icb, "ICS boundary", NHS_BLACK, 3).add_to(m)
    pcn_colours: dict[str, str] = {}
    for key, gdf in layers.items():
        if gdf is None or len(gdf) == 0:
            continue
        web = web_ready(gdf, key, tolerance_m)
        fills = None
        if key == "pcn":
            pcn_colours = neighbour_colours(web)
            fills = pcn_colours
        label = control_label(layer_label(key), TIER_COLOURS.get(key, NHS_BLUE))
        group = folium.FeatureGroup(name=label, show=visible is None or key in visible)
        tier_layer(web, key, fills=fills).add_to(group)
        group.add_to(m)
    add_practices(m, practices, pcn_colours, tolerance_m, show_practices)
    add_labels(m, labels, tolerance_m)
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    return m


def highlight_map(
    units_gdf: gpd.GeoDataFrame,
    split_codes: Iterable[str] | None = None,
    *,
    relationships: Mapping[str, str] | pd.Series | pd.DataFrame | None = None,
    parents: gpd.GeoDataFrame | None = None,
    tier: str | None = None,
    parent_label: str = "Parent boundary",
    tolerance_m: float | None = None,
    static_url: str | None = None,
) -> folium.Map:
    """Units coloured by their relationship to a parent tier: split, nested, combines or
    coterminous.

    The relationship of each unit comes from ``relationships`` (code → label, or the
    :func:`ics_maps.analysis.nesting.children` table: ``child_code``, ``relationship``,
    ``main_parent_name``, ``main_share``, ``n_parents``), else a ``relationship`` column of
    ``units_gdf``, else "nested"; codes in ``split_codes`` are always "split". ``parents`` are drawn
    as outlines on top."""
    web = web_ready(units_gdf, tier, tolerance_m).copy()
    codes = web["code"].astype(str)
    rel = pd.Series("nested", index=web.index, dtype=object)
    if "relationship" in web.columns:
        rel = web["relationship"].astype(object).where(web["relationship"].notna(), "nested")
    if isinstance(relationships, pd.DataFrame):
        t = relationships.drop_duplicates("child_code")
        t = t.set_index(t["child_code"].astype(str))
        if "relationship" in t:
            got = codes.map(t["relationship"])
            rel = got.where(got.notna(), rel)
        for col in ("main_parent_name", "main_share", "n_parents"):
            if col in t:
                web[col] = codes.map(t[col])
    elif relationships is not None:
        got = codes.map(dict(relationships))
        rel = got.where(got.notna(), rel)
    rel = rel.where(~codes.isin(as_set(split_codes)), "split")
    web["relationship"] = rel.astype(str)
    fields = fields_present(
        web,
        [
            ("name", "name", LABELS.get(tier, "Unit") if tier else "Unit", esc),
            ("code", "code", "Code", esc),
            ("relationship", "relationship", "Relationship", esc),
            ("main_parent", "main_parent_name", "Main parent", esc),
            ("main_share", "main_share", "Share in main parent", fmt_pct_or_none),
            ("n_parents", "n_parents", "Parents", fmt_int_or_none),
            ("residents", "residents", "Residents (Census 2021)", fmt_int_or_none),
        ],
    )
    fc = feature_collection(web, tier or "unit", fields)
    rel_of = dict(zip(codes, web["relationship"], strict=False))
    # the parents drawn for context are framed too (a split unit's systems), not cut at the map's
    # edge
    pweb = web_ready(parents, None, tolerance_m) if parents is not None and len(parents) else None
    styles = {
        f["id"]: {
            "fillColor": RELATIONSHIP_COLOURS.get(rel_of.get(f["properties"]["code"]), NO_DATA),
            "color": "#ffffff",
            "weight": 0.8 if pweb is None else 2.5,
            "fillOpacity": 0.8,
            "opacity": 1,
        }
        for f in fc["features"]
    }
    m = new_map(
        union_bounds(bounds(web), bounds(pweb) if pweb is not None else None),
        static_url,
        right=LEGEND_WIDTH,
    )
    folium.GeoJson(
        fc,
        name=LABELS.get(tier, "Units") if tier else "Units",
        style_function=lambda f: styles[f["id"]],
        highlight_function=lambda f: {"weight": 3, "color": NHS_BLACK},
        tooltip=tooltip(fields),
    ).add_to(m)
    items: list[tuple[str, str, str]] = []
    counts = web["relationship"].value_counts()
    for r in ("split", "nested", "combines", "coterminous"):  # the striking one first
        items.append((RELATIONSHIP_COLOURS[r], f"{r} ({int(counts.get(r, 0))})", "fill"))
    if pweb is not None:
        # thin, over the units' wide white edges: a unit's own edge keeps a white halo, so a system
        # made of whole councils still shows where it ends; a parent line inside a unit has none
        outline(pweb, parent_label, NHS_BLACK, 1.2).add_to(m)
        items.append((NHS_BLACK, parent_label, "line"))
    Legend("Relationship to parent", items).add_to(m)
    return m


def pcn_map(
    footprint_gdf: gpd.GeoDataFrame,
    practices_gdf: gpd.GeoDataFrame | None = None,
    method: str | None = None,
    *,
    selected: str | Iterable[str] | None = None,
    boundary: gpd.GeoDataFrame | None = None,
    systems: gpd.GeoDataFrame | None = None,
    labels: gpd.GeoDataFrame | None = None,
    tolerance_m: float | None = None,
    static_url: str | None = None,
) -> folium.Map:
    """Indicative PCN footprints in a few colours (neighbours differ), with their member practices
    in their PCN's colour.

    ``method`` describes how the footprints were made (e.g. "registrations" or "modelled"; default:
    the footprints' own ``method`` column), shown in the layer box; ``selected`` PCN code(s) get a
    heavy outline and the map opens on them; ``boundary`` (e.g. the council) is drawn as a black
    outline; ``systems`` (ICSs) as a heavy dashed outline, so a council split between systems shows
    where; ``labels``: units whose names are written on the map at local zoom. An OpenStreetMap base
    layer is offered, off.
    """
    web = web_ready(footprint_gdf, "pcn", tolerance_m)
    colours = neighbour_colours(web)
    sel = as_set(selected)
    focus = bounds(web[web["code"].astype(str).isin(sel)]) if sel else None
    m = new_map(
        focus or bounds(web) or (bounds(boundary) if boundary is not None else None),
        static_url,
        right=40,
        basemap=True,
    )
    if systems is not None and len(systems):
        sweb = web_ready(systems, "icb", tolerance_m)
        group = folium.FeatureGroup(name=control_label("ICS boundaries", SYSTEM_LINE), show=True)
        outline(sweb, "ICS boundaries", SYSTEM_LINE, 4, dash="10 6").add_to(group)
        group.add_to(m)
    if boundary is not None and len(boundary):
        outline(web_ready(boundary, None, tolerance_m), "Boundary", NHS_BLACK, 3).add_to(m)
    if method is None and "method" in web.columns:
        method = ", ".join(sorted({str(v) for v in web["method"].dropna()})) or None
    label = "PCN footprints (indicative" + (f": {method})" if method else ")")
    group = folium.FeatureGroup(name=control_label(label, TIER_COLOURS["pcn"]))
    tier_layer(web, "pcn", fills=colours, selected=sel).add_to(group)
    group.add_to(m)
    add_practices(m, practices_gdf, colours, tolerance_m)
    add_labels(m, labels, tolerance_m)
    folium.LayerControl(collapsed=True).add_to(m)
    return m


def add_labels(m: folium.Map, labels: gpd.GeoDataFrame | None, tolerance_m: float | None) -> None:
    """Names of ``labels``' units on the map from local zoom in (a layer-box entry)."""
    if labels is None or not len(labels):
        return
    place_labels(web_ready(labels, None, tolerance_m), "Council names").add_to(m)
    m.add_child(LabelZoom())
