"""Geography vintages: which catalogue entries make each tier in each year. Adding a vintage adds no
code."""

from __future__ import annotations

from dataclasses import dataclass

# The usual words for the two NHS tiers whose names changed (a vintage may use its own: STP, CCG).
DEFAULT_TERMS = {"icb": "ICB", "sicbl": "Sub-ICB location"}


@dataclass(frozen=True)
class Vintage:
    """A geography vintage: which catalogue entries make each tier. Adding a vintage adds no
    code."""

    id: str
    label: str
    icb_boundaries: str
    icb_code_field: str
    icb_name_field: str
    sicbl_boundaries: str | None  # None: dissolve LSOAs on the lookup's sub-ICB code (derived)
    lsoa_lookup: str | None  # None: no LSOA 2021 lookup; the atoms are placed another way
    primary_care_map: str
    icb_term: str = DEFAULT_TERMS["icb"]
    sicbl_term: str = DEFAULT_TERMS["sicbl"]
    notes: str = ""
    # Without an LSOA 2021 lookup: the ONS LSOA 2011 -> sub-ICB/CCG lookup carried to LSOA 2021
    # (ics_maps/atlas/_historic_placement.py).
    lsoa11_lookup: str | None = None


VINTAGES: dict[str, Vintage] = {
    v.id: v
    for v in [
        Vintage(
            "2026",
            "April 2026: 36 ICBs after the mergers",
            "icb_2026_bsc",
            "ICB26CD",
            "ICB26NM",
            None,
            "lsoa21_sicbl26_lookup",
            "gp_map_2025_10",
            notes="Sub-ICB boundaries dissolved from LSOA 2021 (no ONS 2026 sub-ICB boundary file "
            "in the mirror).",
        ),
        Vintage(
            "2024",
            "April 2023–March 2026: 42 statutory ICBs (April 2024 codes)",
            "icb_2023_bsc",
            "ICB23CD",
            "ICB23NM",
            "sicbl_2023_bsc",
            "lsoa21_sicbl24_lookup",
            "gp_map_2025_10",
        ),
        Vintage(
            "2022",
            "July 2022: 42 ICBs at establishment",
            "icb_2022_buc",
            "ICB22CD",
            "ICB22NM",
            "sicbl_2022_buc",
            None,
            "gp_map_2024_10",
            notes="LSOA 2021 atoms placed by the ONS LSOA 2011 → sub-ICB (July 2022) lookup, "
            "carried to LSOA 2021 (ics_maps/atlas/_historic_placement.py).",
            lsoa11_lookup="lsoa11_sicbl22_lookup",
        ),
        Vintage(
            "2021",
            "April 2021: 42 STPs and 106 CCGs (pre-statutory ICS footprints)",
            "stp_2021_buc",
            "stp21_code",
            "stp21_name",
            "ccg_2021_bsc",
            None,
            "gp_map_2024_10",
            icb_term="STP",
            sicbl_term="CCG",
            notes="LSOA 2021 atoms placed by the ONS LSOA 2011 → CCG (April 2021) lookup, "
            "carried to LSOA 2021 (ics_maps/atlas/_historic_placement.py).",
            lsoa11_lookup="lsoa11_ccg21_lookup",
        ),
    ]
}

DEFAULT_VINTAGE = "2026"


def get_vintage(vid: str) -> Vintage:
    """The vintage called ``vid``, or a ValueError listing the known ones."""
    try:
        return VINTAGES[vid]
    except KeyError:
        raise ValueError(
            f"unknown vintage {vid!r}: expected one of {', '.join(VINTAGES)}"
        ) from None
