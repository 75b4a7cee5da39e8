"""The dashboard's one vocabulary: tier wording, palette, number formats and bands.

Every map, chart, table and page takes its words and colours from here, so a system is called the
same thing, and a split council has the same red, everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from ics_maps.tiers import PCN_TARGET_BAND

# ---------------------------------------------------------------------------- tier wording

# The long label of each tier (legends, tooltips, help text).
LABELS: dict[str, str] = {
    "region": "NHS England region",
    "icb": "ICS / ICB",
    "sicbl": "Sub-ICB location",
    "utla": "County or unitary (upper tier)",
    "lad": "District or unitary (lower tier)",
    "pcn": "Primary Care Network",
    "practice": "GP practice",
    "lsoa": "LSOA 2021",
}
# One short name per tier on every page: unitaries sit in both council tiers, so each name says so.
TIER_SHORT: dict[str, str] = {
    "region": "NHS region",
    "icb": "ICS",
    "sicbl": "Sub-ICB location",
    "utla": "County or unitary",
    "lad": "District or unitary",
    "pcn": "PCN",
    "practice": "GP practice",
    "lsoa": "LSOA",
}
TIER_PLURAL: dict[str, str] = {
    "region": "NHS regions",
    "icb": "ICSs",
    "sicbl": "sub-ICB locations",
    "utla": "counties and unitaries",
    "lad": "districts and unitaries",
    "pcn": "PCNs",
    "practice": "GP practices",
    "lsoa": "LSOAs",
}
_OLD_WORDS = ("STP", "CCG")  # the 2021 vintage's own words for the ICB and sub-ICB tiers


def tier_label(tier: str, atlas: Any = None) -> str:
    """A short label for a tier, in the vintage's own words (STP and CCG in 2021)."""
    if atlas is not None and tier in ("icb", "sicbl") and atlas.term(tier) in _OLD_WORDS:
        return atlas.term(tier)
    return TIER_SHORT[tier]


def tier_plural(tier: str, atlas: Any = None) -> str:
    """The plural of :func:`tier_label` ("ICSs", "STPs", "counties and unitaries")."""
    if atlas is not None and tier in ("icb", "sicbl") and atlas.term(tier) in _OLD_WORDS:
        return atlas.term(tier) + "s"
    return TIER_PLURAL[tier]


def sentence(label: str) -> str:
    """A label with its first letter capitalised and the rest kept ("ICSs", not "Icss")."""
    return label[:1].upper() + label[1:]


def short_name(name: Any) -> str:
    """An ICB's name without "NHS" and "Integrated Care Board" (for charts and tight tables)."""
    s = str(name)
    for suffix in (" Integrated Care Board", " ICB"):
        if s.endswith(suffix):
            s = s[: -len(suffix)]
    return s[4:] if s.startswith("NHS ") else s


# What a council is, from its ONS code's prefix: a unitary is not "each district".
COUNCIL_KINDS: dict[str, str] = {
    "E06": "unitary authority",
    "E07": "district council",
    "E08": "metropolitan borough",
    "E09": "London borough",
    "E10": "county council",
}
SINGLE_TIER = ("E06", "E08", "E09")  # councils that are both the upper and the lower tier


def council_kind(code: Any) -> str:
    """ "unitary authority", "county council", "district council", "London borough"… ("council"
    for a code of no known kind)."""
    return COUNCIL_KINDS.get(str(code)[:3], "council")


def is_single_tier(code: Any) -> bool:
    """A unitary, metropolitan or London borough: one council in both tiers."""
    return str(code)[:3] in SINGLE_TIER


WAVE_LABELS: dict[int, str] = {
    1: "Wave 1 (June 2017)",
    2: "Wave 2 (May 2018)",
    3: "Wave 3 (June 2019)",
    4: "Wave 4 (spring 2020)",
    5: "Wave 5 (December 2020)",
    6: "Wave 6 (April 2021)",
}
# How the wave filter counts a system in a wave (analysis.filters.WAVE_MATCHES).
WAVE_MATCH_WORDS: dict[str, str] = {
    "mostly": "most of its residents were in it",
    "any": "any of its residents were (any part)",
}
# A system's relationship to the county and unitary councils, in the words of the map's legend,
# its tooltip and the tables.
COUNCIL_WORDS: dict[str, str] = {
    "coterminous": "the same as one council",
    "combines": "whole councils only",
    "nested": "inside one council",
    "split": "shares a council with another system",
}

