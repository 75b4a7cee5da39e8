"""Folium map builders: pure functions, data in, :class:`folium.Map` out (no Streamlit here).

Every builder

* draws display layers (``Atlas.web_layer``, made at build time by :mod:`ics_maps.web`); a layer that
  did not come out of :func:`ics_maps.web.simplify_for_web` (``gdf.attrs["web"]``) is simplified first;
* uses :func:`ics_maps.assets.offline_map`, so the page needs only Leaflet from ``/app/static``;
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
streamlit-folium injects d3 from two CDNs into its iframe for any branca colormap on the map, and its
loader stops at the first script that fails, which would leave the map blank offline.
"""
from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping
from typing import Any, Callable

import branca.colormap as bcm
import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from folium.template import Template

from . import folium_render
from .assets import offline_map
from .classes import class_bins
from .tiers import LABELS
from .waves import WAVE_LABELS
from .web import BNG, NATIONAL_TOLERANCE_M, TOLERANCE_M, WGS84, simplify_for_web  # noqa: F401 - re-exported

folium_render.install()  # render map output once, never as a template again (speed, and names stay text)

NATIONAL_BUDGET_BYTES = 2_000_000  # the national ICS map's HTML must stay under this

# ---------------------------------------------------------------------------- colours (NHS identity)

NHS_BLUE = "#005EB8"
NHS_DARK_BLUE = "#003087"
NHS_BLACK = "#212B32"
NO_DATA = "#D8DDE0"
REGION_COLOURS = {
    "London": "#005EB8", "South East": "#00A499", "South West": "#41B6E6", "East of England": "#FFB81C",
    "Midlands": "#ED8B00", "North West": "#AE2573", "North East and Yorkshire": "#330072",
}
CATEGORICAL = ["#005EB8", "#ED8B00", "#00A499", "#AE2573", "#FFB81C", "#330072", "#41B6E6", "#DA291C",
               "#78BE20", "#768692", "#003087", "#8A1538"]
WAVE_COLOURS = {1: "#440154", 2: "#414487", 3: "#2A788E", 4: "#22A884", 5: "#7AD151", 6: "#FDE725"}
SEQUENTIAL = ["#DEEBF7", "#C6DBEF", "#9ECAE1", "#6BAED6", "#4292C6", "#2171B5", "#08519C", "#08306B"]
RELATIONSHIP_COLOURS = {"split": "#DA291C", "nested": "#41B6E6", "combines": "#8C6BB1", "coterminous": "#009639"}
RELATIONSHIP_ORDER = ("coterminous", "combines", "nested", "split")
# A system's relationship to the county and unitary councils, in the words of the map's legend and tooltip.
COUNCIL_WORDS = {"coterminous": "the same as one council", "combines": "whole councils only",
                 "nested": "inside one council", "split": "shares a council with another system"}
TIER_COLOURS = {"region": "#330072", "icb": NHS_BLACK, "sicbl": "#00A499", "utla": "#AE2573",
                "lad": "#ED8B00", "pcn": "#005EB8", "practice": "#DA291C"}
TIER_DASH = {"lad": "6 4", "utla": "10 4", "sicbl": None, "pcn": "2 3"}
COLOR_BY = ("residents", "region", "wave", "councils")


# ---------------------------------------------------------------------------- geometry for the web


def _web(gdf: gpd.GeoDataFrame, tier: str | None, tolerance_m: float | None) -> gpd.GeoDataFrame:
    """Use ``gdf`` as is when it already came out of :func:`simplify_for_web`, else simplify it."""
    if tolerance_m is None and "web" in gdf.attrs and _is_wgs84(gdf.crs):
        return gdf
    return simplify_for_web(gdf, tolerance_m, tier=tier)


def _is_wgs84(crs) -> bool:
    """EPSG:4326? Read from the CRS's own text first: ``to_epsg()`` costs 30 ms in each new thread (pyproj
    keeps its PROJ objects per thread), and every Streamlit session runs in a new one."""
    if crs is None:
        return False
    srs = crs.srs
    return srs.upper() == "EPSG:4326" or '"authority": "EPSG", "code": 4326}' in srs or crs.to_epsg() == 4326


def payload_bytes(m: folium.Map) -> int:
    """Size of the map's standalone HTML (what a browser receives for it) in bytes."""
    return len(m.get_root().render().encode("utf-8"))


