"""Your boundaries: upload your own footprints and see how they fit every official tier."""

import streamlit as st

from ics_maps.app import (
    frame,
    own_panels,
    own_session,
    own_tables,
    params,
    prose,
    prose_own,
    widgets,
)
from ics_maps.presentation.style import sentence, tier_label, tier_plural
from ics_maps.tiers import PCN_PAIR_TOLERANCE


def show() -> None:
    """The page. Its tables live in this function's locals, freed when the run ends: a session
    keeps its widgets' functions, which would hold a module-level namespace, for its whole life."""
    with frame.page("Your boundaries", prose_own.INTRO) as ctx:
        upload = st.file_uploader(
            "Your boundary file",
            type=list(prose_own.UPLOAD_TYPES),
            max_upload_size=prose_own.MAX_UPLOAD_MB,
            key="own_upload",
        )
        st.caption(prose_own.UPLOAD_HELP)
        own_panels.reset_choices_for(upload)
        code_col, name_col = own_panels.chosen_columns()
        loaded = own_session.load(
            st.session_state, upload, ctx.atlas, ctx.vintage, code_col, name_col
        )
        if loaded is None or loaded.error:
            link_warnings: list[str] = []
            own_panels.keep_link_choices(link_warnings)
            for w in link_warnings:
                st.warning(w, icon=":material/warning:")
        if loaded is None:
            st.info(prose_own.NO_LAYER, icon=":material/upload_file:")
            frame.stop()
        own_panels.column_choosers(loaded)
        if loaded.error:
            st.error(prose.text(loaded.error), icon=":material/block:")
            frame.stop()
        layer = loaded.layer
        stem = prose.file_slug(prose_own.file_stem(layer.file_name), ctx.vintage)
        own_panels.guarded(
            "the layer's figures", lambda: own_panels.layer_overview(ctx.atlas, layer)
        )

        link_warnings: list[str] = []
        c1, c2, c3 = st.columns([1.3, 1.1, 1.2])
        with c1:
            tier = params.OVER.widget(
                st.selectbox,
                "Compare with",
                params.OWN_TIERS,
                warnings=link_warnings,
                format_func=lambda t: sentence(tier_plural(t, ctx.atlas)),
                help="The official tier your units are compared with, on the map and in the "
                "tables.",
            )
        with c2:
            weight = widgets.weighting_radio(
                link_warnings,
                help="Residents: Census 2021 people by LSOA (shared by area where a unit cuts an "
                "LSOA). Area: km², from the area of each LSOA inside each official unit.",
            )
        with c3:
            pct, tol = widgets.tolerance_slider(
                params.tolerance_for("own", tier),
                link_warnings,
                help="A unit with at most this share outside its main official unit still counts "
                f"as inside it. PCNs open at {PCN_PAIR_TOLERANCE:.0%}: a PCN's footprint is its "
                "patients' homes, which spread thinly across every line.",
            )
        for w in link_warnings:
            st.warning(w, icon=":material/warning:")

        tl, tp = tier_label(tier, ctx.atlas), tier_plural(tier, ctx.atlas)
        tw = prose_own.in_sentence(tl)
        setting = own_tables.Setting(tier, weight, tol, float(pct), stem)
        as_child = own_panels.guarded(
            "the relationship table",
            lambda: own_tables.relationships(ctx.atlas, layer, setting, "child"),
        )
        if as_child is None:
            frame.stop()
        st.caption(prose_own.relationship_caption(len(layer.units), tp, weight, tol))
        own_panels.relationship_metrics(as_child, tier, ctx.atlas)
        own_panels.guarded("the map", lambda: own_panels.own_map(ctx, layer, as_child, tier))

        tabs = widgets.lazy_tabs(
            ["By unit", f"By {tw}", "All tiers", "Cut PCNs", "People", "Downloads"], key="own_tab"
        )
        bodies = [
            ("the table by unit", lambda: own_tables.by_unit(ctx.atlas, layer, setting, tl, tw)),
            (
                f"the table by {tw}",
                lambda: own_tables.by_official(ctx.atlas, layer, setting, tl, tw),
            ),
            ("the summary of every tier", lambda: own_tables.all_tiers(ctx.atlas, layer, setting)),
            ("the cut PCNs", lambda: own_tables.cut_pcns(ctx.atlas, layer, setting)),
            ("people profiles", lambda: own_tables.people(ctx.atlas, layer, stem)),
            ("the downloads", lambda: own_tables.downloads(ctx.atlas, layer, tol, stem)),
        ]
        for tab, (what, body) in zip(tabs, bodies, strict=True):
            if tab.open:
                with tab:
                    own_panels.guarded(what, body)


show()