# ---------------------------------------------------------------------------- bands

PCN_BAND = PCN_TARGET_BAND  # (30,000, 50,000) registered patients: what PCN policy aimed for
PCN_BAND_TEXT = f"{PCN_BAND[0] // 1000}–{PCN_BAND[1] // 1000}k"

# ---------------------------------------------------------------------------- palette (NHS
# identity)

NHS_BLUE = "#005EB8"
NHS_DARK_BLUE = "#003087"
NHS_LIGHT_BLUE = "#41B6E6"
NHS_BLACK = "#212B32"
NHS_GREY = "#768692"
NHS_WARM_YELLOW = "#FFB81C"
NO_DATA = "#D8DDE0"
FONT = dict(family="Arial, Helvetica, sans-serif", size=13, color=NHS_BLACK)
REGION_COLOURS: dict[str, str] = {
    "London": "#005EB8",
    "South East": "#00A499",
    "South West": "#41B6E6",
    "East of England": "#FFB81C",
    "Midlands": "#ED8B00",
    "North West": "#AE2573",
    "North East and Yorkshire": "#330072",
}
CATEGORICAL = [
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
    "#003087",
    "#8A1538",
]
# Few colours, so that neighbouring PCNs differ and a practice's dot matches its PCN at a glance
# (maps.context.neighbour_colours gives touching units different ones).
NEIGHBOUR_PALETTE = ["#005EB8", "#ED8B00", "#009639", "#AE2573", "#FFB81C", "#330072", "#41B6E6"]
WAVE_COLOURS = {1: "#440154", 2: "#414487", 3: "#2A788E", 4: "#22A884", 5: "#7AD151", 6: "#FDE725"}
SEQUENTIAL = [
    "#DEEBF7",
    "#C6DBEF",
    "#9ECAE1",
    "#6BAED6",
    "#4292C6",
    "#2171B5",
    "#08519C",
    "#08306B",
]
RELATIONSHIP_COLOURS: dict[str, str] = {
    "coterminous": "#009639",
    "nested": "#41B6E6",
    "combines": "#8C6BB1",
    "split": "#DA291C",
}
# What happened to a unit between two vintages (ics_maps.analysis.crosswalk), in the words and
# colours of the Changes page's headline, Sankey, map and table.
CHANGE_WORDS: dict[str, str] = {
    "unchanged": "same code, name and residents",
    "recoded": "same residents, new code or name",
    "boundary": "continues, but gained or lost residents",
    "merged": "went whole into a new unit with others",
    "split": "divided between new units",
}
CHANGE_COLOURS: dict[str, str] = {
    "unchanged": NO_DATA,
    "recoded": "#41B6E6",
    "boundary": "#FFB81C",
    "merged": "#8C6BB1",
    "split": "#DA291C",
}
TIER_COLOURS: dict[str, str] = {
    "region": "#330072",
    "icb": NHS_BLACK,
    "sicbl": "#00A499",
    "utla": "#AE2573",
    "lad": "#ED8B00",
    "pcn": "#005EB8",
    "practice": "#DA291C",
}
SYSTEM_LINE = "#7C2855"  # ICS boundaries drawn over local maps (dashed), apart from a council's
TIER_DASH: dict[str, str | None] = {"lad": "6 4", "utla": "10 4", "sicbl": None, "pcn": "2 3"}

# ---------------------------------------------------------------------------- number formats

DASH = "–"  # what a missing figure reads as, everywhere


def is_missing(v: Any) -> bool:
    """None, NA, NaT or NaN (and nothing else: 0 and "" are values)."""
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def fmt_int(v: Any, missing: str | None = DASH) -> str | None:
    """A whole number with thousands separators ("56,490,091"); ``missing`` where there is none."""
    if is_missing(v):
        return missing
    try:
        return f"{int(round(float(v))):,}"
    except (TypeError, ValueError):
        return missing


