"""Every page's frame: the shared sidebar filters bound to the URL, the title with the vintage, the
body, then the data credits; and the :class:`Context` a page body works with.

``with frame.page("Title") as ctx: ...`` — the credits are drawn even when the body stops early
(:func:`stop` after a clear message). The sidebar is drawn by the page itself, so a page works the
same whether Streamlit runs it through ``st.navigation`` or on its own.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import streamlit as st

from ics_maps.analysis.breakdowns import successor, unit_name
from ics_maps.analysis.filters import (
    WAVE_MATCHES,
    WAVES,
    Filters,
    View,
    apply_filters,
    icb_mask,
    region_names,
)
from ics_maps.app import caches, memory, params
from ics_maps.app.finder import search_box
from ics_maps.app.prose import CREDITS, layers_note, successor_note, text, waves_left_out
from ics_maps.app.safety import report_failure
from ics_maps.app.url_state import state
from ics_maps.atlas.build import stale_note
from ics_maps.presentation.style import WAVE_LABELS, WAVE_MATCH_WORDS, fmt_pct
from ics_maps.sources.vintages import DEFAULT_VINTAGE, VINTAGES

# Headline figures shrink with their column instead of being cut ("56,4…" in four columns at 900
# px), and their labels wrap between words, never inside one ("Coterminou / s" at 1,000 px): a
# label shrinks with its column instead. The page starts higher and keeps narrower margins than
# Streamlit's (6rem above, 5rem each side), so a map fits in the first screen at 1,000 × 800.
# Columns inside a container keyed "stack_…" (a map beside figures or tables) stack below 1,200 px
# wide, where side by side each would be too narrow to read.
PAGE_CSS = """<style>
[data-testid="stMetric"] { container-type: inline-size; }
[data-testid="stMetricValue"] { font-size: clamp(1rem, 15cqi, 2.25rem); }
[data-testid="stMetricLabel"] p { white-space: normal; overflow: visible; overflow-wrap: normal;
  word-break: normal; hyphens: none; font-size: clamp(0.7rem, 11cqi, 0.875rem); }
[data-testid="stMainBlockContainer"] { padding-top: 2.25rem; padding-bottom: 3rem; }
[data-testid="stMainBlockContainer"] h1 { font-size: 2.1rem; padding-bottom: 0.25rem; }
.st-key-find_hits [data-testid="stPageLink"] p { white-space: normal; overflow: visible;
  text-overflow: clip; line-height: 1.3; font-size: 0.85rem; }
.st-key-find_hits [data-testid="stPageLink"] a { height: auto; padding-top: 2px;
  padding-bottom: 2px; }
@media (max-width: 1280px) {
  [data-testid="stMainBlockContainer"] { padding-left: 1.5rem; padding-right: 1.5rem; }
}
@media (max-width: 1200px) {
  [class*="st-key-stack_"] [data-testid="stHorizontalBlock"] { flex-wrap: wrap; }
  [class*="st-key-stack_"] [data-testid="stHorizontalBlock"] > [data-testid="stColumn"] {
    flex: 1 1 100% !important; width: 100% !important; min-width: 100% !important; }
}
</style>"""


@functools.cache  # drawn and encoded once per process: every page view sets the page icon twice
def favicon() -> bytes:
    """A small NHS-blue map-pin favicon (PNG bytes) drawn here: a Material icon as page icon would
    be fetched from Google."""
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle((2, 2, 62, 62), radius=12, fill=(0, 94, 184, 255))
    d.ellipse((20, 12, 44, 36), fill=(255, 255, 255, 255))
    d.polygon([(22, 30), (42, 30), (32, 54)], fill=(255, 255, 255, 255))
    d.ellipse((27, 19, 37, 29), fill=(0, 94, 184, 255))
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


@dataclass
class Context:
    """What every page needs: the atlas, the filters, the filtered view and what went wrong."""

    atlas: Any
    filters: Filters
    view: View
    warnings: list[str] = field(default_factory=list)
    # the vintage of the previous run, when the user just changed it
    previous_vintage: str | None = None

    @property
    def vintage(self) -> str:
        return self.filters.vintage

    @property
    def vintage_label(self) -> str:
        return VINTAGES[self.vintage].label

    def term(self, tier: str) -> str:
        """The vintage's own word for the ICB or sub-ICB tier (STP and CCG in 2021)."""
        return self.atlas.term(tier)

    def layer(self, tier: str, codes: Iterable[str] | None = None, national: bool = False):
        """The display layer of ``tier`` (EPSG:4326, simplified) narrowed to ``codes`` (default: the
        units in the filtered view). Shared by every session: do not modify it."""
        gdf = caches.display_layer(self.vintage, tier, national)
        if codes is None:
            if not self.filters.active:
                return gdf
            codes = self.view.codes[tier]
        return gdf[gdf["code"].isin(set(codes))]

    def rows(self, tier: str, column: str, value: str | Iterable[str]) -> pd.DataFrame:
        """The rows of ``tier`` whose ``column`` is ``value`` (or one of several values): a plain
        mask, where ``DataFrame.query`` first made a Series of every column (20 ms a view for the
        6,000 practices)."""
        t = self.atlas.tier(tier)
        if isinstance(value, str):
            return t[t[column] == value]
        return t[t[column].isin(set(value))]

    def practices_layer(self, codes: Iterable[str]):
        """Practices (points, EPSG:4326) with the columns the maps' tooltips use."""
        gdf = caches.display_layer(self.vintage, "practice")
        return gdf[gdf["code"].isin(set(codes))]

    def unit_name(self, tier: str, code: str) -> str:
        return unit_name(self.atlas, tier, code)


