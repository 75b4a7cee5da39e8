"""One row per unit of a tier: the counts and shares a user asks about first.

All figures are population-weighted through LSOA atoms (see :mod:`ics_maps.analysis.nesting`), so an
LA "wholly inside" an ICS means all of its Census 2021 residents live there. PCN figures that say
"serving" use ``atlas.pcn_lsoa`` (see :func:`la_summary` for the threshold).
"""

from __future__ import annotations

import pandas as pd

from ics_maps.analysis.nesting import coterminosity
from ics_maps.tiers import PCN_SERVING_SHARE, TIERS, check_tier

SUMMARY_TIERS: tuple[str, ...] = TIERS

ICB_COLUMNS: tuple[str, ...] = (
    "code",
    "name",
    "ods_code",
    "residents",
    "registered",
    "n_sicbl",
    "n_lad_whole",
    "n_lad_part",
    "n_utla_whole",
    "n_utla_part",
    "relationship_to_utla",
    "n_pcn",
    "n_practices",
    "share_residents_in_split_lads",
    "wave",
    "waves",
    "region",
    "region_name",
)


def summary(atlas, tier: str) -> pd.DataFrame:
    """The per-unit summary of ``tier`` (a plain DataFrame, no geometry)."""
    check_tier(tier)
    builders = {
        "icb": icb_summary,
        "region": region_summary,
        "sicbl": sicbl_summary,
        "pcn": pcn_summary,
        "lad": lambda a: la_summary(a, "lad"),
        "utla": lambda a: la_summary(a, "utla"),
        "practice": lambda a: _passthrough(a, "practice"),
        "lsoa": lambda a: _passthrough(a, "lsoa"),
    }
    return builders[tier](atlas)


def _base(atlas, tier: str, extra: tuple[str, ...] = ()) -> pd.DataFrame:
    t = atlas.tier(tier)
    cols = ["code", "name", *[c for c in ("ods_code", *extra) if c in t]]
    return pd.DataFrame(t[cols]).reset_index(drop=True)


def _count(series: pd.Series, codes: pd.Series) -> pd.Series:
    """How many rows of ``series`` carry each code (0 where none)."""
    return codes.map(series.value_counts()).fillna(0).astype("int64")


def _whole_part(atlas, child: str, parent: str) -> tuple[pd.Series, pd.Series, pd.DataFrame]:
    """Children wholly inside / partly inside each parent (by residents), and the pair table."""
    t = coterminosity(atlas, child, parent)
    whole = t["share_of_child"] >= 1 - 1e-9
    return (
        t.loc[whole].groupby("parent_code").size(),
        t.loc[~whole].groupby("parent_code").size(),
        t,
    )


def _registered(atlas, col: str) -> pd.Series:
    prac = atlas.practices
    return pd.to_numeric(prac["list_size"], errors="coerce").groupby(prac[col]).sum(min_count=1)


def icb_summary(atlas) -> pd.DataFrame:
    """Per ICS: people, sub-ICBs, LAs wholly/partly inside, PCNs, practices, split-LA share, wave,
    region."""
    out = _base(atlas, "icb", ("residents", "registered", "wave", "waves", "region", "region_name"))
    codes = out["code"]
    if "registered" not in out:
        out["registered"] = codes.map(_registered(atlas, "icb")).astype("Int64")
    out["n_sicbl"] = _count(atlas.tier("sicbl")["icb"], codes)
    lad_whole, lad_part, lad = _whole_part(atlas, "lad", "icb")
    out["n_lad_whole"] = codes.map(lad_whole).fillna(0).astype("int64")
    out["n_lad_part"] = codes.map(lad_part).fillna(0).astype("int64")
    utla_whole, utla_part, _ = _whole_part(atlas, "utla", "icb")
    out["n_utla_whole"] = codes.map(utla_whole).fillna(0).astype("int64")
    out["n_utla_part"] = codes.map(utla_part).fillna(0).astype("int64")
    # does the system follow council lines? coterminous / combines whole councils / nested in one /
    # split
    by_council = coterminosity(atlas, "icb", "utla")
    out["relationship_to_utla"] = codes.map(
        by_council.groupby("child_code")["relationship"].first()
    )
    out["n_pcn"] = _count(atlas.tier("pcn")["icb"], codes)
    out["n_practices"] = _count(atlas.practices["icb"], codes)
    in_split = lad[lad["relationship"] == "split"].groupby("parent_code")["overlap_residents"].sum()
    icb_res = lad.groupby("parent_code")["parent_residents"].first()
    out["share_residents_in_split_lads"] = (
        codes.map(in_split).fillna(0) / codes.map(icb_res)
    ).astype(float)
    for col in ICB_COLUMNS:
        if col not in out:
            out[col] = pd.NA
    return out[list(ICB_COLUMNS)]


