"""Sections several pages share: coterminosity tables and maps, the systems table, the wave timeline
and the PCN list-size chart."""

from __future__ import annotations

import hashlib
from typing import Any

import pandas as pd
import streamlit as st

from ics_maps.app import caches
from ics_maps.app.frame import Context
from ics_maps.app.prose import derived_note, file_slug
from ics_maps.app.widgets import (
    SCREEN_ROWS,
    dataframe,
    download_geojson,
    for_display,
    number,
    percent,
    show_map,
)
from ics_maps.presentation.style import PCN_BAND, short_name, tier_label, tier_plural

# ICB and sub-ICB names are shown short on screen ("Greater Manchester" for "NHS Greater
# Manchester Integrated Care Board"), so they are not cut; the CSV keeps the full names.
SHORTENED = ("icb", "sicbl")
# On screen the names, shares and relationship come first, then the codes (ODS codes too), so at
# 1,000 px the shares are in sight.
COTERMINOSITY_ORDER = [
    "child_name",
    "parent_name",
    "share_of_child",
    "share_of_parent",
    "relationship",
    "overlap_residents",
    "child_code",
    "child_ods",
    "parent_code",
    "parent_ods",
    "child_residents",
    "parent_residents",
    "overlap_km2",
]


def coterminosity_config(child: str, parent: str, atlas: Any = None) -> dict:
    cl, pl = tier_label(child, atlas), tier_label(parent, atlas)
    return {
        "child_code": st.column_config.TextColumn(f"{cl} code"),
        "child_ods": st.column_config.TextColumn(f"{cl} ODS code"),
        "child_name": st.column_config.TextColumn(
            cl,
            pinned=True,
            help="Short name; the CSV has the full name" if child in SHORTENED else None,
        ),
        "parent_code": st.column_config.TextColumn(f"{pl} code"),
        "parent_ods": st.column_config.TextColumn(f"{pl} ODS code"),
        "parent_name": st.column_config.TextColumn(
            pl, help="Short name; the CSV has the full name" if parent in SHORTENED else None
        ),
        "overlap_residents": number(
            "Residents in both", help="Census 2021 usual residents in the child and the parent"
        ),
        "child_residents": number(f"{cl} residents"),
        "parent_residents": number(f"{pl} residents"),
        "share_of_child": percent(
            "Share of child", help="Overlap as a share of the child's residents (or area)"
        ),
        "share_of_parent": percent(
            "Share of parent", help="Overlap as a share of the parent's residents (or area)"
        ),
        "overlap_km2": st.column_config.NumberColumn("Overlap km²", format="%.2f"),
        "relationship": st.column_config.TextColumn(
            "Relationship",
            help="coterminous: the same as one parent; nested: inside one parent; combines: made "
            "of whole parents; split: cuts across a parent's boundary",
        ),
    }


def coterminosity_dataframe(
    df: pd.DataFrame,
    child: str,
    parent: str,
    atlas: Any = None,
    height: int | str = 480,
    key: str | None = None,
    download: str | None = None,
    csv_beside: bool = False,
) -> None:
    rows = df.head(SCREEN_ROWS)  # what the screen shows (:func:`dataframe`); the CSV has them all
    shown = rows.assign(
        **{
            f"{side}_name": rows[f"{side}_name"].map(short_name, na_action="ignore")
            for side, tier in (("child", child), ("parent", parent))
            if tier in SHORTENED
        }
    )
    dataframe(
        shown,
        coterminosity_config(child, parent, atlas),
        height=height,
        key=key,
        download=download,
        order=COTERMINOSITY_ORDER,
        csv=df,
        csv_beside=csv_beside,
        total_rows=len(df),
    )


def map_content_digest(per_child: pd.DataFrame, parent_codes: set[str] | None) -> str:
    """A digest of what a coterminosity map draws: each child with its relationship, main parent
    and share (:func:`ics_maps.analysis.nesting.children`), and the parents outlined (None: no
    parents drawn)."""
    digest = hashlib.sha1(pd.util.hash_pandas_object(per_child, index=False).to_numpy().tobytes())
    digest.update(repr(sorted(parent_codes) if parent_codes is not None else None).encode())
    return digest.hexdigest()


