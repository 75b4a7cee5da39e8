"""Overview: the national map of ICSs, headline figures, the wave timeline and one row per
system."""

import streamlit as st

from ics_maps.analysis.filters import filter_waves, headline
from ics_maps.app import caches, frame, panels, params, prose, widgets
from ics_maps.presentation import maps
from ics_maps.presentation.style import TIER_PLURAL, fmt_int, fmt_pct, sentence

COLOR_BY = {
    "residents": "Population",
    "region": "NHS region",
    "wave": "ICS wave",
    "councils": "Council lines",
}

with frame.page(
    "England's integrated care systems",
    "Every ICS (integrated care system) in England with its people, places and primary care "
    "networks. "
    "**Click a system on the map** to open it; use the sidebar to narrow everything to NHS regions "
    "or "
    "ICS waves.",
) as ctx:
    frame.require_systems(ctx)
    h = headline(ctx.view)
    cols = st.columns(4)
    cols[0].metric(f"{ctx.term('icb')}s", fmt_int(h["icb"]))
    cols[1].metric(
        "Residents",
        fmt_int(h["residents"]),
        help="Census 2021 usual residents, summed over LSOAs. " + prose.residents_gap(ctx.atlas),
    )
    cols[2].metric(
        "Registered patients", fmt_int(h["registered"]), help="GP list sizes, April 2025"
    )
    cols[3].metric(
        "PCNs",
        fmt_int(h["pcn"]),
        help=f"{fmt_pct(h['pcn_in_band'], 0)} of them have 30–50k registered patients",
    )
    cols = st.columns(4)
    cols[0].metric(f"{ctx.term('sicbl')}s", fmt_int(h["sicbl"]))
    cols[1].metric(
        sentence(TIER_PLURAL["utla"]),
        fmt_int(h["utla"]),
        help="Upper-tier councils (counties, unitaries, London and metropolitan boroughs) with "
        "residents "
        "in these systems; a split council counts once",
    )
    cols[2].metric(
        sentence(TIER_PLURAL["lad"]),
        fmt_int(h["lad"]),
        help="Lower-tier councils (districts, unitaries, London and metropolitan boroughs) with "
        "residents "
        "in these systems; a split council counts once",
    )
    cols[3].metric("GP practices", fmt_int(h["practice"]))
    st.caption(
        f"Smallest system {fmt_int(h['icb_min'])} residents · median {fmt_int(h['icb_median'])} · "
        f"largest {fmt_int(h['icb_max'])}. {fmt_pct(h['pcn_in_band'], 0)} of PCNs have 30–50k "
        "registered patients."
    )

    tab_map, tab_waves, tab_table = widgets.lazy_tabs(
        ["Map", "Designation waves", f"{ctx.term('icb')}s table"], key="overview_tab"
    )
    if tab_map.open:
        with tab_map:
            color_by = params.COLOR.widget(
                st.segmented_control,
                "Colour systems by",
                list(COLOR_BY),
                format_func=COLOR_BY.get,
                required=True,
            )
            icbs = ctx.layer("icb")
            if color_by == "councils":  # worked out only when asked for: the first map stays quick
                lines = caches.summary_table(ctx.vintage, "icb").set_index("code")[
                    "relationship_to_utla"
                ]
                icbs = icbs.assign(council_lines=icbs["code"].map(lines))
            out = widgets.show_map(
                lambda: maps.ics_map(
                    icbs, color_by=color_by, bins=ctx.atlas.meta.get("icb_residents_bins")
                ),
                key="overview_map",
                height=540,
                shared=(ctx.vintage, color_by, ctx.filters),  # rendered once per server
            )
            st.caption(
                "Boundaries: ONS, simplified for the web. Hover for names, ONS and ODS codes, "
                "wave, residents "
                "and PCN count; click a system to open it on the System page."
                + (
                    " Council lines: a red system shares at least one county or unitary council "
                    "with another "
                    "system (its System page says which, and how many residents each side holds)."
                    if color_by == "councils"
                    else ""
                )
            )
            tier, code = widgets.on_new_click(out, "overview_map")
            if tier == "icb" and code in ctx.view.icb_codes:
                frame.switch_to("system", icb=code)
    if tab_waves.open:
        with tab_waves:
            waves = filter_waves(caches.waves_table(), ctx.filters)
            if waves.empty:
                st.info(
                    "None of the 42 ICSs designated in 2017–2021 matches the filters.",
                    icon=":material/info:",
                )
            else:
                panels.wave_chart(waves)
                st.caption(
                    "The 42 ICSs of 2021–22 by the wave that designated them (ics_waves.csv, with "
                    "sources). Merged 2026 systems carry the wave covering most of their residents."
                )
    if tab_table.open:
        with tab_table:
            panels.icb_summary_table(ctx)
