"""Fill colours of units and their legend: classed numbers (mapclassify) or categories."""

from __future__ import annotations

import branca.colormap as bcm
import numpy as np
import pandas as pd

from ics_maps.atlas.natural_breaks import class_bins
from ics_maps.presentation.maps.legend import Legend
from ics_maps.presentation.style import (
    CATEGORICAL,
    COUNCIL_WORDS,
    NO_DATA,
    PROFILE_MEASURES,
    REGION_COLOURS,
    RELATIONSHIP_COLOURS,
    SEQUENTIAL,
    WAVE_COLOURS,
    WAVE_LABELS,
    fmt_people,
    is_missing,
)

RELATIONSHIP_ORDER = ("coterminous", "combines", "nested", "split")  # legend order of council lines


# and any profile measure (a column of ics_maps.analysis.profiles: PROFILE_MEASURES)
COLOR_BY = ("residents", "region", "wave", "councils")


def classify_values(
    values: pd.Series, k: int = 5, scheme: str = "FisherJenks", bins: list[float] | None = None
) -> tuple[np.ndarray, list[float], list[str], bcm.StepColormap | None]:
    """Classes of ``values`` with mapclassify: ``(class per value (-1 = missing), edges, colours,
    colormap)``.

    ``FisherJenks`` (optimal natural breaks, deterministic, so the map's script and with it
    streamlit-folium's component key stay the same between reruns) unless ``scheme`` says otherwise.
    ``edges`` are the class boundaries (one more than the classes), ``colours`` one per class, and
    the branca :class:`StepColormap` holds both (for reuse elsewhere; it is never added to a map).
    """
    y = pd.to_numeric(values, errors="coerce").astype(float)
    ok = y.notna().to_numpy()
    yb = np.full(len(y), -1, dtype=int)
    if not ok.any():
        return yb, [], [], None
    v = y[ok].to_numpy()
    if (
        bins
    ):  # given breaks (e.g. national ones computed at build time): the same colours in every view
        bins = [float(b) for b in bins]
        bins[-1] = max(bins[-1], float(v.max()))
    else:
        bins = class_bins(v, k=k, scheme=scheme)
    # mapclassify's convention: a value belongs to the first class whose upper bound is >= it
    yb[ok] = np.minimum(np.searchsorted(np.asarray(bins), v, side="left"), len(bins) - 1)
    edges = [min(float(v.min()), bins[0])] + bins
    n = len(bins)
    idx = (
        np.linspace(0, len(SEQUENTIAL) - 1, n).round().astype(int)
        if n > 1
        else [len(SEQUENTIAL) // 2]
    )
    colours = [SEQUENTIAL[i] for i in idx]
    index = (
        list(np.maximum.accumulate(edges)) if edges[-1] > edges[0] else [edges[0], edges[0] + 1.0]
    )
    cmap = bcm.StepColormap(
        colours, index=index, vmin=index[0], vmax=index[-1], caption="Residents"
    )
    return yb, edges, colours, cmap


def class_label(lo: float, hi: float, fmt=fmt_people) -> str:
    """Legend text of a class (mapclassify bins are upper bounds: a class is (previous bin, bin]).

    With given (national) breaks the lowest class may hold none of the shown values, so its lower
    edge is unknown here: it reads "up to" its upper bound. ``fmt`` writes a value (head counts by
    default).
    """
    if lo >= hi:
        return f"up to {fmt(hi)}"
    if fmt(lo) == fmt(hi):
        return fmt(hi)
    return f"{fmt(lo)} – {fmt(hi)}"


# mapclassify's scheme names as a legend says them.
SCHEME_NAMES = {
    "FisherJenks": "natural breaks (Fisher–Jenks)",
    "NaturalBreaks": "natural breaks",
    "Quantiles": "quantiles",
    "EqualInterval": "equal intervals",
}


def colour_by(
    gdf: pd.DataFrame, color_by: str, k: int, scheme: str, bins: list[float] | None = None
) -> tuple[list[str], Legend]:
    """Fill colour per row and the legend for ``color_by`` (residents, region, wave or councils: the
    ``council_lines`` column, a system's relationship to the county and unitary councils; or a
    profile measure such as ``imd_avg_score``, a column of ``gdf``)."""
    if color_by in PROFILE_MEASURES:
        return _measure_colours(gdf, color_by, k, scheme, bins)
    if color_by not in COLOR_BY:
        raise ValueError(
            f"color_by must be one of {', '.join(COLOR_BY)} or a profile measure, not {color_by!r}"
        )
    if color_by == "residents":
        if "residents" not in gdf.columns:
            raise ValueError("color_by='residents' needs a 'residents' column")
        yb, edges, cols, _ = classify_values(gdf["residents"], k=k, scheme=scheme, bins=bins)
        fills = [cols[c] if c >= 0 else NO_DATA for c in yb]
        items = [(cols[i], class_label(edges[i], edges[i + 1])) for i in range(len(cols))]
        if (yb < 0).any():
            items.append((NO_DATA, "no data"))
        how = SCHEME_NAMES.get(scheme, scheme)
        return fills, Legend(
            "Residents (Census 2021)",
            items,
            note=(
                f"{how[0].upper()}{how[1:]}{', all England' if bins else ''}"
                if len(cols) > 1
                else None
            ),
        )
    if color_by == "region":
        col = "region_name" if "region_name" in gdf.columns else "region"
        if col not in gdf.columns:
            raise ValueError("color_by='region' needs a 'region_name' or 'region' column")
        cats = sorted({str(v) for v in gdf[col] if not is_missing(v)})
        spare = iter([c for c in CATEGORICAL if c not in {REGION_COLOURS.get(x) for x in cats}] * 4)
        palette = {c: REGION_COLOURS.get(c) or next(spare) for c in cats}
        fills = [NO_DATA if is_missing(v) else palette[str(v)] for v in gdf[col]]
        items = [(palette[c], c) for c in cats] + (
            [(NO_DATA, "no region")] if NO_DATA in fills else []
        )
        return fills, Legend("NHS England region", items)
    if color_by == "councils":
        if "council_lines" not in gdf.columns:
            raise ValueError(
                "color_by='councils' needs a 'council_lines' column "
                "(coterminous, combines, nested, split)"
            )
        rel = gdf["council_lines"]
        fills = [RELATIONSHIP_COLOURS.get(str(r), NO_DATA) for r in rel]
        counts = rel.value_counts()
        items = [
            (RELATIONSHIP_COLOURS[r], f"{COUNCIL_WORDS[r]} ({int(counts[r])})")
            for r in RELATIONSHIP_ORDER
            if counts.get(r, 0)
        ]
        if NO_DATA in fills:
            items.append((NO_DATA, "not known"))
        return fills, Legend(
            "Against county and unitary councils", items, note="By Census 2021 residents"
        )
    if "wave" not in gdf.columns:
        raise ValueError("color_by='wave' needs a 'wave' column")
    waves = pd.to_numeric(gdf["wave"], errors="coerce")
    fills = [NO_DATA if is_missing(w) else WAVE_COLOURS.get(int(w), NO_DATA) for w in waves]
    present = sorted({int(w) for w in waves.dropna()})
    items = [(WAVE_COLOURS.get(w, NO_DATA), WAVE_LABELS.get(w, f"Wave {w}")) for w in present]
    if waves.isna().any():
        items.append((NO_DATA, "no wave"))
    return fills, Legend("ICS designation wave", items, note="Wave of most of its residents")


def _measure_colours(
    gdf: pd.DataFrame, measure: str, k: int, scheme: str, bins: list[float] | None
) -> tuple[list[str], Legend]:
    """Classed colours of a profile measure; the legend names the measure, its year and source."""
    if measure not in gdf.columns:
        raise ValueError(f"color_by={measure!r} needs a {measure!r} column (its profile measure)")
    m = PROFILE_MEASURES[measure]
    yb, edges, cols, _ = classify_values(gdf[measure], k=k, scheme=scheme, bins=bins)
    fills = [cols[c] if c >= 0 else NO_DATA for c in yb]
    items = [(cols[i], class_label(edges[i], edges[i + 1], m.fmt)) for i in range(len(cols))]
    if (yb < 0).any():
        items.append((NO_DATA, "no residents"))
    how = SCHEME_NAMES.get(scheme, scheme)
    classes = (
        f"{how[0].upper()}{how[1:]}{', all England' if bins else ''}. " if len(cols) > 1 else ""
    )
    return fills, Legend(m.label, items, note=f"{classes}Source: {m.source_text}.")
