"""The Streamlit glue: the only ics_maps module that imports Streamlit.

* :func:`page` frames every page: the shared sidebar filters, the title with the vintage, warnings
  about the link, the body, then the data credits (``with ui.page("Title") as ctx: ...``).
* :func:`get_atlas` loads each vintage once per server (``st.cache_resource``); while an atlas is
  first built it shows a progress bar with the build's steps.
* :func:`sidebar` draws the shared filters (vintage, NHS regions, ICS waves) bound to the URL, so a
  filtered view can be shared; it returns a :class:`Context` (atlas, filters, filtered view).
* :func:`url_widget` binds a page's own widget (the chosen ICS, tiers, …) to a URL parameter, with
  a clear warning for a bad value from a link.
* cached display layers (simplified for the web), coterminosity tables and summaries, shared by all
  sessions; map, table and chart helpers.

URL state. Streamlit's page navigation drops the query string and recreates widgets, so every
parameter's value lives in the session (``_state()["remembered"]``): a value in the URL that differs
from the one the app last wrote there (a shared link, ``st.switch_page(..., query_params=...)``, a
test) wins; otherwise the session's value is used; the app writes the current values back to the
URL on every run and drops other pages' parameters.
"""
from __future__ import annotations

import html
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import pandas as pd
import streamlit as st

from . import filters as F
from .sources import DEFAULT_VINTAGE, VINTAGES
from .tiers import LABELS
from .waves import WAVE_LABELS

# Every URL parameter the app understands (anything else is reported and dropped).
FILTER_KEYS = ("vintage", "region", "wave")
PAGE_KEYS = ("icb", "color", "place", "la", "pcn", "q", "child", "parent", "weight", "tol", "split")
KNOWN_KEYS = FILTER_KEYS + PAGE_KEYS

_BUILD_LOCK = threading.Lock()

CREDITS = (
    "Source: Office for National Statistics licensed under the Open Government Licence v.3.0. "
    "Contains OS data © Crown copyright and database right 2021–2026. "
    "Census 2021: Source: Office for National Statistics licensed under the Open Government Licence v.3.0. "
    "Contains public sector information licensed under the Open Government Licence v3.0 "
    "(NHS England, NHS Digital, Organisation Data Service). "
    "Practice locations: ONS Postcode Directory — contains OS data © Crown copyright and database right 2023; "
    "contains Royal Mail data © Royal Mail copyright and database right 2023."
)


# ---------------------------------------------------------------------------- the atlas


@st.cache_resource(show_spinner="Loading the atlas…", max_entries=4)
def _load(vintage: str):
    """One atlas per vintage per server process (shared by every session)."""
    from .build import ensure_atlas
    from .warmup import prefetched

    return prefetched(vintage) or ensure_atlas(vintage)


def _needs_build(vintage: str) -> bool:
    from .atlas import atlas_exists, stored_fingerprint
    from .build import fingerprint, vintage as get_vintage

    return not (atlas_exists(vintage) and stored_fingerprint(vintage) == fingerprint(get_vintage(vintage)))


@st.cache_resource(show_spinner=False)
def _loaded() -> set:
    return set()


def get_atlas(vintage: str = DEFAULT_VINTAGE):
    """The atlas of ``vintage``, built on first use with a progress bar, then cached for the server.

    A build that fails (a missing or corrupt source file) stops the page with the reason, not a traceback.
    """
    try:
        return _get_atlas(vintage)
    except Exception as exc:  # noqa: BLE001 - shown to the user, with what to do
        st.error(f"The {vintage} atlas could not be loaded or built: {exc}\n\n"
                 f"Check the data mirror (ICS_MAPS_MIRROR) and run `ics-maps build --vintage {vintage}` "
                 "to see the full report.", icon=":material/block:")
        footer()
        st.stop()


@st.cache_resource(show_spinner=False)
def favicon():
    """A small NHS-blue map-pin favicon drawn here: a Material icon as page icon would be fetched from Google."""
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle((2, 2, 62, 62), radius=12, fill=(0, 94, 184, 255))
    d.ellipse((20, 12, 44, 36), fill=(255, 255, 255, 255))
    d.polygon([(22, 30), (42, 30), (32, 54)], fill=(255, 255, 255, 255))
    d.ellipse((27, 19, 37, 29), fill=(0, 94, 184, 255))
    return img


@st.cache_resource(show_spinner=False)
def assets() -> None:
    """Copy Leaflet's JS/CSS into ./static once per server, so maps work without a CDN."""
    from .assets import ensure_static_assets

    ensure_static_assets()


# Headline figures shrink with their column instead of being cut ("56,4…" in four columns at 900 px),
# and their labels wrap instead of ending in "…".
PAGE_CSS = """<style>
[data-testid="stMetric"] { container-type: inline-size; }
[data-testid="stMetricValue"] { font-size: clamp(1rem, 15cqi, 2.25rem); }
[data-testid="stMetricLabel"] p { white-space: normal; overflow: visible; }
</style>"""


def _get_atlas(vintage: str):
    done = _loaded()
    if vintage not in done and _needs_build(vintage):
        with _BUILD_LOCK:  # one build at a time; a second session waits, then loads the result
            if _needs_build(vintage):
                from .build import ensure_atlas

                bar = st.progress(0.0, text=f"Building the {vintage} atlas for the first time (about half a "
                                            "minute; later visits load it in a few seconds)…")

                def progress(msg: str, frac: float) -> None:
                    bar.progress(min(max(float(frac), 0.0), 1.0), text=f"Building the {vintage} atlas: {msg}")

                ensure_atlas(vintage, progress=progress)
                bar.empty()
    atlas = _load(vintage)
    done.add(vintage)
    return atlas