# ---------------------------------------------------------------------------- values made safe


def _missing(v: Any) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def esc(v: Any) -> str | None:
    """HTML-escaped text of a value (None when missing). ``{`` becomes ``&#123;`` too: shown the same in a
    tooltip, but never read as template syntax (see :mod:`ics_maps.folium_render`)."""
    return None if _missing(v) else html.escape(str(v), quote=True).replace("{", "&#123;")


def esc_or_dash(v: Any) -> str:
    """Like :func:`esc`, but a missing value reads "–" (the five ICBs new in April 2026 have no ODS code in
    the source files): an empty tooltip row looks like a fault, a dash says "none"."""
    text = esc(v)
    return "–" if text is None or not text.strip() else text


def fmt_int(v: Any) -> str | None:
    if _missing(v):
        return None
    try:
        return f"{int(round(float(v))):,}"
    except (TypeError, ValueError):
        return esc(v)


def fmt_pct(v: Any) -> str | None:
    if _missing(v):
        return None
    try:
        return f"{100 * float(v):.1f}%"
    except (TypeError, ValueError):
        return esc(v)


def fmt_people(v: float) -> str:
    v = float(v)
    if abs(v) >= 1e6:
        return f"{v / 1e6:.2f}m"
    if abs(v) >= 1e4:
        return f"{v / 1e3:.0f}k"
    return f"{v:,.0f}"


def _wave_text(v: Any) -> str | None:
    if _missing(v):
        return None
    try:
        return html.escape(WAVE_LABELS.get(int(v), f"Wave {int(v)}"))
    except (TypeError, ValueError):
        return esc(v)


# A tooltip field: (property key, column, alias, formatter). Only fields whose column exists are used.
Field = tuple[str, str, str, Callable[[Any], str | None]]


def _fields(gdf: pd.DataFrame, spec: Iterable[Field]) -> list[Field]:
    return [f for f in spec if f[1] in gdf.columns]


def _feature_collection(gdf: gpd.GeoDataFrame, tier: str, fields: list[Field],
                        extra: Mapping[str, Iterable[Any]] | None = None) -> dict:
    """GeoJSON with ``id`` = code, properties ``code``, ``tier`` and the formatted (escaped) fields."""
    if "code" not in gdf.columns:
        raise KeyError(f"the {tier} layer needs a 'code' column (columns: {list(gdf.columns)})")
    codes = [None if _missing(c) else str(c) for c in gdf["code"]]
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
        feats.append({"type": "Feature", "id": codes[i] if unique else f"{tier}-{i}", "properties": props,
                      "geometry": json.loads(next(geojson))})
    return {"type": "FeatureCollection", "features": feats}


def _tooltip(fields: list[Field]) -> folium.GeoJsonTooltip | None:
    if not fields:
        return None
    return folium.GeoJsonTooltip(fields=[f[0] for f in fields], aliases=[html.escape(f[2]) for f in fields],
                                 sticky=True, labels=True)


def _bounds(gdf: gpd.GeoDataFrame) -> list[list[float]] | None:
    geoms = gdf.geometry[~(gdf.geometry.isna() | gdf.geometry.is_empty)]
    if geoms.empty:
        return None
    minx, miny, maxx, maxy = geoms.total_bounds
    return [[float(miny), float(minx)], [float(maxy), float(maxx)]]


def _union(*bounds: list[list[float]] | None) -> list[list[float]] | None:
    got = [b for b in bounds if b]
    if not got:
        return None
    return [[min(b[0][0] for b in got), min(b[0][1] for b in got)], [max(b[1][0] for b in got),
                                                                      max(b[1][1] for b in got)]]


SCALE_HEIGHT = 44  # px of the scale bar (bottom left), kept free of data like the legend strip


def _new_map(bounds: list[list[float]] | None, static_url: str | None = None, *, right: int = 0,
             **kwargs) -> folium.Map:
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
        m.fit_bounds(bounds, padding_top_left=(8, 8), padding_bottom_right=(8 + right, SCALE_HEIGHT))
    return m


# Widths (px) of what sits in the top-right corner, kept free of data by _new_map(right=...).
LEGEND_WIDTH = 190
LAYER_BOX_WIDTH = 250


