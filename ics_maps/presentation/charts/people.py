"""Who lives there: a unit's age shape and deprivation deciles, each against England's.

Both charts say their data year and source in a line under the plot (kept in the figure, so a
saved PNG still says it) and in ``fig.layout.meta["source"]``. Names are escaped (they are data).

The figures are written as plain plotly specs and wrapped without plotly's validation: its object
model costs 60–300 ms per chart on this machine (merging a template alone 50–200 ms), which was
most of the People view's time; the specs are validated once by the unit tests instead
(``tests/unit/test_people_view.py``). The look is the other charts' (white, a light grid, the NHS
font); Streamlit draws every chart with its own theme on top.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ics_maps.presentation.charts._common import esc
from ics_maps.presentation.style import (
    AGE_SOURCE,
    ENGLAND_COLOUR,
    FONT,
    IMD_SOURCE,
    UNIT_COLOUR,
    fmt_int,
    fmt_pct,
)

# Title at the top, the legend (up to two rows: long unit names) between it and the plot.
TOP_MARGIN = 84
LEGEND = dict(orientation="h", yanchor="bottom", y=1.01, x=0)
TITLE = dict(y=0.985, yref="container", yanchor="top", x=0, xanchor="left", xref="paper")
GRID = dict(gridcolor="#EBF0F8", zerolinecolor="#EBF0F8", automargin=True)

# Source lines under each chart (two short lines: a plotly annotation does not wrap).
AGE_CHART_SOURCE = (f"Source: {AGE_SOURCE}.", "Black outline: England's shape.")
DECILE_CHART_SOURCE = (
    f"Source: {IMD_SOURCE}:",
    "deciles of England's 33,755 LSOAs; Census 2021 residents.",
)


def _figure(
    data: list[dict],
    title: str,
    unit_name: str,
    source: tuple[str, ...],
    below: int,
    empty: bool,
    **layout,
) -> go.Figure:
    """The chart: traces, the title, the source lines ``below`` pixels under the plot area (clear
    of the axis labels) and, for a unit with no residents, a note in the middle."""
    notes = [
        dict(
            text="<br>".join(esc(line) for line in source),
            xref="paper",
            yref="paper",
            x=0,
            y=0,
            yshift=-below,
            xanchor="left",
            yanchor="top",
            showarrow=False,
            align="left",
            font=dict(size=11, color="#425563"),
        )
    ]
    if empty:
        notes.append(
            dict(
                text="No residents to profile",
                xref="paper",
                yref="paper",
                x=0.5,
                y=0.5,
                showarrow=False,
                font=dict(size=14),
            )
        )
    spec = dict(
        font=FONT,
        title=dict(text=esc(title), **TITLE),
        hoverlabel=dict(align="left"),
        plot_bgcolor="white",
        paper_bgcolor="white",
        legend=LEGEND,
        annotations=notes,
        meta={"source": " ".join(source), "unit": unit_name},
        template={},  # no template: plotly would deep-copy its default into every figure
        **layout,
    )
    return go.Figure({"data": data, "layout": spec}, _validate=False)


def _numbers(values) -> list:
    """Floats for JSON, missing values as None (plotly leaves a gap)."""
    return [None if pd.isna(v) else float(v) for v in values]


def age_chart(shares: pd.DataFrame, unit_name: str, height: int = 470) -> go.Figure:
    """Horizontal bars of the unit's residents in each five-year band (youngest at the bottom, like
    a population pyramid), with England's shape drawn over them as an outline.

    ``shares``: :func:`ics_maps.analysis.profile_views.age_shares` (``label``, ``residents``,
    ``share``, ``england``).
    """
    n = len(shares)
    y = list(range(n))
    name = esc(unit_name)
    share = shares["share"].to_numpy(dtype=float) * 100
    eng = shares["england"].to_numpy(dtype=float) * 100
    labels = shares["label"].tolist()
    bars = dict(
        type="bar",
        x=_numbers(share),
        y=y,
        orientation="h",
        name=name,
        marker=dict(color=UNIT_COLOUR),
        customdata=[[lab, fmt_int(v)] for lab, v in zip(labels, shares["residents"], strict=True)],
        hovertemplate=f"{name}<br>Aged %{{customdata[0]}}: %{{x:.1f}}%"
        " (%{customdata[1]} residents)<extra></extra>",
    )
    # England's outline: a vertical edge at its share across each band, steps between bands
    outline = dict(
        type="scatter",
        x=_numbers(np.repeat(eng, 2)),
        y=[v for i in y for v in (i - 0.5, i + 0.5)],
        mode="lines",
        name="England",
        line=dict(color=ENGLAND_COLOUR, width=2),
        customdata=[lab for lab in labels for _ in range(2)],
        hovertemplate="England<br>Aged %{customdata}: %{x:.1f}%<extra></extra>",
    )
    top = float(np.nanmax(np.r_[share, eng, 1.0]))
    return _figure(
        [bars, outline],
        "Age: share of residents in each five-year band",
        unit_name,
        AGE_CHART_SOURCE,
        below=26,
        empty=bool(np.isnan(share).all()),
        xaxis={**GRID, "range": [0, top * 1.08], "ticksuffix": "%"},
        yaxis={**GRID, "tickvals": y, "ticktext": labels, "range": [-0.6, n - 0.4]},
        height=height,
        bargap=0.12,
        margin=dict(l=10, r=10, t=TOP_MARGIN, b=75),
    )


def decile_chart(shares: pd.DataFrame, unit_name: str, height: int = 380) -> go.Figure:
    """Bars of the unit's residents in each national IMD decile (1 = the most deprived tenth of
    England's neighbourhoods), against England's flat 10% (each decile is a tenth of England's
    LSOAs).

    ``shares``: :func:`ics_maps.analysis.profile_views.decile_shares`.
    """
    name = esc(unit_name)
    x = [int(d) for d in shares["decile"]]
    ticks = [
        "1<br>most<br>deprived" if d == 1 else "10<br>least<br>deprived" if d == 10 else str(d)
        for d in x
    ]
    share = shares["share"].to_numpy(dtype=float) * 100
    bars = dict(
        type="bar",
        x=x,
        y=_numbers(share),
        name=name,
        marker=dict(color=UNIT_COLOUR),
        customdata=[
            [fmt_int(r), fmt_pct(e)]
            for r, e in zip(shares["residents"], shares["england"], strict=True)
        ],
        hovertemplate=f"{name}<br>Decile %{{x}}: %{{y:.1f}}% of residents"
        " (%{customdata[0]})<br>England's residents: %{customdata[1]}<extra></extra>",
    )
    england = dict(
        type="scatter",
        x=[0.5, 10.5],
        y=[10, 10],
        mode="lines",
        name="England: 10% in each decile",
        line=dict(color=ENGLAND_COLOUR, width=2, dash="dash"),
        hoverinfo="skip",
    )
    top = float(np.nanmax(np.r_[share, 10.0]))
    return _figure(
        [bars, england],
        "Deprivation: residents by national IMD decile",
        unit_name,
        DECILE_CHART_SOURCE,
        below=56,
        empty=bool(np.isnan(share).all()),
        xaxis={**GRID, "tickvals": x, "ticktext": ticks, "range": [0.4, 10.6]},
        yaxis={
            **GRID,
            "title": dict(text="% of residents"),
            "range": [0, top * 1.12],
            "ticksuffix": "%",
        },
        height=height,
        bargap=0.15,
        margin=dict(l=10, r=10, t=TOP_MARGIN, b=105),
    )
