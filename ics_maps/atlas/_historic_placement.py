"""Place LSOA 2021 atoms in the 2022 sub-ICB locations and the 2021 CCGs, right at the borders.

Why: no ONS lookup from LSOA 2021 to the July 2022 sub-ICB locations or the April 2021 CCGs is in
the mirror. A point inside each LSOA on super-generalised polygons put border LSOAs on the wrong
side (45 districts looked split between 2022 ICBs; about 13 are). But sub-ICB locations and CCGs
are made of whole LSOA 2011s, and ONS publishes LSOA 2011 lookups for both
(``lsoa11_sicbl22_lookup``, ``lsoa11_ccg21_lookup``). 31,810 of the 33,755 English LSOA 2021s kept
their 2011 code (same area, give or take a redrawn edge), so the lookups carry over; the 1,945 that
changed in 2021 (splits, merges, redrawn) need a rule. :func:`place` applies, in this order:

``same_code``
    the code is in the LSOA 2011 lookup: its unit there.
``msoa_siblings``
    the code changed: every LSOA 2021 of the same MSOA 2021 (the name without its last letter,
    "Leeds 012G" -> "Leeds 012") that kept its code lies in one unit: that unit. Names are compared
    only within the 2021 naming (2011 MSOA numbers were reused for other areas, e.g. "Oldham 035").
    Tested leave-one-out on the LSOAs that kept their code: about 99.95 % right
    (:func:`sibling_rule_accuracy`).
``same_2024_unit``
    the MSOA is new or spans two units: every LSOA of its April 2024 sub-ICB location that kept its
    code lies in one unit (so that 2024 unit sits inside it): that unit. It comes after the sibling
    rule so that most changed LSOAs are placed without the 2024 lookup, which is what 2022 is
    checked against.
``area_majority``
    none of the above: the unit whose ONS polygon covers most of the LSOA's area (4 LSOAs in
    Birmingham for 2021, none for 2022).

Everything here is a pure function of tables; the lookups are read by
:func:`ics_maps.readers.read_lsoa11_units`, and :mod:`ics_maps.atlas._placement` calls :func:`place`
and :func:`assignment_report` during a build.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

RULES: dict[str, str] = {
    "same_code": "LSOA code unchanged since 2011: the unit of the ONS LSOA 2011 lookup",
    "msoa_siblings": "code changed in 2021: the one unit holding every unchanged LSOA of the same "
    "MSOA 2021",
    "same_2024_unit": "code changed, MSOA new or divided: the one unit holding every unchanged "
    "LSOA of its April 2024 sub-ICB location",
    "area_majority": "none of the above: the unit whose ONS polygon covers most of the LSOA",
}


def msoa_of(names: pd.Series) -> pd.Series:
    """The MSOA part of LSOA names: "Leeds 012G" -> "Leeds 012" (name + letter)."""
    return names.astype(str).str.strip().str.replace(r"[A-Z]$", "", regex=True)


def _only_unit(keys: pd.Series, units: pd.Series) -> pd.Series:
    """Per key, the unit when all rows of the key share one unit (else absent)."""
    g = pd.DataFrame({"k": keys.to_numpy(), "u": units.to_numpy()}).groupby("k")["u"]
    one = g.nunique() == 1
    return g.first()[one]


def carry_lookup(atoms: pd.DataFrame, units11: pd.DataFrame) -> pd.DataFrame:
    """Rules ``same_code``, ``msoa_siblings``, ``same_2024_unit`` (module docstring).

    ``atoms``: one row per LSOA 2021 with ``code``, ``name``, ``sicbl24`` (its April 2024 sub-ICB).
    ``units11``: ``lsoa11, unit`` from an ONS LSOA 2011 lookup. Returns ``code, unit, rule`` aligned
    with ``atoms``; ``unit`` and ``rule`` are missing where no rule applies.
    """
    for col in ("code", "name", "sicbl24"):
        if col not in atoms:
            raise KeyError(f"atoms table has no column {col!r}: expected code, name, sicbl24")
    dup = units11["lsoa11"].duplicated()
    if dup.any():
        raise ValueError(
            f"LSOA 2011 lookup repeats code(s) {units11.loc[dup, 'lsoa11'].head(3).tolist()}"
        )
    unit = atoms["code"].map(units11.set_index("lsoa11")["unit"])
    rule = pd.Series(np.where(unit.notna(), "same_code", None), index=atoms.index, dtype=object)
    kept = unit.notna()
    msoa = msoa_of(atoms["name"])
    by_msoa = _only_unit(msoa[kept], unit[kept])
    fill = ~kept & msoa.map(by_msoa).notna()
    unit[fill] = msoa[fill].map(by_msoa)
    rule[fill] = "msoa_siblings"
    by_2024 = _only_unit(atoms.loc[kept, "sicbl24"], unit[kept])
    fill = unit.isna() & atoms["sicbl24"].map(by_2024).notna()
    unit[fill] = atoms.loc[fill, "sicbl24"].map(by_2024)
    rule[fill] = "same_2024_unit"
    return pd.DataFrame(
        {
            "code": atoms["code"].to_numpy(),
            "unit": unit.to_numpy(dtype=object),
            "rule": rule.to_numpy(),
        },
        index=atoms.index,
    )


def area_majority(lsoa: gpd.GeoDataFrame, polygons: gpd.GeoDataFrame) -> pd.Series:
    """Per LSOA (``code, geometry``), the ``code`` of the polygon covering most of its area.

    Both layers must share a projected CRS (EPSG:27700). An LSOA touching no polygon (a coastal
    sliver outside a generalised coast) gets the nearest polygon.
    """
    if lsoa.crs != polygons.crs:
        raise ValueError(
            f"LSOAs are in {lsoa.crs} but the polygons in {polygons.crs}: reproject first"
        )
    geoms = np.asarray(lsoa.geometry.values, dtype=object)
    polys = np.asarray(polygons.geometry.values, dtype=object)
    bad = ~shapely.is_valid(polys)
    if bad.any():
        polys = polys.copy()
        polys[bad] = shapely.make_valid(polys[bad])
    tree = shapely.STRtree(polys)
    li, pi = tree.query(geoms, predicate="intersects")
    area = shapely.area(shapely.intersection(geoms[li], polys[pi]))
    best = pd.DataFrame({"i": li, "p": pi, "a": area}).sort_values(
        ["i", "a"], ascending=[True, False]
    )
    best = best.drop_duplicates("i").set_index("i")["p"]
    out = np.full(len(geoms), -1, dtype=np.int64)
    out[best.index.to_numpy()] = best.to_numpy()
    lonely = np.flatnonzero(out < 0)
    if len(lonely):
        out[lonely] = tree.nearest(geoms[lonely])
    return pd.Series(
        polygons["code"].to_numpy(dtype=object)[out], index=lsoa["code"].to_numpy(), name="unit"
    )


def place(
    atoms: gpd.GeoDataFrame, units11: pd.DataFrame, polygons: gpd.GeoDataFrame
) -> pd.DataFrame:
    """Every atom's unit and the rule that placed it: ``code, unit, rule`` aligned with ``atoms``.

    ``atoms`` needs ``code, name, sicbl24, geometry``; ``polygons`` (``code, geometry``) the
    vintage's ONS sub-ICB/CCG polygons, used only for atoms that no lookup rule places.
    """
    out = carry_lookup(atoms, units11)
    rest = out["unit"].isna().to_numpy()
    if rest.any():
        out.loc[rest, "unit"] = area_majority(
            atoms.loc[rest, ["code", "geometry"]], polygons
        ).to_numpy()
        out.loc[rest, "rule"] = "area_majority"
    return out


# ---------------------------------------------------------------------------- measuring the fit


def sibling_rule_accuracy(atoms: pd.DataFrame, units11: pd.DataFrame) -> dict:
    """How often ``msoa_siblings`` is right, tested on the LSOAs whose unit is known.

    Each LSOA that kept its code is treated as if it had changed: its MSOA's *other* unchanged LSOAs
    vote; where they are unanimous the rule applies, and it is right when it names the lookup's
    unit.
    """
    unit = atoms["code"].map(units11.set_index("lsoa11")["unit"])
    kept = unit.notna()
    t = pd.DataFrame(
        {
            "code": atoms.loc[kept, "code"].to_numpy(),
            "msoa": msoa_of(atoms.loc[kept, "name"]).to_numpy(),
            "unit": unit[kept].to_numpy(),
        }
    )
    n = t.groupby(["msoa", "unit"]).size().rename("n").reset_index()
    votes = t.merge(n, on="msoa", suffixes=("", "_vote"))
    votes["n"] -= (votes["unit_vote"] == votes["unit"]).astype(int)  # leave the LSOA itself out
    votes = votes[votes["n"] > 0]
    per = votes.groupby("code").agg(
        k=("unit_vote", "nunique"), vote=("unit_vote", "first"), unit=("unit", "first")
    )
    applies = per[per["k"] == 1]
    right = int((applies["vote"] == applies["unit"]).sum())
    return {
        "tested_lsoas": int(kept.sum()),
        "rule_applies": int(len(applies)),
        "right": right,
        "wrong": int(len(applies) - right),
        "accuracy": right / len(applies) if len(applies) else None,
    }


def rule_counts(placed: pd.DataFrame, residents: pd.Series) -> dict:
    """LSOAs and residents placed by each rule (``residents`` aligned with ``placed``)."""
    t = pd.DataFrame({"rule": placed["rule"].to_numpy(), "r": residents.to_numpy()})
    g = t.groupby("rule")["r"].agg(["size", "sum"])
    return {
        r: {"lsoas": int(g.loc[r, "size"]), "residents": int(g.loc[r, "sum"]), "rule": RULES[r]}
        for r in RULES
        if r in g.index
    }


def compare_units(
    placed: pd.Series,
    reference: pd.Series,
    residents: pd.Series,
    aliases: dict[str, str] | None = None,
) -> dict:
    """Agreement of two codings of the same atoms (aligned Series), after renaming ``placed`` codes
    by ``aliases`` (e.g. the April 2023 ICB recodes). Lists the atoms that differ."""
    mine = placed.map(lambda c: (aliases or {}).get(c, c)).to_numpy(dtype=object)
    ref = reference.to_numpy(dtype=object)
    differ = mine != ref
    w = residents.to_numpy(dtype=float)
    return {
        "lsoas": int(len(mine)),
        "lsoas_differ": int(differ.sum()),
        "residents_differ": int(w[differ].sum()),
        "residents_agree": float(1 - w[differ].sum() / w.sum()),
    }


def assignment_report(
    vintage_id: str,
    lookup_id: str,
    atoms: pd.DataFrame,
    placed: pd.DataFrame,
    units11: pd.DataFrame,
    icb_by_point,
    aliases: dict[str, str],
) -> dict:
    """The build report's ``assignment``: how atoms were placed and what that was checked against.

    ``lookup_id`` is the catalogue id of the LSOA 2011 lookup that placed them. ``atoms``
    (aligned with ``placed``) holds ``code, name, residents, sicbl24, lad, icb`` (the vintage's
    ICB/STP) and ``icb24`` (from the ONS LSOA 2021 lookup of April 2024); ``icb_by_point`` is the
    ICB/STP polygon holding a point inside each atom.
    """
    res = atoms["residents"]
    poly = compare_units(
        atoms["icb"], pd.Series(np.asarray(icb_by_point, dtype=object), index=atoms.index), res
    )
    rep = {
        "method": f"ONS LSOA 2011 lookup ({lookup_id}) carried to LSOA 2021 by rules same_code, "
        "msoa_siblings, "
        "same_2024_unit, area_majority (ics_maps/atlas/_historic_placement.py)",
        "lookup": lookup_id,
        "rules": rule_counts(placed, res),
        "msoa_siblings_leave_one_out": sibling_rule_accuracy(atoms, units11),
        # Kept under the old names: the polygons are generalised, so a border LSOA may disagree.
        "lsoa_icb_agrees_with_icb_polygons": 1 - poly["lsoas_differ"] / poly["lsoas"],
        "residents_icb_agrees_with_icb_polygons": poly["residents_agree"],
        "checks": [
            {
                "against": "the vintage's own ONS ICB/STP polygons (generalised): a point inside "
                "each LSOA",
                **poly,
            }
        ],
    }
    if vintage_id == "2022":
        c = compare_units(atoms["icb"], atoms["icb24"], res, aliases)
        differ = (
            atoms["icb"].map(lambda x: aliases.get(x, x)).to_numpy() != atoms["icb24"].to_numpy()
        )
        own = int((placed["rule"] == "same_2024_unit").sum())
        rep["checks"].append(
            {
                "against": "ONS LSOA 2021 -> ICB lookup (April 2024), through the April 2023 "
                f"recodes {aliases}; independent of the placement except for the {own} "
                "same_2024_unit LSOAs",
                **c,
                "differ": atoms.loc[differ, ["code", "name", "icb", "icb24"]]
                .head(50)
                .to_dict("records"),
            }
        )
    else:
        rep["checks"].append(
            {
                "against": "published facts (tests/real/test_vintages_real.py): STP splits of High "
                "Peak, Birmingham, North Northamptonshire; none of Redbridge, Richmond, "
                "Leeds, Hackney, Luton, Slough"
            }
        )
    return rep