def shared_councils(utla_icb: pd.DataFrame, icb_code: str) -> pd.DataFrame:
    """The councils that one system shares with other systems, from a (council × ICS) coterminosity
    table.

    One row per council partly in ``icb_code``: ``code, name, residents`` (the council's), ``here``
    and ``share_here`` (its residents in this system), and ``others``: (system name, residents,
    share) of the other systems, largest first. Empty when the system follows council lines. Why:
    "is any council split between this ICS and another?" is the first question a place-based planner
    asks of a system."""
    here = utla_icb[(utla_icb["parent_code"] == icb_code) & (utla_icb["share_of_child"] < 1 - 1e-9)]
    rows = []
    for r in here.sort_values("share_of_child", ascending=False).itertuples():
        other = utla_icb[
            (utla_icb["child_code"] == r.child_code) & (utla_icb["parent_code"] != icb_code)
        ]
        other = other.sort_values("share_of_child", ascending=False)
        rows.append(
            {
                "code": r.child_code,
                "name": r.child_name,
                "residents": float(r.child_residents),
                "here": float(r.overlap_residents),
                "share_here": float(r.share_of_child),
                "others": list(
                    zip(
                        other["parent_name"],
                        other["overlap_residents"].astype(float),
                        other["share_of_child"].astype(float),
                        strict=False,
                    )
                ),
            }
        )
    return pd.DataFrame(rows, columns=["code", "name", "residents", "here", "share_here", "others"])


def region_summary(atlas) -> pd.DataFrame:
    """Per NHS region: people, ICBs, sub-ICBs, PCNs and practices."""
    out = _base(atlas, "region", ("residents",))
    codes = out["code"]
    out["registered"] = codes.map(_registered(atlas, "region")).astype("Int64")
    out["n_icb"] = _count(atlas.tier("icb")["region"], codes)
    out["n_sicbl"] = _count(atlas.tier("sicbl")["region"], codes)
    out["n_pcn"] = _count(atlas.tier("pcn")["region"], codes)
    out["n_practices"] = _count(atlas.practices["region"], codes)
    return out


def sicbl_summary(atlas) -> pd.DataFrame:
    """Per sub-ICB location: its ICB and region, people, LAs it touches, PCNs and practices."""
    out = _base(atlas, "sicbl", ("icb", "region", "residents"))
    codes = out["code"]
    out["registered"] = codes.map(_registered(atlas, "sicbl")).astype("Int64")
    lad_whole, lad_part, _ = _whole_part(atlas, "lad", "sicbl")
    out["n_lad_whole"] = codes.map(lad_whole).fillna(0).astype("int64")
    out["n_lad_part"] = codes.map(lad_part).fillna(0).astype("int64")
    out["n_pcn"] = _count(atlas.tier("pcn")["sicbl"], codes)
    out["n_practices"] = _count(atlas.practices["sicbl"], codes)
    return out


