"""The dashboard's shared filters and page parameters, without Streamlit.

The sidebar filters (vintage, NHS regions, ICS waves) and each page's own choices (the selected
ICS, council, PCN, tiers, weighting, tolerance) live in the URL, so they arrive as untrusted text.
This module turns that text into validated values and a list of plain-English warnings, applies
the filters to an atlas, and computes the headline figures. :mod:`ics_maps.ui` is the only caller
that knows about Streamlit.

URL format (all optional)::

    ?vintage=2026&region=E40000003,E40000007&wave=1,2&icb=E54000057

``region`` takes ONS (``E40000003``) or ODS (``Y56``) codes; ``wave`` takes 1–6. Several values are
comma-separated (repeating the key works too). Unknown or malformed values are dropped with a
warning; they never raise.

Filtering rule: an ICS survives when its NHS region is among the chosen regions (all if none) and
its wave — the designation wave covering most of its residents (:mod:`ics_maps.waves`) — is among
the chosen waves (all if none). Every other tier is narrowed to the surviving ICSs: sub-ICB
locations, PCNs and practices by their ICB; local authorities and LSOAs by residents (an LA is kept
if any of its residents live in a surviving ICS, so a council split across systems stays visible).
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from .sources import DEFAULT_VINTAGE, VINTAGES
from .tiers import TIERS

WAVES: tuple[int, ...] = (1, 2, 3, 4, 5, 6)
MAX_PARAM_CHARS = 400  # longer values are not something this app wrote: refuse them
_CODE = re.compile(r"^[A-Za-z0-9]{1,12}$")

# ---------------------------------------------------------------------------- the filters


@dataclass(frozen=True)
class Filters:
    """Shared sidebar filters. Empty ``regions`` / ``waves`` mean "all"."""

    vintage: str = DEFAULT_VINTAGE
    regions: tuple[str, ...] = ()
    waves: tuple[int, ...] = ()

    @property
    def active(self) -> bool:
        return bool(self.regions or self.waves)

    def to_params(self) -> dict[str, str]:
        """URL parameters for these filters (defaults are left out so URLs stay short)."""
        out: dict[str, str] = {}
        if self.vintage != DEFAULT_VINTAGE:
            out["vintage"] = self.vintage
        if self.regions:
            out["region"] = ",".join(self.regions)
        if self.waves:
            out["wave"] = ",".join(str(w) for w in self.waves)
        return out

    def slug_parts(self) -> list[str]:
        """Parts of a file name that say which filters made a table ([] when none is set)."""
        out = []
        if self.regions:
            out.append("regions-" + "-".join(self.regions))
        if self.waves:
            out.append("waves-" + "-".join(str(w) for w in self.waves))
        return out

    def describe(self, region_names: Mapping[str, str] | None = None) -> str:
        """One line for captions, e.g. "regions: London, North West · waves: 1, 2"."""
        parts = []
        if self.regions:
            names = [(region_names or {}).get(r, r) for r in self.regions]
            parts.append(("region: " if len(names) == 1 else "regions: ") + ", ".join(names))
        if self.waves:
            parts.append(("wave: " if len(self.waves) == 1 else "waves: ") + ", ".join(map(str, self.waves)))
        return " · ".join(parts) if parts else "all of England"


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
            warnings.append(f"Unknown vintage “{short(v)}” in the link: showing {DEFAULT_VINTAGE} instead "
                            f"(choose from {', '.join(VINTAGES)}).")
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
    return Filters(vintage, tuple(regions), tuple(sorted(waves))), warnings


def region_lookup(atlas) -> dict[str, str]:
    """Every accepted spelling of a region code (ONS, ODS, upper case) → its ONS code."""
    reg = atlas.tier("region")
    out = {str(c).upper(): str(c) for c in reg["code"]}
    if "ods_code" in reg:
        out.update({str(o).upper(): str(c) for c, o in zip(reg["code"], reg["ods_code"]) if pd.notna(o)})
    return out


def validate_filters(filters: Filters, atlas) -> tuple[Filters, list[str]]:
    """Map region codes onto the atlas's ONS codes; unknown ones are dropped with a warning."""
    lookup = region_lookup(atlas)
    names = region_names(atlas)
    kept: list[str] = []
    warnings: list[str] = []
    for r in filters.regions:
        code = lookup.get(r.upper())
        if code is None:
            warnings.append(f"Unknown NHS region “{short(r)}” in the link was ignored "
                            f"(known: {', '.join(f'{c} {n}' for c, n in names.items())}).")
        elif code not in kept:
            kept.append(code)
    return Filters(filters.vintage, tuple(sorted(kept)), filters.waves), warnings


def region_names(atlas) -> dict[str, str]:
    reg = atlas.tier("region").sort_values("name")
    return dict(zip(reg["code"].astype(str), reg["name"].astype(str)))


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


