"""System: one ICS — its places (councils, sub-ICB locations) and PCNs as map layers, population by
tier, and its coterminosity tables."""

import functools

import streamlit as st

from ics_maps.analysis.breakdowns import children_of, system_breakdown
from ics_maps.app import caches, frame, panels, params, prose, widgets
from ics_maps.app.people_view import people_view
from ics_maps.app.site import page as site_page
from ics_maps.presentation import charts, maps
from ics_maps.presentation.style import fmt_int, short_name
from ics_maps.tiers import PCN_PAIR_TOLERANCE, PCN_SERVING_SHARE, default_tolerance

PLACE_TIERS = {
    "lad": "Districts and unitaries (lower tier)",
    "utla": "Counties and unitaries (upper tier)",
    "sicbl": "Sub-ICB locations",
}


def show() -> None:
    """The page. Its tables live in this function's locals, freed when the run ends: a session
    keeps its widgets' functions, which would hold a module-level namespace, for its whole life."""
    with frame.page(
        "System",
        "One integrated care system: the councils and sub-ICB locations it covers, its primary "
        "care networks, and how its residents divide between them. Pick a system below or click "
        "one on the Overview map.",
    ) as ctx:
        frame.require_systems(ctx)
        icbs = ctx.view.tier("icb").sort_values("name")
        names = dict(zip(icbs["code"], icbs["name"], strict=False))
        ods = {
            str(o): c
            for c, o in zip(icbs["code"], icbs["ods_code"], strict=False)
            if isinstance(o, str)
        }
        frame.follow_vintage_change(ctx, params.ICB, "icb", names)
        ods.update(frame.follow_old_code(ctx, params.ICB, "icb", names, ods))
        code = params.among(params.ICB, list(names), ctx.term("icb"), aliases=ods).widget(
            st.selectbox,
            f"Integrated care system ({len(names)} in view)",
            list(names),
            format_func=names.get,
        )
        icb = icbs[icbs["code"] == code].iloc[0]
        s = caches.summary_table(ctx.vintage, "icb").set_index("code").loc[code]

        st.subheader(prose.text(icb["name"]))
        ods_code = icb["ods_code"] if isinstance(icb["ods_code"], str) else "–"
        st.caption(
            f"ONS {prose.text(code)} · ODS {prose.text(ods_code)} · "
            f"{prose.text(icb['region_name'])} · "
            f"wave(s) by residents: {prose.text(icb['waves'])}"
        )
        widgets.figures(
            [
                ("Residents", fmt_int(s["residents"]), "Census 2021 usual residents"),
                ("Registered patients", fmt_int(s["registered"]), "GP list sizes, April 2025"),
                (f"{ctx.term('sicbl')}s", fmt_int(s["n_sicbl"]), None),
                (
                    "Districts wholly / partly in",
                    f"{fmt_int(s['n_lad_whole'])} / {fmt_int(s['n_lad_part'])}",
                    "District and unitary (lower-tier) councils wholly / partly inside the system, "
                    "by residents",
                ),
                ("PCNs", fmt_int(s["n_pcn"]), None),
                ("GP practices", fmt_int(s["n_practices"]), None),
            ]
        )
        gap = prose.registered_gap(s["residents"], s["registered"])
        if gap:
            st.info(gap, icon=":material/groups:")

        lad_t = children_of(
            caches.coterminosity_table(ctx.vintage, "lad", "icb", "population", 0.0), code
        )
        utla_t = children_of(
            caches.coterminosity_table(ctx.vintage, "utla", "icb", "population", 0.0), code
        )
        st.markdown(prose.council_lines(utla_t, code, s["relationship_to_utla"], s["n_utla_whole"]))
        sicbls = ctx.rows("sicbl", "icb", code)["code"]
        pcns = ctx.rows("pcn", "icb", code)["code"]
        practices = ctx.rows("practice", "icb", code)
        tab_map, tab_who, tab_people, tab_tables = widgets.lazy_tabs(
            ["Map", "People", "Residents by place and PCN", "Coterminosity"], key="system_tab"
        )
        if tab_map.open:
            with tab_map:

                @functools.cache
                def shown() -> dict:
                    """The map's layers, cut out only when the map is rendered or downloaded."""
                    return {
                        "icb": ctx.layer("icb", [code]),
                        "utla": ctx.layer("utla", utla_t["child_code"]),
                        "lad": ctx.layer("lad", lad_t["child_code"]),
                        "sicbl": ctx.layer("sicbl", sicbls),
                        "pcn": ctx.layer("pcn", pcns),
                        "practice": ctx.practices_layer(practices["code"]),
                    }

                def m():  # built only if not already rendered for this system
                    layers = shown()
                    return maps.system_map(
                        layers["icb"],
                        {t: layers[t] for t in ("utla", "lad", "sicbl", "pcn")},
                        layers["practice"],
                        show=("lad", "pcn"),
                        labels=layers["lad"],
                    )

                out = widgets.show_map(m, key="system_map", height=560, shared=(ctx.vintage, code))
                widgets.download_geojson(
                    lambda: widgets.stack_layers(shown()),  # made only when the button is clicked
                    prose.file_slug(code, "layers", ctx.vintage) + ".geojson",
                    label="Download the map's layers (GeoJSON)",
                )
                st.caption(
                    "Tick layers on and off in the map's layer box (no reload); the "
                    "heavy black line is the system's boundary, dots are GP practices "
                    "sized by list and coloured by PCN (neighbouring PCNs differ). PCN "
                    "footprints are *indicative*: derived from registrations or modelled "
                    "(see About). District names show when zoomed in; an OpenStreetMap "
                    "base map can be switched on (it needs internet). Click a council or "
                    "a PCN to open it." + prose.derived_note(ctx.atlas, ("sicbl", "utla"))
                )
                tier, clicked = widgets.clicked(out)
                if tier in ("lad", "utla"):
                    st.page_link(
                        site_page("place"),
                        label=f"Open {prose.text(ctx.unit_name(tier, clicked))} on the Place page",
                        icon=":material/account_balance:",
                        query_params=frame.link(la=tier, place=clicked),
                    )
                elif tier == "pcn":
                    st.page_link(
                        site_page("pcn"),
                        label=f"Open {prose.text(ctx.unit_name('pcn', clicked))} on the PCN page",
                        icon=":material/stethoscope:",
                        query_params=frame.link(pcn=clicked),
                    )

        if tab_who.open:
            with tab_who:
                people_view(ctx, "icb", code)

        if tab_people.open:
            with tab_people:
                place_tier = st.radio(
                    "Places are",
                    list(PLACE_TIERS),
                    format_func=PLACE_TIERS.get,
                    horizontal=True,
                    key="system_place_tier",
                )
                leaves = system_breakdown(ctx.atlas, code, place_tier, min_share=PCN_SERVING_SHARE)
                leaves["icb"] = short_name(icb["name"])
                leaves = leaves.rename(
                    columns={
                        "place_name": "place",
                        "place": "place_code",
                        "pcn_name": "pcn",
                        "pcn": "pcn_code",
                    }
                )
                fig = charts.population_treemap(leaves, ("icb", "place", "pcn"))
                fig.update_layout(height=620)
                st.plotly_chart(fig, key="system_treemap")
                st.caption(
                    "Census 2021 residents, one colour per place. A place's residents are divided "
                    "between PCNs by the share of each LSOA's residents attributed to each PCN "
                    "(registrations where published, modelled elsewhere: indicative). PCNs serving "
                    f"under {PCN_SERVING_SHARE:.0%} of a place are grouped. Names are written "
                    "where they fit; hover for the rest, or click a box to zoom in."
                )

        if tab_tables.open:
            with tab_tables:
                tabs = st.tabs(
                    [
                        "Districts and unitaries × systems",
                        "Counties and unitaries × systems",
                        f"{ctx.term('sicbl')}s × districts",
                        "PCNs × districts",
                    ]
                )
                sic_t = caches.coterminosity_table(ctx.vintage, "sicbl", "lad", "population", 0.0)
                pcn_t = caches.coterminosity_table(
                    ctx.vintage, "pcn", "lad", "population", default_tolerance("pcn", "lad")
                )
                for tab, (t, child, parent, note) in zip(
                    tabs,
                    [
                        (
                            lad_t,
                            "lad",
                            "icb",
                            "Every district with residents in this system, with all its systems.",
                        ),
                        (
                            utla_t,
                            "utla",
                            "icb",
                            "Every county or unitary with residents in this system, with all its "
                            "systems.",
                        ),
                        (
                            sic_t[sic_t["child_code"].isin(set(sicbls))],
                            "sicbl",
                            "lad",
                            "The system's sub-ICB locations and the districts they cover.",
                        ),
                        (
                            pcn_t[pcn_t["child_code"].isin(set(pcns))],
                            "pcn",
                            "lad",
                            "Where each PCN's attributed residents live (indicative catchments); a "
                            f"PCN with at least {1 - PCN_PAIR_TOLERANCE:.0%} of them in one "
                            "district counts as nested in it.",
                        ),
                    ],
                    strict=False,
                ):
                    with tab:
                        st.caption(
                            note
                            + " Shares are of Census 2021 residents. Full tables: Coterminosity "
                            "page."
                        )
                        panels.coterminosity_dataframe(
                            t.reset_index(drop=True),
                            child,
                            parent,
                            ctx.atlas,
                            height=360,
                            key=f"system_{child}_{parent}",
                            download=prose.file_slug(code, child, "in", parent, ctx.vintage)
                            + ".csv",
                        )


show()
