"""The pages' sentences: figures and names turned into safe Markdown (no Streamlit here, so every
sentence is tested as a plain function)."""

from __future__ import annotations

import functools
import html
import re
from typing import Any

import pandas as pd

from ics_maps.analysis.summaries import shared_councils
from ics_maps.presentation.style import (
    TIER_SHORT,
    council_kind,
    fmt_int,
    fmt_pct,
    ordinal,
    sentence,
    short_name,
    tier_plural,
)
from ics_maps.sources.catalogue import CENSUS_2021_ENGLAND_RESIDENTS

# Attribution every page carries (OGL v3.0; ONS, OS and Royal Mail copyright lines).
CREDITS = (
    "Source: Office for National Statistics licensed under the Open Government Licence v.3.0. "
    "Contains OS data © Crown copyright and database right 2021–2026. Census 2021: Source: Office "
    "for National Statistics licensed under the Open Government Licence v.3.0. Contains public "
    "sector information licensed under the Open Government Licence v3.0 (NHS England, NHS Digital, "
    "Organisation Data Service). Practice locations: ONS Postcode Directory — contains OS data © "
    "Crown copyright and database right 2023; contains Royal Mail data © Royal Mail copyright and "
    "database right 2023."
)


def text(value: Any) -> str:
    """A data value made safe for Markdown: HTML escaped and Markdown control characters
    neutralised."""
    # quote=False: an escaped quote (&#x27;) would have its "#" escaped below and show as a raw
    # entity
    missing = value is None or (isinstance(value, float) and pd.isna(value))
    s = html.escape("" if missing else str(value), quote=False)
    for ch in ("\\", "*", "_", "`", "[", "]", "#", "|", "~", "$"):
        s = s.replace(ch, "\\" + ch)
    return s


def file_slug(*parts: Any) -> str:
    """A file-name-safe join of ``parts`` ("lad", "E06000001", "2026" -> "lad_E06000001_2026")."""
    return "_".join(
        re.sub(r"[^A-Za-z0-9.-]+", "-", str(p)).strip("-") for p in parts if p not in (None, "")
    )


def residents_gap(atlas: Any) -> str:
    """Why the atlas's England total is not the published one, with both figures ("…56,490,091, 43
    more than the published 56,490,048."), from the atlas's own total rather than a number in the
    text."""
    published = CENSUS_2021_ENGLAND_RESIDENTS
    total = int((atlas.meta.get("residents") or {}).get("lsoa") or 0)
    if not total or total == published:
        return f"All England sums to {fmt_int(published)}, the published total."
    return (
        "ONS perturbs small-area counts for confidentiality, so all England sums to "
        f"{fmt_int(total)}, {fmt_int(abs(total - published))} "
        f"{'more' if total > published else 'fewer'} than the published {fmt_int(published)}."
    )


def missing_note(
    atlas: Any, in_view: set, table: pd.DataFrame, child: str, parent: str, weight: str
) -> str | None:
    """Why some child units in view (``in_view``: their codes) have no row (a PCN with no drawn
    footprint, a practice in no PCN)."""
    gone = in_view - set(table["child_code"])
    if not gone:
        return None
    n, total, plural = len(gone), len(in_view), tier_plural(child, atlas)
    if child == "practice":
        reason = (
            "are members of no PCN (PCN code U in NHS England's practice → PCN file)"
            if parent == "pcn"
            else "have no location"
        )
    elif weight == "area":
        reason = (
            "have no drawn footprint (they are not the main PCN of any LSOA, though they serve "
            "residents), so they have no area; residents weighting includes them"
            if "pcn" in (child, parent)
            else "have no polygon to measure"
        )
    else:
        reason = "have no residents in any parent of this tier"
    return f"{n:,} of the {total:,} {plural} in view are not in the table: they {reason}."


def derived_note(atlas: Any, tiers: tuple[str, ...]) -> str:
    """ " Derived: …" for the tiers whose polygons ics-maps made in this vintage (PCNs say
    "indicative"
    elsewhere)."""
    made = [
        t
        for t in tiers
        if t != "pcn" and "derived" in atlas.tier(t) and bool(atlas.tier(t)["derived"].any())
    ]
    if not made:
        return ""
    return (
        " "
        + ", ".join(sentence(tier_plural(t, atlas)) for t in made)
        + " are *derived* in this vintage: drawn by ics-maps from LSOA boundaries (see About)."
    )


