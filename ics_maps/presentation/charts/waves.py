"""The ICS designation waves on a time axis."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ics_maps.presentation.charts._common import esc, layout
from ics_maps.presentation.style import (
    NHS_BLUE,
    NHS_DARK_BLUE,
    NHS_GREY,
    WAVE_LABELS,
)

# Designation month of each wave (NHS England announcements); used when waves_df has no dates.
WAVE_DATES = {1: "2017-06", 2: "2018-05", 3: "2019-06", 4: "2020-04", 5: "2020-12", 6: "2021-04"}


STATUTORY_ICBS = "2022-07-01"


def _wave_months(waves_df: pd.DataFrame) -> dict[int, pd.Timestamp]:
    """Month of each wave: the most common ``YYYY-MM`` at the start of ``designated`` (else
    WAVE_DATES)."""
    out: dict[int, pd.Timestamp] = {}
    if "designated" in waves_df.columns:
        months = waves_df["designated"].astype(str).str.extract(r"^(\d{4}-\d{2})")[0]
        for w, ms in months.groupby(pd.to_numeric(waves_df["wave"], errors="coerce")):
            ms = ms.dropna()
            if len(ms) and not pd.isna(w):
                out[int(w)] = pd.Timestamp(ms.mode().sort_values().iloc[0] + "-01")
    for w, ym in WAVE_DATES.items():
        out.setdefault(w, pd.Timestamp(ym + "-01"))
    return out


def wave_summary(waves_df: pd.DataFrame) -> pd.DataFrame:
    """One row per wave: ``wave, label, date, n, cumulative, names`` (names: ICSs of the wave)."""
    if "wave" not in waves_df.columns:
        raise KeyError("waves_df needs a 'wave' column")
    df = waves_df.copy()
    df["wave"] = pd.to_numeric(df["wave"], errors="coerce")
    df = df.dropna(subset=["wave"])
    df["wave"] = df["wave"].astype(int)
    months = _wave_months(df)
    name_col = next((c for c in ("icb_name", "name") if c in df.columns), None)
    rows = []
    for w, g in df.groupby("wave", sort=True):
        label = WAVE_LABELS.get(w, f"Wave {w}")
        names = (
            sorted(
                g[name_col]
                .astype(str)
                .str.replace(r"^NHS ", "", regex=True)
                .str.replace(r" (ICB|Integrated Care Board)$", "", regex=True)
            )
            if name_col
            else []
        )
        rows.append({"wave": w, "label": label, "date": months.get(w), "n": len(g), "names": names})
    out = pd.DataFrame(rows, columns=["wave", "label", "date", "n", "names"])
    out["cumulative"] = out["n"].cumsum()
    return out[["wave", "label", "date", "n", "cumulative", "names"]]


CLOSE_WAVE_DAYS = (
    330  # a wave nearer than this to the last one takes the second label row (readable at 900 px)
)


def wave_timeline(
    waves_df: pd.DataFrame,
    *,
    show_statutory: bool = True,
    title: str | None = "ICS designation waves, June 2017 – April 2021",
) -> go.Figure:
    """ICSs designated per wave (bars) and the running total (line), on a time axis.

    ``waves_df``: one row per ICS (``ics_maps/atlas/ics_waves.csv``: ``wave``, ``wave_label``,
    ``designated``, ``icb_name``). Hovering a bar lists its systems. ``show_statutory`` marks 1 July
    2022, when ICBs became statutory bodies."""
    s = wave_summary(waves_df)
    hover = [
        "<b>"
        + esc(r.label)
        + f"</b><br>{r.n} ICS{'s' if r.n != 1 else ''} · {r.cumulative} in total"
        + (
            "<br>"
            + "<br>".join(esc(n) for n in r.names[:16])
            + ("<br>…" if len(r.names) > 16 else "")
            if r.names
            else ""
        )
        for r in s.itertuples()
    ]
    fig = go.Figure()
    fig.add_bar(
        x=s["date"],
        y=s["n"],
        name="Designated in the wave",
        marker_color=NHS_BLUE,
        text=[str(n) for n in s["n"]],
        textposition="auto",
        insidetextanchor="end",
        insidetextfont=dict(color="white", size=12),
        outsidetextfont=dict(color=NHS_BLUE, size=12),
        constraintext="none",
        textangle=0,
        hovertext=hover,
        hoverinfo="text",
        width=1000 * 3600 * 24 * 60,
    )  # bars 60 days wide
    fig.add_scatter(
        x=s["date"],
        y=s["cumulative"],
        name="ICSs in total",
        mode="lines+markers+text",
        line=dict(color=NHS_DARK_BLUE, width=3, shape="hv"),
        marker=dict(size=8),
        text=[str(c) for c in s["cumulative"]],
        textposition="top left",
        hovertemplate="%{y} ICSs by %{x|%B %Y}<extra></extra>",
    )
    if show_statutory:
        fig.add_vline(x=STATUTORY_ICBS, line_dash="dot", line_color=NHS_GREY)
        fig.add_annotation(
            x=pd.Timestamp(STATUTORY_ICBS),
            y=1,
            yref="paper",
            text="ICBs statutory<br>1 July 2022",
            showarrow=False,
            xanchor="right",
            yanchor="top",
            font=dict(size=11, color=NHS_GREY),
        )
    ymax = int(s["cumulative"].max()) if len(s) else 1
    # each wave is named under its bar (a label on a 60-day bar is too small to read); a wave close
    # to the one before (Dec 2020, Apr 2021) drops its label to a second row instead of overlapping
    # it
    dates, lowered = list(s["date"]), False
    for i, (w, d) in enumerate(zip(s["wave"], dates, strict=False)):
        lowered = i > 0 and (d - dates[i - 1]).days < CLOSE_WAVE_DAYS and not lowered
        fig.add_annotation(
            x=d,
            y=0,
            yref="paper",
            yanchor="top",
            yshift=-36 if lowered else -4,
            showarrow=False,
            text=f"<b>Wave {w}</b><br>{d:%b %Y}",
            font=dict(size=12, color=NHS_DARK_BLUE),
        )
    layout(
        fig,
        title,
        yaxis=dict(title="Integrated care systems", range=[0, ymax * 1.15], rangemode="tozero"),
        xaxis=dict(title=None, showticklabels=False, showgrid=False),
        bargap=0.1,
        margin=dict(l=10, r=10, t=60 if title else 20, b=80),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0),
    )
    fig.layout.meta = {"waves": s[["wave", "n", "cumulative"]].to_dict("list")}
    return fig
