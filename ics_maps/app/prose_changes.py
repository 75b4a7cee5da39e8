"""The Changes page's sentences (no Streamlit here; the other pages' are in :mod:`prose`)."""

from __future__ import annotations

from ics_maps.app.prose import text
from ics_maps.presentation.style import CHANGE_WORDS, fmt_int

INTRO = (
    "What changed between two boundary vintages: which units stayed, were recoded, merged, split "
    "or moved a boundary, where their residents went, and a crosswalk to re-base your own "
    "figures. Every figure sums Census 2021 residents over the LSOA 2021 areas that all vintages "
    "share. The sidebar's vintage and filters do not apply here: the page compares all England."
)

SANKEY_NOTE = (
    "Each band is the residents of an old unit (left) now in a new unit (right), coloured by what "
    "happened to the old unit. Hover a band for its residents and share."
)

MAP_NOTE = (
    "Coloured: the LSOAs whose unit changed, joined per old → new pair and coloured by what "
    "happened to the old unit; black lines: the new units. A recoded unit's areas are coloured "
    "although no line moved: its code or name changed. Hover an area for the two units."
)

TABLE_NOTE = (
    "One row per old unit × new unit sharing residents. share_of_from: the share of the old "
    "unit's residents now in the new one (what re-basing divides by); share_of_to: the share of "
    "the new unit's residents that came from the old one."
)

REBASE_HELP = (
    "Upload a CSV of figures published for the {old} {units} (one row per unit, or per unit and "
    "period), with their ONS (E…) codes in one column. Counts are divided between the {new} "
    "{units} by residents' shares, so totals are kept; a rate (per cent, per 1,000, a mean) needs "
    "its denominator column, and a column named like a rate is refused without one. Each value "
    "says how much of it was apportioned from divided units. Files up to 50 MB; the file is read "
    "in memory and not kept."
)


def _count(n: int, singular: str, plural: str) -> str:
    return f"{fmt_int(n)} {singular if n == 1 else plural}"


def headline(s: dict, old_units: str, new_units: str) -> str:
    """The page's headline sentence (Markdown) from
    :func:`ics_maps.analysis.changes.headline`; ``old_units`` / ``new_units`` are the tier's
    plural in each vintage's words ("STPs", "ICSs")."""
    lead = (
        f"**{fmt_int(s['from_units'])} {text(old_units)} ({text(s['from_vintage'])}) → "
        f"{fmt_int(s['to_units'])} {text(new_units)} ({text(s['to_vintage'])}).**"
    )
    if s["unchanged"] == s["from_units"]:
        return lead + " Nothing changed: every unit kept its code, name and residents."
    parts = [f"{fmt_int(s[c])} {c}" for c in ("unchanged", "recoded", "merged", "split")]
    parts.append(_count(s["boundary"], "boundary change", "boundary changes"))
    new = (
        f"; {fmt_int(s['new_units'])} of the {fmt_int(s['to_units'])} {text(new_units)} "
        "continue no old unit"
        if s["new_units"]
        else ""
    )
    return (
        f"{lead} {', '.join(parts)}{new}. "
        f"{_count(s['lsoas_changed'], 'LSOA', 'LSOAs')} "
        f"({fmt_int(s['residents_in_other_code'])} residents) changed code."
    )


def change_help(label: str) -> str:
    """A metric's help: what the change label means."""
    return f"Old units: {CHANGE_WORDS[label]}."


def same_vintage(vintage: str) -> str:
    return f"Both sides are the {text(vintage)} vintage: choose two different vintages to compare."


def nothing_moved(units: str) -> str:
    return f"No area changed {text(units)} between these vintages: nothing to map."


def rebase_done(n_rows: int, n_apportioned: int, dropped: list[str]) -> str:
    """What the re-based table holds (Markdown)."""
    out = (
        f"Re-based: {_count(n_rows, 'row', 'rows')}; {fmt_int(n_apportioned)} hold values "
        "apportioned from divided units (see the *_apportioned_share columns)."
    )
    if dropped:
        out += (
            " Text columns left out (they cannot be apportioned): "
            + ", ".join(text(c) for c in dropped)
            + "."
        )
    return out