# ---------------------------------------------------------------------------- URL state


def _url() -> dict[str, str]:
    """The current query string as ``key -> value`` (repeated keys joined with commas)."""
    qp = st.query_params
    return {k: ",".join(qp.get_all(k)) for k in qp.keys()}


def _state() -> dict:
    """This session's memory of its parameters: ``written`` (what it last put in the URL; None in a
    fresh session) and ``remembered`` (the current value of every parameter, in URL text)."""
    s = st.session_state
    if "_ics_url" not in s:
        s["_ics_url"] = {"written": None, "remembered": {}, "warned": set()}
    return s["_ics_url"]


def external(key: str) -> str | None:
    """The URL's value of ``key`` if this session did not write it (a shared link, a test, a page switch)."""
    url = _url()
    written = _state()["written"]
    if key in url and (written is None or url[key] != written.get(key)):
        return url[key]
    return None


def write_param(key: str, value: str | None) -> None:
    """Record ``key`` (None or "" removes it) for the URL and in the session's memory.

    The URL itself changes once, at the end of the run (:func:`_flush_params`): the browser adds a
    history entry for every change, so writing parameter by parameter made Back step through
    half-written URLs (four Backs to leave the Coterminosity page).
    """
    s = _state()
    if s["written"] is None:
        s["written"] = {}
    s.setdefault("this_run", set()).add(key)
    pending = _pending()
    if value is None or value == "":
        s["remembered"][key] = None
        s["written"].pop(key, None)
        pending[key] = None
    else:
        s["remembered"][key] = value
        s["written"][key] = value
        pending[key] = value


def _drop_other_params() -> None:
    """Remove parameters this page did not use in this run (another page's, after a page switch)."""
    s = _state()
    used = s.get("this_run", set())
    for k in list(_url()):
        if k not in FILTER_KEYS and k not in used:
            _pending()[k] = None


def _pending() -> dict[str, str | None]:
    """This run's URL changes (None removes a parameter), written by :func:`_flush_params` at its end."""
    return _state().setdefault("pending", {})


def _flush_params() -> None:
    """Write this run's parameter changes to the URL in one go (one browser history entry at most)."""
    pending = _state().pop("pending", None) or {}
    url = _url()
    target = dict(url)
    for k, v in pending.items():
        if v is None:
            target.pop(k, None)
        else:
            target[k] = v
    if target != url:
        st.query_params.from_dict(target)


def _remember(key: str, wkey: str, to_text: Callable[[Any], str | None]) -> None:
    """on_change callback: the user's new value becomes the parameter's value."""
    _state()["remembered"][key] = to_text(st.session_state[wkey])


def bound_value(key: str, parse: Callable[[str | None], tuple[Any, str | None]], warnings: list[str] | None = None):
    """The value a parameter has in this run: from the link if it set one, else the session's own.

    A bad value from a link adds a warning (to ``warnings``, or on the page); a remembered value that
    no longer fits (another vintage, a narrower filter) falls back to the default quietly.
    """
    ext = external(key)
    if ext is not None:
        value, warning = parse(ext)
        if warning:
            if warnings is None:
                st.warning(warning, icon=":material/warning:")
            else:
                warnings.append(warning)
        return value
    return parse(_state()["remembered"].get(key))[0]


def url_widget(key: str, widget: Callable[..., Any], parse: Callable[[str | None], tuple[Any, str | None]],
               to_text: Callable[[Any], str | None], *args, widget_key: str | None = None,
               warnings: list[str] | None = None, **kwargs) -> Any:
    """Draw ``widget`` with its value bound to the URL parameter ``key``; return its value.

    ``parse(text)`` turns URL text (or None) into a valid widget value and an optional warning;
    ``to_text(value)`` is the inverse (None leaves the parameter out of the URL). The value lives in
    the session (not in the widget), so it survives page switches that recreate the widget.
    """
    wkey = widget_key or f"w_{key}"
    st.session_state[wkey] = bound_value(key, parse, warnings)
    out = widget(*args, key=wkey, on_change=_remember, args=(key, wkey, to_text), **kwargs)
    write_param(key, to_text(out))
    return out


def unknown_params() -> list[str]:
    """Warnings for URL parameters the app does not know (each reported once per session), which are dropped."""
    s = _state()
    out = []
    for k in list(_url()):
        if k not in KNOWN_KEYS:
            if k not in s["warned"]:
                out.append(f"Ignored unknown link parameter “{F.short(k)}” (the app understands: "
                           f"{', '.join(KNOWN_KEYS)}).")
                s["warned"].add(k)
            _pending()[k] = None
    return out


def remember_params(**params: str | None) -> None:
    """Set parameters for the next page (e.g. before ``st.switch_page``): they win over the session's."""
    for k, v in params.items():
        _state()["remembered"][k] = v


def switch_to(page_file: str, **params: str | None) -> None:
    """Go to another page with some of its parameters set (the filters travel too)."""
    remember_params(**params)
    st.switch_page(page_file, query_params=link_params(**params))


# ---------------------------------------------------------------------------- the sidebar


