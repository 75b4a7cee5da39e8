"""Your boundaries: upload your own footprints and see how they fit every official tier."""

import streamlit as st

from ics_maps.analysis import custom_summary, custom_tier
from ics_maps.app import frame, own_panels, own_prose, own_session, params, prose, widgets
from ics_maps.presentation.style import sentence, tier_label, tier_plural

WEIGHT_NAMES = {"population": "Residents", "area": "Area"}

with frame.page("Your boundaries", own_prose.INTRO) as ctx:
    upload = st.file_uploader(
        "Your boundary file",
        type=list(own_prose.UPLOAD_TYPES),
        max_upload_size=own_prose.MAX_UPLOAD_MB,
        key="own_upload",
    )
    st.caption(own_prose.UPLOAD_HELP)
    own_panels.reset_choices_for(upload)
    code_col, name_col = own_panels.chosen_columns()
    loaded = own_session.load(st.session_state, upload, ctx.atlas, ctx.vintage, code_col, name_col)
    if loaded is None:
        st.info(own_prose.NO_LAYER, icon=":material/upload_file:")
        frame.stop()
    own_panels.column_choosers(loaded)
    if loaded.error:
        st.error(prose.text(loaded.error), icon=":material/block:")
        frame.stop()
    layer = loaded.layer
    stem = prose.file_slug(own_prose.file_stem(layer.file_name), ctx.vintage)
    own_panels.guarded("the layer's figures", lambda: own_panels.layer_overview(ctx.atlas, layer))

    link_warnings: list[str] = []
    c1, c2, c3 = st.columns([1.3, 1.1, 1.2])
    with c1:
        tier = params.OVER.widget(
            st.selectbox,
            "Compare with",
            params.OWN_TIERS,
            warnings=link_warnings,
            format_func=lambda t: sentence(tier_plural(t, ctx.atlas)),
            help="The official tier your units are compared with, on the map and in the tables.",
        )
    with c2:
        weight = params.WEIGHT.widget(
            st.radio,
            "Weighting",
            params.WEIGHTS,
            warnings=link_warnings,
            horizontal=True,
            format_func=WEIGHT_NAMES.get,
            help="Residents: Census 2021 people by LSOA (shared by area where a unit cuts an "
            "LSOA). Area: km², from the area of each LSOA inside each official unit.",
        )
    with c3:
        pct = params.TOLERANCE.widget(
            st.slider,
            "Tolerance (%)",
            0.0,
            20.0,
            step=0.5,
            format="%.1f%%",
            warnings=link_warnings,
            help="A unit with at most this share outside its main official unit still counts as "
            "inside it.",
        )
        tol = round(float(pct) / 100, 6)
    for w in link_warnings:
        st.warning(w, icon=":material/warning:")

    def table(side: str):
        return own_session.cached(
            layer,
            "cot",
            lambda: custom_tier.coterminosity(ctx.atlas, layer, tier, side, weight, tol),
            tier,
            side,
            weight,
            tol,
        )

    tl, tp = tier_label(tier, ctx.atlas), tier_plural(tier, ctx.atlas)
    tw = own_prose.in_sentence(tl)
    as_child = table("child")
    st.caption(own_prose.relationship_caption(len(layer.units), tp, weight, tol))
    own_panels.relationship_metrics(as_child, tier, ctx.atlas)
    own_panels.guarded("the map", lambda: own_panels.own_map(ctx, layer, as_child, tier))

    tabs = widgets.lazy_tabs(
        ["By unit", f"By {tw}", "All tiers", "Cut PCNs", "People", "Downloads"],
        key="own_tab",
    )
    slug = f"{stem}_{weight}_tol{pct:g}pct"
    if tabs[0].open:
        with tabs[0]:
            st.caption(
                f"One row per unit and {tw} it overlaps: the share of the unit in the {tw} "
                f"(share of child) and of the {tw} in the unit (share of parent)."
            )
            own_panels.relationship_table(
                as_child, own_panels.YOUR_UNIT, tl, "own_child", f"{slug}_in_{tier}.csv"
            )
    if tabs[1].open:
        with tabs[1]:
            as_parent = table("parent")
            st.caption(
                f"The other way round: each {tw} against your units. One partly outside your "
                "layer counts as split by the part outside."
            )
            own_panels.relationship_table(
                as_parent, tl, own_panels.YOUR_UNIT, "own_parent", f"{tier}_in_{slug}.csv"
            )
    if tabs[2].open:
        with tabs[2]:
            summary = own_session.cached(
                layer,
                "summary",
                lambda: custom_summary.unit_summary(ctx.atlas, layer, tol),
                tol,
            )
            st.caption(
                "One row per unit: its residents and area, the ICSs, sub-ICB locations, councils "
                "and PCNs it touches (by residents), its main ones, and the GP practices located "
                "in it."
            )
            own_panels.summary_table(summary, f"{stem}_summary_tol{pct:g}pct.csv")
    if tabs[3].open:
        with tabs[3]:
            cut = own_session.cached(
                layer, "cut", lambda: custom_summary.cut_pcns(ctx.atlas, layer, tol), tol
            )
            st.markdown(own_prose.cut_pcns_sentence(cut, tol))
            if len(cut):
                own_panels.cut_pcns_table(cut, f"{stem}_cut_pcns_tol{pct:g}pct.csv")
    if tabs[4].open:
        with tabs[4]:
            own_panels.guarded("people profiles", lambda: own_panels.people(ctx.atlas, layer, stem))
    if tabs[5].open:
        with tabs[5]:
            own_panels.downloads(ctx.atlas, layer, tol, stem)