def coterminosity_map(
    ctx: Context,
    table: pd.DataFrame,
    child: str,
    parent: str,
    per_child: pd.DataFrame | None = None,
    shown: tuple | None = None,
) -> None:
    """The child units of ``table`` coloured by relationship (split ones stand out), parents
    outlined. ``per_child``: :func:`ics_maps.analysis.nesting.children` of ``table`` when the
    caller has it; ``shown``: the settings that made ``table``, so that what names the map is worked
    out once per server for them.

    The rendered map is kept for everyone under a digest of what it draws (each child's
    relationship and main parent, the parents outlined), not under the settings: the many
    tolerances that give the same relationships share one map, so links at a hundred tolerances
    add a few maps to the server's memory, not a hundred."""
    from ics_maps.analysis.nesting import children
    from ics_maps.presentation import maps

    if child in ("lsoa", "practice"):
        st.caption(
            f"No map for {tier_label(child, ctx.atlas)}s: "
            + (
                "33,755 small areas are too many to draw usefully; use the table or the CSV."
                if child == "lsoa"
                else "practices are points, always inside one parent; see the PCN page."
            )
        )
        return
    per_child = children(table) if per_child is None else per_child
    codes = set(per_child["child_code"])
    units = ctx.layer(child, codes, national=len(codes) > 400)
    parent_codes = set(table["parent_code"])
    parents = (
        ctx.layer(parent, parent_codes, national=len(parent_codes) > 200)
        if len(parent_codes) <= 400
        else None
    )

    def make():
        return maps.highlight_map(
            units,
            relationships=per_child,
            parents=parents,
            tier=child,
            parent_label=f"{tier_label(parent, ctx.atlas)} boundary",
        )

    def content() -> str:
        return map_content_digest(per_child, parent_codes if parents is not None else None)

    drawn = content() if shown is None else caches.kept(ctx.vintage, ("map", *shown), content)
    note = (
        " Footprints of PCNs are indicative." if "pcn" in (child, parent) else ""
    ) + derived_note(ctx.atlas, (child, parent))
    st.caption(
        f"Red: split, cutting across {tier_plural(parent, ctx.atlas)}; blue: nested in one; "
        f"purple: made of whole {tier_plural(parent, ctx.atlas)} (combines); green: coterminous. "
        f"Hover for the main parent and its share.{note}"
    )
    show_map(
        make,
        key="coterminosity_map",
        height=520,
        returned=(),
        shared=(ctx.vintage, child, parent, drawn),
    )
    cols = ["child_code", "relationship", "main_parent", "main_parent_name", "main_share"]
    layer = units.merge(
        per_child[cols].rename(columns={"child_code": "code"}), on="code", how="left"
    )
    download_geojson(
        layer,
        file_slug(child, "in", parent, ctx.vintage) + ".geojson",
        label="Download the map's layer (GeoJSON)",
        key="cot_geojson",
    )