@dataclass
class Context:
    """What every page needs: the atlas, the filters, the filtered view and what went wrong."""

    atlas: Any
    filters: F.Filters
    view: F.View
    warnings: list[str] = field(default_factory=list)
    previous_vintage: str | None = None  # the vintage of the previous run, when the user just changed it

    @property
    def vintage(self) -> str:
        return self.filters.vintage

    @property
    def vintage_label(self) -> str:
        return VINTAGES[self.vintage].label

    def term(self, tier: str) -> str:
        return self.atlas.term(tier)


def _parse_vintage(text: str | None):
    f, w = F.parse_filters({"vintage": text} if text else {})
    return f.vintage, (w[0] if w else None)


def _regions_parser(atlas):
    def parse(text: str | None):
        f, w = F.parse_filters({"region": text} if text else {})
        valid, w2 = F.validate_filters(f, atlas)
        return list(valid.regions), (" ".join(w + w2) or None)
    return parse


def _parse_waves(text: str | None):
    f, w = F.parse_filters({"wave": text} if text else {})
    return list(f.waves), (" ".join(w) or None)


def _join(values) -> str | None:
    return ",".join(str(v) for v in sorted(values)) if values else None


def sidebar() -> Context:
    """Draw the shared filters in the sidebar (bound to the URL) and return the page context."""
    warnings = unknown_params()
    with st.sidebar:
        st.markdown("**Filters** · shared by every page and kept in the link, so a view can be shared")
        vintage = url_widget("vintage", st.selectbox, _parse_vintage,
                             lambda v: None if v == DEFAULT_VINTAGE else v, "Boundary vintage", list(VINTAGES),
                             format_func=lambda v: f"{v} — {VINTAGES[v].label}", warnings=warnings,
                             help="Which boundaries every figure uses. 2026: the 36 ICBs after the April 2026 "
                                  "mergers; 2024: the 42 statutory ICBs of July 2022 – March 2026.")
    atlas = get_atlas(vintage)
    names = F.region_names(atlas)
    with st.sidebar:
        regions = url_widget("region", st.multiselect, _regions_parser(atlas), _join, "NHS England region(s)",
                             list(names), format_func=lambda c: names.get(c, c), placeholder="All regions",
                             warnings=warnings, help="Show only the ICSs in these regions (all when empty).")
        waves = url_widget("wave", st.multiselect, _parse_waves, _join, "ICS wave(s)", list(F.WAVES),
                           format_func=lambda w: WAVE_LABELS.get(w, str(w)), placeholder="All waves",
                           warnings=warnings,
                           help="Show only the ICSs designated in these waves (all when empty). An ICS's wave is "
                                "the wave covering most of its residents (see About).")
    last = _state().get("vintage")
    _state()["vintage"] = vintage
    filters = F.Filters(vintage, tuple(sorted(regions)), tuple(sorted(waves)))
    view = F.apply_filters(atlas, filters)
    with st.sidebar:
        if filters.active:
            st.caption(f"Showing {len(view.icb_codes)} of {len(atlas.tier('icb'))} {atlas.term('icb')}s: "
                       f"{filters.describe(names)}.")
            left_out = waves_left_out(atlas, filters, view)
            if left_out:
                st.caption(text(left_out))
            st.button("Clear filters", on_click=remember_params, kwargs={"region": None, "wave": None},
                      width="stretch")
    return Context(atlas, filters, view, warnings, last if last not in (None, vintage) else None)


def follow_vintage_change(ctx: Context, key: str, tier: str, valid: Iterable[str]) -> None:
    """After a change of vintage, a chosen unit that does not exist in the new one becomes the unit that
    holds most of its residents (see :func:`ics_maps.filters.successor`), and the page says so."""
    code = _state()["remembered"].get(key)
    valid = set(valid)
    if not ctx.previous_vintage or not code or code in valid or external(key) is not None:
        return
    old = get_atlas(ctx.previous_vintage)
    hit = F.successor(old, ctx.atlas, tier, code)
    if hit is None or hit[0] not in valid:
        return
    remember_params(**{key: hit[0]})
    st.info(f"{text(unit_name_in(old, tier, code))} ({ctx.previous_vintage} vintage) does not exist in the "
            f"{ctx.vintage} vintage. Showing {text(unit_name_in(ctx.atlas, tier, hit[0]))}, which holds "
            f"{fmt_pct(hit[1], 0)} of its residents.", icon=":material/swap_horiz:")


@contextmanager
def page(title: str, intro: str | None = None):
    """Every page's frame: the shared sidebar, the title and vintage line, then the body, then the credits.

    ``with ui.page("Title") as ctx: ...`` — the credits are drawn even when the body stops early
    (``ui.stop()`` after a clear message). The sidebar is drawn here, by the page, so a page works
    the same whether Streamlit runs it through ``st.navigation`` in app.py or on its own.
    """
    st.set_page_config(page_title=f"{title} · ics-maps", page_icon=favicon(), layout="wide")
    assets()
    st.html(PAGE_CSS)  # style only: Streamlit adds it to the page without taking space
    _state()["this_run"] = set()
    _state()["pending"] = {}  # a fresh run: no URL changes yet
    ctx = sidebar()
    completed = False
    try:
        page_header(ctx, title, intro)
        yield ctx
        completed = True
    except PageDone:
        completed = True
    finally:
        if completed:  # not after st.switch_page(), whose parameters are for the next page
            _drop_other_params()
            _flush_params()
        footer()


class PageDone(Exception):
    """Raised by :func:`stop` to end a page's body early (after a message); :func:`page` still adds the credits."""


