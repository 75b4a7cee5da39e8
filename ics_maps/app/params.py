"""Every URL parameter the app understands, and how its text from a link becomes a valid value.

Links arrive as untrusted text. The parsers here (pure: no Streamlit) turn each value into a valid
one plus a plain-English warning for anything dropped; they never raise. The registry at the end
declares one :class:`~ics_maps.app.url_state.Param` per parameter, which pages bind to widgets.

URL format (all optional)::

    ?vintage=2026&region=E40000003,E40000007&wave=1,2&icb=E54000057
    ?color=people&measure=age_65_plus_share&rank=lad

``region`` takes ONS (``E40000003``) or ODS (``Y56``) codes; ``wave`` takes 1–6 and ``wave_match``
says how: ``mostly`` (default: the wave of most of a system's residents) or ``any`` (of any of
them). Several values are comma-separated (repeating the key works too).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import pandas as pd

from ics_maps.analysis.filters import WAVE_MATCHES, WAVES, Filters, region_names
from ics_maps.analysis.profiles import PROFILE_TIERS
from ics_maps.app.url_state import Param
from ics_maps.presentation.style import PROFILE_MEASURES
from ics_maps.sources.vintages import DEFAULT_VINTAGE, VINTAGES
from ics_maps.tiers import default_tolerance

# ---------------------------------------------------------------------------- parsing link text

MAX_PARAM_CHARS = 400  # longer values are not something this app wrote: refuse them
_CODE = re.compile(r"^[A-Za-z0-9]{1,12}$")


def _values(params: Mapping, key: str) -> list[str]:
    """All values of ``key``: comma-separated and/or repeated, stripped, empty ones dropped."""
    if key not in params:
        return []
    getter = getattr(params, "get_all", None)
    raw = getter(key) if callable(getter) else params[key]
    if raw is None:
        return []
    if isinstance(raw, str):
        raw = [raw]
    out: list[str] = []
    for item in raw:
        out += [v.strip() for v in str(item).split(",") if v.strip()]
    return out


def _one(params: Mapping, key: str) -> str | None:
    vals = _values(params, key)
    return vals[-1] if vals else None


def short(value: object, n: int = 40) -> str:
    """A user-supplied value cut to ``n`` characters for quoting in a warning."""
    s = str(value)
    return s if len(s) <= n else s[: n - 1] + "…"


def parse_filters(params: Mapping) -> tuple[Filters, list[str]]:
    """URL parameters → :class:`Filters` plus warnings for whatever was dropped (syntax only).

    Region codes are checked against the atlas later, by :func:`validate_filters`.
    """
    warnings: list[str] = []
    vintage = DEFAULT_VINTAGE
    v = _one(params, "vintage")
    if v is not None:
        if v in VINTAGES:
            vintage = v
        else:
            warnings.append(
                f"Unknown vintage “{short(v)}” in the link: showing {DEFAULT_VINTAGE} instead "
                f"(choose from {', '.join(VINTAGES)})."
            )
    regions: list[str] = []
    for r in _values(params, "region"):
        if len(r) > MAX_PARAM_CHARS or not _CODE.match(r):
            warnings.append(f"Ignored a malformed NHS region code “{short(r)}” in the link.")
        elif r.upper() not in regions:
            regions.append(r.upper())
    waves: list[int] = []
    for w in _values(params, "wave"):
        try:
            n = int(w)
        except ValueError:
            n = None
        if n not in WAVES:
            warnings.append(f"Ignored ICS wave “{short(w)}” in the link: waves are 1 to 6.")
        elif n not in waves:
            waves.append(n)
    match, warning = parse_choice(_one(params, "wave_match"), WAVE_MATCHES, "mostly", "wave rule")
    if warning:
        warnings.append(warning)
    return Filters(vintage, tuple(regions), tuple(sorted(waves)), match), warnings


def parse_choice(
    value: str | None, allowed: Iterable[str], default: str, what: str
) -> tuple[str, str | None]:
    """A value that must be one of ``allowed``; the default plus a warning otherwise."""
    allowed = list(allowed)
    if value is None or value == "":
        return default, None
    if value in allowed:
        return value, None
    return default, (
        f"Unknown {what} “{short(value)}” in the link: showing {default} "
        f"(choose from {', '.join(allowed)})."
    )


def parse_flag(value: str | None, what: str) -> tuple[bool, str | None]:
    """An on/off switch from the link ("1", "true", "yes" / "0", "false", "no"); off plus a warning
    otherwise."""
    if value is None or value == "":
        return False, None
    v = value.strip().casefold()
    if v in ("1", "true", "yes", "on"):
        return True, None
    if v in ("0", "false", "no", "off"):
        return False, None
    return False, f"Ignored {what} “{short(value)}” in the link: expected 1 (on) or 0 (off)."


def parse_fraction(
    value: str | None, default: float, lo: float, hi: float, what: str
) -> tuple[float, str | None]:
    """A number in [lo, hi] (a trailing % divides by 100); the default plus a warning otherwise."""
    if value is None or value == "":
        return default, None
    text = value.strip()
    try:
        x = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        x = math.nan
    if not math.isfinite(x) or not lo <= x <= hi:
        return (
            default,
            f"Ignored {what} “{short(value)}” in the link: expected a number from {lo:g} to "
            f"{hi:g}.",
        )
    return x, None


def parse_code(
    value: str | None, codes: Iterable[str], what: str, extra: Mapping[str, str] | None = None
) -> tuple[str | None, str | None]:
    """A unit code that must exist among ``codes`` (or be a key of ``extra``, e.g. ODS → ONS)."""
    if value is None or value == "":
        return None, None
    v = value.strip()
    codes = set(codes)
    if v in codes:
        return v, None
    for cand in (v.upper(), (extra or {}).get(v), (extra or {}).get(v.upper())):
        if cand in codes:
            return cand, None
    if len(v) > MAX_PARAM_CHARS or not _CODE.match(v):
        return None, f"Ignored a malformed {what} code “{short(v)}” in the link."
    return None, f"No {what} with code “{short(v)}” in this vintage and filter: it was ignored."


def region_lookup(atlas) -> dict[str, str]:
    """Every accepted spelling of a region code (ONS, ODS, upper case) → its ONS code (kept with
    the atlas; do not modify)."""

    def make() -> dict[str, str]:
        reg = atlas.tier("region")
        out = {str(c).upper(): str(c) for c in reg["code"]}
        if "ods_code" in reg:
            out.update(
                {
                    str(o).upper(): str(c)
                    for c, o in zip(reg["code"], reg["ods_code"], strict=False)
                    if pd.notna(o)
                }
            )
        return out

    return atlas.derived("region_lookup", make)


def validate_filters(filters: Filters, atlas) -> tuple[Filters, list[str]]:
    """Map region codes onto the atlas's ONS codes; unknown ones are dropped with a warning."""
    lookup = region_lookup(atlas)
    names = region_names(atlas)
    kept: list[str] = []
    warnings: list[str] = []
    for r in filters.regions:
        code = lookup.get(r.upper())
        if code is None:
            warnings.append(
                f"Unknown NHS region “{short(r)}” in the link was ignored "
                f"(known: {', '.join(f'{c} {n}' for c, n in names.items())})."
            )
        elif code not in kept:
            kept.append(code)
    return replace(filters, regions=tuple(sorted(kept))), warnings


