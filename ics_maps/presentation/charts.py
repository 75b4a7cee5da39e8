"""Plotly chart builders: pure functions, data in, :class:`plotly.graph_objects.Figure` out.

Streamlit's ``st.plotly_chart`` draws these with the plotly.js bundled in Streamlit's own frontend,
so
no chart needs a CDN. Text from the data goes into hover labels and annotations, which plotly
renders
as text (it supports only a tiny tag subset), but names are HTML-escaped here too, for safety and so
that ``&`` and ``<`` show as written.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ics_maps.presentation.style import (
    FONT,
    NHS_BLUE,
    NHS_DARK_BLUE,
    NHS_GREY,
    NHS_WARM_YELLOW,
    PCN_BAND,
    RELATIONSHIP_COLOURS,
    WAVE_LABELS,
)

# Designation month of each wave (NHS England announcements); used when waves_df has no dates.
WAVE_DATES = {1: "2017-06", 2: "2018-05", 3: "2019-06", 4: "2020-04", 5: "2020-12", 6: "2021-04"}
STATUTORY_ICBS = "2022-07-01"


def _esc(v) -> str:
    return "" if v is None or (isinstance(v, float) and np.isnan(v)) else html.escape(str(v))


def _layout(fig: go.Figure, title: str | None = None, **kw) -> go.Figure:
    kw.setdefault("margin", dict(l=10, r=10, t=60 if title else 20, b=10))
    fig.update_layout(
        template="plotly_white",
        font=FONT,
        title=dict(text=_esc(title)) if title else None,
        hoverlabel=dict(align="left"),
        **kw,
    )
    return fig


# ---------------------------------------------------------------------------- ICS waves


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

    ``waves_df``: one row per ICS (``data/ics_waves.csv``: ``wave``, ``wave_label``, ``designated``,
    ``icb_name``). Hovering a bar lists its systems. ``show_statutory`` marks 1 July 2022, when ICBs
    became statutory bodies.
    """
    s = wave_summary(waves_df)
    hover = [
        "<b>"
        + _esc(r.label)
        + f"</b><br>{r.n} ICS{'s' if r.n != 1 else ''} · {r.cumulative} in total"
        + (
            "<br>"
            + "<br>".join(_esc(n) for n in r.names[:16])
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
    # to
    # the one before (Dec 2020, Apr 2021) drops its label to a second row instead of overlapping it
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
    _layout(
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


# ---------------------------------------------------------------------------- population hierarchy


def population_treemap(
    df: pd.DataFrame,
    path: Sequence[str] = ("icb", "place", "pcn"),
    values: str = "residents",
    *,
    title: str | None = None,
    root: str | None = None,
) -> go.Figure:
    """Treemap of residents ICS → place → PCN (any ``path`` of columns; rows with the same path add
    up).

    Node ids are built from the whole path, so a name used twice (a PCN in two places) stays apart.
    Missing levels become "(unassigned)". ``root`` adds a single top node (e.g. "England").
    """
    missing = [c for c in (*path, values) if c not in df.columns]
    if missing:
        raise KeyError(f"population_treemap needs columns {missing}")
    d = df[list(path) + [values]].copy()
    d[values] = pd.to_numeric(d[values], errors="coerce").fillna(0)
    for c in path:
        d[c] = d[c].astype(object).where(d[c].notna(), "(unassigned)").astype(str)
    sep = "\x1f"  # ids join the whole path with a character no name contains
    ids, labels, parents, vals, above = [], [], [], [], []
    top = [root] if root else []
    if root:
        (
            ids.append(root),
            labels.append(_esc(root)),
            parents.append(""),
            vals.append(float(d[values].sum())),
        )
        above.append("")
    for depth in range(len(path)):
        cols = list(path[: depth + 1])
        g = d.groupby(cols, sort=True)[values].sum().reset_index()
        for row in g.itertuples(index=False):
            keys = top + [str(x) for x in row[: depth + 1]]
            ids.append(sep.join(keys))
            parents.append(sep.join(keys[:-1]))
            labels.append(_esc(keys[-1]))
            above.append(_esc(keys[-2]) if len(keys) > 1 else "")
            vals.append(float(row[-1]))
    fig = go.Figure(
        go.Treemap(
            ids=ids,
            labels=labels,
            parents=parents,
            values=vals,
            branchvalues="total",
            customdata=above,
            marker=dict(colorscale=[[0, "#C6DBEF"], [1, NHS_DARK_BLUE]], colors=vals),
            texttemplate="%{label}<br>%{value:,.0f}",
            hovertemplate="<b>%{label}</b><br>%{value:,.0f} residents<br>"
            "%{percentParent:.1%} of %{customdata}<extra></extra>",
            maxdepth=len(path) + (1 if root else 0),
        )
    )
    return _layout(fig, title, margin=dict(l=4, r=4, t=40 if title else 4, b=4))


def residents_sankey(
    df: pd.DataFrame,
    source: str = "source",
    target: str = "target",
    value: str = "value",
    *,
    title: str | None = None,
    min_value: float = 0.0,
    unit: str = "residents",
) -> go.Figure:
    """Sankey of residents flowing from councils (left) to systems (right): one link per (source,
    target).

    Sources and targets are separate node sets (a council and an ICS may share a name); links below
    ``min_value`` are dropped; hover shows the share of the source's residents in each link.
    """
    missing = [c for c in (source, target, value) if c not in df.columns]
    if missing:
        raise KeyError(f"residents_sankey needs columns {missing}")
    d = df[[source, target, value]].copy()
    d[value] = pd.to_numeric(d[value], errors="coerce").fillna(0)
    d = d.groupby([source, target], sort=False, as_index=False)[value].sum()
    d = d[d[value] > min_value]
    srcs = list(dict.fromkeys(d[source].astype(str)))
    tgts = list(dict.fromkeys(d[target].astype(str)))
    s_idx = {s: i for i, s in enumerate(srcs)}
    t_idx = {t: len(srcs) + i for i, t in enumerate(tgts)}
    src_total = d.groupby(source)[value].sum()
    share = [
        v / src_total[s] if src_total[s] else np.nan
        for s, v in zip(d[source], d[value], strict=False)
    ]
    palette = [
        "#005EB8",
        "#ED8B00",
        "#00A499",
        "#AE2573",
        "#FFB81C",
        "#330072",
        "#41B6E6",
        "#DA291C",
        "#78BE20",
        "#768692",
    ]
    t_col = {t: palette[i % len(palette)] for i, t in enumerate(tgts)}
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            node=dict(
                label=[_esc(x) for x in srcs + tgts],
                pad=12,
                thickness=14,
                color=[NHS_GREY] * len(srcs) + [t_col[t] for t in tgts],
                hovertemplate="<b>%{label}</b><br>%{value:,.0f} " + _esc(unit) + "<extra></extra>",
            ),
            link=dict(
                source=[s_idx[str(s)] for s in d[source]],
                target=[t_idx[str(t)] for t in d[target]],
                value=d[value].astype(float).tolist(),
                customdata=share,
                color=[t_col[str(t)] + "66" for t in d[target]],
                hovertemplate="%{source.label} → %{target.label}<br>%{value:,.0f} "
                + _esc(unit)
                + " (%{customdata:.1%} of the council's)<extra></extra>",
            ),
        )
    )
    fig.layout.meta = {"n_sources": len(srcs), "n_targets": len(tgts)}
    return _layout(fig, title)


# ---------------------------------------------------------------------------- PCN list sizes


def list_size_histogram(
    pcn_df: pd.DataFrame,
    band: tuple[float, float] | None = PCN_BAND,
    *,
    column: str = "list_size",
    bin_size: float = 5000,
    title: str | None = "PCNs by registered patients",
) -> go.Figure:
    """Histogram of PCN list sizes with the policy band (30–50k patients) shaded and the share
    inside it.

    The share counts PCNs with a known list size and ``band[0] <= size <= band[1]``; it is written
    in the legend beside the band's swatch and kept in ``fig.layout.meta["share_in_band"]``. The
    median is a dashed line named in the legend too: a label on the plot would sit on bars or on a
    marked PCN's line (:func:`mark_value` adds one the same way).
    """
    if column not in pcn_df.columns:
        raise KeyError(f"list_size_histogram needs a {column!r} column")
    x = pd.to_numeric(pcn_df[column], errors="coerce").dropna()
    x = x[x > 0]
    end = (np.ceil(x.max() / bin_size) + 1) * bin_size if len(x) else bin_size
    tallest = (
        int(np.histogram(x, bins=np.arange(0, end + bin_size, bin_size))[0].max()) if len(x) else 1
    )
    top = tallest * 1.15
    fig = go.Figure(
        go.Histogram(
            x=x,
            xbins=dict(start=0, end=end, size=bin_size),
            marker=dict(color=NHS_BLUE, line=dict(color="white", width=1)),
            name="PCNs",
            showlegend=False,
            hovertemplate="%{x} patients: %{y} PCNs<extra></extra>",
        )
    )
    meta = {"n": int(len(x)), "median": float(x.median()) if len(x) else None, "y_top": top}
    if band is not None:
        lo, hi = band
        inside = int(((x >= lo) & (x <= hi)).sum())
        share = inside / len(x) if len(x) else float("nan")
        fig.add_vrect(
            x0=lo, x1=hi, fillcolor=NHS_WARM_YELLOW, opacity=0.22, line_width=0, layer="below"
        )
        text = (
            f"{lo / 1000:,.0f}–{hi / 1000:,.0f}k band: {share:.0%} of PCNs ({inside:,} of "
            f"{len(x):,})"
            if len(x)
            else "no PCNs with a list size"
        )
        fig.add_scatter(
            x=[None],
            y=[None],
            mode="markers",
            name=text,
            hoverinfo="skip",
            marker=dict(symbol="square", size=14, color=NHS_WARM_YELLOW, opacity=0.5),
        )
        meta.update(band=[lo, hi], in_band=inside, share_in_band=share)
    fig.layout.meta = meta
    if len(x):
        mark_value(
            fig, float(x.median()), f"Median {x.median():,.0f} patients", "#212B32", dash="dash"
        )
    _layout(
        fig,
        title,
        xaxis=dict(title="Registered patients", tickformat=",.0f"),
        yaxis=dict(title="PCNs", range=[0, top]),
        bargap=0.02,
        showlegend=True,
        # under the axis: in a narrow column a legend above the plot wraps into the title
        legend=dict(orientation="h", yanchor="top", y=-0.2, x=0),
    )
    return fig


def mark_value(
    fig: go.Figure, x: float, name: str, color: str, *, dash: str | None = None, width: float = 2
) -> None:
    """A vertical line at ``x`` across a histogram, named in the legend (a label on the plot would
    cover bars).

    The name is escaped (a PCN name is data). Reads the y extent from ``fig.layout.meta["y_top"]``.
    """
    meta = fig.layout.meta
    top = meta.get("y_top", 1) if isinstance(meta, dict) else 1
    fig.add_scatter(
        x=[x, x],
        y=[0, top],
        mode="lines",
        name=_esc(name),
        line=dict(color=color, width=width, dash=dash),
        hovertemplate=_esc(name) + "<extra></extra>",
    )


# ---------------------------------------------------------------------------- bars


def tier_bar(
    df: pd.DataFrame,
    value: str = "residents",
    label: str = "name",
    *,
    color: str | None = None,
    top: int | None = None,
    title: str | None = None,
    value_title: str | None = None,
    highlight: str | Sequence[str] | None = None,
    code: str = "code",
    reference: tuple[float, float] | None = None,
) -> go.Figure:
    """Horizontal bars of one value per unit (largest at the top), e.g. residents per ICS.

    ``color`` names a category column (one trace per category, for a legend); ``highlight`` code(s)
    are drawn in dark blue; ``reference`` shades a range (e.g. the 0.5–3 million of a typical ICS).
    """
    for c in (value, label):
        if c not in df.columns:
            raise KeyError(f"tier_bar needs a {c!r} column")
    d = df.copy()
    d[value] = pd.to_numeric(d[value], errors="coerce")
    d = d.dropna(subset=[value]).sort_values(value, ascending=False)
    if top:
        d = d.head(top)
    d = d.iloc[::-1]  # plotly draws the first category at the bottom
    d["_label"] = d[label].map(_esc)
    hl = {highlight} if isinstance(highlight, str) else set(highlight or [])
    fig = go.Figure()
    if color and color in d.columns:
        cats = list(dict.fromkeys(d[color].astype(str).iloc[::-1]))
        palette = [
            "#005EB8",
            "#00A499",
            "#ED8B00",
            "#AE2573",
            "#41B6E6",
            "#FFB81C",
            "#330072",
            "#DA291C",
        ]
        for i, cat in enumerate(cats):
            sub = d[d[color].astype(str) == cat]
            fig.add_bar(
                y=sub["_label"],
                x=sub[value],
                orientation="h",
                name=_esc(cat),
                marker_color=palette[i % len(palette)],
                hovertemplate="%{y}: %{x:,.0f}<extra>" + _esc(cat) + "</extra>",
            )
    else:
        cols = [
            NHS_DARK_BLUE if code in d.columns and str(c) in hl else NHS_BLUE
            for c in (d[code] if code in d.columns else [None] * len(d))
        ]
        fig.add_bar(
            y=d["_label"],
            x=d[value],
            orientation="h",
            marker_color=cols,
            hovertemplate="%{y}: %{x:,.0f}<extra></extra>",
        )
    if reference:
        fig.add_vrect(
            x0=reference[0],
            x1=reference[1],
            fillcolor=NHS_WARM_YELLOW,
            opacity=0.2,
            line_width=0,
            layer="below",
        )
    _layout(
        fig,
        title,
        barmode="stack",
        height=max(300, 22 * len(d) + 100),
        xaxis=dict(title=value_title or value.replace("_", " ").capitalize(), tickformat=",.0f"),
        yaxis=dict(title=None, categoryorder="array", categoryarray=list(d["_label"])),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0),
    )
    return fig


