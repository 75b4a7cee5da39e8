"""Tier names and their display labels: the vocabulary every module and page shares."""
from __future__ import annotations

# The order is the nesting order users think in (largest first); "lsoa" is the atom.
TIERS: tuple[str, ...] = ("region", "icb", "sicbl", "utla", "lad", "pcn", "practice", "lsoa")

# Polygon tiers that the nesting engine compares (practices are points; LSOAs are the atom).
AREA_TIERS: tuple[str, ...] = ("region", "icb", "sicbl", "utla", "lad", "pcn")

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

# Columns the LSOA atom table carries: its code in every other tier.
LSOA_TIER_COLUMNS: tuple[str, ...] = ("region", "icb", "sicbl", "utla", "lad", "pcn")


def check_tier(name: str) -> str:
    """Return ``name`` if it is a tier, else raise with the list of valid names."""
    if name not in TIERS:
        raise ValueError(f"unknown tier {name!r}: expected one of {', '.join(TIERS)}")
    return name


def label(name: str, vintage_terms: dict[str, str] | None = None) -> str:
    """Human label of a tier, using the vintage's own words (STP/CCG in 2021) where given."""
    if vintage_terms and name in vintage_terms:
        return vintage_terms[name]
    return LABELS[check_tier(name)]