# ---------------------------------------------------------------------------- parameter kinds


def _omit(default: Any):
    """to_text that leaves the default out of the link, so links stay short."""
    return lambda v: None if v in (None, "", default) else str(v)


def _join(values: Iterable[Any]) -> str | None:
    return ",".join(str(v) for v in sorted(values)) if values else None


def choice(key: str, allowed: Sequence[str], default: str, what: str) -> Param:
    """One of ``allowed`` (e.g. a tier or a colouring); the default is left out of the link."""
    return Param(key, lambda v: parse_choice(v, allowed, default, what), _omit(default))


def flag(key: str, what: str) -> Param:
    """An on/off switch: "1" in the link when on."""
    return Param(key, lambda v: parse_flag(v, what), lambda v: "1" if v else None)


def percent(key: str, lo: float, hi: float, what: str, default: float = 0.0) -> Param:
    """A percentage as the widget shows it ("5" or "5%" for 5 %), within [lo, hi], in tenths of a
    percent: a link cannot ask for 2.3719 % (each distinct value once cached a table), and a finer
    value is rounded to the nearest tenth."""

    def parse(v: str | None) -> tuple[float, str | None]:
        x, warning = parse_fraction(v.strip().removesuffix("%") if v else v, default, lo, hi, what)
        x = quantise_percent(x)
        if warning:
            warning = (
                f"Ignored {what} “{short(v)}” in the link: expected a percentage from {lo:g} to "
                f"{hi:g} (e.g. {what[:3]}=5 for 5%)."
            )
        return x, warning

    def to_text(pct: float | None) -> str | None:
        return None if pct is None or float(pct) == default else f"{float(pct):g}"

    return Param(key, parse, to_text)