def stop() -> None:
    """End the page here (like ``st.stop()``, but the credits footer is still drawn)."""
    raise PageDone


# ---------------------------------------------------------------------------- page furniture


def page_header(ctx: Context, title: str, intro: str | None = None) -> None:
    """Title, the vintage line, the active filters and any warnings about the link."""
    st.title(title)
    names = F.region_names(ctx.atlas)
    st.caption(f"Vintage {ctx.vintage} — {ctx.vintage_label} · showing {ctx.filters.describe(names)}")
    for w in ctx.warnings:
        st.warning(w, icon=":material/warning:")
    if intro:
        st.markdown(intro)


def require_systems(ctx: Context) -> None:
    """Stop the page with a clear message when the filters leave no ICS."""
    if ctx.view.empty:
        names = F.region_names(ctx.atlas)
        st.info(f"No {ctx.term('icb')} matches the filters ({ctx.filters.describe(names)}). "
                "Widen the region or wave selection in the sidebar, or clear the filters.", icon=":material/info:")
        stop()


def footer() -> None:
    st.divider()
    st.caption(CREDITS)


def text(value: Any) -> str:
    """A data value made safe for Markdown: HTML escaped and Markdown control characters neutralised."""
    # quote=False: an escaped quote (&#x27;) would have its "#" escaped below and show as a raw entity
    s = html.escape("" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value), quote=False)
    for ch in ("\\", "*", "_", "`", "[", "]", "#", "|", "~", "$"):
        s = s.replace(ch, "\\" + ch)
    return s


def fmt_int(x) -> str:
    try:
        return f"{int(round(float(x))):,}"
    except (TypeError, ValueError):
        return "–"


def residents_gap(atlas) -> str:
    """Why the atlas's England total is not the published one, with both figures ("…56,490,091, 43 more than
    the published 56,490,048."), from the atlas's own total rather than a number written into the text."""
    from .sources import CENSUS_2021_ENGLAND_RESIDENTS as published

    total = int((atlas.meta.get("residents") or {}).get("lsoa") or 0)
    if not total or total == published:
        return f"All England sums to {fmt_int(published)}, the published total."
    return (f"ONS perturbs small-area counts for confidentiality, so all England sums to {fmt_int(total)}, "
            f"{fmt_int(abs(total - published))} {'more' if total > published else 'fewer'} than the published "
            f"{fmt_int(published)}.")


def fmt_timestamp(value: Any) -> str:
    """An ISO timestamp from the build report as people write it ("23 November 2026, 17:20")."""
    try:
        t = pd.Timestamp(str(value))
    except (TypeError, ValueError):
        return "unknown" if value in (None, "") else str(value)
    return "unknown" if pd.isna(t) else f"{t.day} {t:%B %Y, %H:%M}"


def fmt_pct(x, digits: int = 1) -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return "–"
    return "–" if pd.isna(v) else f"{100 * v:.{digits}f}%"


# ---------------------------------------------------------------------------- cached derived data


def display_layer(vintage: str, tier: str, national: bool = False):
    """A tier in EPSG:4326, simplified for the web (made at build time and kept with the cached
    atlas, so shared by every session; callers must not modify it)."""
    return get_atlas(vintage).web_layer(tier, national)


def layer(ctx: Context, tier: str, codes=None, national: bool = False):
    """The display layer of ``tier`` narrowed to ``codes`` (default: the units in the filtered view)."""
    gdf = display_layer(ctx.vintage, tier, national)
    if codes is None:
        if not ctx.filters.active:
            return gdf
        codes = ctx.view.codes[tier]
    return gdf[gdf["code"].isin(set(codes))]


@st.cache_resource(show_spinner=False)
def waves_table():
    """The 42 ICSs of 2021–22 with their designation wave (data/ics_waves.csv)."""
    from .readers import read_waves

    return read_waves()


@st.cache_resource(show_spinner=False, max_entries=8)
def wave_share_table(vintage: str) -> pd.DataFrame:
    """Each system's residents by the 2022 ICS (and so the wave) they lived in (:func:`waves.wave_shares`)."""
    from .waves import wave_shares

    return wave_shares(get_atlas(vintage).lsoa, waves_table())


def waves_left_out(atlas, filters: F.Filters, view) -> str | None:
    """A note naming systems the wave filter leaves out though some of their residents were in those waves."""
    from .waves import partly_in_waves

    if not filters.waves:
        return None
    icb = atlas.tier("icb")
    in_regions = icb.loc[F.icb_mask(icb, F.Filters(filters.vintage, filters.regions, ())), "code"]
    part = partly_in_waves(wave_share_table(filters.vintage), filters.waves, view.icb_codes)
    part = part[part.index.isin(set(in_regions))]
    if part.empty:
        return None
    names = icb.set_index("code")["name"].map(short_name)
    listed = "; ".join(f"{names.get(c, c)} ({s:.0%})" for c, s in part.items())
    return (f"Also partly in {'this wave' if len(filters.waves) == 1 else 'these waves'}, but not shown: {listed}. "
            "A merged system counts under the wave covering most of its residents.")


@st.cache_resource(show_spinner="Computing the overlap table…", max_entries=64)
def coterminosity_table(vintage: str, child: str, parent: str, weight: str, tolerance: float) -> pd.DataFrame:
    """The nesting engine's table (shared by every session; callers must not modify it)."""
    from .nesting import coterminosity

    return coterminosity(get_atlas(vintage), child, parent, weight, tolerance)