def la_summary(atlas, tier: str = "lad", min_share: float = PCN_SERVING_SHARE) -> pd.DataFrame:
    """Per LA (``lad`` or ``utla``): residents, how many ICSs, sub-ICBs and PCNs serve it, and its
    ICSs.

    PCN counts come from ``atlas.pcn_lsoa`` (observed registrations or the fitted catchment model,
    which gives far-away PCNs tiny fractions): ``n_pcn`` counts PCNs holding at least ``min_share``
    of the LA's residents, ``n_pcn_based`` PCNs whose largest share of registered patients lives
    in the LA, and ``n_pcn_any`` every PCN with any resident attributed.
    """
    if tier not in ("lad", "utla"):
        raise ValueError(f"la_summary takes 'lad' or 'utla', not {tier!r}")
    out = _base(atlas, tier, ("utla", "residents") if tier == "lad" else ("residents",))
    codes = out["code"]
    icb = coterminosity(atlas, tier, "icb")
    sic = coterminosity(atlas, tier, "sicbl")
    pcn = coterminosity(atlas, tier, "pcn")
    out["n_icb"] = codes.map(icb.groupby("child_code").size()).fillna(0).astype("int64")
    out["n_sicbl"] = codes.map(sic.groupby("child_code").size()).fillna(0).astype("int64")
    serving = pcn[pcn["share_of_child"] >= min_share]
    out["n_pcn"] = codes.map(serving.groupby("child_code").size()).fillna(0).astype("int64")
    based = pcn_la_shares(atlas, tier).drop_duplicates("pcn").groupby("la").size()
    out["n_pcn_based"] = codes.map(based).fillna(0).astype("int64")
    out["n_pcn_any"] = codes.map(pcn.groupby("child_code").size()).fillna(0).astype("int64")
    listed = icb.assign(
        txt=icb["parent_code"]
        + " "
        + icb["parent_name"].fillna("")
        + " ("
        + (icb["share_of_child"] * 100).round(1).astype(str)
        + "%)"
    )
    out["icbs"] = codes.map(listed.groupby("child_code")["txt"].agg("; ".join))
    out["relationship_to_icb"] = codes.map(icb.groupby("child_code")["relationship"].first())
    return out


def pcn_la_shares(atlas, tier: str = "lad") -> pd.DataFrame:
    """Long table: for each PCN, the share of its registered patients living in each LA.

    Uses ``atlas.pcn_lsoa.patients`` (registered patients of the PCN resident in each LSOA, observed
    or modelled) summed by the LSOA's LA. Columns ``pcn, pcn_name, la, la_name, patients, share``.
    """
    if tier not in ("lad", "utla"):
        raise ValueError(f"pcn_la_shares takes 'lad' or 'utla', not {tier!r}")
    pl = atlas.pcn_lsoa[["pcn", "lsoa", "patients"]]
    la = pl["lsoa"].map(atlas.lsoa.set_index("code")[tier])
    g = (
        pd.to_numeric(pl["patients"], errors="coerce")
        .fillna(0)
        .groupby([pl["pcn"], la.rename("la")])
        .sum()
    )
    out = g.rename("patients").reset_index()
    out = out[out["patients"] > 0]
    out["share"] = out["patients"] / out.groupby("pcn")["patients"].transform("sum")
    out.insert(1, "pcn_name", out["pcn"].map(_name_map(atlas, "pcn")))
    out.insert(3, "la_name", out["la"].map(_name_map(atlas, tier)))
    return out.sort_values(["pcn", "share"], ascending=[True, False], kind="mergesort").reset_index(
        drop=True
    )


def _name_map(atlas, tier: str) -> pd.Series:
    t = atlas.tier(tier)
    return pd.Series(t["name"].to_numpy(), index=t["code"].to_numpy()).groupby(level=0).first()


def pcn_summary(atlas) -> pd.DataFrame:
    """Per PCN: list size, practices, its sub-ICB/ICB, attributed residents and its main LA."""
    out = _base(
        atlas, "pcn", ("sicbl", "icb", "region", "list_size", "n_practices", "residents", "method")
    )
    shares = pcn_la_shares(atlas)
    main = shares.drop_duplicates("pcn").set_index("pcn")
    out["n_lad"] = out["code"].map(shares.groupby("pcn").size()).fillna(0).astype("int64")
    out["main_lad"] = out["code"].map(main["la"])
    out["main_lad_name"] = out["code"].map(main["la_name"])
    out["main_lad_share"] = out["code"].map(main["share"]).astype(float)
    return out


def _passthrough(atlas, tier: str) -> pd.DataFrame:
    """Practice or LSOA table as it is, without geometry."""
    t = atlas.tier(tier)
    return pd.DataFrame(t.drop(columns=t.geometry.name)).reset_index(drop=True)