def quantise_percent(x: float) -> float:
    """``x`` percent to the nearest tenth of a percent (the finest step the app works in)."""
    return round(round(float(x) * 10) / 10, 1)


def text(key: str, max_chars: int) -> Param:
    """Free text (a search), cut to ``max_chars``; left out of the link when blank."""
    return Param(key, lambda v: ((v or "")[:max_chars], None), lambda v: (v or "").strip() or None)


def code(key: str) -> Param:
    """A unit's code; a page narrows it to the codes it offers with :func:`among`."""
    return Param(key, lambda v: (v, None))


def among(
    param: Param,
    codes: Sequence[str],
    what: str,
    aliases: Mapping[str, str] | None = None,
    fallback: str | None = None,
) -> Param:
    """``param`` accepting only ``codes`` (or an alias of one, e.g. an ODS code for its ONS code);
    an unknown code from a link gives a warning and ``fallback`` (default: the first code)."""
    codes = list(codes)
    default = fallback if fallback is not None else (codes[0] if codes else None)

    def parse(v: str | None) -> tuple[str | None, str | None]:
        value, warning = parse_code(v, codes, what, aliases)
        return (value if value is not None else default), warning

    return param.parsing(parse)


def _parse_vintage(v: str | None) -> tuple[str, str | None]:
    f, w = parse_filters({"vintage": v} if v else {})
    return f.vintage, (w[0] if w else None)


def _parse_waves(v: str | None) -> tuple[list[int], str | None]:
    f, w = parse_filters({"wave": v} if v else {})
    return list(f.waves), (" ".join(w) or None)


def regions_of(atlas: Any) -> Param:
    """The region filter, checked against the atlas's regions (ONS or ODS codes accepted)."""

    def parse(v: str | None) -> tuple[list[str], str | None]:
        f, w = parse_filters({"region": v} if v else {})
        valid, w2 = validate_filters(f, atlas)
        return list(valid.regions), (" ".join(w + w2) or None)

    return REGION.parsing(parse)


# ---------------------------------------------------------------------------- the registry

# how the Overview map colours systems ("people": by the profile measure in MEASURE)
COLOR_BY = ("residents", "region", "wave", "councils", "people")
CHILD_TIERS = ("lad", "utla", "sicbl", "pcn", "icb", "practice", "lsoa")
PARENT_TIERS = ("icb", "sicbl", "utla", "lad", "pcn", "region")
COUNCIL_TIERS = ("utla", "lad")
WEIGHTS = ("population", "area")
MEASURES = tuple(PROFILE_MEASURES)  # age and deprivation measures (the map's and the rankings')
OWN_TIERS = ("icb", "sicbl", "utla", "lad", "pcn", "region")  # what a user's layer is laid over

