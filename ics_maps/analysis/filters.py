"""The dashboard's shared filters (vintage, NHS regions, ICS waves) applied to an atlas.

Filtering rule: an ICS survives when its NHS region is among the chosen regions (all if none) and
its wave — the designation wave covering most of its residents (:mod:`ics_maps.atlas.waves`) — is
among the chosen waves (all if none); with ``wave_match="any"``, when any of its residents lived in
a system of those waves (a merged 2026 system such as Central East is then in wave 1 as well as 4
and 6). Every other tier is narrowed to the surviving ICSs: sub-ICB
locations, PCNs and practices by their ICB; local authorities and LSOAs by residents (an LA is kept
if any of its residents live in a surviving ICS, so a council split across systems stays visible).

The filters arrive from the URL as untrusted text: :mod:`ics_maps.app.params` turns that text into
a :class:`Filters`; this module only applies valid ones, and computes the headline figures.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from ics_maps.atlas.waves import wave_shares as shares_of
from ics_maps.readers import read_waves
from ics_maps.sources.vintages import DEFAULT_VINTAGE
from ics_maps.tiers import PCN_TARGET_BAND, TIERS

WAVES: tuple[int, ...] = (1, 2, 3, 4, 5, 6)
WAVE_MATCHES: tuple[str, ...] = ("mostly", "any")  # by the wave of most residents, or of any

# ---------------------------------------------------------------------------- the filters


@dataclass(frozen=True)
class Filters:
    """Shared sidebar filters. Empty ``regions`` / ``waves`` mean "all"."""

    vintage: str = DEFAULT_VINTAGE
    regions: tuple[str, ...] = ()
    waves: tuple[int, ...] = ()
    wave_match: str = "mostly"  # "mostly": the wave of most residents; "any": of any resident

    def __post_init__(self):
        if self.wave_match not in WAVE_MATCHES:
            raise ValueError(f"wave_match must be one of {WAVE_MATCHES}, not {self.wave_match!r}")

    @property
    def active(self) -> bool:
        return bool(self.regions or self.waves)

    @property
    def any_part(self) -> bool:
        """Waves chosen, matched by any part of a system's residents."""
        return bool(self.waves) and self.wave_match == "any"

    def to_params(self) -> dict[str, str]:
        """URL parameters for these filters (defaults are left out so URLs stay short)."""
        out: dict[str, str] = {}
        if self.vintage != DEFAULT_VINTAGE:
            out["vintage"] = self.vintage
        if self.regions:
            out["region"] = ",".join(self.regions)
        if self.waves:
            out["wave"] = ",".join(str(w) for w in self.waves)
        if self.any_part:
            out["wave_match"] = "any"
        return out

    def slug_parts(self) -> list[str]:
        """Parts of a file name that say which filters made a table ([] when none is set)."""
        out = []
        if self.regions:
            out.append("regions-" + "-".join(self.regions))
        if self.waves:
            out.append("waves-" + "-".join(str(w) for w in self.waves))
            if self.any_part:
                out.append("any-part")
        return out

    def describe(self, region_names: Mapping[str, str] | None = None) -> str:
        """One line for captions, e.g. "regions: London, North West · waves: 1, 2"."""
        parts = []
        if self.regions:
            names = [(region_names or {}).get(r, r) for r in self.regions]
            parts.append(("region: " if len(names) == 1 else "regions: ") + ", ".join(names))
        if self.waves:
            parts.append(
                ("wave: " if len(self.waves) == 1 else "waves: ")
                + ", ".join(map(str, self.waves))
                + (" (any part)" if self.any_part else "")
            )
        return " · ".join(parts) if parts else "all of England"


def region_names(atlas) -> dict[str, str]:
    """NHS region code → name, sorted by name (kept with the atlas; do not modify)."""

    def make() -> dict[str, str]:
        reg = atlas.tier("region").sort_values("name")
        return dict(zip(reg["code"].astype(str), reg["name"].astype(str), strict=False))

    return atlas.derived("region_names", make)


# ---------------------------------------------------------------------------- applying them


@dataclass
class View:
    """The atlas narrowed by the filters: the rows of each tier that the pages may show."""

    atlas: object
    filters: Filters
    icb_codes: frozenset
    codes: dict[str, frozenset] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.icb_codes

    def tier(self, name: str) -> pd.DataFrame:
        """Rows of a tier inside the view (the whole tier when no filter is set)."""
        t = self.atlas.tier(name)
        if not self.filters.active:
            return t
        return t[t["code"].isin(self.codes[name])]

    def keep(self, name: str, codes: Iterable) -> pd.Series:
        """Boolean mask: which of ``codes`` (of tier ``name``) are in the view."""
        s = pd.Series(list(codes) if not isinstance(codes, pd.Series) else codes)
        if not self.filters.active:
            return pd.Series(True, index=s.index)
        return s.isin(self.codes[name])


