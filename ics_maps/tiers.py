"""The tiers: their names, their nesting order and the one policy figure about them (the PCN band).

Display wording (labels, plurals, the vintage's own words) is :mod:`ics_maps.presentation.style`.
"""

from __future__ import annotations

# The order is the nesting order users think in (largest first); "lsoa" is the atom.
TIERS: tuple[str, ...] = ("region", "icb", "sicbl", "utla", "lad", "pcn", "practice", "lsoa")

# Polygon tiers that the nesting engine compares (practices are points; LSOAs are the atom).
AREA_TIERS: tuple[str, ...] = ("region", "icb", "sicbl", "utla", "lad", "pcn")

# Columns the LSOA atom table carries: its code in every other tier.
LSOA_TIER_COLUMNS: tuple[str, ...] = ("region", "icb", "sicbl", "utla", "lad", "pcn")


def check_tier(name: str) -> str:
    """Return ``name`` if it is a tier, else raise with the list of valid names."""
    if name not in TIERS:
        raise ValueError(f"unknown tier {name!r}: expected one of {', '.join(TIERS)}")
    return name


# The list size (registered patients) the PCN policy aimed for: "typically 30,000 to 50,000".
PCN_TARGET_BAND: tuple[int, int] = (30_000, 50_000)

# A PCN "serves" a council when at least this share of the council's residents are attributed to
# it: the ``n_pcn`` of council summaries, and the Place page's count and map (one threshold).
PCN_SERVING_SHARE: float = 0.01

# The tolerance comparisons with PCNs open at (the dashboard; the CLI's default stays 0). A PCN's
# registered patients spread across council and system lines, and outside the one ICB with
# published registrations its shares are modelled, so at 0 % almost every PCN counts as split; at
# 5 % a PCN with at least 95 % of its people inside one parent counts as nested in it.
PCN_PAIR_TOLERANCE: float = 0.05


def default_tolerance(child: str, parent: str) -> float:
    """The tolerance a comparison of ``child`` with ``parent`` opens at: :data:`PCN_PAIR_TOLERANCE`
    when a PCN's fractional footprint is involved (not practices in PCNs: membership is exact),
    else 0."""
    return PCN_PAIR_TOLERANCE if "pcn" in (child, parent) and child != "practice" else 0.0