# the shared sidebar filters, kept on every page
VINTAGE = Param("vintage", _parse_vintage, _omit(DEFAULT_VINTAGE))
REGION = Param("region", lambda v: ([], None), _join)  # narrowed to an atlas by regions_of()
WAVE = Param("wave", _parse_waves, _join)
# a system is in a wave by most of its residents, or by any of them (a merged 2026 system)
WAVE_MATCH = choice("wave_match", WAVE_MATCHES, "mostly", "wave rule")
# each page's own
COLOR = choice("color", COLOR_BY, "residents", "colouring")
ICB = code("icb")
COUNCIL_TIER = choice("la", COUNCIL_TIERS, "utla", "council tier")
PLACE = code("place")
QUERY = text("q", 80)
PCN = code("pcn")
CHILD = choice("child", CHILD_TIERS, "lad", "child tier")
PARENT = choice("parent", PARENT_TIERS, "icb", "parent tier")
WEIGHT = choice("weight", WEIGHTS, "population", "weighting")
TOLERANCE = percent("tol", 0.0, 20.0, "tolerance")  # tolerance_for() gives each pair's default
SPLIT_ONLY = flag("split", "split-only switch")
MEASURE = choice("measure", MEASURES, MEASURES[0], "people measure")
RANK_TIER = choice("rank", PROFILE_TIERS, "icb", "tier to rank")
OVER = choice("over", OWN_TIERS, "lad", "official tier")  # Your boundaries: the tier compared

# the Changes page: a tier and two vintages. The vintages are always written into the link (even
# the defaults), so a shared comparison keeps its meaning when the defaults move on.
CHANGE_TIERS = ("icb", "sicbl", "region")
CHANGE_TIER = choice("tier", CHANGE_TIERS, "icb", "tier")
FROM_VINTAGE = Param(
    "from", lambda v: parse_choice(v, VINTAGES, "2024", "vintage to compare from"), str
)
TO_VINTAGE = Param(
    "to", lambda v: parse_choice(v, VINTAGES, DEFAULT_VINTAGE, "vintage to compare to"), str
)
WITH_UNCHANGED = flag("unchanged", "unchanged-units switch")


def tolerance_for(child: str, parent: str) -> Param:
    """The tolerance parameter of a pair of tiers: its default (left out of the link) is
    :func:`ics_maps.tiers.default_tolerance`, 5 % for PCN pairs."""
    return percent("tol", 0.0, 20.0, "tolerance", default=100 * default_tolerance(child, parent))


SPLIT_ONLY = flag("split", "split-only switch")
ASKED_PATH = text("path", 200)  # the not-found page: the unknown path that was asked for

FILTERS: tuple[Param, ...] = (VINTAGE, REGION, WAVE, WAVE_MATCH)
PAGE_PARAMS: tuple[Param, ...] = (
    ICB,
    COLOR,
    PLACE,
    COUNCIL_TIER,
    PCN,
    QUERY,
    CHILD,
    PARENT,
    WEIGHT,
    TOLERANCE,
    SPLIT_ONLY,
    CHANGE_TIER,
    FROM_VINTAGE,
    TO_VINTAGE,
    WITH_UNCHANGED,
    MEASURE,
    RANK_TIER,
    OVER,
    ASKED_PATH,
)
FILTER_KEYS: tuple[str, ...] = tuple(p.key for p in FILTERS)
KNOWN_KEYS: tuple[str, ...] = FILTER_KEYS + tuple(p.key for p in PAGE_PARAMS)


def unknown_key_warning(key: str) -> str:
    return (
        f"Ignored unknown link parameter “{short(key)}” (the app understands: "
        f"{', '.join(KNOWN_KEYS)})."
    )
