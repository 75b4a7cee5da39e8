"""Place: one council and the systems, sub-ICB locations and PCNs that serve its residents, with
shares."""

import streamlit as st

from ics_maps.analysis.breakdowns import council_counterpart, place_flows, rows_for
from ics_maps.app import caches, frame, panels, params, prose, widgets
from ics_maps.app.people_view import people_view
from ics_maps.presentation import charts, maps
from ics_maps.presentation.style import (
    TIER_PLURAL,
    council_kind,
    fmt_int,
    fmt_pct,
    is_single_tier,
    sentence,
    short_name,
    tier_label,
)
from ics_maps.tiers import PCN_SERVING_SHARE, default_tolerance

LA_TIERS = {"utla": sentence(TIER_PLURAL["utla"]), "lad": sentence(TIER_PLURAL["lad"])}


def show() -> None:
    """The page. Its tables live in this function's locals, freed when the run ends: a session
    keeps its widgets' functions, which would hold a module-level namespace, for its whole life."""
    with frame.page(
        "Place",
        "Pick a council to see which integrated care systems, sub-ICB locations and primary care "
        "networks serve its residents, and in what shares (Census 2021 residents).",
    ) as ctx:
        frame.require_systems(ctx)
        c1, c2 = st.columns([1, 2])
        with c1:
            tier = params.COUNCIL_TIER.widget(
                st.radio,
                "Council tier",
                list(LA_TIERS),
                format_func=LA_TIERS.get,
                help="Upper tier: counties and unitaries (social care, public health). "
                "Lower tier: districts and unitaries.",
            )
        las = ctx.view.tier(tier).sort_values("name")
        names = dict(zip(las["code"], las["name"], strict=False))
        current = params.PLACE.value()
        if current not in names:  # the council tier changed: stay in the same place
            other = council_counterpart(ctx.atlas, current, tier)
            if other in names:
                params.PLACE.remember(other)
        with c2:
            code = params.among(params.PLACE, list(names), "council").widget(
                st.selectbox,
                f"Council ({len(names)} in view; type to search)",
                list(names),
                format_func=names.get,
            )
        la = las[las["code"] == code].iloc[0]
        icb_t = rows_for(
            caches.coterminosity_table(ctx.vintage, tier, "icb", "population", 0.0), child=code
        )
        sic_t = rows_for(
            caches.coterminosity_table(ctx.vintage, tier, "sicbl", "population", 0.0), child=code
        )
        pcn_t = rows_for(
            caches.coterminosity_table(
                ctx.vintage, tier, "pcn", "population", default_tolerance(tier, "pcn")
            ),
            child=code,
        )
        pcn_t = pcn_t.sort_values("share_of_child", ascending=False).reset_index(drop=True)

        st.subheader(prose.text(la["name"]))
        rel = icb_t["relationship"].iloc[0] if len(icb_t) else "–"
        kind = council_kind(code) + (" (one council in both tiers)" if is_single_tier(code) else "")
        st.caption(
            f"{prose.text(code)} · {prose.text(kind)} · relationship to the {ctx.term('icb')} "
            f"tier: **{prose.text(rel)}**"
        )
        serving = pcn_t[pcn_t["share_of_child"] >= PCN_SERVING_SHARE]
        widgets.figures(
            [
                ("Residents", fmt_int(la["residents"]), "Census 2021 usual residents"),
                (f"{ctx.term('icb')}s serving", fmt_int(len(icb_t)), None),
                (f"{ctx.term('sicbl')}s", fmt_int(len(sic_t)), None),
                (
                    f"PCNs serving ≥ {PCN_SERVING_SHARE:.0%}",
                    fmt_int(len(serving)),
                    f"PCNs to which at least {PCN_SERVING_SHARE:.0%} of the council's residents "
                    f"are attributed ({len(pcn_t)} with any; indicative catchments). The map draws "
                    "these.",
                ),
                (
                    f"Share in main {ctx.term('icb')}",
                    fmt_pct(icb_t["share_of_child"].max() if len(icb_t) else None),
                    None,
                ),
            ]
        )
        st.markdown(
            "**Served by:** "
            + " · ".join(
                f"{prose.text(r.parent_name)} — {fmt_pct(r.share_of_child)} of residents "
                f"({fmt_int(r.overlap_residents)})"
                for r in icb_t.itertuples()
            )
        )

        tab_map, tab_who, tab_flows, tab_tables = widgets.lazy_tabs(
            ["Map of PCNs", "People", "Residents to systems", "Shares tables"], key="place_tab"
        )
        if tab_map.open:
            with tab_map:
                footprints = ctx.layer("pcn", serving["parent_code"])
                districts = caches.coterminosity_table(ctx.vintage, "pcn", "lad", "population", 0.0)
                near = districts.loc[
                    districts["child_code"].isin(set(serving["parent_code"]))
                    & (districts["share_of_child"] >= PCN_SERVING_SHARE),
                    "parent_code",
                ]
                m = lambda: maps.pcn_map(  # noqa: E731 - built only if not already rendered
                    footprints,
                    ctx.practices_layer(
                        ctx.rows("practice", "pcn", serving["parent_code"])["code"]
                    ),
                    boundary=ctx.layer(tier, [code]),
                    systems=ctx.layer("icb", icb_t["parent_code"]),
                    labels=ctx.layer("lad", set(near) | ({code} if tier == "lad" else set())),
                )
                widgets.show_map(
                    m, key="place_map", height=520, returned=(), shared=(ctx.vintage, tier, code)
                )
                widgets.download_geojson(
                    footprints,
                    prose.file_slug("pcn_footprints_serving", code, ctx.vintage) + ".geojson",
                )
                st.caption(
                    f"Black outline: {prose.text(la['name'])}; heavy dashed lines: the "
                    f"{ctx.term('icb')}s that serve it"
                    + (f" ({len(icb_t)}: where the council is split)" if len(icb_t) > 1 else "")
                    + f". PCN footprints (indicative) to which at least {PCN_SERVING_SHARE:.0%} of "
                    "its residents are attributed, in a few colours so that neighbours differ, "
                    "with their member practices in their PCN's colour. District names show when "
                    "zoomed in; an OpenStreetMap base map can be switched on in the layer box (it "
                    "needs internet)."
                )
        if tab_who.open:
            with tab_who:
                people_view(ctx, tier, code)
        if tab_flows.open:
            with tab_flows:
                lad_icb = caches.coterminosity_table(ctx.vintage, "lad", "icb", "population", 0.0)
                flows = place_flows(lad_icb, ctx.atlas.tier("lad"), tier, code)
                flows["system"] = flows["system"].map(short_name)
                fig = charts.residents_sankey(flows, "district", "system", "residents")
                fig.update_layout(height=140 + 45 * len(flows))
                st.plotly_chart(fig, key="place_sankey")
                n_districts = flows["district"].nunique()
                st.caption(
                    f"Each of its {n_districts} districts' Census 2021 residents by the system "
                    "they live in; each label carries its total."
                    if n_districts > 1
                    else f"The {prose.text(council_kind(code))}'s Census 2021 residents by the "
                    "system they live in; each label carries its total."
                )
        if tab_tables.open:
            with tab_tables:
                tabs = st.tabs([f"{ctx.term('icb')}s", f"{ctx.term('sicbl')}s", "PCNs"])
                for tab, (t, parent) in zip(
                    tabs, [(icb_t, "icb"), (sic_t, "sicbl"), (pcn_t, "pcn")], strict=False
                ):
                    with tab:
                        st.caption(
                            "Share of child: share of the council's residents; share of parent: "
                            f"share of the {tier_label(parent, ctx.atlas)}'s residents who live in "
                            "the council."
                            + (" PCN figures use indicative catchments." if parent == "pcn" else "")
                        )
                        tail = (
                            t[t["share_of_child"] < PCN_SERVING_SHARE]
                            if parent == "pcn"
                            else t.iloc[:0]
                        )
                        if len(tail):
                            st.caption(
                                f"{len(tail)} of these {len(t)} PCNs hold under "
                                f"{PCN_SERVING_SHARE:.0%} of the council's residents each "
                                f"({fmt_int(tail['overlap_residents'].sum())} in all): patients "
                                "registered far from home (students, people who have moved) and "
                                "the thin edges of modelled catchments. The map and the count "
                                "above leave them out."
                            )
                        panels.coterminosity_dataframe(
                            t,
                            tier,
                            parent,
                            ctx.atlas,
                            height=320,
                            key=f"place_{parent}",
                            download=prose.file_slug(tier, code, "in", parent, ctx.vintage)
                            + ".csv",
                        )


show()