# ---------------------------------------------------------------------------- the sidebar


def sidebar() -> Context:
    """Draw the shared filters in the sidebar (bound to the URL) and return the page context."""
    url = state()
    warnings = url.unknown(params.KNOWN_KEYS, params.unknown_key_warning)
    with st.sidebar:
        find_slot = st.container()  # the search box, above the filters, filled once they are known
        st.markdown(
            "**Filters** · shared by every page and kept in the link, so a view can be shared"
        )
        vintage = params.VINTAGE.widget(
            st.selectbox,
            "Boundary vintage",
            list(VINTAGES),
            format_func=lambda v: f"{v} — {VINTAGES[v].label}",
            warnings=warnings,
            help="Which boundaries every figure uses. 2026: the 36 ICBs after the April 2026 "
            "mergers; 2024: the 42 statutory ICBs of April 2023 – March 2026.",
        )
    atlas = caches.get_atlas(vintage)
    names = region_names(atlas)
    with st.sidebar:
        regions = params.regions_of(atlas).widget(
            st.multiselect,
            "NHS England region(s)",
            list(names),
            format_func=lambda c: names.get(c, c),
            placeholder="All regions",
            warnings=warnings,
            help="Show only the ICSs in these regions (all when empty).",
        )
        waves = params.WAVE.widget(
            st.multiselect,
            "ICS wave(s)",
            list(WAVES),
            format_func=lambda w: WAVE_LABELS.get(w, str(w)),
            placeholder="All waves",
            warnings=warnings,
            help="Show only the ICSs designated in these waves (all when empty): by the wave of "
            "most of a system's residents, or of any of them (see About).",
        )
        match = (
            params.WAVE_MATCH.widget(
                st.radio,
                "A system is in a wave when",
                list(WAVE_MATCHES),
                format_func=WAVE_MATCH_WORDS.get,
                warnings=warnings,
                help="Systems merged in April 2026 hold residents of several 2017–2021 waves: "
                "Central East is mostly wave 4, but a third of its people (Bedfordshire, Luton "
                "and Milton Keynes) were in wave 1.",
            )
            if waves
            else params.WAVE_MATCH.value(warnings)
        )
    last = url.memory.get("vintage")
    url.memory["vintage"] = vintage
    filters = Filters(vintage, tuple(sorted(regions)), tuple(sorted(waves)), match)
    shares = caches.wave_share_table(vintage) if filters.any_part else None
    view = apply_filters(atlas, filters, shares)
    with find_slot:
        search_box(
            vintage, view.icb_codes if filters.active else frozenset(atlas.tier("icb")["code"])
        )
    with st.sidebar:
        if filters.active:
            st.caption(
                f"Showing {len(view.icb_codes)} of {len(atlas.tier('icb'))} {atlas.term('icb')}s: "
                f"{filters.describe(names)}."
            )
            left_out = _waves_left_out(atlas, filters, view)
            if left_out:
                st.caption(text(left_out))
            st.button(
                "Clear filters",
                on_click=url.remember,
                kwargs={"region": None, "wave": None, "wave_match": None},
                width="stretch",
            )
    return Context(atlas, filters, view, warnings, last if last not in (None, vintage) else None)


def _waves_left_out(atlas: Any, filters: Filters, view: View) -> str | None:
    """Systems the wave filter leaves out though some of their residents were in those waves."""
    from ics_maps.atlas.waves import partly_in_waves

    if not filters.waves or filters.any_part:
        return None
    icb = atlas.tier("icb")
    in_regions = icb.loc[icb_mask(icb, Filters(filters.vintage, filters.regions, ())), "code"]
    part = partly_in_waves(caches.wave_share_table(filters.vintage), filters.waves, view.icb_codes)
    part = part[part.index.isin(set(in_regions))]
    return waves_left_out(part, icb.set_index("code")["name"], len(filters.waves))


def follow_vintage_change(ctx: Context, param: Any, tier: str, valid: Iterable[str]) -> None:
    """After a change of vintage, a chosen unit that does not exist in the new one becomes the unit
    that holds most of its residents (:func:`ics_maps.analysis.breakdowns.successor`), and the page
    says so."""
    url = state()
    code = url.remembered(param.key)
    valid = set(valid)
    if not ctx.previous_vintage or not code or code in valid or url.external(param.key) is not None:
        return
    old = caches.get_atlas(ctx.previous_vintage)
    hit = successor(old, ctx.atlas, tier, code)
    if hit is None or hit[0] not in valid:
        return
    url.remember(**{param.key: hit[0]})
    st.info(
        f"{text(unit_name(old, tier, code))} ({ctx.previous_vintage} vintage) does not exist in "
        f"the {ctx.vintage} vintage. Showing {text(unit_name(ctx.atlas, tier, hit[0]))}, which "
        f"holds {fmt_pct(hit[1], 0)} of its residents.",
        icon=":material/swap_horiz:",
    )


