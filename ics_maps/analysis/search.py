"""Search: find a PCN from whatever a user knows about it (its name or code, or a member practice's
name, code or postcode), and say why each hit matched."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

# Characters after which a query counts as matching at the start of a word ("1/MONTON", "(ECCLES)").
_WORD_START = r"(?:^|[\s\-(\[{/\\&,.+])"


def _norm(s: pd.Series) -> pd.Series:
    """Text for matching: case-folded, runs of white space as one space, no leading/trailing
    space."""
    s = s.fillna("").astype(str).str.casefold()
    odd = (
        s.str.strip() != s
    )  # rare: tidy only those rows (a regular expression on every row is slow)
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
        out[hit] = (
            text[hit].str.contains(_WORD_START + re.escape(q), regex=True).to_numpy(dtype=bool)
        )
    return out


def _practice_hits(practices: pd.DataFrame, q: str, bare: str) -> pd.DataFrame:
    """PCNs with a matching member practice, indexed by PCN code: ``rank`` (0 exact practice code,
    2 word start, 4 mid-word) and ``matched`` (the best practice, and how many more matched)."""
    out = pd.DataFrame({"rank": pd.Series(dtype=int), "matched": pd.Series(dtype=object)})
    if practices.empty or "pcn" not in practices:
        return out
    blank = pd.Series("", index=practices.index)
    col = {
        c: practices[c].fillna("").astype(str) if c in practices else blank
        for c in ("code", "name", "postcode")
    }
    code, name = col["code"].str.casefold(), _norm(col["name"])
    post = col["postcode"].str.casefold().str.replace(" ", "", regex=False)
    keep = (
        _has(code, bare) | _has(name, q) | (_has(post, bare) & (post != "").to_numpy())
    ) & practices["pcn"].notna().to_numpy()
    if not keep.any():
        return out
    # from here on only the (few) matching practices
    code, name, post = code[keep], name[keep], post[keep]
    has_code, has_name, has_post = (
        _has(code, bare),
        _has(name, q),
        _has(post, bare) & (post != "").to_numpy(),
    )
    spaced = _norm(col["postcode"][keep])
    rank = np.full(len(code), 9)
    field = np.full(len(code), "", dtype=object)
    for mask, r, what in (  # best first: a field only counts where it beats what came before
        (has_code & (code == bare).to_numpy(), 0, "code"),
        (_word_start(name, has_name, q), 2, "name"),
        (has_code & code.str.startswith(bare).to_numpy(dtype=bool), 2, "code"),
        (
            has_post
            & (post.str.startswith(bare).to_numpy(dtype=bool) | _word_start(spaced, has_post, q)),
            2,
            "postcode",
        ),
        (has_name, 4, "name"),
        (has_code, 4, "code"),
        (has_post, 4, "postcode"),
    ):
        m = mask & (r < rank)
        rank[m], field[m] = r, what
    found = pd.DataFrame(
        {
            "pcn": practices.loc[keep, "pcn"].to_numpy(),
            "rank": rank,
            "field": field,
            "name": col["name"][keep].to_numpy(),
            "code": col["code"][keep].to_numpy(),
            "postcode": col["postcode"][keep].to_numpy(),
        }
    )
    found = found.sort_values(["rank", "name", "code"], kind="mergesort")
    n_more = found.groupby("pcn").size() - 1
    best = found.drop_duplicates("pcn").set_index("pcn")
    text = ("practice " + best["code"] + ": " + best["name"]).where(
        best["field"] != "postcode", "practice postcode " + best["postcode"] + ": " + best["name"]
    )
    text += n_more.reindex(best.index).map(
        lambda n: f" +{n} more practice{'s' if n > 1 else ''}" if n else ""
    )
    return pd.DataFrame({"rank": best["rank"], "matched": text})


def search_pcns(
    pcn: pd.DataFrame, practices: pd.DataFrame, query: str, limit: int = 50
) -> pd.DataFrame:
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
    # ranks: 0 exact code, 1 word start, 2 a practice's word start, 3 mid-word, 4 a practice's mid-
    # word
    in_code, in_name = _has(code, bare), _has(name, q)
    name_rank = np.where(_word_start(name, in_name, q), 1, np.where(in_name, 3, 9))
    code_rank = np.where(
        code == bare,
        0,
        np.where(
            code.str.startswith(bare).to_numpy(dtype=bool) & in_code, 1, np.where(in_code, 3, 9)
        ),
    )
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


# ---------------------------------------------------------------------------- find anything

# Order of tiers among equally good hits (systems first, LSOAs last).
FIND_TIERS: tuple[str, ...] = ("icb", "sicbl", "utla", "lad", "pcn", "practice", "lsoa", "region")
PER_TIER = 8  # at most this many hits of one tier, so 30 "Oxford 0…" LSOAs do not hide Oxford


def find_index(atlas) -> pd.DataFrame:
    """Every unit a user may look for, one row each (~42,000: 33,755 of them LSOAs).

    Columns: ``tier, code, name``; ``ods`` (its ODS code where there is one) and ``postcode``
    (practices); ``within``, the name of what it lies in (a system's region, a sub-ICB location's
    or PCN's system, a council's main system, a district's county, a practice's PCN, an LSOA's
    district); ``opens``, the code of the unit whose page shows it (:func:`find_link`); ``icb``,
    its (main) system, for the filters; and the normalised search text.
    """
    icb, sic, pcn = atlas.tier("icb"), atlas.tier("sicbl"), atlas.tier("pcn")
    lad, utla, reg, lsoa = atlas.tier("lad"), atlas.tier("utla"), atlas.tier("region"), atlas.lsoa
    pr = atlas.practices
    pr = pr[pr["pcn"].isin(set(pcn["code"]))]  # practices in no PCN (code U) have no page
    districts = lad[~lad["code"].isin(set(utla["code"]))]  # a unitary is listed once, as a county

    def names(t: pd.DataFrame) -> pd.Series:
        return t.set_index("code")["name"]

    def main_icb(tier: str) -> pd.Series:  # a council's system: the one with most of its people
        g = lsoa.groupby([tier, "icb"])["residents"].sum().reset_index()
        g = g.sort_values("residents", ascending=False).drop_duplicates(tier)
        return g.set_index(tier)["icb"]

    u_icb, d_icb = utla["code"].map(main_icb("utla")), districts["code"].map(main_icb("lad"))
    spec = [  # tier, table, within, opens, icb
        ("region", reg, pd.Series("NHS England region", index=reg.index), reg["code"], None),
        ("icb", icb, icb["region_name"], icb["code"], icb["code"]),
        ("sicbl", sic, sic["icb"].map(names(icb)), sic["icb"], sic["icb"]),
        ("utla", utla, u_icb.map(names(icb)), utla["code"], u_icb),
        ("lad", districts, districts["utla"].map(names(utla)), districts["code"], d_icb),
        ("pcn", pcn, pcn["icb"].map(names(icb)), pcn["code"], pcn["icb"]),
        ("practice", pr, pr["pcn"].map(names(pcn)), pr["pcn"], pr["icb"]),
        ("lsoa", lsoa, lsoa["lad"].map(names(lad)), lsoa["lad"], lsoa["icb"]),
    ]
    out = pd.concat(
        [
            pd.DataFrame(
                {
                    "tier": tier,
                    "code": _text(t["code"]),
                    "name": _text(t["name"]),
                    "ods": _text(t["ods_code"]) if "ods_code" in t else "",
                    "postcode": _text(t["postcode"]) if "postcode" in t else "",
                    "within": _text(within),
                    "opens": _text(opens),
                    "icb": _text(icb_codes) if icb_codes is not None else "",
                }
            )
            for tier, t, within, opens, icb_codes in spec
        ],
        ignore_index=True,
    )
    out["_name"] = _norm(out["name"])
    out["_code"] = out["code"].str.casefold()
    out["_ods"] = out["ods"].str.casefold()
    out["_post"] = out["postcode"].str.casefold().str.replace(" ", "", regex=False)
    out["_codes"] = out["_code"] + " " + out["_ods"] + " " + out["_post"]
    out["_order"] = out["tier"].map({t: i for i, t in enumerate(FIND_TIERS)})
    return out


def find_link(hit: pd.Series | dict) -> tuple[str, dict[str, str]]:
    """The page that shows a hit of :func:`find`, and its link parameters.

    A system and a sub-ICB location's system open on the System page; a council on the Place page
    at its own tier (an LSOA at its district's); a PCN, and a practice's PCN, on the PCN page, with
    the search box set to the PCN's or practice's code so the page shows why it is there; a region
    on the Overview, filtered to it.
    """
    tier, opens, code = hit["tier"], str(hit["opens"]), str(hit["code"])
    if tier in ("icb", "sicbl"):
        return "system", {"icb": opens}
    if tier in ("utla", "lad", "lsoa"):
        return "place", {"la": "utla" if tier == "utla" else "lad", "place": opens}
    if tier in ("pcn", "practice"):
        return "pcn", {"pcn": opens, "q": code}
    return "overview", {"region": opens}


def _text(s) -> np.ndarray:
    return pd.Series(s).astype(object).where(pd.Series(s).notna(), "").astype(str).to_numpy()


def find(
    index: pd.DataFrame, query: str, limit: int = 12, per_tier: int = PER_TIER
) -> pd.DataFrame:
    """Units of any tier whose name, code, ODS code or (practice) postcode matches ``query``.

    Why: a user knows a place by its name ("Oxford"), an NHS code (``QOP``, ``U00203``), a
    practice's postcode or an LSOA code from another dataset, not by which page shows it. Pure
    (the :func:`find_index` table in, hits out), so it is tested without Streamlit; vectorised: one
    pass over ~42,000 rows per search.

    Case-insensitive plain text; spaces in postcodes and codes do not matter ("M30 8AR" =
    "m308ar"). Order: an exact code, ODS code, postcode or name; a name that starts with the query;
    a match at the start of a word of the name, or the start of a code; then anywhere in the name
    or a code; within each, by tier (systems first, LSOAs last) and name. At most ``per_tier``
    hits of one tier and ``limit`` in all; column ``matched`` says why ("name", "code", "ODS
    code", "postcode").
    """
    q = " ".join((query or "").split()).casefold()
    if not q:
        return index.iloc[0:0].assign(matched=pd.Series(dtype=object))
    bare = q.replace(" ", "")
    name, codes = index["_name"], index["_codes"]
    in_name, in_codes = _has(name, q), _has(codes, bare)
    hit = in_name | in_codes
    if not hit.any():
        return index.iloc[0:0].assign(matched=pd.Series(dtype=object))
    # from here on only the rows that match at all (a few hundred at most for a real query)
    cand = index[hit]
    in_name, in_codes = in_name[hit], in_codes[hit]
    code, ods, post = (cand[c].to_numpy(dtype=object) for c in ("_code", "_ods", "_post"))
    names = cand["_name"].to_numpy(dtype=object)
    word = _word_start(cand["_name"], in_name, q)
    code_start = np.zeros(len(cand), dtype=bool)
    for col in ("_code", "_ods", "_post"):
        code_start |= cand[col].str.startswith(bare).to_numpy(dtype=bool)
    which = np.where(  # which code matched: the unit's own, its ODS code or a practice postcode
        [bare in c for c in code],
        "code",
        np.where([bare in o for o in ods], "ODS code", "postcode"),
    )
    rank = np.full(len(cand), 9)
    matched = np.full(len(cand), "", dtype=object)
    for mask, r, why in (  # best first: a reason only counts where it beats what came before
        (code == bare, 0, "code"),
        (ods == bare, 0, "ODS code"),
        ((post == bare) & (post != ""), 0, "postcode"),
        (names == q, 0, "name"),
        (in_name & np.array([n.startswith(q) for n in names], dtype=bool), 1, "name"),
        (word, 2, "name"),
        (code_start & in_codes, 2, which),
        (in_name, 3, "name"),
        (in_codes, 4, which),
    ):
        m = mask & (r < rank)
        rank[m] = r
        matched[m] = why[m] if isinstance(why, np.ndarray) else why
    out = cand.assign(matched=matched, _rank=rank)
    out = out.sort_values(["_rank", "_order", "_name", "code"], kind="mergesort")
    out = out[out.groupby("tier").cumcount() < per_tier]
    return out.head(limit).drop(columns=["_rank"])
