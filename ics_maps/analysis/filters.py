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

import numpy as np
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


def parse_flag(value: str | None, what: str) -> tuple[bool, str | None]:
    """An on/off switch from the link ("1", "true", "yes" / "0", "false", "no"); off plus a warning otherwise."""
    if value is None or value == "":
        return False, None
    v = value.strip().casefold()
    if v in ("1", "true", "yes", "on"):
        return True, None
    if v in ("0", "false", "no", "off"):
        return False, None
    return False, f"Ignored {what} “{short(value)}” in the link: expected 1 (on) or 0 (off)."


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


# Characters after which a query counts as matching at the start of a word ("1/MONTON", "(ECCLES)").
_WORD_START = r"(?:^|[\s\-(\[{/\\&,.+])"


def _norm(s: pd.Series) -> pd.Series:
    """Text for matching: case-folded, runs of white space as one space, no leading/trailing space."""
    s = s.fillna("").astype(str).str.casefold()
    odd = s.str.strip() != s  # rare: tidy only those rows (a regular expression on every row is slow)
    for ws in ("  ", "\t", "\n", "\r", "\xa0"):
        odd |= s.str.contains(ws, regex=False)
    if odd.any():
        s = s.copy()
        s[odd] = s[odd].str.replace(r"\s+", " ", regex=True).str.strip()
    return s


def _has(text: pd.Series, q: str) -> np.ndarray:
    return text.str.contains(q, regex=False).to_numpy(dtype=bool)


def _word_start(text: pd.Series, hit: np.ndarray, q: str) -> np.ndarray:
    """Which rows of ``text`` (among those where ``hit``) contain ``q`` at the start of a word."""
    out = np.zeros(len(text), dtype=bool)
    if hit.any():  # the regular expression only runs on the few rows that contain q at all
        out[hit] = text[hit].str.contains(_WORD_START + re.escape(q), regex=True).to_numpy(dtype=bool)
    return out


def _practice_hits(practices: pd.DataFrame, q: str, bare: str) -> pd.DataFrame:
    """PCNs with a matching member practice, indexed by PCN code: ``rank`` (0 exact practice code,
    2 word start, 4 mid-word) and ``matched`` (the best practice, and how many more matched)."""
    out = pd.DataFrame({"rank": pd.Series(dtype=int), "matched": pd.Series(dtype=object)})
    if practices.empty or "pcn" not in practices:
        return out
    blank = pd.Series("", index=practices.index)
    col = {c: practices[c].fillna("").astype(str) if c in practices else blank for c in ("code", "name", "postcode")}
    code, name = col["code"].str.casefold(), _norm(col["name"])
    post = col["postcode"].str.casefold().str.replace(" ", "", regex=False)
    keep = (_has(code, bare) | _has(name, q) | (_has(post, bare) & (post != "").to_numpy())) \
        & practices["pcn"].notna().to_numpy()
    if not keep.any():
        return out
    # from here on only the (few) matching practices
    code, name, post = code[keep], name[keep], post[keep]
    has_code, has_name, has_post = _has(code, bare), _has(name, q), _has(post, bare) & (post != "").to_numpy()
    spaced = _norm(col["postcode"][keep])
    rank = np.full(len(code), 9)
    field = np.full(len(code), "", dtype=object)
    for mask, r, what in (  # best first: a field only counts where it beats what came before
            (has_code & (code == bare).to_numpy(), 0, "code"),
            (_word_start(name, has_name, q), 2, "name"),
            (has_code & code.str.startswith(bare).to_numpy(dtype=bool), 2, "code"),
            (has_post & (post.str.startswith(bare).to_numpy(dtype=bool) | _word_start(spaced, has_post, q)), 2,
             "postcode"),
            (has_name, 4, "name"), (has_code, 4, "code"), (has_post, 4, "postcode")):
        m = mask & (r < rank)
        rank[m], field[m] = r, what
    found = pd.DataFrame({"pcn": practices.loc[keep, "pcn"].to_numpy(), "rank": rank, "field": field,
                          "name": col["name"][keep].to_numpy(), "code": col["code"][keep].to_numpy(),
                          "postcode": col["postcode"][keep].to_numpy()})
    found = found.sort_values(["rank", "name", "code"], kind="mergesort")
    n_more = found.groupby("pcn").size() - 1
    best = found.drop_duplicates("pcn").set_index("pcn")
    text = ("practice " + best["code"] + ": " + best["name"]).where(
        best["field"] != "postcode", "practice postcode " + best["postcode"] + ": " + best["name"])
    text += n_more.reindex(best.index).map(lambda n: f" +{n} more practice{'s' if n > 1 else ''}" if n else "")
    return pd.DataFrame({"rank": best["rank"], "matched": text})


def search_pcns(pcn: pd.DataFrame, practices: pd.DataFrame, query: str, limit: int = 50) -> pd.DataFrame:
    """PCNs whose code or name, or a member practice's code, name or postcode, contain ``query``.

    Why: the PCN page's search box must find a network from whatever a user knows about it, and say
    why each hit is there (a PCN listed for "eccles" may be there only for a practice in Eccleston).
    Pure (frames in, frame out) so it is tested without Streamlit; vectorised, as it runs on every
    search over ~1,300 PCNs and ~6,300 practices.

    Case-insensitive plain-text match (no regular expressions); runs of spaces count as one, and
    postcodes match with or without their space ("M308AR", "m30 8ar"). Postcodes are the member
    practices' own: there is no full postcode directory. Order: an exact PCN or practice code; a
    match at the start of a word (after a space, hyphen, bracket, slash…) of the PCN's name, or the
    start of its code; the same in a member practice's name, code or postcode; a mid-word match in
    the PCN's name or code; a mid-word match in a practice; then by name. So "monton" lists the PCN
    of "1/MONTON MEDICAL PRACTICE" before EDMONTON PCN. At most ``limit`` rows, with a column
    ``matched``: a short plain-text reason ("PCN name", "PCN code", "practice P87620: NAME",
    "practice postcode M30 8AR: NAME", plus " +N more practices" when several matched).
    """
    q = " ".join((query or "").split()).casefold()
    if not q:
        return pcn.iloc[0:0].assign(matched=pd.Series(dtype=object))
    bare = q.replace(" ", "")
    code, name = pcn["code"].astype(str).str.casefold(), _norm(pcn["name"])
    # ranks: 0 exact code, 1 word start, 2 a practice's word start, 3 mid-word, 4 a practice's mid-word
    in_code, in_name = _has(code, bare), _has(name, q)
    name_rank = np.where(_word_start(name, in_name, q), 1, np.where(in_name, 3, 9))
    code_rank = np.where(code == bare, 0, np.where(code.str.startswith(bare).to_numpy(dtype=bool) & in_code, 1,
                                                   np.where(in_code, 3, 9)))
    rank = np.minimum(name_rank, code_rank)
    reason = np.where(code_rank < name_rank, "PCN code", "PCN name").astype(object)
    via = _practice_hits(practices, q, bare)
    if len(via):
        via_rank = pcn["code"].map(via["rank"]).fillna(9).to_numpy(dtype=int)
        better = via_rank < rank  # the PCN's own name or code wins a tie
        rank = np.minimum(rank, via_rank)
        reason[better] = pcn.loc[better, "code"].map(via["matched"]).to_numpy()
    out = pcn.assign(matched=reason, _rank=rank, _name=name.to_numpy())
    out = out[rank < 9].sort_values(["_rank", "_name", "code"], kind="mergesort")
    return out.drop(columns=["_rank", "_name"]).head(limit)


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
