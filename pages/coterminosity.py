"""Coterminosity: any child tier against any parent tier, weighted by residents or area, with a
tolerance."""

import functools

import streamlit as st

from ics_maps.analysis.filters import filter_table
from ics_maps.analysis.nesting import children, relationship_summary, split_units
from ics_maps.analysis.overlap import RELATIONSHIPS, label_relationships
from ics_maps.app import caches, frame, panels, params, prose, widgets
from ics_maps.presentation.style import LABELS, fmt_int, fmt_pct, sentence, tier_label, tier_plural
from ics_maps.tiers import default_tolerance

# under area weighting, splits that vanish at this tolerance are reported as likely slivers
SLIVER = 0.01
KEEP_ROWS = 20_000  # tables up to this many rows keep their per-child table for every session


def rows(view, child: str, parent: str, weight: str, tol: float, only_split: bool):
    """The rows these settings show (from the tables every session shares)."""
    table = caches.coterminosity_table(view.filters.vintage, child, parent, weight, tol)
    shown = filter_table(table, view, child)
    return split_units(shown) if only_split else shown


def show() -> None:
    """The page. Its tables live in this function's locals, freed when the run ends: a session
    keeps its widgets' functions, which would hold a module-level namespace, for its whole life."""
    with frame.page(
        "Coterminosity",
        "Which units of one tier sit inside, across or exactly on the units of another. Pick the "
        "two tiers, the weighting and the tolerance; the table, the map and the CSV all show the "
        "same rows.",
    ) as ctx:
        frame.require_systems(ctx)

        # bad link values: shown under the controls, not squeezed into a column
        link_warnings: list[str] = []
        c1, c2, c3, c4 = st.columns([1.2, 1.2, 1, 1.2])
        with c1:
            child = params.CHILD.widget(
                st.selectbox,
                "Child tier (units classified)",
                params.CHILD_TIERS,
                warnings=link_warnings,
                format_func=lambda t: tier_label(t, ctx.atlas),
            )
        with c2:
            parent = params.PARENT.widget(
                st.selectbox,
                "Parent tier",
                params.PARENT_TIERS,
                warnings=link_warnings,
                format_func=lambda t: tier_label(t, ctx.atlas),
            )
        with c3:
            weight = widgets.weighting_radio(
                link_warnings,
                help="Residents: Census 2021 people summed over LSOAs (exact for ONS best-fit "
                "tiers). Area: a polygon overlay in km².",
            )
        with c4:
            pct, tol = widgets.tolerance_slider(
                params.tolerance_for(child, parent),
                link_warnings,
                help="A child with at most this share of its residents (or area) outside its "
                "main parent still counts as nested.",
            )
        for w in link_warnings:
            st.warning(w, icon=":material/warning:")

        problem = prose.pair_problem(ctx.atlas, child, parent, weight)
        if problem:
            st.error(problem, icon=":material/block:")
            frame.stop()
        table = caches.coterminosity_table(ctx.vintage, child, parent, weight, float(tol))
        if default_tolerance(child, parent) and weight == "population":
            strict = caches.coterminosity_table(ctx.vintage, child, parent, weight, 0.0)
            st.info(
                prose.pcn_tolerance_note(
                    filter_table(strict, ctx.view, child),
                    filter_table(table, ctx.view, child),
                    tol,
                    tier_plural(child, ctx.atlas),
                ),
                icon=":material/info:",
            )
        shown = filter_table(table, ctx.view, child)
        if weight == "area" and tol < SLIVER:
            split_now = set(shown.loc[shown["relationship"] == "split", "child_code"])
            at_sliver = shown.loc[label_relationships(shown, SLIVER) == "split", "child_code"]
            stay = len(split_now & set(at_sliver))
            if split_now and stay < len(split_now):
                st.info(
                    f"At a {SLIVER:.0%} tolerance {len(split_now) - stay:,} of these "
                    f"{len(split_now):,} split {tier_plural(child, ctx.atlas)} are no longer split "
                    f"and {stay:,} stay split. Most area splits are slivers: the two layers come "
                    "from differently generalised ONS boundary files whose edges do not line up. "
                    "Residents weighting sums whole LSOAs and has no slivers.",
                    icon=":material/info:",
                )
        only_split = params.SPLIT_ONLY.widget(
            st.toggle,
            "Show split children only",
            key="cot_only_split",
            help="Keep the rows of children that cut across a parent's boundary (not those made of "
            "whole parents).",
        )
        if only_split:
            shown = split_units(shown)

        cl, pl = tier_label(child, ctx.atlas), tier_label(parent, ctx.atlas)
        if shown.empty:
            st.info(
                f"No overlapping {cl} × {pl} pairs for these settings and filters — nothing to "
                "show or download. Try other tiers, or widen the filters.",
                icon=":material/info:",
            )
            frame.stop()

        # what these settings show is the same for every session: its per-child table is made once
        # (not for the largest tables: LSOA × PCN's is megabytes a tolerance, for a rare page)
        settings = (child, parent, weight, round(tol * 1000), ctx.filters, bool(only_split))
        per_child = (
            caches.kept(ctx.vintage, ("children", *settings), lambda: children(shown))
            if len(shown) <= KEEP_ROWS
            else children(shown)
        )
        summary = relationship_summary(shown, per_child)
        m = st.columns(5)
        n_children = int(summary["children"].sum())
        m[0].metric(
            sentence(tier_plural(child, ctx.atlas)),
            fmt_int(n_children),
            help=f"{LABELS[child]} units in the table",
        )
        for i, rel in enumerate(RELATIONSHIPS, start=1):
            row = summary[summary["relationship"] == rel].iloc[0]
            m[i].metric(
                rel.capitalize(),
                fmt_int(row["children"]),
                help=f"{fmt_pct(row['share_of_children'])} of the children; "
                f"{fmt_int(row['residents'])} residents"
                if child != "practice"
                else None,
            )
        st.caption(
            f"{len(shown):,} rows (one per overlapping {cl} × {pl} pair) · weighting: "
            f"{widgets.WEIGHT_NAMES[weight].lower()} · "
            f"tolerance {pct:g}% · vintage {ctx.vintage}"
            + (" · PCN figures use indicative catchments" if "pcn" in (child, parent) else "")
        )
        note = prose.missing_note(
            ctx.atlas, set(ctx.view.tier(child)["code"]), table, child, parent, weight
        )
        if note:
            st.caption(note)

        panels.coterminosity_map(ctx, shown, child, parent, per_child, shown=settings)

        name = prose.file_slug(
            "coterminosity",
            child,
            "in",
            parent,
            ctx.vintage,
            weight,
            f"tol{pct:g}pct",
            "split-only" if only_split else None,
            *ctx.filters.slug_parts(),
        )
        widgets.download_csv(  # made again when clicked: a closed tab's session keeps no table
            functools.partial(rows, ctx.view, child, parent, weight, float(tol), bool(only_split)),
            name + ".csv",
            label="Download this table (CSV)",
            key="cot_download",
            rows=len(shown),
        )
        panels.coterminosity_dataframe(shown, child, parent, csv_beside=True)


show()
