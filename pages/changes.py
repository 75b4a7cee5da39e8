"""Changes: what changed between two boundary vintages of a tier: headline counts, where residents
went (Sankey), where the boundaries moved (map), the crosswalk (CSV) and re-basing an upload."""

import streamlit as st

from ics_maps.analysis.changes import flows, headline
from ics_maps.app import caches, frame, params, prose_changes, widgets
from ics_maps.app.prose import file_slug
from ics_maps.app.rebase_form import rebase_form
from ics_maps.presentation.charts.changes import change_sankey
from ics_maps.presentation.maps.changes import changes_map
from ics_maps.presentation.style import fmt_int, sentence, tier_label, tier_plural
from ics_maps.sources.vintages import VINTAGES

TIER_NAMES = {"icb": "ICSs / ICBs", "sicbl": "Sub-ICB locations (CCGs)", "region": "NHS regions"}
CHANGE_ORDER = ("unchanged", "recoded", "merged", "split", "boundary")
CHANGE_LABELS = {c: sentence(c) for c in CHANGE_ORDER} | {"boundary": "Boundary change"}
# On screen the names, the change and the shares come first (codes after): the CSV keeps the
# documented column order.
TABLE_ORDER = [
    "from_name",
    "to_name",
    "change",
    "share_of_from",
    "share_of_to",
    "residents",
    "from_code",
    "to_code",
]


def show() -> None:
    """The page. Its tables live in this function's locals, freed when the run ends: a session
    keeps its widgets' functions, which would hold a module-level namespace, for its whole life."""
    with frame.page("Changes", prose_changes.INTRO):
        link_warnings: list[str] = []
        c1, c2, c3 = st.columns([1.2, 1, 1])
        with c1:
            tier = params.CHANGE_TIER.widget(
                st.selectbox,
                "Tier",
                params.CHANGE_TIERS,
                format_func=TIER_NAMES.get,
                warnings=link_warnings,
            )
        with c2:
            old = params.FROM_VINTAGE.widget(
                st.selectbox,
                "From vintage",
                list(VINTAGES),
                format_func=lambda v: f"{v} — {VINTAGES[v].label}",
                warnings=link_warnings,
            )
        with c3:
            new = params.TO_VINTAGE.widget(
                st.selectbox,
                "To vintage",
                list(VINTAGES),
                format_func=lambda v: f"{v} — {VINTAGES[v].label}",
                warnings=link_warnings,
            )
        for w in link_warnings:
            st.warning(w, icon=":material/warning:")
        if old == new:
            st.info(prose_changes.same_vintage(old), icon=":material/info:")
            frame.stop()

        old_atlas, new_atlas = caches.get_atlas(old), caches.get_atlas(new)
        old_units, new_units = tier_plural(tier, old_atlas), tier_plural(tier, new_atlas)
        table = caches.crosswalk_table(tier, old, new)
        s = headline(old_atlas, new_atlas, tier, table)
        st.markdown(prose_changes.headline(s, old_units, new_units))
        cells = [*st.columns(3), *st.columns(3)]
        cells[0].metric(
            sentence(new_units if old_units == new_units else f"{old_units} → {new_units}"),
            f"{fmt_int(s['from_units'])} → {fmt_int(s['to_units'])}",
            border=True,
        )
        for cell, label in zip(cells[1:], CHANGE_ORDER, strict=True):
            cell.metric(
                CHANGE_LABELS[label],
                fmt_int(s[label]),
                help=prose_changes.change_help(label),
                border=True,
            )

        tab_flows, tab_map, tab_table, tab_rebase = widgets.lazy_tabs(
            [
                "Where residents went",
                "Map of what moved",
                "Crosswalk table",
                "Re-base your figures",
            ],
            key="changes_tab",
        )
        if tab_flows.open:
            with tab_flows:
                with_unchanged = params.WITH_UNCHANGED.widget(
                    st.toggle, f"Include unchanged {old_units}", key="changes_unchanged"
                )
                links = flows(table, include_unchanged=with_unchanged)
                if links.empty:
                    st.info(prose_changes.nothing_moved(old_units), icon=":material/info:")
                else:
                    st.plotly_chart(
                        change_sankey(links, f"{old} {old_units}", f"{new} {new_units}"),
                        key="changes_sankey",
                    )
                    st.caption(prose_changes.SANKEY_NOTE)
        if tab_map.open:
            with tab_map:
                moved = caches.moved_layer(tier, old, new)
                if moved.empty:
                    st.info(prose_changes.nothing_moved(old_units), icon=":material/info:")
                lines = caches.display_layer(new, tier, national=True)
                widgets.show_map(
                    changes_map(
                        moved, lines, from_label=old, to_label=new, unit_word=tier_label(tier)
                    ),
                    key="changes_map",
                    height=560,
                    returned=(),
                )
                st.caption(prose_changes.MAP_NOTE)
        if tab_table.open:
            with tab_table:
                labels = [c for c in CHANGE_ORDER if s[c]]
                chosen = st.multiselect(
                    "Show old units that were", labels, default=labels, key="changes_labels"
                )
                shown = table[table["change"].isin(chosen)].reset_index(drop=True)
                st.caption(prose_changes.TABLE_NOTE)
                widgets.dataframe(
                    shown,
                    {
                        "from_name": st.column_config.TextColumn(
                            f"{old} {tier_label(tier, old_atlas)}", pinned=True, width=280
                        ),
                        "to_name": st.column_config.TextColumn(
                            f"{new} {tier_label(tier, new_atlas)}", width=280
                        ),
                        "residents": widgets.number("residents"),
                        "share_of_from": widgets.percent("share_of_from"),
                        "share_of_to": widgets.percent("share_of_to"),
                    },
                    height=480,
                    key="changes_table",
                    order=TABLE_ORDER,
                    download=file_slug(
                        "crosswalk", tier, old, "to", new, *(chosen if chosen != labels else ())
                    )
                    + ".csv",
                )
        if tab_rebase.open:
            with tab_rebase:
                rebase_form(table, tier, old, new, old_units)


show()