def relationship_bar(
    summary: pd.DataFrame, *, title: str | None = None, by: str = "children"
) -> go.Figure:
    """One stacked bar of children by relationship (coterminous, nested, combines, split), from
    :func:`ics_maps.nesting.relationship_summary` (``relationship``, ``children``,
    ``residents``)."""
    if "relationship" not in summary.columns or by not in summary.columns:
        raise KeyError(f"relationship_bar needs 'relationship' and {by!r} columns")
    fig = go.Figure()
    total = float(pd.to_numeric(summary[by], errors="coerce").fillna(0).sum()) or 1.0
    for r in RELATIONSHIP_COLOURS:
        row = summary[summary["relationship"] == r]
        v = float(pd.to_numeric(row[by], errors="coerce").fillna(0).sum()) if len(row) else 0.0
        fig.add_bar(
            x=[v],
            y=[by.replace("_", " ")],
            orientation="h",
            name=r,
            marker_color=RELATIONSHIP_COLOURS[r],
            text=[f"{r}: {v:,.0f} ({v / total:.0%})"] if v else None,
            textposition="inside",
            hovertemplate=f"{r}: %{{x:,.0f}}<extra></extra>",
        )
    return _layout(
        fig,
        title,
        barmode="stack",
        height=170,
        showlegend=False,
        xaxis=dict(visible=False),
        yaxis=dict(visible=False),
    )


__all__ = [
    "wave_timeline",
    "wave_summary",
    "population_treemap",
    "residents_sankey",
    "list_size_histogram",
    "tier_bar",
    "relationship_bar",
    "mark_value",
    "WAVE_DATES",
]