def icb_mask(icb: pd.DataFrame, filters: Filters) -> pd.Series:
    """Which ICBs survive the region and wave filters."""
    keep = pd.Series(True, index=icb.index)
    if filters.regions:
        keep &= icb["region"].isin(filters.regions)
    if filters.waves:
        keep &= pd.to_numeric(icb["wave"], errors="coerce").isin(filters.waves)
    return keep


def apply_filters(atlas, filters: Filters) -> View:
    """Narrow every tier to the ICSs that pass the filters (rule in the module docstring)."""
    icb = atlas.tier("icb")
    icb_codes = frozenset(icb.loc[icb_mask(icb, filters), "code"])
    if not filters.active:
        codes = {t: frozenset(atlas.tier(t)["code"]) for t in TIERS if t != "lsoa"}
        codes["lsoa"] = frozenset()  # not needed: View.tier returns whole tiers when no filter is set
        return View(atlas, filters, icb_codes, codes)
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
    """The figures at the top of the Overview page, for the ICSs in the view."""
    icb = view.tier("icb")
    res = pd.to_numeric(icb["residents"], errors="coerce")
    reg = pd.to_numeric(icb["registered"], errors="coerce") if "registered" in icb else pd.Series(dtype=float)
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
        "pcn_in_band": float(((sizes >= 30_000) & (sizes <= 50_000)).mean()) if len(sizes) else math.nan,
    }
    return out


# ---------------------------------------------------------------------------- page parameters


def parse_choice(value: str | None, allowed: Iterable[str], default: str, what: str) -> tuple[str, str | None]:
    """A value that must be one of ``allowed``; the default plus a warning otherwise."""
    allowed = list(allowed)
    if value is None or value == "":
        return default, None
    if value in allowed:
        return value, None
    return default, (f"Unknown {what} “{short(value)}” in the link: showing {default} "
                     f"(choose from {', '.join(allowed)}).")


def parse_fraction(value: str | None, default: float, lo: float, hi: float, what: str) -> tuple[float, str | None]:
    """A number in [lo, hi] (a trailing % divides by 100); the default plus a warning otherwise."""
    if value is None or value == "":
        return default, None
    text = value.strip()
    try:
        x = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        x = math.nan
    if not math.isfinite(x) or not lo <= x <= hi:
        return default, f"Ignored {what} “{short(value)}” in the link: expected a number from {lo:g} to {hi:g}."
    return x, None