def icb_mask(
    icb: pd.DataFrame, filters: Filters, wave_shares: pd.DataFrame | None = None
) -> pd.Series:
    """Which ICBs survive the region and wave filters. ``wave_shares``
    (:func:`ics_maps.atlas.waves.wave_shares`: ``icb, wave, share``) is needed when the waves
    match any part of a system."""
    keep = pd.Series(True, index=icb.index)
    if filters.regions:
        keep &= icb["region"].isin(filters.regions)
    if filters.any_part:
        if wave_shares is None:
            raise ValueError("matching any part of a system's waves needs its wave shares")
        part = wave_shares[wave_shares["wave"].isin(filters.waves) & (wave_shares["share"] > 0)]
        keep &= icb["code"].isin(set(part["icb"]))
    elif filters.waves:
        keep &= pd.to_numeric(icb["wave"], errors="coerce").isin(filters.waves)
    return keep


def apply_filters(atlas, filters: Filters, wave_shares: pd.DataFrame | None = None) -> View:
    """Narrow every tier to the ICSs that pass the filters (rule in the module docstring).
    ``wave_shares``: each system's residents by wave (computed here when the waves match any part
    and none is given)."""
    icb = atlas.tier("icb")
    if filters.any_part and wave_shares is None:
        wave_shares = shares_of(atlas.lsoa, read_waves())
    if not filters.active:
        icb_codes = atlas.codes("icb")
        codes = {t: atlas.codes(t) for t in TIERS if t != "lsoa"}
        codes["lsoa"] = frozenset()  # not needed: View.tier returns whole tiers with no filter
        return View(atlas, filters, icb_codes, codes)
    icb_codes = frozenset(icb.loc[icb_mask(icb, filters, wave_shares), "code"])
    lsoa = atlas.lsoa
    in_lsoa = lsoa[lsoa["icb"].isin(icb_codes)]
    codes = {
        "icb": icb_codes,
        "region": frozenset(icb.loc[icb["code"].isin(icb_codes), "region"].dropna()),
        "sicbl": frozenset(atlas.tier("sicbl").loc[lambda d: d["icb"].isin(icb_codes), "code"]),
        "pcn": frozenset(atlas.tier("pcn").loc[lambda d: d["icb"].isin(icb_codes), "code"]),
        "practice": frozenset(atlas.practices.loc[lambda d: d["icb"].isin(icb_codes), "code"]),
        "lad": frozenset(in_lsoa.loc[in_lsoa["residents"] > 0, "lad"].dropna()),
        "utla": frozenset(in_lsoa.loc[in_lsoa["residents"] > 0, "utla"].dropna()),
        "lsoa": frozenset(in_lsoa["code"]),
    }
    return View(atlas, filters, icb_codes, codes)


def filter_table(table: pd.DataFrame, view: View, child: str) -> pd.DataFrame:
    """Rows of a coterminosity table whose child is in the view (all of each kept child's rows).

    A split council in a filtered region keeps its rows to systems outside the region, so the
    split stays visible. With no filter set the engine's table is returned unchanged.
    """
    if not view.filters.active:
        return table
    return table[table["child_code"].isin(view.codes[child])].reset_index(drop=True)


# ---------------------------------------------------------------------------- headline figures


def headline(view: View) -> dict:
    """The figures at the top of the Overview page, for the ICSs in the view (the smallest and
    largest system by residents with their names: "largest 3,503,372" alone says little)."""
    icb = view.tier("icb")
    res = pd.to_numeric(icb["residents"], errors="coerce")
    reg = (
        pd.to_numeric(icb["registered"], errors="coerce")
        if "registered" in icb
        else pd.Series(dtype=float)
    )
    pcn = view.tier("pcn")
    sizes = pd.to_numeric(pcn["list_size"], errors="coerce").dropna()
    out = {
        "icb": int(len(icb)),
        "residents": int(res.sum()),
        "registered": int(reg.sum()) if reg.notna().any() else 0,
        "sicbl": int(len(view.tier("sicbl"))),
        "lad": int(len(view.tier("lad"))),
        "utla": int(len(view.tier("utla"))),
        "pcn": int(len(pcn)),
        "practice": int(len(view.tier("practice"))),
        "icb_min": int(res.min()) if len(res) else 0,
        "icb_median": int(res.median()) if len(res) else 0,
        "icb_max": int(res.max()) if len(res) else 0,
        "icb_min_name": str(icb.loc[res.idxmin(), "name"]) if res.notna().any() else None,
        "icb_max_name": str(icb.loc[res.idxmax(), "name"]) if res.notna().any() else None,
        "pcn_in_band": float(sizes.between(*PCN_TARGET_BAND).mean()) if len(sizes) else math.nan,
    }
    return out


def filter_waves(waves: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """The 42 designated ICSs (``ics_maps/atlas/ics_waves.csv``) narrowed by region (``nhser22cd``)
    and wave."""
    keep = pd.Series(True, index=waves.index)
    if filters.regions and "nhser22cd" in waves:
        keep &= waves["nhser22cd"].isin(filters.regions)
    if filters.waves:
        keep &= pd.to_numeric(waves["wave"], errors="coerce").isin(filters.waves)
    return waves[keep]