def council_lines(utla_icb: pd.DataFrame, code: str, relationship: Any, n_whole: int) -> str:
    """One sentence (Markdown, names escaped): does this system follow county and unitary lines, and
    if not, which councils it shares with which systems."""
    shared = shared_councils(utla_icb, code)
    if shared.empty:
        if relationship == "coterminous":
            whole = utla_icb.loc[(utla_icb["parent_code"] == code), "child_name"]
            return (
                f"**Follows council lines:** the same area as {text(whole.iloc[0])} council."
                if len(whole)
                else ""
            )
        if relationship == "nested":
            return (
                "**Inside one council:** the system lies within a single county or unitary council."
            )
        return (
            f"**Follows council lines:** made of {fmt_int(n_whole)} whole counties and unitaries; "
            "none is shared with another system."
        )
    parts = []
    for r in shared.itertuples():
        others = [
            f"{fmt_int(n)} ({fmt_pct(s)}) in {text(short_name(name))}" for name, n, s in r.others
        ]
        parts.append(
            f"{text(r.name)}: {fmt_int(r.here)} of the council's {fmt_int(r.residents)} residents "
            f"({fmt_pct(r.share_here)}) live in this system, "
            + (", ".join(others[:-1]) + " and " + others[-1] if len(others) > 1 else others[0])
        )
    lead = f"**Shares {len(shared)} council{'s' if len(shared) > 1 else ''} with other systems.** "
    return lead + "; ".join(parts) + "."


def patients_note(placed: float, list_size: Any, method: str) -> str:
    """Why a PCN's patients by district do not add up to its list: the reader sees both numbers."""
    if pd.isna(list_size) or not list_size:
        return f"These rows hold {fmt_int(placed)} patients; the PCN's list size is not known."
    gap = float(list_size) - float(placed)
    head = f"These rows hold {fmt_int(placed)} of its {fmt_int(list_size)} registered patients"
    if abs(gap) < 0.5:
        return head + "."
    if method == "registrations":
        why = (
            "the rest live outside England or at an address with no LSOA in the published file"
            if gap > 0
            else "the published file counts more than the April 2025 list"
        )
    else:
        why = (
            "the model balances each practice only roughly to its list, and flows under 0.1% of an "
            "LSOA are dropped (see About: PCN catchments)"
        )
    return f"{head} ({fmt_int(abs(gap))} {'fewer' if gap > 0 else 'more'}): {why}."


def waves_left_out(part: pd.Series, names: pd.Series, n_waves: int) -> str | None:
    """A note naming systems a wave filter leaves out though some of their residents were in those
    waves (``part``: system code → share in the waves; ``names``: code → name)."""
    if part.empty:
        return None
    listed = "; ".join(f"{short_name(names.get(c, c))} ({s:.0%})" for c, s in part.items())
    return (
        f"Also partly in {'this wave' if n_waves == 1 else 'these waves'}, but not shown: "
        f"{listed}. A merged system counts under the wave covering most of its residents; choose "
        "“any of its residents” to include it."
    )


def pair_problem(atlas: Any, child: str, parent: str, weight: str) -> str | None:
    """Why two tiers cannot be compared, in the page's words (None when they can)."""
    from ics_maps.analysis.nesting import check_pair

    if child == parent:
        return (
            f"Child and parent are both {tier_plural(child, atlas)}: a tier always nests in "
            "itself. Choose two different tiers."
        )
    try:
        check_pair(child, parent, weight)
    except ValueError as exc:
        return f"These tiers cannot be compared: {exc}."
    return None


@functools.cache  # the catalogue is fixed; every page's header asks for it on every view
def layers_note(vintage: str) -> str:
    """Which layers of a vintage are of another date than its NHS boundaries, and whether they are
    later (councils are May 2023 in every vintage; PCNs and practices October 2024 or 2025)."""
    from ics_maps.sources.catalogue import dataset
    from ics_maps.sources.vintages import get_vintage

    v = get_vintage(vintage)
    nhs = dataset(v.lsoa_lookup or v.icb_boundaries).vintage
    layers = [
        ("councils", dataset("lad_2023_buc").vintage),
        ("PCNs and practices", dataset(v.primary_care_map).vintage),
        ("GP list sizes", dataset("gp_list_2025_04").vintage),
    ]
    later = [(n, w) for n, w in layers if pd.Timestamp(w) > pd.Timestamp(nhs)]
    earlier = [(n, w) for n, w in layers if (n, w) not in later]

    def as_of(items: list[tuple[str, str]]) -> str:
        said = [f"{name} as of {when}" for name, when in items]
        return ", ".join(said[:-1]) + " and " + said[-1] if len(said) > 1 else said[0]

    if not later:
        return sentence(as_of(layers)) + "."
    rest = f"; {as_of(earlier)}" if earlier else ""
    return f"Kept from later dates than these {nhs} NHS boundaries: {as_of(later)}{rest}."