@st.cache_resource(show_spinner="Summarising…", max_entries=32)
def summary_table(vintage: str, tier: str) -> pd.DataFrame:
    from .summaries import summary

    return summary(get_atlas(vintage), tier)


@st.cache_resource(show_spinner=False, max_entries=16)
def pcn_la_table(vintage: str, tier: str = "lad") -> pd.DataFrame:
    from .summaries import pcn_la_shares

    return pcn_la_shares(get_atlas(vintage), tier)


# ---------------------------------------------------------------------------- tables


def number(label: str, fmt: str = "%,d", help: str | None = None):
    return st.column_config.NumberColumn(label, format=fmt, help=help)


PERCENT_FORMAT = "%.1f%%"  # shares (0–1) shown as percentages with one decimal, like the page's figures


def percent(label: str, help: str | None = None):
    """A share column: :func:`dataframe` shows 0.8913 as 89.1% (Streamlit's "percent" preset would show
    89.13% beside 3.9%); the data and its CSV keep the fraction."""
    return st.column_config.NumberColumn(label, format=PERCENT_FORMAT, help=help)


def dataframe(df: pd.DataFrame, config: dict | None = None, height: int | str = "auto", key: str | None = None,
              download: str | None = None, order: list[str] | None = None):
    """A table with formatted columns; a fixed ``height`` shrinks to fit short tables.

    ``download`` (a file name) adds a button that saves exactly these rows and columns as CSV,
    written by :func:`ics_maps.exporting.safe_csv` (formula injection neutralised). Streamlit's own
    table export is switched off (``client.disableDataExport``): it writes cells as they are.
    ``order`` rearranges the columns on screen only (every column is still shown, and the CSV keeps
    the table's own, documented column order).
    """
    if isinstance(height, int):
        height = min(height, 38 + 35 * max(len(df), 1))
    if order is not None:
        order = [c for c in order if c in df.columns] + [c for c in df.columns if c not in order]
    st.dataframe(_for_display(df, config), column_config=config, hide_index=True, width="stretch",
                 height=height, key=key, column_order=order)
    if download:
        download_csv(df, download, key=f"dl_{key or download}")


def _for_display(df: pd.DataFrame, config: dict | None) -> pd.DataFrame:
    """The numbers as the table shows them: fractional counts shown as whole numbers are rounded, not cut
    (the "%,d" format truncates 68,846.7 to 68,846 where the page's figures say 68,847), and shares are
    scaled to percentages for :data:`PERCENT_FORMAT`. A missing text value (an ICB new in 2026 has no ODS
    code in the sources) reads "–", not Streamlit's "None"; the CSV keeps it empty."""
    out = {c: df[c].astype(object).where(df[c].notna(), "–") for c in df.columns
           if (df[c].dtype == object or isinstance(df[c].dtype, pd.StringDtype)) and df[c].isna().any()}
    for c, cfg in (config or {}).items():
        fmt = (cfg.get("type_config") or {}).get("format") if isinstance(cfg, dict) else None
        if c not in df.columns or not pd.api.types.is_numeric_dtype(df[c]):
            continue
        if fmt == "%,d" and pd.api.types.is_float_dtype(df[c]):
            out[c] = df[c].round()
        elif fmt == PERCENT_FORMAT:
            out[c] = df[c] * 100
    return df.assign(**out) if out else df


def download_csv(df: pd.DataFrame, file_name: str, label: str = "Download CSV", key: str | None = None) -> None:
    """A download button for ``df`` as UTF-8 CSV (safe for spreadsheets); it does not rerun the app.

    The CSV is written only when the button is clicked (Streamlit's deferred download): an LSOA × PCN
    table is 25 MB and a second of work, which every rerun of the page would otherwise pay for.
    """
    def make() -> bytes:
        return csv_bytes(df)

    st.download_button(label, data=make, file_name=file_name, mime="text/csv",
                       icon=":material/download:", key=key or f"dl_{file_name}", on_click="ignore",
                       help=f"{len(df):,} rows, as shown (codes and unformatted numbers)")


def file_slug(*parts: Any) -> str:
    """A file-name-safe join of ``parts`` ("lad", "E06000001", "2026" -> "lad_E06000001_2026")."""
    import re

    return "_".join(re.sub(r"[^A-Za-z0-9.-]+", "-", str(p)).strip("-") for p in parts if p not in (None, ""))


# One name per council tier on every page: unitaries sit in both tiers, so each name says so.
TIER_SHORT = {"region": "NHS region", "icb": "ICS", "sicbl": "Sub-ICB location", "utla": "County or unitary",
              "lad": "District or unitary", "pcn": "PCN", "practice": "GP practice", "lsoa": "LSOA"}
TIER_PLURAL = {"region": "NHS regions", "icb": "ICSs", "sicbl": "sub-ICB locations", "utla": "counties and unitaries",
               "lad": "districts and unitaries", "pcn": "PCNs", "practice": "GP practices", "lsoa": "LSOAs"}


def tier_label(tier: str, atlas=None) -> str:
    """A short label for a tier, in the vintage's own words (STP and CCG in 2021)."""
    if atlas is not None and tier in ("icb", "sicbl") and atlas.term(tier) in ("STP", "CCG"):
        return atlas.term(tier)
    return TIER_SHORT[tier]


def tier_plural(tier: str, atlas=None) -> str:
    if atlas is not None and tier in ("icb", "sicbl") and atlas.term(tier) in ("STP", "CCG"):
        return atlas.term(tier) + "s"
    return TIER_PLURAL[tier]


