"""Coterminosity: any child tier against any parent tier, weighted by residents or area, with a tolerance."""
import streamlit as st

from ics_maps import filters as F
from ics_maps import ui
from ics_maps.nesting import RELATIONSHIPS, label_relationships, relationship_summary, split_units

with ui.page("Coterminosity",
             "Which units of one tier sit inside, across or exactly on the units of another. "
             "Pick the two tiers, the weighting and the tolerance; the table, the map and the CSV all show "
             "the same rows.") as ctx:
    ui.require_systems(ctx)

    SLIVER = 0.01  # under area weighting, splits that vanish at this tolerance are reported as likely slivers
    CHILD_TIERS = ("lad", "utla", "sicbl", "pcn", "icb", "practice", "lsoa")
    PARENT_TIERS = ("icb", "sicbl", "utla", "lad", "pcn", "region")
    link_warnings: list[str] = []  # bad link values: shown under the controls, not squeezed into a column
    c1, c2, c3, c4 = st.columns([1.2, 1.2, 1, 1.2])
    with c1:
        child = ui.url_widget("child", st.selectbox, lambda v: F.parse_choice(v, CHILD_TIERS, "lad", "child tier"),
                              lambda v: None if v == "lad" else v, "Child tier (units classified)", CHILD_TIERS,
                              warnings=link_warnings,
                              format_func=lambda t: ui.tier_label(t, ctx.atlas))
    with c2:
        parent = ui.url_widget("parent", st.selectbox, lambda v: F.parse_choice(v, PARENT_TIERS, "icb", "parent tier"),
                               lambda v: None if v == "icb" else v, "Parent tier", PARENT_TIERS,
                               warnings=link_warnings,
                               format_func=lambda t: ui.tier_label(t, ctx.atlas))
    with c3:
        weight = ui.url_widget("weight", st.radio, lambda v: F.parse_choice(v, ("population", "area"), "population",
                                                                             "weighting"),
                               lambda v: None if v == "population" else v, "Weighting", ("population", "area"),
                               warnings=link_warnings,
                               horizontal=True,
                               format_func=lambda w: {"population": "Residents", "area": "Area"}[w],
                               help="Residents: Census 2021 people summed over LSOAs (exact for ONS best-fit tiers). "
                                    "Area: a polygon overlay in km².")
    with c4:
        pct = ui.url_widget("tol", st.slider, ui.parse_percent(0.0, 20.0, "tolerance"), ui.percent_text,
                            "Tolerance (%)", 0.0, 20.0, step=0.5, format="%.1f%%", warnings=link_warnings,
                            help="A child with at most this share of its residents (or area) outside its main parent "
                                 "still counts as nested.")
        tol = round(float(pct) / 100, 6)
    for w in link_warnings:
        st.warning(w, icon=":material/warning:")

    table, error = ui.coterminosity_or_error(ctx.vintage, child, parent, weight, float(tol))
    if error:
        st.error(error, icon=":material/block:")
        ui.stop()
    if "pcn" in (child, parent) and child != "practice" and weight == "population" and tol == 0:
        st.info("PCN shares are fractional: a PCN's registered patients spread across council and system lines, and "
                "outside Staffordshire and Stoke-on-Trent those shares are modelled. At 0% tolerance almost every PCN "
                "counts as split; a tolerance of 5% shows which PCNs sit essentially inside one parent.",
                icon=":material/info:")
    shown = F.filter_table(table, ctx.view, child)
    if weight == "area" and tol < SLIVER:
        split_now = set(shown.loc[shown["relationship"] == "split", "child_code"])
        at_sliver = shown.loc[label_relationships(shown, SLIVER) == "split", "child_code"]
        stay = len(split_now & set(at_sliver))
        if split_now and stay < len(split_now):
            st.info(f"At a {SLIVER:.0%} tolerance {len(split_now) - stay:,} of these {len(split_now):,} split "
                    f"{ui.tier_plural(child, ctx.atlas)} are no longer split and {stay:,} stay split. Most area "
                    "splits are slivers: the two layers come from differently generalised ONS boundary files whose "
                    "edges do not line up. Residents weighting sums whole LSOAs and has no slivers.",
                    icon=":material/info:")
    only_split = ui.url_widget("split", st.toggle, lambda v: F.parse_flag(v, "split-only switch"),
                               lambda v: "1" if v else None, "Show split children only",
                               widget_key="cot_only_split",
                               help="Keep the rows of children that cut across a parent's boundary (not those made "
                                    "of whole parents).")
    if only_split:
        shown = split_units(shown)

    cl, pl = ui.tier_label(child, ctx.atlas), ui.tier_label(parent, ctx.atlas)
    if shown.empty:
        st.info(f"No overlapping {cl} × {pl} pairs for these settings and filters — nothing to show or download. "
                "Try other tiers, or widen the filters.", icon=":material/info:")
        ui.stop()

    summary = relationship_summary(shown)
    m = st.columns(5)
    n_children = int(summary["children"].sum())
    m[0].metric(ui.sentence(ui.tier_plural(child, ctx.atlas)), ui.fmt_int(n_children),
                help=f"{ui.tier_help(child)} units in the table")
    for i, rel in enumerate(RELATIONSHIPS, start=1):
        row = summary[summary["relationship"] == rel].iloc[0]
        m[i].metric(rel.capitalize(), ui.fmt_int(row["children"]),
                    help=f"{ui.fmt_pct(row['share_of_children'])} of the children; "
                         f"{ui.fmt_int(row['residents'])} residents" if child != "practice" else None)
    st.caption(f"{len(shown):,} rows (one per overlapping {cl} × {pl} pair) · weighting: {weight} · "
               f"tolerance {pct:g}% · "
               f"vintage {ctx.vintage}"
               + (" · PCN figures use indicative catchments" if "pcn" in (child, parent) else ""))
    note = ui.missing_note(ctx, table, child, parent, weight)
    if note:
        st.caption(note)

    ui.coterminosity_map(ctx, shown, child, parent)

    ui.download_csv(shown, ui.file_slug("coterminosity", child, "in", parent, ctx.vintage, weight, f"tol{pct:g}pct",
                                        "split-only" if only_split else None, *ctx.filters.slug_parts()) + ".csv",
                    label="Download this table (CSV)", key="cot_download")
    ui.coterminosity_dataframe(shown, child, parent)