# ---------------------------------------------------------------------------- the legend


class Legend(MacroElement):
    """A Leaflet control holding a small HTML legend (no d3, no CDN): title, swatches, a note.

    ``items`` are ``(colour, label)`` pairs (labels are escaped here); ``kind`` is ``"fill"``
    (squares), ``"line"`` (outlines) or ``"dot"`` (circle markers).
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control({position: {{ this.position|tojson }}});
        {{ this.get_name() }}.onAdd = function (map) {
            var div = L.DomUtil.create('div', 'ics-legend');
            div.innerHTML = {{ this.html_js }};
            L.DomEvent.disableClickPropagation(div);
            L.DomEvent.disableScrollPropagation(div);
            return div;
        };
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, title: str, items: Iterable[tuple[str, str] | tuple[str, str, str]],
                 note: str | None = None, position: str = "topright"):
        super().__init__()
        self._name = "Legend"
        self.position = position
        self.title = title
        self.items = list(items)
        self.note = note
        self.html = self._html()
        self.html_js = (json.dumps(self.html).replace("<", "\\u003c").replace(">", "\\u003e")
                        .replace("&", "\\u0026").replace("'", "\\u0027"))

    def _html(self) -> str:
        rows = []
        for item in self.items:
            kind = item[2] if len(item) > 2 else "fill"
            rows.append(f'<div style="display:flex;align-items:center;gap:6px;margin:1px 0">'
                        f'{swatch(item[0], kind)}<span>{html.escape(str(item[1]))}</span></div>')
        note = (f'<div style="margin-top:3px;color:#425563;max-width:{LEGEND_WIDTH - 20}px">'
                f'{html.escape(self.note)}</div>' if self.note else "")
        return (f'<div style="background:rgba(255,255,255,.92);padding:5px 7px;border-radius:4px;'
                f'max-width:{LEGEND_WIDTH - 16}px;box-shadow:0 1px 4px rgba(0,0,0,.3);'
                'font:11px/1.3 Arial,Helvetica,sans-serif;color:#212b32">'
                f'<div style="font-weight:bold;margin-bottom:2px">{html.escape(self.title)}</div>'
                + "".join(rows) + note + "</div>")


def swatch(colour: str, kind: str = "fill") -> str:
    """A 12 px legend swatch: a filled square, an outline (``line``) or a circle (``dot``)."""
    c = html.escape(colour)
    style = {"line": f"border:2px solid {c};background:transparent;",
             "dot": f"background:{c};border-radius:50%;border:1px solid #fff;"}.get(
        kind, f"background:{c};border:1px solid #aeb7bd;")
    return f'<span style="display:inline-block;flex:none;width:12px;height:12px;{style}"></span>'


def _control_label(text: str, colour: str, kind: str = "line") -> str:
    """A layer-box entry that is its own legend: the swatch, then the (escaped) name."""
    return f"{swatch(colour, kind)} {html.escape(text)}"


# ---------------------------------------------------------------------------- colouring


def classify_values(values: pd.Series, k: int = 5, scheme: str = "FisherJenks", bins: list[float] | None = None
                    ) -> tuple[np.ndarray, list[float], list[str], bcm.StepColormap | None]:
    """Classes of ``values`` with mapclassify: ``(class per value (-1 = missing), edges, colours, colormap)``.

    ``FisherJenks`` (optimal natural breaks, deterministic, so the map's script and with it
    streamlit-folium's component key stay the same between reruns) unless ``scheme`` says otherwise.
    ``edges`` are the class boundaries (one more than the classes), ``colours`` one per class, and the
    branca :class:`StepColormap` holds both (for reuse elsewhere; it is never added to a map).
    """
    y = pd.to_numeric(values, errors="coerce").astype(float)
    ok = y.notna().to_numpy()
    yb = np.full(len(y), -1, dtype=int)
    if not ok.any():
        return yb, [], [], None
    v = y[ok].to_numpy()
    if bins:  # given breaks (e.g. national ones computed at build time): the same colours in every view
        bins = [float(b) for b in bins]
        bins[-1] = max(bins[-1], float(v.max()))
    else:
        bins = class_bins(v, k=k, scheme=scheme)
    # mapclassify's convention: a value belongs to the first class whose upper bound is >= it
    yb[ok] = np.minimum(np.searchsorted(np.asarray(bins), v, side="left"), len(bins) - 1)
    edges = [min(float(v.min()), bins[0])] + bins
    n = len(bins)
    idx = np.linspace(0, len(SEQUENTIAL) - 1, n).round().astype(int) if n > 1 else [len(SEQUENTIAL) // 2]
    colours = [SEQUENTIAL[i] for i in idx]
    index = list(np.maximum.accumulate(edges)) if edges[-1] > edges[0] else [edges[0], edges[0] + 1.0]
    cmap = bcm.StepColormap(colours, index=index, vmin=index[0], vmax=index[-1], caption="Residents")
    return yb, edges, colours, cmap


def _class_label(lo: float, hi: float) -> str:
    """Legend text of a class (mapclassify bins are upper bounds: a class is (previous bin, bin]).

    With given (national) breaks the lowest class may hold none of the shown values, so its lower
    edge is unknown here: it reads "up to" its upper bound.
    """
    if lo >= hi:
        return f"up to {fmt_people(hi)}"
    if fmt_people(lo) == fmt_people(hi):
        return fmt_people(hi)
    return f"{fmt_people(lo)} – {fmt_people(hi)}"


# mapclassify's scheme names as a legend says them.
SCHEME_NAMES = {"FisherJenks": "natural breaks (Fisher–Jenks)", "NaturalBreaks": "natural breaks",
                "Quantiles": "quantiles", "EqualInterval": "equal intervals"}


def _colour_by(gdf: pd.DataFrame, color_by: str, k: int, scheme: str,
               bins: list[float] | None = None) -> tuple[list[str], Legend]:
    """Fill colour per row and the legend for ``color_by`` (residents, region, wave or councils: the
    ``council_lines`` column, a system's relationship to the county and unitary councils)."""
    if color_by not in COLOR_BY:
        raise ValueError(f"color_by must be one of {', '.join(COLOR_BY)}, not {color_by!r}")
    if color_by == "residents":
        if "residents" not in gdf.columns:
            raise ValueError("color_by='residents' needs a 'residents' column")
        yb, edges, cols, _ = classify_values(gdf["residents"], k=k, scheme=scheme, bins=bins)
        fills = [cols[c] if c >= 0 else NO_DATA for c in yb]
        items = [(cols[i], _class_label(edges[i], edges[i + 1])) for i in range(len(cols))]
        if (yb < 0).any():
            items.append((NO_DATA, "no data"))
        how = SCHEME_NAMES.get(scheme, scheme)
        return fills, Legend("Residents (Census 2021)", items,
                             note=(f"{how[0].upper()}{how[1:]}{', all England' if bins else ''}"
                                   if len(cols) > 1 else None))
    if color_by == "region":
        col = "region_name" if "region_name" in gdf.columns else "region"
        if col not in gdf.columns:
            raise ValueError("color_by='region' needs a 'region_name' or 'region' column")
        cats = sorted({str(v) for v in gdf[col] if not _missing(v)})
        spare = iter([c for c in CATEGORICAL if c not in {REGION_COLOURS.get(x) for x in cats}] * 4)
        palette = {c: REGION_COLOURS.get(c) or next(spare) for c in cats}
        fills = [NO_DATA if _missing(v) else palette[str(v)] for v in gdf[col]]
        items = [(palette[c], c) for c in cats] + ([(NO_DATA, "no region")] if NO_DATA in fills else [])
        return fills, Legend("NHS England region", items)
    if color_by == "councils":
        if "council_lines" not in gdf.columns:
            raise ValueError("color_by='councils' needs a 'council_lines' column "
                             "(coterminous, combines, nested, split)")
        rel = gdf["council_lines"]
        fills = [RELATIONSHIP_COLOURS.get(str(r), NO_DATA) for r in rel]
        counts = rel.value_counts()
        items = [(RELATIONSHIP_COLOURS[r], f"{COUNCIL_WORDS[r]} ({int(counts[r])})") for r in RELATIONSHIP_ORDER
                 if counts.get(r, 0)]
        if NO_DATA in fills:
            items.append((NO_DATA, "not known"))
        return fills, Legend("Against county and unitary councils", items, note="By Census 2021 residents")
    if "wave" not in gdf.columns:
        raise ValueError("color_by='wave' needs a 'wave' column")
    waves = pd.to_numeric(gdf["wave"], errors="coerce")
    fills = [NO_DATA if _missing(w) else WAVE_COLOURS.get(int(w), NO_DATA) for w in waves]
    present = sorted({int(w) for w in waves.dropna()})
    items = [(WAVE_COLOURS.get(w, NO_DATA), WAVE_LABELS.get(w, f"Wave {w}")) for w in present]
    if waves.isna().any():
        items.append((NO_DATA, "no wave"))
    return fills, Legend("ICS designation wave", items, note="Wave of most of its residents")


def _as_set(codes: Any) -> set[str]:
    if codes is None:
        return set()
    if isinstance(codes, str):
        return {codes}
    return {str(c) for c in codes if not _missing(c)}


# ---------------------------------------------------------------------------- tooltips per tier

ICS_FIELDS: list[Field] = [
    ("name", "name", "ICS / ICB", esc), ("code", "code", "ONS code", esc), ("ods", "ods_code", "ODS code", esc_or_dash),
    ("region", "region_name", "NHS region", esc), ("wave", "wave", "Wave (majority of residents)", _wave_text),
    ("waves", "waves", "Waves (share of residents)", esc),
    ("councils", "council_lines", "Council lines", lambda v: esc(COUNCIL_WORDS.get(str(v), v))),
    ("residents", "residents", "Residents (Census 2021)", fmt_int),
    ("n_pcn", "n_pcn", "PCNs", fmt_int),
]


def _tier_fields(tier: str) -> list[Field]:
    label = LABELS.get(tier, tier)
    base: list[Field] = [("name", "name", label, esc), ("code", "code", "Code", esc),
                         ("ods", "ods_code", "ODS code", esc_or_dash)]
    if tier == "pcn":
        base += [("sicbl", "sicbl", "Sub-ICB location", esc), ("n_practices", "n_practices", "Practices", fmt_int),
                 ("list_size", "list_size", "Registered patients", fmt_int),
                 ("residents", "residents", "Residents in footprint (Census 2021)", fmt_int),
                 ("method", "method", "Footprint (indicative)", esc)]
    elif tier == "practice":
        base = [("name", "name", "GP practice", esc), ("code", "code", "ODS code", esc),
                ("postcode", "postcode", "Postcode", esc), ("pcn", "pcn", "PCN", esc),
                ("pcn_name", "pcn_name", "PCN name", esc), ("list_size", "list_size", "Registered patients", fmt_int)]
    else:
        if tier == "lad":
            base.append(("utla", "utla", "Upper-tier LA", esc))
        base.append(("residents", "residents", "Residents (Census 2021)", fmt_int))
    return base


# ---------------------------------------------------------------------------- builders


def ics_map(icb_gdf: gpd.GeoDataFrame, color_by: str = "residents", selected: str | Iterable[str] | None = None, *,
            k: int = 5, scheme: str = "FisherJenks", tolerance_m: float | None = None,
            static_url: str | None = None, bins: list[float] | None = None) -> folium.Map:
    """National choropleth of ICSs coloured by ``residents`` (classed), ``region``, ``wave`` or ``councils``.

    ``bins``: class upper bounds to use instead of classifying these rows (the atlas stores national
    FisherJenks breaks, so a filtered map keeps the national colours and skips importing mapclassify).

    ``selected``: code(s) drawn with a heavy outline. Tooltips show name, ONS and ODS codes, region,
    wave(s), residents and PCN count where those columns exist. Features carry ``properties.code``.
    """
    web = _web(icb_gdf, "icb", tolerance_m)
    fills, legend = _colour_by(web, color_by, k, scheme, bins)
    sel = _as_set(selected)
    fields = _fields(web, ICS_FIELDS)
    fc = _feature_collection(web, "icb", fields)
    fill_of = {str(c): f for c, f in zip(web["code"], fills)}
    styles = {}
    for f in fc["features"]:
        on = f["properties"]["code"] in sel
        styles[f["id"]] = {"fillColor": fill_of.get(f["properties"]["code"], NO_DATA),
                           "color": NHS_BLACK if on else "#ffffff", "weight": 3.5 if on else 0.8,
                           "fillOpacity": 0.85 if on or not sel else 0.55, "opacity": 1}
    m = _new_map(_bounds(web), static_url, right=LEGEND_WIDTH)
    folium.GeoJson(
        fc, name="ICSs", style_function=lambda f: styles[f["id"]],
        highlight_function=lambda f: {"weight": 3, "color": NHS_DARK_BLUE, "fillOpacity": 0.95},
        tooltip=_tooltip(fields), smooth_factor=0.5,
    ).add_to(m)
    legend.add_to(m)
    return m


def _row_gdf(icb: gpd.GeoDataFrame | pd.Series, crs: str) -> gpd.GeoDataFrame:
    if isinstance(icb, gpd.GeoDataFrame):
        return icb
    if isinstance(icb, pd.Series):
        geom = icb.get("geometry")
        data = {k: [v] for k, v in icb.items() if k != "geometry"}
        return gpd.GeoDataFrame(data, geometry=[geom], crs=crs)
    raise TypeError("icb must be a GeoDataFrame or one row of it (a Series with a geometry)")


def _outline(web: gpd.GeoDataFrame, name: str, colour: str, weight: float = 2.5) -> folium.GeoJson:
    """Non-interactive outline (clicks and hovers go to the layers beneath)."""
    fc = _feature_collection(web, "outline", [])
    style = {"color": colour, "weight": weight, "fill": False, "opacity": 0.9}
    return folium.GeoJson(fc, name=name, interactive=False, control=False, style_function=lambda f: style)


def _categorical(codes: Iterable[Any]) -> dict[str, str]:
    uniq = sorted({str(c) for c in codes if not _missing(c)})
    return {c: CATEGORICAL[i % len(CATEGORICAL)] for i, c in enumerate(uniq)}


def _practice_layer(practices: gpd.GeoDataFrame, pcn_colours: Mapping[str, str] | None = None,
                    tolerance_m: float | None = None) -> tuple[folium.GeoJson | None, int]:
    """Circle markers for located practices (radius ∝ √list size); returns the layer and how many lack a location."""
    web = _web(practices, "practice", tolerance_m)
    located = ~(web.geometry.isna() | web.geometry.is_empty)
    n_missing = int((~located).sum())
    web = web[located]
    if web.empty:
        return None, n_missing
    fields = _fields(web, _tier_fields("practice"))
    sizes = pd.to_numeric(web["list_size"], errors="coerce") if "list_size" in web.columns else pd.Series(
        np.nan, index=web.index)
    radius = (3 + 6 * np.sqrt(sizes.clip(lower=0) / 30000).clip(upper=1)).fillna(3).round(1)
    pcns = web["pcn"].astype(object) if "pcn" in web.columns else pd.Series(None, index=web.index, dtype=object)
    colours = pcn_colours or {}
    fill = [colours.get(str(p), TIER_COLOURS["practice"]) if not _missing(p) else TIER_COLOURS["practice"]
            for p in pcns]
    fc = _feature_collection(web, "practice", fields)
    styles = {f["id"]: {"radius": float(r), "fillColor": c, "color": "#ffffff", "weight": 1, "fillOpacity": 0.95}
              for f, r, c in zip(fc["features"], radius, fill)}
    layer = folium.GeoJson(fc, name="GP practices", marker=folium.CircleMarker(radius=4, fill=True),
                           style_function=lambda f: styles[f["id"]], tooltip=_tooltip(fields), control=False)
    return layer, n_missing


def _add_practices(m: folium.Map, practices: gpd.GeoDataFrame | None, pcn_colours: Mapping[str, str],
                   tolerance_m: float | None, show: bool = True) -> None:
    """Practices as a layer-box entry of their own; the entry says how many have no location to draw."""
    if practices is None or not len(practices):
        return
    layer, n_missing = _practice_layer(practices, pcn_colours, tolerance_m)
    if layer is None and not n_missing:
        return
    text = "GP practices" + (f" ({n_missing} without a known location, not drawn)" if n_missing else "")
    group = folium.FeatureGroup(name=_control_label(text, "#768692" if pcn_colours else TIER_COLOURS["practice"],
                                                    "dot"), show=show)
    if layer is not None:
        layer.add_to(group)
    group.add_to(m)


def _tier_layer(web: gpd.GeoDataFrame, tier: str, *, fills: Mapping[str, str] | None = None,
                selected: set[str] | None = None, fill_opacity: float = 0.06) -> folium.GeoJson:
    fields = _fields(web, _tier_fields(tier))
    fc = _feature_collection(web, tier, fields)
    colour = TIER_COLOURS.get(tier, NHS_BLUE)
    dash = TIER_DASH.get(tier)
    sel = selected or set()
    styles = {}
    for f in fc["features"]:
        code = f["properties"]["code"]
        on = code in sel
        styles[f["id"]] = {"color": NHS_BLACK if on else colour, "weight": 4 if on else 1.6,
                           "fillColor": (fills or {}).get(code, colour),
                           "fillOpacity": 0.45 if on else (0.3 if fills else fill_opacity),
                           "opacity": 0.9, **({"dashArray": dash} if dash and not on else {})}
    return folium.GeoJson(fc, name=LABELS.get(tier, tier), control=False,
                          style_function=lambda f: styles[f["id"]],
                          highlight_function=lambda f: {"weight": 3.5, "fillOpacity": 0.35},
                          tooltip=_tooltip(fields))


def _layer_label(key: str) -> str:
    if key == "pcn":
        return "PCN footprints (indicative)"
    return LABELS.get(key, key)


def system_map(icb_row_or_gdf: gpd.GeoDataFrame | pd.Series, layers: Mapping[str, gpd.GeoDataFrame],
               practices: gpd.GeoDataFrame | None = None, *, show: Iterable[str] | None = None,
               show_practices: bool = True, crs: str = BNG, tolerance_m: float | None = None,
               static_url: str | None = None) -> folium.Map:
    """One ICS with toggleable layers: ``layers`` maps a tier (``lad``, ``utla``, ``sicbl``, ``pcn`` …)
    to its units in (or around) the system; ``practices`` adds circle markers coloured by PCN.

    Each layer is a :class:`folium.FeatureGroup` in a :class:`folium.LayerControl`; ``show`` lists
    the keys of ``layers`` visible at first (default: all), ``show_practices`` the practices. PCN footprints are labelled *indicative* (a PCN has no
    official boundary). ``crs`` is the CRS of ``icb_row_or_gdf`` when it is a bare row (a Series).
    """
    icb = _web(_row_gdf(icb_row_or_gdf, crs), "icb", tolerance_m)
    visible = None if show is None else set(show)
    m = _new_map(_bounds(icb), static_url, right=LAYER_BOX_WIDTH)
    _outline(icb, "ICS boundary", NHS_BLACK, 3).add_to(m)
    pcn_colours: dict[str, str] = {}
    for key, gdf in layers.items():
        if gdf is None or len(gdf) == 0:
            continue
        web = _web(gdf, key, tolerance_m)
        fills = None
        if key == "pcn":
            pcn_colours = _categorical(web["code"])
            fills = pcn_colours
        label = _control_label(_layer_label(key), TIER_COLOURS.get(key, NHS_BLUE))
        group = folium.FeatureGroup(name=label, show=visible is None or key in visible)
        _tier_layer(web, key, fills=fills).add_to(group)
        group.add_to(m)
    _add_practices(m, practices, pcn_colours, tolerance_m, show_practices)
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    return m


def highlight_map(units_gdf: gpd.GeoDataFrame, split_codes: Iterable[str] | None = None, *,
                  relationships: Mapping[str, str] | pd.Series | pd.DataFrame | None = None,
                  parents: gpd.GeoDataFrame | None = None, tier: str | None = None,
                  parent_label: str = "Parent boundary", tolerance_m: float | None = None,
                  static_url: str | None = None) -> folium.Map:
    """Units coloured by their relationship to a parent tier: split, nested, combines or coterminous.

    The relationship of each unit comes from ``relationships`` (code → label, or the
    :func:`ics_maps.nesting.children` table: ``child_code``, ``relationship``, ``main_parent_name``,
    ``main_share``, ``n_parents``), else a ``relationship`` column of ``units_gdf``, else "nested";
    codes in ``split_codes`` are always "split". ``parents`` are drawn as outlines on top.
    """
    web = _web(units_gdf, tier, tolerance_m).copy()
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
    rel = rel.where(~codes.isin(_as_set(split_codes)), "split")
    web["relationship"] = rel.astype(str)
    fields = _fields(web, [("name", "name", LABELS.get(tier, "Unit") if tier else "Unit", esc),
                           ("code", "code", "Code", esc), ("relationship", "relationship", "Relationship", esc),
                           ("main_parent", "main_parent_name", "Main parent", esc),
                           ("main_share", "main_share", "Share in main parent", fmt_pct),
                           ("n_parents", "n_parents", "Parents", fmt_int),
                           ("residents", "residents", "Residents (Census 2021)", fmt_int)])
    fc = _feature_collection(web, tier or "unit", fields)
    rel_of = dict(zip(codes, web["relationship"]))
    # the parents drawn for context are framed too (a split unit's systems), not cut at the map's edge
    pweb = _web(parents, None, tolerance_m) if parents is not None and len(parents) else None
    styles = {f["id"]: {"fillColor": RELATIONSHIP_COLOURS.get(rel_of.get(f["properties"]["code"]), NO_DATA),
                        "color": "#ffffff", "weight": 0.8 if pweb is None else 2.5, "fillOpacity": 0.8,
                        "opacity": 1}
              for f in fc["features"]}
    m = _new_map(_union(_bounds(web), _bounds(pweb) if pweb is not None else None), static_url, right=LEGEND_WIDTH)
    folium.GeoJson(fc, name=LABELS.get(tier, "Units") if tier else "Units", style_function=lambda f: styles[f["id"]],
                   highlight_function=lambda f: {"weight": 3, "color": NHS_BLACK},
                   tooltip=_tooltip(fields)).add_to(m)
    items: list[tuple[str, str, str]] = []
    counts = web["relationship"].value_counts()
    for r in RELATIONSHIP_COLOURS:
        items.append((RELATIONSHIP_COLOURS[r], f"{r} ({int(counts.get(r, 0))})", "fill"))
    if pweb is not None:
        # thin, over the units' wide white edges: a unit's own edge keeps a white halo, so a system made of
        # whole councils still shows where it ends; a parent line inside a unit has none
        _outline(pweb, parent_label, NHS_BLACK, 1.2).add_to(m)
        items.append((NHS_BLACK, parent_label, "line"))
    Legend("Relationship to parent", items).add_to(m)
    return m


def pcn_map(footprint_gdf: gpd.GeoDataFrame, practices_gdf: gpd.GeoDataFrame | None = None,
            method: str | None = None, *, selected: str | Iterable[str] | None = None,
            boundary: gpd.GeoDataFrame | None = None, tolerance_m: float | None = None,
            static_url: str | None = None) -> folium.Map:
    """Indicative PCN footprints, each PCN in its own colour, with its member practices in the same colour.

    ``method`` describes how the footprints were made (e.g. "registrations" or "modelled"; default:
    the footprints' own ``method`` column), shown in the legend; ``selected`` PCN code(s) get a heavy
    outline; ``boundary`` (e.g. the ICS) is drawn as an outline.
    """
    web = _web(footprint_gdf, "pcn", tolerance_m)
    colours = _categorical(web["code"])
    m = _new_map(_bounds(web) or (_bounds(boundary) if boundary is not None else None), static_url, right=40)
    if boundary is not None and len(boundary):
        _outline(_web(boundary, None, tolerance_m), "Boundary", NHS_BLACK, 3).add_to(m)
    if method is None and "method" in web.columns:
        method = ", ".join(sorted({str(v) for v in web["method"].dropna()})) or None
    label = "PCN footprints (indicative" + (f": {method})" if method else ")")
    group = folium.FeatureGroup(name=_control_label(label, TIER_COLOURS["pcn"]))
    _tier_layer(web, "pcn", fills=colours, selected=_as_set(selected)).add_to(group)
    group.add_to(m)
    _add_practices(m, practices_gdf, colours, tolerance_m)
    folium.LayerControl(collapsed=True).add_to(m)
    return m


__all__ = ["simplify_for_web", "payload_bytes", "ics_map", "system_map", "highlight_map", "pcn_map", "Legend",
           "classify_values", "class_bins", "TOLERANCE_M", "NATIONAL_BUDGET_BYTES", "REGION_COLOURS", "WAVE_COLOURS",
           "RELATIONSHIP_COLOURS"]