def parse_code(value: str | None, codes: Iterable[str], what: str, extra: Mapping[str, str] | None = None
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


# ---------------------------------------------------------------------------- search


def search_pcns(pcn: pd.DataFrame, practices: pd.DataFrame, query: str, limit: int = 50) -> pd.DataFrame:
    """PCNs whose code or name, or a member practice's code, name or postcode, contain ``query``.

    Case-insensitive plain-text match (no regular expressions); runs of spaces count as one, and
    postcodes match with or without their space ("M308AR", "m30 8ar"). Exact PCN or practice code
    matches come first, then name matches, then PCNs found through a practice; at most ``limit`` rows.
    """
    q = " ".join((query or "").split()).casefold()
    if not q:
        return pcn.iloc[0:0]
    bare = q.replace(" ", "")
    code = pcn["code"].astype(str).str.casefold()
    name = pcn["name"].astype(str).str.casefold()
    rank = pd.Series(9, index=pcn.index)
    rank[name.str.contains(q, regex=False)] = 2
    rank[name.str.startswith(q)] = 1
    rank[code == q] = 0
    rank[(rank == 9) & code.str.contains(q, regex=False)] = 1
    hit = pd.Series(False, index=practices.index)
    if "name" in practices:
        hit |= practices["name"].astype(str).str.casefold().str.contains(q, regex=False)
    if "postcode" in practices:
        hit |= practices["postcode"].astype(str).str.casefold().str.replace(" ", "").str.contains(bare, regex=False)
    if "code" in practices:
        pcode = practices["code"].astype(str).str.casefold()
        hit |= pcode.str.contains(bare, regex=False)
        rank[pcn["code"].isin(set(practices.loc[pcode == bare, "pcn"].dropna()))] = 0
    via = set(practices.loc[hit, "pcn"].dropna())
    rank[(rank == 9) & pcn["code"].isin(via)] = 3
    out = pcn.assign(_rank=rank)
    out = out[out["_rank"] < 9].sort_values(["_rank", "name"], kind="mergesort")
    return out.drop(columns="_rank").head(limit)


# ---------------------------------------------------------------------------- breakdowns for the pages


def system_breakdown(atlas, icb_code: str, place_tier: str = "lad", min_share: float = 0.0) -> pd.DataFrame:
    """Residents of one ICS by place (an LA tier or sub-ICB) and PCN: the treemap's leaves.

    Each LSOA of the ICS is split between PCNs by ``atlas.pcn_lsoa`` shares (an LSOA no PCN is
    attributed to stays whole, with PCN "none"). Columns ``place, place_name, pcn, pcn_name,
    residents``; residents sum to the ICS's Census 2021 residents. PCNs serving less than
    ``min_share`` of a place's residents are grouped as "Other PCNs" in that place.
    """
    from .nesting import lsoa_atoms

    atoms = lsoa_atoms(atlas, with_pcn=True)
    atoms = atoms[atoms["icb"] == icb_code]
    g = atoms.groupby([atoms[place_tier], atoms["pcn"].fillna("none")], dropna=False)["residents"].sum()
    out = g.rename("residents").reset_index()
    out.columns = ["place", "pcn", "residents"]
    out = out[out["residents"] > 0]
    out.insert(1, "place_name", out["place"].map(_names(atlas, place_tier)))
    out["pcn_name"] = out["pcn"].map(_names(atlas, "pcn")).fillna("No PCN attributed")
    if min_share > 0:
        small = out["residents"] < min_share * out.groupby("place")["residents"].transform("sum")
        n_small = small.groupby(out["place"]).transform("sum")
        out.loc[small, "pcn_name"] = "Other PCNs (" + n_small[small].astype(int).astype(str) + ", each under " \
            + f"{100 * min_share:g}% of the place)"
        out.loc[small, "pcn"] = "other"
        out = out.groupby(["place", "place_name", "pcn", "pcn_name"], as_index=False)["residents"].sum()
    return out[["place", "place_name", "pcn", "pcn_name", "residents"]].sort_values(
        ["place_name", "residents"], ascending=[True, False]).reset_index(drop=True)


def _names(atlas, tier: str) -> pd.Series:
    t = atlas.tier(tier)
    return pd.Series(t["name"].to_numpy(), index=t["code"].to_numpy()).groupby(level=0).first()


def rows_for(table: pd.DataFrame, child: str | None = None, parent: str | None = None) -> pd.DataFrame:
    """Rows of a coterminosity table for one child code and/or one parent code."""
    keep = pd.Series(True, index=table.index)
    if child is not None:
        keep &= table["child_code"] == child
    if parent is not None:
        keep &= table["parent_code"] == parent
    return table[keep].reset_index(drop=True)


def children_of(table: pd.DataFrame, parent: str) -> pd.DataFrame:
    """All rows of every child that overlaps ``parent`` (so each child's other parents show too)."""
    kids = set(table.loc[table["parent_code"] == parent, "child_code"])
    return table[table["child_code"].isin(kids)].reset_index(drop=True)


def filter_waves(waves: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """The 42 designated ICSs (``data/ics_waves.csv``) narrowed by region (``nhser22cd``) and wave."""
    keep = pd.Series(True, index=waves.index)
    if filters.regions and "nhser22cd" in waves:
        keep &= waves["nhser22cd"].isin(filters.regions)
    if filters.waves:
        keep &= pd.to_numeric(waves["wave"], errors="coerce").isin(filters.waves)
    return waves[keep]


def successor(old, new, tier: str, code: str) -> tuple[str, float] | None:
    """The unit of atlas ``new`` holding most Census residents of ``old``'s unit ``code``, and that share.

    Why: after a switch of vintage (say 2026 → 2024) a chosen system may not exist any more (Thames Valley
    was made in April 2026); the page follows its people to the system that held most of them instead
    of jumping to the first system in the list. Computed on the shared LSOA atoms. None when ``code`` has
    no residents in ``old``.
    """
    atoms = old.lsoa.loc[old.lsoa[tier] == code, ["code", "residents"]]
    if atoms.empty or atoms["residents"].sum() <= 0:
        return None
    to = atoms["code"].map(new.lsoa.set_index("code")[tier])
    by = atoms["residents"].groupby(to.to_numpy()).sum()
    return str(by.idxmax()), float(by.max() / by.sum())


def council_counterpart(atlas, code: str | None, tier: str) -> str | None:
    """The council of ``tier`` ("lad" or "utla") that stands for council ``code`` of the other tier.

    Why: switching the Place page from counties to districts should stay in the same place (Kent's most
    populous district, or a district's county) rather than jump to the first council in the list.
    Unitaries are in both tiers and map to themselves; None if ``code`` is unknown.
    """
    lad = atlas.tier("lad")
    if not code:
        return None
    if tier == "utla":
        hit = lad.loc[lad["code"] == code, "utla"]
        return str(hit.iloc[0]) if len(hit) else None
    districts = lad[lad["utla"] == code]
    return str(districts.sort_values("residents", ascending=False)["code"].iloc[0]) if len(districts) else None
