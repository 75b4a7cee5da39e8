"""Panels of the *Your boundaries* page: choosing the columns, the layer's notes and figures, its
map over an official tier, and its tables with their CSVs. The layer and its tables belong to the
session (:mod:`ics_maps.app.own_session`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from ics_maps.analysis import custom_summary
from ics_maps.analysis.nesting import children, relationship_summary
from ics_maps.analysis.overlap import RELATIONSHIPS
from ics_maps.app import prose, prose_own
from ics_maps.app.own_session import Loaded, cached
from ics_maps.app.widgets import download_geojson, figures, show_map, stack_layers
from ics_maps.presentation.style import fmt_int, tier_label, tier_plural

CODE_KEY, NAME_KEY, FILE_KEY = "own_code_col", "own_name_col", "_own_file"
USE_CODE = "(use the code)"
YOUR_UNIT = "Your unit"


# ---------------------------------------------------------------------------- the file's columns


def reset_choices_for(upload: Any) -> None:
    """A new file: forget the column choices made for the previous one."""
    fid = getattr(upload, "file_id", None) if upload is not None else None
    if st.session_state.get(FILE_KEY) != fid:
        for k in (CODE_KEY, NAME_KEY):
            st.session_state.pop(k, None)
        st.session_state[FILE_KEY] = fid


def keep_link_choices(warnings: list[str]) -> None:
    """Before a layer is loaded the controls are not drawn: keep the link's tier, weighting and
    tolerance (checked) for when it is, instead of dropping them from the link."""
    from ics_maps.app import params

    tier = params.OVER.value(warnings)
    params.OVER.write(tier)
    params.WEIGHT.write(params.WEIGHT.value(warnings))
    tolerance = params.tolerance_for("own", tier)  # 5 % against PCNs, as on every PCN pair
    tolerance.write(tolerance.value(warnings))


def chosen_columns() -> tuple[str | None, str | None]:
    """The code and name columns the user picked (None: let the reader guess)."""
    code = st.session_state.get(CODE_KEY)
    name = st.session_state.get(NAME_KEY)
    return code, (code if name == USE_CODE and code else name)


def column_choosers(loaded: Loaded) -> None:
    """Two selectboxes showing the code and name columns used (guessed at first); a change rereads
    the file with the chosen columns."""
    cols = list(loaded.columns)
    if not cols:
        return
    layer = loaded.layer
    c1, c2 = st.columns(2)
    with c1:
        guess = layer.code_column if layer is not None else None
        st.selectbox(
            "Code column (one unique code per unit)",
            cols,
            key=CODE_KEY,
            placeholder="Choose the column of unit codes",
            help="Guessed from the file: a column of unique values, preferring names like "
            "'code' or 'id'. Pick another to reread the file.",
            **({} if CODE_KEY in st.session_state else {"index": _index(cols, guess)}),
        )
    with c2:
        options = [USE_CODE, *cols]
        guess = layer.name_column if layer is not None else None
        if layer is not None and guess in (None, layer.code_column):
            guess = USE_CODE
        st.selectbox(
            "Name column",
            options,
            key=NAME_KEY,
            help="Guessed from the file: a text column, preferring names like 'name' or 'label'.",
            **({} if NAME_KEY in st.session_state else {"index": _index(options, guess)}),
        )


def _index(options: list[str], value: str | None) -> int | None:
    return options.index(value) if value in options else None


# ---------------------------------------------------------------------------- what was read


def layer_overview(atlas, layer) -> None:
    """What reading guessed, inferred, repaired or clipped; the layer's headline figures."""
    summary = cached(layer, "summary", lambda: custom_summary.unit_summary(atlas, layer), 0.0)
    st.markdown(
        prose_own.layer_headline(
            len(layer.units),
            float(summary["residents"].sum()),
            float(layer.units["area_km2"].sum()),
            layer.kind,
        )
    )
    changed = prose_own.changed_something(layer.notes)
    with st.expander(f"How {prose.text(layer.file_name)} was read", expanded=changed):
        st.markdown(prose_own.notes_markdown(layer.notes))


def relationship_metrics(table: pd.DataFrame, tier: str, atlas) -> None:
    """How many units are coterminous, nested, combine whole units or are split."""
    summary = relationship_summary(table).set_index("relationship")
    figures(
        [
            (
                rel.capitalize(),
                fmt_int(summary.loc[rel, "children"]),
                f"Your units {rel} against the {tier_plural(tier, atlas)}",
            )
            for rel in RELATIONSHIPS
        ]
    )


def own_map(ctx, layer, table: pd.DataFrame, tier: str) -> None:
    """The units coloured by their relationship to ``tier``, its units outlined over them."""
    from ics_maps.atlas.display import simplify_for_web
    from ics_maps.presentation import maps

    n = len(layer.units)
    tolerance = 10.0 if n <= 50 else 40.0 if n <= 500 else 120.0
    units = cached(
        layer, "web", lambda: simplify_for_web(layer.units, tolerance, coverage=False), tolerance
    )
    parent_codes = set(table["parent_code"])
    parents = (
        ctx.layer(tier, parent_codes, national=len(parent_codes) > 200)
        if len(parent_codes) <= 400
        else None
    )
    m = maps.highlight_map(
        units,
        relationships=children(table),
        parents=parents,
        parent_label=f"{tier_label(tier, ctx.atlas)} boundary",
    )
    show_map(m, key="own_map", height=520, returned=())
    download_geojson(
        stack_layers({"yours": layer.units, **({tier: parents} if parents is not None else {})}),
        prose.file_slug(prose_own.file_stem(layer.file_name), tier, "map", ctx.vintage)
        + ".geojson",
        label="Download the map's layers (GeoJSON)",
        key="own_dl_map",
    )
    st.caption(
        f"Your units coloured by how they relate to the {tier_plural(tier, ctx.atlas)}: red split, "
        "blue nested, purple made of whole ones (combines), green coterminous. Hover for the main "
        "one and its share."
        + (
            ""
            if parents is not None
            else f" ({len(parent_codes):,} {tier_plural(tier, ctx.atlas)} are too many to outline.)"
        )
    )


def guarded(what: str, draw: Callable[[], Any]) -> Any:
    """Draw a panel (returning what it returns); an unforeseen failure on the user's layer is a
    message, not a traceback, and gives None."""
    try:
        return draw()
    except Exception as e:  # noqa: BLE001 - untrusted input: keep the page working
        import logging

        logging.getLogger("ics_maps.own_layer").warning("%s failed: %s", what, e)
        st.error(
            f"Could not compute {what} for this layer ({type(e).__name__}). The rest of the page "
            "still works; try another file or setting.",
            icon=":material/error:",
        )
        return None
