"""Overview: the national map of ICSs with the headline figures beside it (below it on narrow
screens), then one row per system and the wave timeline."""

import streamlit as st

from ics_maps.analysis.filters import filter_waves
from ics_maps.app import caches, frame, panels, params, prose, widgets
from ics_maps.app.people_view import people_ranking
from ics_maps.presentation import maps
from ics_maps.presentation.style import (
    PROFILE_MEASURES,
    TIER_PLURAL,
    fmt_int,
    fmt_pct,
    sentence,
    short_name,
)

COLOR_BY = {
    "residents": "Population",
    "region": "NHS region",
    "wave": "ICS wave",
    "councils": "Council lines",
    "people": "People",
}
MAP_HEIGHT = 470  # with the title and the colour switch, inside a 1,000 × 800 first screen


def show() -> None:
    """The page. Its tables live in this function's locals, freed when the run ends: a session
    keeps its widgets' functions, which would hold a module-level namespace, for its whole life."""
    with frame.page(
        "England's integrated care systems",
        "Every ICS (integrated care system) in England. **Click a system on the map** to open it; "
        "the sidebar narrows every page to NHS regions or ICS waves.",
    ) as ctx:
        frame.require_systems(ctx)
        h = caches.headline_figures(ctx.vintage, ctx.filters)
        with st.container(key="stack_overview"):  # frame.PAGE_CSS stacks the two below 1,200 px
            map_col, figures_col = st.columns([2.2, 1], gap="medium")
        with map_col:
            color_by = params.COLOR.widget(
                st.segmented_control,
                "Colour systems by",
                list(COLOR_BY),
                format_func=COLOR_BY.get,
                required=True,
                label_visibility="collapsed",
            )
            icbs = ctx.layer("icb")
            if color_by == "councils":  # worked out only when asked for: the first map stays quick
                lines = caches.summary_table(ctx.vintage, "icb").set_index("code")[
                    "relationship_to_utla"
                ]
                icbs = icbs.assign(council_lines=icbs["code"].map(lines))
            colour, bins = color_by, ctx.atlas.meta.get("icb_residents_bins")
            if color_by == "people":  # any profile measure, classed over all England's systems
                colour = params.MEASURE.widget(
                    st.selectbox,
                    "Measure",
                    list(PROFILE_MEASURES),
                    format_func=lambda c: PROFILE_MEASURES[c].label,
                    label_visibility="collapsed",
                )
                values = caches.profile_table(ctx.vintage, "icb").set_index("code")[colour]
                icbs = icbs.assign(**{colour: icbs["code"].map(values)})
                bins = caches.profile_breaks(ctx.vintage, "icb", colour)
            out = widgets.show_map(
                lambda: maps.ics_map(icbs, color_by=colour, bins=bins),
                key="overview_map",
                height=MAP_HEIGHT,
                shared=(ctx.vintage, color_by, colour, ctx.filters),  # rendered once per server
            )
            widgets.download_geojson(icbs, prose.file_slug("ics", ctx.vintage) + ".geojson")
            st.caption(
                "Boundaries: ONS, simplified for the web. Hover for a system's name and figures; "
                "click it to open its System page."
                + (
                    " Council lines: a red system shares at least one county or unitary council "
                    "with another system (its System page says which, and how many residents each "
                    "side holds)."
                    if color_by == "councils"
                    else ""
                )
                + (prose.people_map_note(PROFILE_MEASURES[colour]) if color_by == "people" else "")
            )
            tier, code = widgets.on_new_click(out, "overview_map")
            if tier == "icb" and code in ctx.view.icb_codes:
                frame.switch_to("system", icb=code)
        with figures_col:
            widgets.figures(  # two to a row beside the map, four below it
                (
                    (f"{ctx.term('icb')}s", fmt_int(h["icb"]), None),
                    (
                        "Residents",
                        fmt_int(h["residents"]),
                        "Census 2021 usual residents, summed over LSOAs. "
                        + prose.residents_gap(ctx.atlas),
                    ),
                    (
                        "Registered patients",
                        fmt_int(h["registered"]),
                        "GP list sizes, April 2025. " + prose.REGISTERED_VS_RESIDENTS,
                    ),
                    (
                        "PCNs",
                        fmt_int(h["pcn"]),
                        f"{fmt_pct(h['pcn_in_band'], 0)} of them have 30–50k registered patients",
                    ),
                    (f"{ctx.term('sicbl')}s", fmt_int(h["sicbl"]), None),
                    (
                        sentence(TIER_PLURAL["utla"]),
                        fmt_int(h["utla"]),
                        "Upper-tier councils (counties, unitaries, London and metropolitan "
                        "boroughs) with residents in these systems; a split council counts once",
                    ),
                    (
                        sentence(TIER_PLURAL["lad"]),
                        fmt_int(h["lad"]),
                        "Lower-tier councils (districts, unitaries, London and metropolitan "
                        "boroughs) with residents in these systems; a split council counts once",
                    ),
                    ("GP practices", fmt_int(h["practice"]), None),
                )
            )
            st.caption(
                f"Smallest system: {prose.text(short_name(h['icb_min_name']))}, "
                f"{fmt_int(h['icb_min'])} residents · median {fmt_int(h['icb_median'])} · largest: "
                f"{prose.text(short_name(h['icb_max_name']))}, {fmt_int(h['icb_max'])}. "
                f"{fmt_pct(h['pcn_in_band'], 0)} of PCNs have 30–50k registered patients."
            )

        tab_table, tab_rank, tab_waves = widgets.lazy_tabs(
            [f"{ctx.term('icb')}s table", "People rankings", "Designation waves"],
            key="overview_tab",
        )
        if tab_table.open:
            with tab_table:
                panels.icb_summary_table(ctx)
        if tab_rank.open:
            with tab_rank:
                people_ranking(ctx)
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
                        "The 42 ICSs of 2021–22 by the wave that designated them (ics_waves.csv, "
                        "with sources). Merged 2026 systems carry the wave covering most of their "
                        "residents."
                    )


show()