def successor_note(successor: Any, new_name: str, vintage: str) -> str:
    """Why a link's code opened another unit (a :class:`~ics_maps.analysis.changes.Successor`)."""
    what = {"icb": "system", "sicbl": "sub-ICB location", "region": "region"}.get(
        successor.old_tier, "unit"
    )
    return (
        f"The link names {text(successor.old_name)} ({text(successor.old_code)}), a "
        f"{successor.old_vintage} {what} that is not in the {vintage} vintage. Showing "
        f"{text(new_name)}, which holds {fmt_pct(successor.share, 0)} of its residents."
    )


# What a PCN's People view is of, by how its catchment was made (labelled *modelled* where it is).
CATCHMENT_NOTES = {
    "modelled": "**Modelled catchment.** A PCN has no boundary: this profile is of the Census "
    "2021 residents its *modelled* catchment attributes to it (a model of practice locations, list "
    "sizes and LSOA populations), an estimate of who it serves, not its registered list.",
    "registrations": "**Catchment from registrations.** A PCN has no boundary: this profile "
    "weights each LSOA's Census 2021 residents by the share of its registered patients who use "
    "this PCN (NHS England practice × LSOA registrations, October 2025).",
}


def catchment_note(method: Any) -> str:
    """What a PCN's profile is of, by how its catchment was made (modelled or registrations)."""
    return CATCHMENT_NOTES.get(
        str(method),
        f"**Catchment: {text(method)}.** A PCN has no boundary: this profile is of the Census 2021 "
        "residents attributed to it.",
    )


def _than(value: float, england: float, close: float) -> str:
    if abs(value - england) < close:
        return "about the same as"
    return "above" if value > england else "below"


def people_summary(row: pd.Series, england: pd.Series, tier_words: str) -> str:
    """Two sentences on who lives in a unit against England (Markdown; figures only, no names).

    ``row``/``england``: profile rows (:mod:`ics_maps.analysis.profiles`); ``tier_words``: the
    plural the rank is among ("ICSs", "districts and unitaries"). A unit with no residents says so.
    """
    res = row.get("residents")
    if pd.isna(res) or float(res) <= 0:
        return (
            "No Census 2021 residents are attributed here, so there is no age or deprivation "
            "profile: its figures read “–”."
        )
    old, old_e = row["age_65_plus_share"], england["age_65_plus_share"]
    q1, q1_e = row["imd_quintile1_share"], england["imd_quintile1_share"]
    first = (
        f"Of its {fmt_int(res)} residents, {fmt_pct(old)} are aged 65 or over "
        f"({_than(old, old_e, 0.005)} England's {fmt_pct(old_e)}) and {fmt_pct(q1)} live in "
        f"England's most deprived fifth of neighbourhoods ({_than(q1, q1_e, 0.005)} England's "
        f"{fmt_pct(q1_e)})."
    )
    rank, n = row.get("imd_avg_score_rank"), row.get("imd_avg_score_rank_of")
    if pd.isna(rank) or pd.isna(n):
        return first
    return (
        f"{first} Its average IMD score, {row['imd_avg_score']:.1f} (England "
        f"{england['imd_avg_score']:.1f}), ranks {ordinal(rank)} of {fmt_int(n)} {tier_words}, "
        "where 1st is the most deprived."
    )


def people_map_note(measure: Any) -> str:
    """The Overview map's note when it is coloured by a profile measure (a style ``Measure``)."""
    return (
        f" {measure.label}: classes are natural breaks (Fisher–Jenks) over all England's systems, "
        f"so a filtered map keeps the national colours; hover for each system's figure. Source: "
        f"{measure.source_text}. Every tier ranked by any measure: the *People rankings* tab."
    )


