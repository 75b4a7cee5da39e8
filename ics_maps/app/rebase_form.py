"""The Changes page's upload form: re-base a user's CSV from one vintage's units to another's.

The same checks and messages as ``ics-maps rebase`` (:mod:`ics_maps.analysis.rebase`): the file is
refused above 50 MB before it is read, and a missing code column, codes of another vintage or tier,
duplicates, non-numeric values or a rate without its denominator each get a clear message. The
upload is read from memory (Streamlit keeps uploads in memory) and the result is offered as a
download: nothing is written to disk on the server.
"""

from __future__ import annotations

from pathlib import PurePath

import pandas as pd
import streamlit as st

from ics_maps.analysis.crosswalk import TIERS
from ics_maps.analysis.rebase import (
    APPORTIONED,
    MAX_BYTES,
    guess_code_column,
    known_codes,
    rate_like,
    read_table,
    rebase,
)
from ics_maps.app import caches, prose_changes, widgets
from ics_maps.app.prose import file_slug, text
from ics_maps.sources.vintages import VINTAGES

NO_DENOMINATOR = "(choose its denominator)"
MAX_MB = MAX_BYTES // (1024 * 1024)


def _code_sets() -> dict:
    """GSS and ODS codes of every tier of every built vintage (to say what unknown codes are)."""
    from ics_maps.atlas import is_current

    atlases = {v: caches.get_atlas(v) for v in VINTAGES if is_current(v)}
    return known_codes(atlases, TIERS)


def rebase_form(xw: pd.DataFrame, tier: str, old: str, new: str, units: str) -> None:
    """Upload, choose the columns, see the re-based table and download it (``xw``: the
    crosswalk of ``tier`` from vintage ``old`` to ``new``; ``units``: the tier's plural)."""
    st.markdown(prose_changes.REBASE_HELP.format(old=old, new=new, units=text(units)))
    up = st.file_uploader(
        f"CSV of figures for the {old} {units}",
        type=["csv"],
        max_upload_size=MAX_MB,
        key="rebase_upload",
    )
    if up is None:
        return
    try:
        table = read_table(up, name=up.name)  # refuses a file over 50 MB before reading it
    except ValueError as exc:
        st.error(text(str(exc)), icon=":material/block:")
        return
    columns = list(table.columns)
    if not columns:
        st.error(f"{text(up.name)} has no columns.", icon=":material/block:")
        return
    guess = guess_code_column(table, set(xw["from_code"]))
    # Keys per upload: a new file starts from its own defaults (a rate-like column listed as a
    # rate), not from the choices made for the previous file.
    fid = getattr(up, "file_id", None) or up.name
    c1, c2 = st.columns(2)
    code = c1.selectbox(
        f"Column of {old} codes",
        columns,
        index=columns.index(guess) if guess in columns else 0,
        key=f"rebase_code_{fid}",
    )
    by = c2.multiselect(
        "Columns that, with the code, identify a row (a month, an age band)",
        [c for c in columns if c != code],
        key=f"rebase_by_{fid}",
    )
    rest = [c for c in columns if c != code and c not in by]
    rates_chosen = st.multiselect(
        "Rate columns (re-weighted by their denominator; the others are summed as counts)",
        rest,
        default=rate_like(rest),
        key=f"rebase_rates_{fid}",
        help="A column named like a rate (rate, per, %, share, mean…) is listed here at first; "
        "take it out if it holds counts.",
    )
    rates: dict[str, str] = {}
    for i, rate in enumerate(rates_chosen):
        options = [NO_DENOMINATOR] + [c for c in rest if c != rate and c not in rates_chosen]
        den = st.selectbox(f"Denominator of {rate}", options, key=f"rebase_den_{fid}_{i}_{rate}")
        if den != NO_DENOMINATOR:
            rates[rate] = den
    counts = [c for c in rate_like(rest) if c not in rates_chosen]
    try:
        result = rebase(
            table,
            xw,
            code,
            by=by,
            rates=rates,
            counts=counts,
            label=up.name,
            what=f"{tier} {old}",
            other_codes=_code_sets,
        )
    except ValueError as exc:
        st.error(text(str(exc)), icon=":material/block:")
        return
    app = [c for c in result.columns if c.endswith(APPORTIONED)]
    part = int((result[app] > 0).any(axis=1).sum()) if app else 0
    st.success(
        prose_changes.rebase_done(len(result), part, result.attrs.get("dropped_text_columns", [])),
        icon=":material/check:",
    )
    stem = PurePath(up.name).stem[:60]
    config = {c: widgets.percent(c) for c in [*app, "residents_covered_share"]}
    config["to_name"] = st.column_config.TextColumn(f"{new} unit", pinned=True, width=260)
    widgets.dataframe(
        result,
        config,
        height=360,
        key="rebase_result",
        order=[c for c in result.columns if c != "to_code"],  # on screen; the CSV keeps its order
        download=file_slug(stem, "rebased", tier, old, "to", new) + ".csv",
    )