def follow_old_code(
    ctx: Context, param: Any, tier: str, valid: Iterable[str], aliases: dict | None = None
) -> dict[str, str]:
    """A code in the link that this vintage does not have (a 2024 system opened under 2026, a
    CCG's code in a link to a system): the unit of this vintage holding most of its residents, with
    a note. Returns ``{code: successor}`` to add to the aliases the page's parameter accepts
    (:func:`ics_maps.app.params.among`); empty when the code is known, unknown everywhere or its
    successor is not in view."""
    code = (state().external(param.key) or "").strip()
    valid = set(valid)
    known = valid | {str(a).upper() for a in (aliases or {})} | set(aliases or {})
    if not code or code in known or code.upper() in known or len(code) > 12:
        return {}
    also = ("sicbl",) if tier == "icb" else ()
    hit = caches.link_successor(ctx.vintage, tier, code, also)
    if hit is None or hit.code not in valid:
        return {}
    st.info(
        successor_note(hit, unit_name(ctx.atlas, tier, hit.code), ctx.vintage),
        icon=":material/swap_horiz:",
    )
    from ics_maps.app.site import page as site_page

    st.page_link(
        site_page("changes"),
        label=f"What changed between {hit.old_vintage} and {ctx.vintage}",
        icon=":material/compare_arrows:",
        query_params=link(tier=hit.old_tier, **{"from": hit.old_vintage, "to": ctx.vintage}),
    )
    return {code: hit.code, code.upper(): hit.code}


# ---------------------------------------------------------------------------- the frame


class PageDone(Exception):
    """Raised by :func:`stop` to end a page's body early (after a message); :func:`page` still adds
    the credits."""


def stop() -> None:
    """End the page here (like ``st.stop()``, but the credits footer is still drawn)."""
    raise PageDone


@contextmanager
def page(title: str, intro: str | None = None):
    """Every page's frame: the shared sidebar, the title and vintage line, then the body, then the
    credits (module docstring)."""
    st.set_page_config(page_title=f"{title} · ics-maps", page_icon=favicon(), layout="wide")
    caches.static_files()
    st.html(PAGE_CSS)  # style only: Streamlit adds it to the page without taking space
    url = state()
    url.start_run()
    try:
        ctx = sidebar()
    except caches.AtlasUnavailable as exc:
        st.error(str(exc), icon=":material/block:")
        footer()
        st.stop()
    except Exception as exc:  # noqa: BLE001 - logged; the visitor sees the app's own message
        report_failure(exc)
        footer()
        st.stop()
    completed = False
    try:
        page_header(ctx, title, intro)
        yield ctx
        completed = True
    except PageDone:
        completed = True
    except Exception as exc:  # noqa: BLE001 - st.stop/rerun/switch_page are BaseExceptions
        report_failure(exc)
    finally:
        if completed:  # not after st.switch_page(), whose parameters are for the next page
            url.drop_unused(params.FILTER_KEYS)
            url.flush()
        footer()
        memory.script_ran()


def page_header(ctx: Context, title: str, intro: str | None = None) -> None:
    """Title, the vintage line, the active filters and any warnings about the link."""
    st.title(title)
    names = region_names(ctx.atlas)
    st.caption(
        f"Vintage {ctx.vintage} — {ctx.vintage_label} · showing {ctx.filters.describe(names)}"
    )
    st.caption(layers_note(ctx.vintage))
    note = stale_note(ctx.atlas)
    if note:
        st.warning(note, icon=":material/history:")
    for w in ctx.warnings:
        st.warning(w, icon=":material/warning:")
    if intro:
        st.markdown(intro)


def require_systems(ctx: Context) -> None:
    """Stop the page with a clear message when the filters leave no ICS."""
    if ctx.view.empty:
        names = region_names(ctx.atlas)
        st.info(
            f"No {ctx.term('icb')} matches the filters ({ctx.filters.describe(names)}). "
            "Widen the region or wave selection in the sidebar, or clear the filters.",
            icon=":material/info:",
        )
        stop()


def footer() -> None:
    st.divider()
    st.caption(CREDITS)


# ---------------------------------------------------------------------------- moving between pages


def link(**page_params: str | None) -> dict[str, str]:
    """Query parameters for a link to another page: the current filters plus ``page_params``.

    The vintage is always in the link, even the default one, so a link keeps its meaning when a
    later release makes another vintage the default."""
    url = state()
    out = url.link(params.FILTER_KEYS, **page_params)
    out.setdefault("vintage", url.memory.get("vintage") or DEFAULT_VINTAGE)
    return out


def switch_to(page_name: str, **page_params: str | None) -> None:
    """Go to another page with some of its parameters set (the filters travel too)."""
    from ics_maps.app.site import page as site_page

    url = state()
    url.remember(**page_params)
    st.switch_page(site_page(page_name), query_params=link(**page_params))