def tier_help(tier: str) -> str:
    return LABELS[tier]


# ---------------------------------------------------------------------------- coterminosity helpers


def parse_percent(lo: float, hi: float, what: str, default: float = 0.0):
    """A URL parser for a percentage widget: the URL holds the percentage the widget shows ("5" or "5%")."""
    def parse(v: str | None):
        x, warning = F.parse_fraction(v.strip().removesuffix("%") if v else v, default, lo, hi, what)
        if warning:
            warning = (f"Ignored {what} “{F.short(v)}” in the link: expected a percentage from {lo:g} to {hi:g} "
                       f"(e.g. {what[:3]}=5 for 5%).")
        return x, warning
    return parse


def percent_text(pct) -> str | None:
    return None if not pct else f"{float(pct):g}"


def sentence(label: str) -> str:
    """A label with its first letter capitalised and the rest kept ("ICSs", not "Icss")."""
    return label[:1].upper() + label[1:]


def missing_note(ctx: Context, table: pd.DataFrame, child: str, parent: str, weight: str) -> str | None:
    """Why some child units in view have no row (a PCN with no drawn footprint, a practice in no PCN)."""
    in_view = set(ctx.view.tier(child)["code"])
    gone = in_view - set(table["child_code"])
    if not gone:
        return None
    n, total, plural = len(gone), len(in_view), tier_plural(child, ctx.atlas)
    if child == "practice":
        reason = ("are members of no PCN (PCN code U in NHS England's practice → PCN file)" if parent == "pcn"
                  else "have no location")
    elif weight == "area":
        reason = ("have no drawn footprint (they are not the main PCN of any LSOA, though they serve residents), "
                  "so they have no area; residents weighting includes them" if "pcn" in (child, parent)
                  else "have no polygon to measure")
    else:
        reason = "have no residents in any parent of this tier"
    return f"{n:,} of the {total:,} {plural} in view are not in the table: they {reason}."


def coterminosity_or_error(vintage: str, child: str, parent: str, weight: str, tolerance: float):
    """(the engine's table, None), or (None, a message in the page's words saying why the pair cannot be compared)."""
    from .nesting import check_pair

    if child == parent:
        return None, (f"Child and parent are both {tier_plural(child, get_atlas(vintage))}: a tier always nests in "
                      "itself. Choose two different tiers.")
    try:
        check_pair(child, parent, weight)
    except ValueError as exc:
        return None, f"These tiers cannot be compared: {exc}."
    return coterminosity_table(vintage, child, parent, weight, tolerance), None


def csv_bytes(df: pd.DataFrame) -> bytes:
    from .exporting import safe_csv

    return safe_csv(df)


LONG_NAMES = ("icb", "sicbl", "pcn")  # "NHS … Integrated Care Board": capped so the shares stay in sight


def coterminosity_config(child: str, parent: str, atlas=None) -> dict:
    cl, pl = tier_label(child, atlas), tier_label(parent, atlas)
    return {
        "child_code": st.column_config.TextColumn(f"{cl} code"),
        "child_name": st.column_config.TextColumn(cl, pinned=True, width=300 if child in LONG_NAMES else None),
        "parent_code": st.column_config.TextColumn(f"{pl} code"),
        "parent_name": st.column_config.TextColumn(pl, width=300 if parent in LONG_NAMES else None),
        "overlap_residents": number("Residents in both",
                                    help="Census 2021 usual residents in the child and the parent"),
        "child_residents": number(f"{cl} residents"),
        "parent_residents": number(f"{pl} residents"),
        "share_of_child": percent("Share of child", help="Overlap as a share of the child's residents (or area)"),
        "share_of_parent": percent("Share of parent", help="Overlap as a share of the parent's residents (or area)"),
        "overlap_km2": st.column_config.NumberColumn("Overlap km²", format="%.2f"),
        "relationship": st.column_config.TextColumn(
            "Relationship", help="coterminous: the same as one parent; nested: inside one parent; combines: made of "
                                 "whole parents; split: cuts across a parent's boundary"),
    }


# On screen the names, shares and relationship come first: at 1280 px the codes and totals would
# otherwise push the shares out of sight behind long "NHS … Integrated Care Board" names.
COTERMINOSITY_ORDER = ["child_name", "parent_name", "share_of_child", "share_of_parent", "relationship",
                       "overlap_residents", "child_code", "parent_code", "child_residents", "parent_residents",
                       "overlap_km2"]


def coterminosity_dataframe(df: pd.DataFrame, child: str, parent: str, atlas=None, height: int | str = 480,
                            key: str | None = None, download: str | None = None) -> None:
    dataframe(df, coterminosity_config(child, parent, atlas), height=height, key=key, download=download,
              order=COTERMINOSITY_ORDER)




# ---------------------------------------------------------------------------- maps


def lazy_tabs(labels: list[str], key: str):
    """Tabs whose contents are built only when open (``tab.open``): a page paints its first tab (the map)
    without waiting for the charts and tables of the others. Switching tabs reruns the page."""
    return st.tabs(labels, key=key, on_change="rerun")


def show_map(m, key: str, height: int = 560,
             returned: tuple[str, ...] = ("last_active_drawing",)) -> dict | None:
    """Draw a folium map. Only ``returned`` interactions (by default a click on a feature) rerun the app;
    panning, zooming and hovering do not. The key is stable so the map is not remounted needlessly."""
    from streamlit_folium import st_folium

    return st_folium(m, key=key, height=height, use_container_width=True, returned_objects=list(returned),
                     render=False)  # st_folium renders the map itself; its default renders it twice


