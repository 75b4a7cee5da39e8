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