# Why GP lists and Census residents differ; said wherever the two stand side by side.
REGISTERED_VS_RESIDENTS = (
    "Registered patients (GP lists, April 2025) and residents (Census 2021) count different "
    "things: people register where they work or study as well as where they live (inflow), "
    "lists keep people who have moved away or died until they are removed (list inflation), and "
    "the population has grown since March 2021."
)


REGISTERED_GAP = 0.20  # registered patients this far above or below residents get a note


def registered_gap(
    residents: Any, registered: Any, threshold: float = REGISTERED_GAP
) -> str | None:
    """A note (Markdown) when a unit's registered patients differ from its residents by more than
    ``threshold`` of its residents ("4,750,448 registered patients against 3,503,372 residents
    (+36%)"), with the reasons; None when they are close or a figure is missing."""
    try:
        res, reg = float(residents), float(registered)
    except (TypeError, ValueError):
        return None
    if not res or pd.isna(res) or pd.isna(reg) or abs(reg / res - 1) <= threshold:
        return None
    gap = reg / res - 1
    return (
        f"**{fmt_int(reg)} registered patients against {fmt_int(res)} residents "
        f"({'+' if gap > 0 else '−'}{abs(gap):.0%}).** " + REGISTERED_VS_RESIDENTS
    )


def not_found(path: str | None) -> str:
    """What the not-found page says about the path that was asked for (escaped)."""
    asked = (path or "").strip()
    if not asked:
        return "That page does not exist."
    return (
        f"There is no page at **{text(asked)}**. A unit is chosen after the page's name, as in "
        "*/system?icb=E54000057* or */place?place=E06000065*; or find it by name or code with "
        "the search box in the sidebar."
    )


def find_hit(hit: Any) -> str:
    """A search hit in a line (Markdown, escaped): its name, what it is and where it lies
    ("Oxford · district council in Oxfordshire", "1/MONTON MEDICAL PRACTICE · GP practice in
    ECCLES & IRLAM PCN · M30 8AR")."""
    tier, within = hit["tier"], str(hit["within"] or "")
    if tier in ("utla", "lad"):
        kind = council_kind(hit["code"])
    else:
        kind = {"region": "NHS England region", "icb": "ICS"}.get(tier, TIER_SHORT[tier])
    if tier in ("sicbl", "pcn", "utla"):
        within = short_name(within)
    where = "" if tier == "region" or not within else (" in " if tier != "icb" else ", ") + within
    extra = f" · {hit['postcode']}" if tier == "practice" and hit["matched"] == "postcode" else ""
    ods = f" · {hit['ods']}" if hit["matched"] == "ODS code" else ""
    return f"**{text(hit['name'])}** · {text(kind + where)}{text(extra + ods)}"


def pcn_tolerance_note(
    strict: pd.DataFrame, shown: pd.DataFrame, tolerance: float, children: str = "children"
) -> str:
    """Why comparisons with PCNs open at a 5% tolerance, with this pair's own counts: how many
    children are split at 0% and how many at the tolerance shown (``strict`` and ``shown`` are
    the coterminosity tables at 0 and at ``tolerance``)."""
    from ics_maps.tiers import PCN_PAIR_TOLERANCE

    def split(t: pd.DataFrame) -> tuple[int, int]:
        kids = t.drop_duplicates("child_code")
        return int((kids["relationship"] == "split").sum()), len(kids)

    n0, total = split(strict)
    n_now, _ = split(shown)
    head = (
        f"PCN shares are fractional: a PCN's registered patients spread across council and "
        "system lines, and outside Staffordshire and Stoke-on-Trent those shares are modelled. At "
        f"0% tolerance {n0:,} of these {total:,} {children} count as split"
    )
    if tolerance == 0:
        return head + (
            f"; the page opens at {PCN_PAIR_TOLERANCE:.0%}, which counts a child with at least "
            f"{1 - PCN_PAIR_TOLERANCE:.0%} of its residents in one parent as inside it."
        )
    return (
        head
        + (
            f"; at {100 * tolerance:g}% {n_now:,} do. "
            + (
                f"Comparisons with PCNs open at {PCN_PAIR_TOLERANCE:.0%} for that reason: a child "
                f"with at least {1 - PCN_PAIR_TOLERANCE:.0%} of its residents in one parent counts "
                "as inside it."
                if tolerance == PCN_PAIR_TOLERANCE
                else ""
            )
        ).rstrip()
    )