def clicked(out: dict | None) -> tuple[str | None, str | None]:
    """(tier, code) of the feature clicked on a map drawn by :func:`show_map` (None, None if none)."""
    feat = (out or {}).get("last_active_drawing") or {}
    props = feat.get("properties") or {}
    code = props.get("code")
    return (props.get("tier"), html.unescape(str(code))) if code else (None, None)


def on_new_click(out: dict | None, key: str) -> tuple[str | None, str | None]:
    """The clicked feature if it differs from the last one handled for this map, else (None, None)."""
    tier, code = clicked(out)
    last = st.session_state.get(f"_click_{key}")
    st.session_state[f"_click_{key}"] = code
    return (tier, code) if code and code != last else (None, None)


def coterminosity_map(ctx: Context, table: pd.DataFrame, child: str, parent: str) -> None:
    """The child units of ``table`` coloured by relationship (split ones stand out), parents outlined."""
    from . import maps
    from .nesting import children

    if child in ("lsoa", "practice"):
        st.caption(f"No map for {tier_label(child, ctx.atlas)}s: "
                   + ("33,755 small areas are too many to draw usefully; use the table or the CSV."
                      if child == "lsoa" else "practices are points, always inside one parent; see the PCN page."))
        return
    per_child = children(table)
    codes = set(per_child["child_code"])
    units = layer(ctx, child, codes, national=len(codes) > 400)
    parent_codes = set(table["parent_code"])
    parents = layer(ctx, parent, parent_codes, national=len(parent_codes) > 200) if len(parent_codes) <= 400 else None
    m = maps.highlight_map(units, relationships=per_child, parents=parents, tier=child,
                           parent_label=f"{tier_label(parent, ctx.atlas)} boundary")
    note = (" Footprints of PCNs are indicative." if "pcn" in (child, parent) else "") + derived_note(ctx,
                                                                                                    (child, parent))
    st.caption(f"Red: split, cutting across {tier_plural(parent, ctx.atlas)}; blue: nested in one; purple: made of "
               f"whole {tier_plural(parent, ctx.atlas)} (combines); green: coterminous. Hover for the main parent "
               f"and its share.{note}")
    show_map(m, key="coterminosity_map", height=520, returned=())


# ---------------------------------------------------------------------------- summaries


def icb_summary_table(ctx: Context) -> None:
    """One row per ICS in the view, with formatted columns."""
    s = summary_table(ctx.vintage, "icb")
    s = s[s["code"].isin(ctx.view.icb_codes)].sort_values("name")
    cols = ["name", "code", "ods_code", "region_name", "wave", "waves", "residents", "registered", "n_sicbl",
            "relationship_to_utla", "n_lad_whole", "n_lad_part", "n_utla_whole", "n_utla_part", "n_pcn",
            "n_practices", "share_residents_in_split_lads"]
    dataframe(s[cols], {
        "name": st.column_config.TextColumn(ctx.term("icb"), width="large"),
        "code": st.column_config.TextColumn("ONS code"),
        "ods_code": st.column_config.TextColumn("ODS code"),
        "region_name": st.column_config.TextColumn("NHS region"),
        "wave": st.column_config.NumberColumn("Wave", format="%d", help="Designation wave covering most residents"),
        "waves": st.column_config.TextColumn("Waves (share of residents)"),
        "residents": number("Residents", help="Census 2021 usual residents"),
        "registered": number("Registered patients", help="GP list sizes, April 2025"),
        "n_sicbl": number(ctx.term("sicbl") + "s"),
        "relationship_to_utla": st.column_config.TextColumn(
            "Council lines", help="The system against counties and unitaries: coterminous (one council), combines "
                                  "(whole councils only), nested (inside one council) or split (shares a council "
                                  "with another system)"),
        "n_lad_whole": number("Districts and unitaries wholly in"),
        "n_lad_part": number("Districts and unitaries partly in"),
        "n_utla_whole": number("Counties and unitaries wholly in"),
        "n_utla_part": number("Counties and unitaries partly in"),
        "n_pcn": number("PCNs"),
        "n_practices": number("Practices"),
        "share_residents_in_split_lads": percent("Residents in split districts",
                                                 help="Share of the system's residents living in districts that "
                                                      "are split between systems"),
    }, key="icb_summary", download=file_slug("ics_summary", ctx.vintage, *ctx.filters.slug_parts()) + ".csv")


def council_relationships(vintage: str, codes: pd.Series) -> pd.Series:
    """Each system's relationship to the county and unitary councils: the ICB summary's column."""
    return codes.map(summary_table(vintage, "icb").set_index("code")["relationship_to_utla"])


