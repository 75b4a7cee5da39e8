"""Breakdowns the pages show: a system's residents by place and PCN, the rows of one unit, and the
unit that carries a place across a change of vintage or council tier."""

from __future__ import annotations

import pandas as pd

from ics_maps.analysis.atoms import lsoa_atoms


def system_breakdown(
    atlas, icb_code: str, place_tier: str = "lad", min_share: float = 0.0
) -> pd.DataFrame:
    """Residents of one ICS by place (an LA tier or sub-ICB) and PCN: the treemap's leaves.

    Each LSOA of the ICS is split between PCNs by ``atlas.pcn_lsoa`` shares (an LSOA no PCN is
    attributed to stays whole, with PCN "none"). Columns ``place, place_name, pcn, pcn_name,
    residents``; residents sum to the ICS's Census 2021 residents. PCNs serving less than
    ``min_share`` of a place's residents are grouped as "Other PCNs" in that place.
    """
    atoms = lsoa_atoms(atlas, with_pcn=True)
    atoms = atoms[atoms["icb"] == icb_code]
    g = atoms.groupby([atoms[place_tier], atoms["pcn"].fillna("none")], dropna=False)[
        "residents"
    ].sum()
    out = g.rename("residents").reset_index()
    out.columns = ["place", "pcn", "residents"]
    out = out[out["residents"] > 0]
    out.insert(1, "place_name", out["place"].map(_names(atlas, place_tier)))
    out["pcn_name"] = out["pcn"].map(_names(atlas, "pcn")).fillna("No PCN attributed")
    if min_share > 0:
        small = out["residents"] < min_share * out.groupby("place")["residents"].transform("sum")
        n_small = small.groupby(out["place"]).transform("sum")
        out.loc[small, "pcn_name"] = (
            "Other PCNs ("
            + n_small[small].astype(int).astype(str)
            + ", each under "
            + f"{100 * min_share:g}% of the place)"
        )
        out.loc[small, "pcn"] = "other"
        out = out.groupby(["place", "place_name", "pcn", "pcn_name"], as_index=False)[
            "residents"
        ].sum()
    return (
        out[["place", "place_name", "pcn", "pcn_name", "residents"]]
        .sort_values(["place_name", "residents"], ascending=[True, False])
        .reset_index(drop=True)
    )


def _names(atlas, tier: str) -> pd.Series:
    t = atlas.tier(tier)
    return pd.Series(t["name"].to_numpy(), index=t["code"].to_numpy()).groupby(level=0).first()


def rows_for(
    table: pd.DataFrame, child: str | None = None, parent: str | None = None
) -> pd.DataFrame:
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


def successor(old, new, tier: str, code: str) -> tuple[str, float] | None:
    """The unit of atlas ``new`` holding most Census residents of ``old``'s unit ``code``, and that
    share.

    Why: after a switch of vintage (say 2026 → 2024) a chosen system may not exist any more (Thames
    Valley was made in April 2026); the page follows its people to the system that held most of them
    instead of jumping to the first system in the list. Computed on the shared LSOA atoms. None when
    ``code`` has
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

    Why: switching the Place page from counties to districts should stay in the same place (Kent's
    most populous district, or a district's county) rather than jump to the first council in the
    list. Unitaries are in both tiers and map to themselves; None if ``code`` is unknown.
    """
    lad = atlas.tier("lad")
    if not code:
        return None
    if tier == "utla":
        hit = lad.loc[lad["code"] == code, "utla"]
        return str(hit.iloc[0]) if len(hit) else None
    districts = lad[lad["utla"] == code]
    return (
        str(districts.sort_values("residents", ascending=False)["code"].iloc[0])
        if len(districts)
        else None
    )


def unit_name(atlas, tier: str, code: str) -> str:
    """The name of a unit (its code if unknown)."""
    t = atlas.tier(tier)
    hit = t.loc[t["code"] == code, "name"]
    return str(hit.iloc[0]) if len(hit) else str(code)


def place_flows(lad_icb: pd.DataFrame, lads: pd.DataFrame, tier: str, code: str) -> pd.DataFrame:
    """Residents of a council by district (its districts, or itself) and system: a Sankey's links.

    ``lad_icb`` is the districts × systems coterminosity table; ``lads`` the district tier
    (``code``, ``utla``); ``tier`` is "utla" or "lad". System names are as the table gives them."""
    districts = set(lads.loc[lads["utla"] == code, "code"]) if tier == "utla" else {code}
    t = lad_icb[lad_icb["child_code"].isin(districts)]
    return pd.DataFrame(
        {
            "district": t["child_name"].to_numpy(),
            "system": t["parent_name"].to_numpy(),
            "residents": t["overlap_residents"].to_numpy(),
        }
    )
