"""PCN: find a primary care network by search; its indicative footprint, member practices and list
size."""

import streamlit as st

from ics_maps.app import caches, frame, panels, params, prose, widgets
from ics_maps.app.people_view import people_view
from ics_maps.presentation import maps
from ics_maps.presentation.style import fmt_int

# How a PCN's footprint was made, in a sentence (the atlas's catchment methods).
FOOTPRINT_METHODS = {
    "registrations": "derived from published registrations: each LSOA goes to the PCN most of its "
    "registered residents use (NHS England practice × LSOA data, October 2025)",
    "modelled": "modelled from practice locations, list sizes and LSOA populations (a spatial "
    "interaction model fitted on the published registrations)",
}


def show() -> None:
    """The page. Its tables live in this function's locals, freed when the run ends: a session
    keeps its widgets' functions, which would hold a module-level namespace, for its whole life."""
    with frame.page(
        "Primary care network",
        "Search for a PCN by its name or code, or by a member practice's name, "
        "ODS code or postcode (practices' own postcodes: there is no full postcode "
        "directory). A PCN found through a practice says which one.",
    ) as ctx:
        frame.require_systems(ctx)
        pcns = ctx.view.tier("pcn")
        query = params.QUERY.widget(
            st.text_input,
            "Search PCNs",
            placeholder="e.g. Eccles, U00203, a practice code such as P87620, or a practice "
            "postcode such as M30 8AR",
            max_chars=80,
        )
        hits = caches.pcn_search(ctx.vintage, ctx.filters, query)  # search_pcns, kept per server
        valid = set(pcns["code"])
        names = dict(zip(pcns["code"], pcns["name"], strict=False))
        # why a PCN is listed, when not for its own name or code (a member practice's name, code or
        # postcode); the label still ends in "(PCN code)", like every other option
        why = {
            c: m
            for c, m in zip(hits["code"], hits["matched"], strict=False)
            if not str(m).startswith("PCN ")
        }
        options = list(hits["code"])
        current = params.PCN.parsing(lambda v: params.parse_code(v, valid, "PCN")).value()
        # opened from a link or another page: keep it
        if current and current not in options and not query:
            options.insert(0, current)
        if query and hits.empty:
            st.info(
                f"No PCN in view matches “{prose.text(query)}”. Try part of a name, a PCN code "
                "(U…), a practice code or a practice's postcode; or widen the sidebar filters.",
                icon=":material/search:",
            )
        if not options:
            st.caption(f"{len(pcns):,} PCNs in view. Type in the search box to find one.")
            params.PCN.write(None)
            panels.list_size_chart(pcns, None)
            frame.stop()

        def listed(v: str | None) -> tuple[str, None]:
            """A PCN among the matches (the first when the link's PCN is not one of them)."""
            found, _ = params.parse_code(v, valid, "PCN")
            return (found if found in options else options[0]), None

        more = "+" if len(hits) == 50 else ""
        code = params.PCN.parsing(listed).widget(
            st.selectbox,
            f"Matching PCNs ({len(hits)}{more})",
            options,
            format_func=lambda c: f"{names.get(c, c)}{' — ' + why[c] if c in why else ''} ({c})",
        )
        pcn = pcns[pcns["code"] == code].iloc[0]
        members = ctx.rows("practice", "pcn", code)

        st.subheader(prose.text(pcn["name"]))
        icb_name = ctx.atlas.tier("icb").set_index("code")["name"].get(pcn["icb"], pcn["icb"])
        sicbl_name = (
            ctx.atlas.tier("sicbl").set_index("code")["name"].get(pcn["sicbl"], pcn["sicbl"])
        )
        st.caption(f"ODS {prose.text(code)} · {prose.text(sicbl_name)} · {prose.text(icb_name)}")
        size = float(pcn["list_size"]) if str(pcn["list_size"]) != "<NA>" else None
        widgets.figures(
            [
                (
                    "Registered patients",
                    fmt_int(pcn["list_size"]),
                    "Sum of member practices' lists, April 2025",
                ),
                ("Member practices", fmt_int(pcn["n_practices"]), None),
                (
                    "Residents in footprint",
                    fmt_int(pcn["residents"]),
                    "Census 2021 residents attributed to this PCN (indicative)",
                ),
                (
                    "30–50k band",
                    "inside"
                    if size and 30_000 <= size <= 50_000
                    else ("below" if size and size < 30_000 else ("above" if size else "–")),
                    None,
                ),
            ]
        )
        method = str(pcn["method"])
        st.info(
            f"**Footprint: indicative.** A PCN has no official boundary. This one was "
            f"{prose.text(FOOTPRINT_METHODS.get(method, 'made by: ' + method))}.",
            icon=":material/explore:",
        )

        tab_map, tab_who, tab_sizes = widgets.lazy_tabs(
            ["Footprint and practices", "People", "List-size distribution"], key="pcn_tab"
        )
        if tab_map.open:
            with tab_map:
                with st.container(key="stack_pcn"):  # side by side from 1,200 px, else stacked
                    left, right = st.columns([3, 2])
                with left:
                    footprints = ctx.layer("pcn", ctx.rows("pcn", "sicbl", pcn["sicbl"])["code"])
                    shares = caches.pcn_la_table(ctx.vintage)
                    shares = shares[shares["pcn"] == code]
                    m = lambda: maps.pcn_map(  # noqa: E731 - built only if not already rendered
                        footprints,
                        ctx.practices_layer(members["code"]),
                        method=method,
                        selected=code,
                        boundary=ctx.layer("sicbl", [pcn["sicbl"]]),
                        labels=ctx.layer("lad", shares["la"]),
                    )
                    widgets.show_map(
                        m, key="pcn_map", height=480, returned=(), shared=(ctx.vintage, code)
                    )
                    widgets.download_geojson(
                        footprints,
                        prose.file_slug("pcn_footprints", pcn["sicbl"], ctx.vintage) + ".geojson",
                    )
                    drawn = pcn["geometry"] is not None and not pcn["geometry"].is_empty
                    st.caption(
                        (
                            f"Heavy outline: {prose.text(pcn['name'])}: "
                            if drawn
                            else f"**{prose.text(pcn['name'])} has no drawn footprint**: it is not "
                            f"the main PCN of any LSOA (its {fmt_int(pcn['residents'])} estimated "
                            "residents are shares of LSOAs where another PCN serves more people; "
                            "see *Where its patients live*). "
                        )
                        + f"the map opens on it. Other PCNs of {prose.text(sicbl_name)} for "
                        "context, in a few colours so that neighbours differ. Dots: member "
                        "practices, sized by list. District names show when zoomed in; the layers "
                        "button (top right) switches footprints, practices, names and an "
                        "OpenStreetMap base map (needs internet) on and off."
                    )
                with right:
                    st.markdown("**Member practices**")
                    widgets.dataframe(
                        members[
                            ["name", "code", "postcode", "list_size", "has_location"]
                        ].sort_values("name"),
                        {
                            "code": st.column_config.TextColumn("ODS code"),
                            "name": st.column_config.TextColumn("Practice", pinned=True),
                            "postcode": st.column_config.TextColumn("Postcode"),
                            "list_size": widgets.number("Registered patients"),
                            "has_location": st.column_config.CheckboxColumn("On map"),
                        },
                        height=250,
                        key="pcn_members",
                        download=prose.file_slug("pcn_practices", code, ctx.vintage) + ".csv",
                    )
                    st.markdown("**Where its patients live** (indicative)")
                    widgets.dataframe(
                        shares[["la", "la_name", "patients", "share"]],
                        {
                            "la": st.column_config.TextColumn("Code"),
                            "la_name": st.column_config.TextColumn("District or unitary"),
                            "patients": widgets.number(
                                "Patients",
                                help="Its registered patients estimated to live in each "
                                "district (from registrations where published, modelled "
                                "elsewhere). The headline 'Residents in footprint' "
                                "counts Census 2021 residents attributed to the PCN "
                                "instead, so the two totals differ.",
                            ),
                            "share": widgets.percent("Share of patients"),
                        },
                        height=215,
                        key="pcn_la",
                        order=["la_name", "patients", "share", "la"],
                        download=prose.file_slug("pcn_patients_by_district", code, ctx.vintage)
                        + ".csv",
                    )
                    st.caption(
                        prose.patients_note(shares["patients"].sum(), pcn["list_size"], method)
                    )
        if tab_who.open:
            with tab_who:
                people_view(ctx, "pcn", code)
        if tab_sizes.open:
            with tab_sizes:
                panels.list_size_chart(pcns, pcn)


show()