def council_lines(utla_icb: pd.DataFrame, code: str, relationship: Any, n_whole: int) -> str:
    """One sentence (Markdown, names escaped): does this system follow county and unitary lines, and if not,
    which councils it shares with which systems."""
    from .summaries import shared_councils

    shared = shared_councils(utla_icb, code)
    if shared.empty:
        if relationship == "coterminous":
            whole = utla_icb.loc[(utla_icb["parent_code"] == code), "child_name"]
            return f"**Follows council lines:** the same area as {text(whole.iloc[0])} council." if len(whole) else ""
        if relationship == "nested":
            return "**Inside one council:** the system lies within a single county or unitary council."
        return (f"**Follows council lines:** made of {fmt_int(n_whole)} whole counties and unitaries; none is "
                "shared with another system.")
    parts = []
    for r in shared.itertuples():
        others = [f"{fmt_int(n)} ({fmt_pct(s)}) in {text(short_name(name))}" for name, n, s in r.others]
        parts.append(f"{text(r.name)}: {fmt_int(r.here)} of the council's {fmt_int(r.residents)} residents "
                     f"({fmt_pct(r.share_here)}) live in this system, "
                     + (", ".join(others[:-1]) + " and " + others[-1] if len(others) > 1 else others[0]))
    lead = f"**Shares {len(shared)} council{'s' if len(shared) > 1 else ''} with other systems.** "
    return lead + "; ".join(parts) + "."


def practice_layer(ctx: Context, codes):
    """Practices (points, EPSG:4326) with the columns the maps' tooltips use."""
    gdf = display_layer(ctx.vintage, "practice")
    return gdf[gdf["code"].isin(set(codes))]


def derived_note(ctx: Context, tiers) -> str:
    """" Derived: …" for the tiers whose polygons ics-maps made in this vintage (PCNs say "indicative" elsewhere)."""
    made = [t for t in tiers
            if t != "pcn" and "derived" in ctx.atlas.tier(t) and bool(ctx.atlas.tier(t)["derived"].any())]
    if not made:
        return ""
    return (" " + ", ".join(sentence(tier_plural(t, ctx.atlas)) for t in made)
            + " are *derived* in this vintage: drawn by ics-maps from LSOA boundaries (see About).")


def unit_name(ctx: Context, tier: str, code: str) -> str:
    """The name of a unit (its code if unknown)."""
    return unit_name_in(ctx.atlas, tier, code)


def unit_name_in(atlas, tier: str, code: str) -> str:
    t = atlas.tier(tier)
    hit = t.loc[t["code"] == code, "name"]
    return str(hit.iloc[0]) if len(hit) else str(code)


def short_name(name: str) -> str:
    """An ICB's name without "NHS" and "Integrated Care Board" (for charts)."""
    s = str(name)
    for suffix in (" Integrated Care Board", " ICB"):
        if s.endswith(suffix):
            s = s[: -len(suffix)]
    return s[4:] if s.startswith("NHS ") else s


def link_params(**params: str | None) -> dict[str, str]:
    """Query parameters for a link to another page: the current filters plus ``params``."""
    base = {k: v for k in FILTER_KEYS if (v := _state()["remembered"].get(k))}
    return {**base, **{k: v for k, v in params.items() if v}}


def place_flows(ctx: Context, tier: str, code: str) -> pd.DataFrame:
    """Residents of a council by district (its districts, or itself) and system: the Sankey's links."""
    t = coterminosity_table(ctx.vintage, "lad", "icb", "population", 0.0)
    lads = ctx.atlas.tier("lad")
    districts = set(lads.loc[lads["utla"] == code, "code"]) if tier == "utla" else {code}
    t = t[t["child_code"].isin(districts)]
    return pd.DataFrame({"district": t["child_name"].to_numpy(), "system": t["parent_name"].map(short_name).to_numpy(),
                         "residents": t["overlap_residents"].to_numpy()})


def wave_chart(waves: pd.DataFrame) -> None:
    """The designation timeline of the ICSs in ``waves`` (each wave at its announcement month)."""
    from . import charts

    # the canonical month of each wave: a filtered subset's own "designated" notes may start earlier
    # (e.g. Greater Manchester's 2016 devolution deal) and would move the whole wave
    fig = charts.wave_timeline(waves.drop(columns=["designated"], errors="ignore"))
    if len(waves) <= 12:
        fig.update_yaxes(dtick=1)
    st.plotly_chart(fig, key="wave_timeline")


def patients_note(placed: float, list_size: Any, method: str) -> str:
    """Why a PCN's patients by district do not add up to its list: the reader sees both numbers."""
    if pd.isna(list_size) or not list_size:
        return f"These rows hold {fmt_int(placed)} patients; the PCN's list size is not known."
    gap = float(list_size) - float(placed)
    head = f"These rows hold {fmt_int(placed)} of its {fmt_int(list_size)} registered patients"
    if abs(gap) < 0.5:
        return head + "."
    if method == "registrations":
        why = ("the rest live outside England or at an address with no LSOA in the published file" if gap > 0 else
               "the published file counts more than the April 2025 list")
    else:
        why = ("the model balances each practice only roughly to its list, and flows under 0.1% of an LSOA are "
               "dropped (see About: PCN catchments)")
    return f"{head} ({fmt_int(abs(gap))} {'fewer' if gap > 0 else 'more'}): {why}."


def list_size_chart(ctx: Context, pcns: pd.DataFrame, selected=None) -> None:
    """PCN list sizes in the view with the 30–50k band; the selected PCN marked."""
    from . import charts

    fig = charts.list_size_histogram(pcns, title=f"PCNs by registered patients ({len(pcns):,} in view)")
    if selected is not None and not pd.isna(selected["list_size"]):
        charts.mark_value(fig, float(selected["list_size"]),
                          f"{selected['name']}: {float(selected['list_size']):,.0f} patients", "#DA291C", width=3)
    st.plotly_chart(fig, key="list_size_histogram")
    st.caption("List sizes: NHS England, April 2025, summed over member practices. The shaded band is the "
               "30,000–50,000 patients the PCN policy aimed for.")