def icb_summary_table(ctx: Context) -> None:
    """One row per ICS in the view: short names first with residents in sight at 1,000 px (the
    full NHS name in the last column and the CSV); every column sorts with a click on its header.
    The CSV holds the summary's documented columns (README: ``export summary --tier icb``)."""
    from ics_maps.app.prose import REGISTERED_GAP, REGISTERED_VS_RESIDENTS

    cols = [
        "short",
        "residents",
        "registered",
        "registered_vs_residents",
        "region_name",
        "wave",
        "waves",
        "relationship_to_utla",
        "n_sicbl",
        "n_lad_whole",
        "n_lad_part",
        "n_utla_whole",
        "n_utla_part",
        "n_pcn",
        "n_practices",
        "share_residents_in_split_lads",
        "code",
        "ods_code",
        "name",
    ]
    config = {
        "short": st.column_config.TextColumn(
            ctx.term("icb"),
            pinned=True,
            help="Short name (without NHS … Integrated Care Board); the full name is in the "
            "last column and the CSV. Click any header to sort.",
        ),
        "name": st.column_config.TextColumn("Full name"),
        "code": st.column_config.TextColumn("ONS code"),
        "ods_code": st.column_config.TextColumn("ODS code"),
        "region_name": st.column_config.TextColumn("NHS region"),
        "wave": st.column_config.NumberColumn(
            "Wave", format="%d", help="Designation wave covering most residents"
        ),
        "waves": st.column_config.TextColumn("Waves (share of residents)"),
        "residents": number("Residents", help="Census 2021 usual residents"),
        "registered": number("Registered", help="GP list sizes, April 2025"),
        "registered_vs_residents": percent(
            "Registered vs residents",
            help="Registered patients above (+) or below (−) residents, as a share of "
            f"residents. Over {REGISTERED_GAP:.0%} either way is worth a second look: "
            + REGISTERED_VS_RESIDENTS,
            signed=True,
        ),
        "n_sicbl": number(ctx.term("sicbl") + "s"),
        "relationship_to_utla": st.column_config.TextColumn(
            "Council lines",
            help="The system against counties and unitaries: coterminous (one council), "
            "combines (whole councils only), nested (inside one council) or split (shares a "
            "council with another system)",
        ),
        "n_lad_whole": number("Districts and unitaries wholly in"),
        "n_lad_part": number("Districts and unitaries partly in"),
        "n_utla_whole": number("Counties and unitaries wholly in"),
        "n_utla_part": number("Counties and unitaries partly in"),
        "n_pcn": number("PCNs"),
        "n_practices": number("Practices"),
        "share_residents_in_split_lads": percent(
            "Residents in split districts",
            help="Share of the system's residents living in districts that "
            "are split between systems",
        ),
    }

    def make() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        s = caches.summary_table(ctx.vintage, "icb")
        s = s[s["code"].isin(ctx.view.icb_codes)].sort_values("name")
        shown = s.assign(
            short=s["name"].map(short_name),
            registered_vs_residents=s["registered"] / s["residents"] - 1,
        )[cols]
        return shown, for_display(shown, config), s

    # the same rows for every session with these filters: made once (30 ms a view otherwise)
    shown, display, csv = caches.kept(ctx.vintage, ("icb_summary", ctx.view.icb_codes), make)
    dataframe(
        shown,
        config,
        key="icb_summary",
        download=file_slug("ics_summary", ctx.vintage, *ctx.filters.slug_parts()) + ".csv",
        csv=csv,
        display=display,
    )


def wave_chart(waves: pd.DataFrame) -> None:
    """The designation timeline of the ICSs in ``waves`` (each wave at its announcement month)."""
    from ics_maps.presentation import charts

    # the canonical month of each wave: a filtered subset's own "designated" notes may start earlier
    # (e.g. Greater Manchester's 2016 devolution deal) and would move the whole wave
    fig = charts.wave_timeline(waves.drop(columns=["designated"], errors="ignore"))
    if len(waves) <= 12:
        fig.update_yaxes(dtick=1)
    st.plotly_chart(fig, key="wave_timeline")


def list_size_chart(pcns: pd.DataFrame, selected: pd.Series | None = None) -> None:
    """PCN list sizes in the view with the 30–50k band; the selected PCN marked."""
    from ics_maps.presentation import charts

    fig = charts.list_size_histogram(
        pcns, title=f"PCNs by registered patients ({len(pcns):,} in view)"
    )
    if selected is not None and not pd.isna(selected["list_size"]):
        charts.mark_value(
            fig,
            float(selected["list_size"]),
            f"{selected['name']}: {float(selected['list_size']):,.0f} patients",
            "#DA291C",
            width=3,
        )
    st.plotly_chart(fig, key="list_size_histogram")
    st.caption(
        "List sizes: NHS England, April 2025, summed over member practices. The shaded band is the "
        f"{PCN_BAND[0]:,}–{PCN_BAND[1]:,} patients the PCN policy aimed for."
    )