def fmt_pct(v: Any, digits: int = 1, missing: str | None = DASH) -> str | None:
    """A share (0–1) as a percentage ("89.1%"); ``missing`` where there is none."""
    if is_missing(v):
        return missing
    try:
        return f"{100 * float(v):.{digits}f}%"
    except (TypeError, ValueError):
        return missing


def fmt_people(v: float) -> str:
    """A head count as a legend says it: "3.50m", "450k", "9,800"."""
    v = float(v)
    if abs(v) >= 1e6:
        return f"{v / 1e6:.2f}m"
    if abs(v) >= 1e4:
        return f"{v / 1e3:.0f}k"
    return f"{v:,.0f}"


def fmt_timestamp(value: Any) -> str:
    """An ISO timestamp as people write it ("23 November 2026, 17:20")."""
    try:
        t = pd.Timestamp(str(value))
    except (TypeError, ValueError):
        return "unknown" if value in (None, "") else str(value)
    return "unknown" if pd.isna(t) else f"{t.day} {t:%B %Y, %H:%M}"


# ---------------------------------------------------------------------------- people profiles

# Where the People figures come from, as every chart, legend and table says it.
AGE_SOURCE = "Census 2021 (ONS, TS007A), usual residents"
IMD_SOURCE = "English Indices of Deprivation 2025 (IoD 2025, MHCLG)"
SOURCE_SHORT = {"age": "Census 2021, ONS", "imd": "IoD 2025, MHCLG"}


@dataclass(frozen=True)
class Measure:
    """A profile measure as the dashboard names and writes it.

    ``kind``: ``share`` (0–1, written as a percentage), ``score`` (one decimal), ``standardised``
    (a domain score around 0, two decimals) or ``age`` (years, one decimal); ``source``: ``age``
    (Census 2021) or ``imd`` (IoD 2025).
    """

    label: str
    kind: str
    source: str

    def fmt(self, v: Any, missing: str | None = DASH) -> str | None:
        if is_missing(v):
            return missing
        if self.kind == "share":
            return fmt_pct(v, 1, missing)
        if self.kind == "standardised":
            return f"{float(v):+.2f}"
        return f"{float(v):.1f}"

    @property
    def source_text(self) -> str:
        return SOURCE_SHORT[self.source]


# The profile measures a map can be coloured by and a table ranked by (columns of
# ics_maps.analysis.profiles), first the headline ones. Higher is older / more deprived for all.
PROFILE_MEASURES: dict[str, Measure] = {
    "imd_avg_score": Measure("Average IMD score", "score", "imd"),
    "imd_quintile1_share": Measure("Residents in England's most deprived fifth", "share", "imd"),
    "imd_prop_lsoas_decile1": Measure("Neighbourhoods in the most deprived 10%", "share", "imd"),
    "age_65_plus_share": Measure("Residents aged 65 and over", "share", "age"),
    "age_85_plus_share": Measure("Residents aged 85 and over", "share", "age"),
    "age_0_17_share": Measure("Residents aged 0–17", "share", "age"),
    "median_age": Measure("Median age (years)", "age", "age"),
    "income_avg_score": Measure("Income deprivation rate", "share", "imd"),
    "employment_avg_score": Measure("Employment deprivation rate", "share", "imd"),
    "education_avg_score": Measure("Education, skills and training score", "score", "imd"),
    "health_avg_score": Measure("Health deprivation and disability score", "standardised", "imd"),
    "crime_avg_score": Measure("Crime score", "standardised", "imd"),
    "barriers_avg_score": Measure("Barriers to housing and services score", "score", "imd"),
    "living_environment_avg_score": Measure("Living environment score", "score", "imd"),
}
UNIT_COLOUR = NHS_BLUE  # the unit's bars on the People charts
ENGLAND_COLOUR = NHS_BLACK  # England's shape drawn over them


def ordinal(n: Any, missing: str | None = DASH) -> str | None:
    """1 -> "1st", 2 -> "2nd", 11 -> "11th", 23 -> "23rd"; ``missing`` where there is none."""
    if is_missing(n):
        return missing
    n = int(n)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
