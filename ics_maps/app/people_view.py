"""Who lives there, on the pages: the *People* view of a system, a place or a PCN, and the table
ranking every unit of a tier by a profile measure.

The figures are cached profile tables (:func:`ics_maps.app.caches.profile_table`, one per vintage
and tier, shared by every session); the charts are :mod:`ics_maps.presentation.charts.people`; the
sentences are :mod:`ics_maps.app.prose`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from ics_maps.analysis.profile_views import age_shares, decile_shares, ranking
from ics_maps.analysis.profiles import PROFILE_TIERS
from ics_maps.app import caches, params, prose, widgets
from ics_maps.app.frame import Context
from ics_maps.presentation import charts
from ics_maps.presentation.style import (
    AGE_SOURCE,
    IMD_SOURCE,
    PROFILE_MEASURES,
    fmt_pct,
    ordinal,
    sentence,
    short_name,
    tier_label,
    tier_plural,
)

# Side by side where there is room, one under the other where there is not (the page is narrower
# than two readable charts at about 1,000 px with the sidebar open): the columns of these two keyed
# containers wrap below a minimum width instead of squeezing.
WRAP_CSS = """<style>
.st-key-people_figures [data-testid="stHorizontalBlock"],
.st-key-people_charts [data-testid="stHorizontalBlock"] { flex-wrap: wrap; }
.st-key-people_figures [data-testid="stColumn"] { min-width: 190px; }
.st-key-people_charts [data-testid="stColumn"] { min-width: 420px; }
</style>"""


def _points(value: Any, england: Any) -> str | None:
    """The difference from England in percentage points ("+2.3 pts vs England")."""
    if pd.isna(value) or pd.isna(england):
        return None
    return f"{100 * (float(value) - float(england)):+.1f} pts vs England"


def people_view(ctx: Context, tier: str, code: str) -> None:
    """The People view of one unit: headline figures, a sentence, the age and deprivation charts
    (each against England) and every profile figure in a table with its CSV."""
    table = caches.profile_table(ctx.vintage, tier)
    hit = table[table["code"] == code]
    if hit.empty:
        st.info("No profile for this unit in this vintage.", icon=":material/info:")
        return
    row = hit.iloc[0]
    england = caches.england_profile(ctx.vintage)
    name = str(row["name"])
    short = short_name(name)  # chart legends: "Greater Manchester", not "NHS … Board"
    if tier == "pcn":
        st.info(prose.catchment_note(row.get("method")), icon=":material/explore:")
    words = tier_plural(tier, ctx.atlas)
    score = PROFILE_MEASURES["imd_avg_score"]
    st.html(WRAP_CSS)
    cols = st.container(key="people_figures").columns(4)
    cols[0].metric(
        "Aged 65 and over",
        fmt_pct(row["age_65_plus_share"]),
        _points(row["age_65_plus_share"], england["age_65_plus_share"]),
        delta_color="off",
        delta_arrow="off",
        help=f"Share of Census 2021 usual residents aged 65 or over; England "
        f"{fmt_pct(england['age_65_plus_share'])}.",
    )
    cols[1].metric(
        "In England's most deprived fifth",
        fmt_pct(row["imd_quintile1_share"]),
        _points(row["imd_quintile1_share"], england["imd_quintile1_share"]),
        delta_color="off",
        delta_arrow="off",
        help="Share of residents living in LSOAs in the most deprived 20% of England's "
        f"neighbourhoods (IMD 2025 quintile 1); England {fmt_pct(england['imd_quintile1_share'])}.",
    )
    cols[2].metric(
        "Average IMD score",
        score.fmt(row["imd_avg_score"]),
        None
        if pd.isna(row["imd_avg_score"])
        else f"{row['imd_avg_score'] - england['imd_avg_score']:+.1f} vs England",
        delta_color="off",
        delta_arrow="off",
        help="Population-weighted average of the LSOAs' IMD 2025 scores (MHCLG's 'average "
        f"score'; higher is more deprived); England {score.fmt(england['imd_avg_score'])}.",
    )
    rank, n = row["imd_avg_score_rank"], row["imd_avg_score_rank_of"]
    cols[3].metric(
        "Rank by IMD score",
        "–" if pd.isna(rank) else f"{ordinal(rank)} of {int(n):,}",
        help=f"Among England's {words} with residents, by average IMD score: 1st is the most "
        "deprived.",
    )
    st.markdown(prose.people_summary(row, england, words))
    left, right = st.container(key="people_charts").columns(2)
    with left:
        st.plotly_chart(charts.age_chart(age_shares(row, england), short), key="people_age")
    with right:
        st.plotly_chart(
            charts.decile_chart(decile_shares(row, england), short), key="people_deciles"
        )
    with st.expander("Every profile figure, beside England's"):
        figures = _figures(row, england)
        widgets.dataframe(
            figures,
            {
                "measure": st.column_config.TextColumn("Measure", width="large"),
                "unit": st.column_config.TextColumn(name),
                "england": st.column_config.TextColumn("England"),
                "source": st.column_config.TextColumn("Source"),
            },
            key="people_all_figures",
        )
        st.caption(
            f"Ages: {AGE_SOURCE}. Deprivation: {IMD_SOURCE}, population-weighted by Census 2021 "
            "residents as MHCLG summarises higher areas. The CSV holds every column of "
            "`ics-maps export profile` for this unit and England."
        )
        profile = pd.DataFrame([row, england]).reset_index(drop=True)
        widgets.download_csv(
            profile,
            prose.file_slug("profile", tier, code, ctx.vintage) + ".csv",
            label="Download this profile (CSV)",
            key="dl_people_profile",
        )


def _figures(row: pd.Series, england: pd.Series) -> pd.DataFrame:
    """Every profile measure as the page writes it, for the unit and England."""
    return pd.DataFrame(
        [
            {
                "measure": m.label,
                "unit": m.fmt(row[col]),
                "england": m.fmt(england[col]),
                "source": m.source_text,
            }
            for col, m in PROFILE_MEASURES.items()
        ]
    )


def people_ranking(ctx: Context) -> None:
    """Every unit of a chosen tier ranked by a chosen measure (national ranks), narrowed to the
    sidebar's filters, with the CSV of exactly the rows shown."""
    c1, c2 = st.columns([1, 2])
    with c1:
        tier = params.RANK_TIER.widget(
            st.selectbox,
            "Rank",
            list(PROFILE_TIERS),
            format_func=lambda t: sentence(tier_plural(t, ctx.atlas)),
        )
    with c2:
        measure = params.MEASURE.widget(
            st.selectbox,
            "by",
            list(PROFILE_MEASURES),
            format_func=lambda c: PROFILE_MEASURES[c].label,
        )
    m = PROFILE_MEASURES[measure]
    profile = caches.profile_table(ctx.vintage, tier)
    codes = ctx.view.codes[tier] if ctx.filters.active else None
    table = ranking(profile, measure, codes)
    label = tier_label(tier, ctx.atlas)
    shown = (
        f"the {len(table):,} in view (sidebar filters) of England's {len(profile):,}"
        if codes is not None
        else f"all {len(profile):,} in England"
    )
    st.caption(
        f"{sentence(tier_plural(tier, ctx.atlas))}: {shown}, highest first. Rank 1 is the highest "
        f"value in England; units with no residents have none. Source: {m.source_text}."
        + (" PCN figures are of their catchments (mostly *modelled*)." if tier == "pcn" else "")
    )
    config = {
        "rank": st.column_config.NumberColumn("Rank", format="%d", help="1 = highest in England"),
        "code": st.column_config.TextColumn("Code"),
        "name": st.column_config.TextColumn(label, width="medium"),
        measure: _measure_column(measure),
        "residents": widgets.number("Residents", help="Census 2021 usual residents"),
        "method": st.column_config.TextColumn(
            "Catchment", help="modelled, or from published registrations"
        ),
    }
    widgets.dataframe(
        table,
        config,
        height=520,
        key="people_ranking",
        download=prose.file_slug("ranking", tier, measure, ctx.vintage, *ctx.filters.slug_parts())
        + ".csv",
        order=["rank", "name", measure, "residents", "method", "code"],
    )


def _measure_column(measure: str):
    m = PROFILE_MEASURES[measure]
    help_text = f"{m.label} ({m.source_text})"
    if m.kind == "share":
        return widgets.percent(m.label, help=help_text)
    digits = 2 if m.kind == "standardised" else 1
    return st.column_config.NumberColumn(m.label, format=f"%.{digits}f", help=help_text)
