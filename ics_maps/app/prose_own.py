"""The *Your boundaries* page's sentences: a user's layer and its tables in words (no Streamlit
here, so each sentence is tested as a plain function). Kept apart from :mod:`ics_maps.app.prose`,
which every other page shares."""

from __future__ import annotations

import pandas as pd

from ics_maps.app.prose import text
from ics_maps.presentation.style import fmt_int, fmt_pct
from ics_maps.readers.user_layer import LIMITS

MB = 1024 * 1024
UPLOAD_TYPES = ("geojson", "json", "gpkg", "zip", "csv")
MAX_UPLOAD_MB = LIMITS.max_bytes // MB

INTRO = (
    "Bring your own footprints (neighbourhoods, localities, place partnerships, a proposed "
    "merger) and see how they fit the official tiers: which ICSs, sub-ICB locations, councils and "
    "PCNs each unit sits in or cuts across, who lives there, and which PCNs it would split. Your "
    "layer stays in this browser session only: it is not saved and no one else can see it."
)

UPLOAD_HELP = (
    "Polygons as GeoJSON, GeoPackage or a zipped shapefile (.shp with its .shx, .dbf and .prj), in "
    "any coordinate system (British National Grid or longitude/latitude are recognised without "
    "one); or a CSV with one row per LSOA 2021 code and a column naming its unit. "
    f"Up to {MAX_UPLOAD_MB} MB, {LIMITS.max_features:,} units and "
    f"{LIMITS.max_vertices:,} vertices."
)

NO_LAYER = (
    "Upload a file to begin. A CSV of LSOA codes gives exact figures (whole LSOAs); drawn "
    "polygons share each LSOA's residents by the share of its area inside each unit."
)

PEOPLE_NOTE = (
    "Who lives in each unit, with England last for comparison: ages from Census 2021 (ONS), "
    "deprivation from the English Indices of Deprivation 2025 (MHCLG), summarised as MHCLG "
    "summarises higher areas. Each LSOA counts by its share of residents in the unit (its area "
    "share for drawn polygons). The CSV has every age band, quintile, decile and domain."
)


def notes_markdown(notes: list[str]) -> str:
    """What reading the file guessed, inferred, repaired, clipped or dropped, as a Markdown list of
    escaped sentences (file names and column names are the user's text)."""
    return "\n".join(f"- {text(_capital(n))}" for n in notes)


CHANGES = ("repaired", "clipped", "dropped", "overlap", "several names", "ignored", "Windows-1252")


def changed_something(notes: list[str]) -> bool:
    """Did reading repair, clip, drop or double-count anything (not just guess columns and read
    the CRS)? Then the page shows the notes open."""
    return any(word in n for n in notes for word in CHANGES)


def _capital(s: str) -> str:
    return s[:1].upper() + s[1:] if s else s


def layer_headline(units: int, residents: float, area_km2: float, kind: str) -> str:
    """One sentence about the layer as read."""
    how = (
        "made of whole LSOAs, so residents are exact sums"
        if kind == "lsoas"
        else "drawn polygons, with each LSOA's residents shared by area"
    )
    return (
        f"{fmt_int(units)} unit{'s' if units != 1 else ''} covering {area_km2:,.1f} km² and "
        f"{fmt_int(residents)} residents (Census 2021), {how}."
    )


def in_sentence(label: str) -> str:
    """A tier's short label inside a sentence: "District or unitary" -> "district or unitary",
    while "ICS" and "PCN" stay as they are."""
    return label if label[:2].isupper() else label[:1].lower() + label[1:]


def relationship_caption(n_units: int, tier_plural: str, weight: str, tolerance: float) -> str:
    """How to read the relationship figures and the map."""
    by = "residents" if weight == "population" else "area"
    tol = (
        f" A unit with at most {fmt_pct(tolerance)} of its {by} outside counts as inside."
        if (tolerance)
        else ""
    )
    units = f"{fmt_int(n_units)} unit{'s' if n_units != 1 else ''}"
    return (
        f"Your {units} against the {tier_plural}, by {by}: coterminous (the same as one), nested "
        f"(inside one), combines (made of whole ones) or split (cutting across a boundary).{tol}"
    )


def cut_pcns_sentence(cut: pd.DataFrame, tolerance: float) -> str:
    """How many PCNs the layer cuts, and the most evenly cut one."""
    if cut.empty:
        return (
            "No PCN is cut: each PCN's registered patients live in one of your units (or wholly "
            "outside the layer)"
            + (f", allowing {fmt_pct(tolerance)} elsewhere." if tolerance else ".")
        )
    n = cut["pcn_code"].nunique()
    first = cut.iloc[0]
    return (
        f"{fmt_int(n)} PCN{'s are' if n != 1 else ' is'} cut: their registered patients live in "
        "more than one of your units, or partly outside the layer. Most evenly cut: "
        f"{text(first['pcn_name'] or first['pcn_code'])}, with {fmt_pct(first['main_share'])} of "
        "its patients in its largest piece. Patients by LSOA are registrations where known "
        "(Staffordshire and Stoke-on-Trent) and modelled elsewhere."
    )


def file_stem(file_name: str) -> str:
    """The upload's name without its extension, for download names."""
    stem = str(file_name).rsplit("/", 1)[-1]
    return stem.rsplit(".", 1)[0] if "." in stem else stem
