"""What changed between two vintages, for the Changes page and for links: the flows between old and
new units, the areas that moved, and where an old code's residents are now.

Everything is computed on the LSOA 2021 atoms that every vintage shares (see
:mod:`ics_maps.analysis.crosswalk`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ics_maps.analysis.crosswalk import changed_lsoas, summarise
from ics_maps.atlas.display import simplify_for_web

# Display tolerance of the moved areas (m): a moved LSOA is about 1 km across in towns.
MOVED_TOLERANCE_M = 30.0


def flows(table: pd.DataFrame, include_unchanged: bool = True) -> pd.DataFrame:
    """The crosswalk's rows as Sankey links: ``source, target, value, change, share_of_from``.

    Old and new units are labelled by name (a unit that keeps its name keeps its label on both
    sides); with ``include_unchanged=False`` the rows of unchanged units are left out, so the
    changes are not lost among dozens of straight lines.
    """
    t = table if include_unchanged else table[table["change"] != "unchanged"]
    return pd.DataFrame(
        {
            "source": t["from_name"].astype(str).to_numpy(),
            "target": t["to_name"].astype(str).to_numpy(),
            "value": t["residents"].to_numpy(),
            "change": t["change"].to_numpy(),
            "share_of_from": t["share_of_from"].to_numpy(),
        }
    )


def moved_areas(old_atlas: Any, new_atlas: Any, tier: str, table: pd.DataFrame) -> gpd.GeoDataFrame:
    """The LSOAs whose ``tier`` code differs between the vintages, dissolved per (old unit, new
    unit) pair, for a map of where units changed.

    Columns ``code`` (``FROM>TO``), ``from_code, from_name, to_code, to_name, change`` (the old
    unit's label), ``residents, lsoas`` and the geometry in EPSG:4326, simplified for the web.
    ``table`` is the crosswalk of the two atlases (for names and labels). Empty when nothing moved.
    """
    moved = changed_lsoas(old_atlas, new_atlas, tier, table)
    cols = ["code", "from_code", "from_name", "to_code", "to_name", "change", "residents", "lsoas"]
    if moved.empty:
        return gpd.GeoDataFrame(
            {c: [] for c in cols}, geometry=gpd.GeoSeries([], crs=old_atlas.lsoa.crs)
        ).to_crs(4326)
    geom = old_atlas.lsoa.set_index("code").geometry
    moved["geometry"] = geom.reindex(moved["code"]).to_numpy()
    parts = []
    for (f, t), g in moved.groupby(["from_code", "to_code"], sort=True):
        shapes = np.asarray(g["geometry"].to_numpy(), dtype=object)
        try:
            shape = shapely.coverage_union_all(shapes)  # LSOAs tile England: fast and exact
        except Exception:  # noqa: BLE001 - not a valid coverage: the general union
            shape = shapely.union_all(shapes)
        parts.append((f, t, int(g["residents"].sum()), len(g), g["change"].iloc[0], shape))
    f, t, res, n, change, shapes = zip(*parts, strict=True)
    names_f = table.drop_duplicates("from_code").set_index("from_code")["from_name"]
    names_t = table.drop_duplicates("to_code").set_index("to_code")["to_name"]
    out = gpd.GeoDataFrame(
        {
            "code": [f"{a}>{b}" for a, b in zip(f, t, strict=True)],
            "from_code": f,
            "from_name": pd.Series(f).map(names_f).to_numpy(),
            "to_code": t,
            "to_name": pd.Series(t).map(names_t).to_numpy(),
            "change": change,
            "residents": res,
            "lsoas": n,
        },
        geometry=list(shapes),
        crs=old_atlas.lsoa.crs,
    )
    return simplify_for_web(out, MOVED_TOLERANCE_M, coverage=True)


# ---------------------------------------------------------------------------- links


@dataclass(frozen=True)
class Successor:
    """Where a code from a link that the current vintage does not know went.

    ``code`` is the unit of the current vintage holding the largest share (``share``) of the
    residents of ``old_name`` (``old_code``, a ``old_tier`` unit of vintage ``old_vintage``).
    """

    code: str
    share: float
    old_code: str
    old_name: str
    old_tier: str
    old_vintage: str


def match_code(units: pd.DataFrame, code: str) -> str | None:
    """The GSS code of the unit of ``units`` whose GSS or ODS code is ``code`` (any case), or
    None."""
    want = str(code).strip().upper()
    gss = units["code"].astype(str)
    hit = (gss.str.upper() == want).to_numpy()
    if not hit.any() and "ods_code" in units:
        hit = units["ods_code"].astype("string").str.upper().eq(want).fillna(False).to_numpy()
    return str(gss[hit].iloc[0]) if hit.any() else None


def successor(
    atlases: Mapping[str, Any], current: str, tier: str, code: str, also: Iterable[str] = ()
) -> Successor | None:
    """The ``tier`` unit of vintage ``current`` that holds most residents of unit ``code``.

    ``code`` (GSS or ODS) is looked for among the ``tier`` units of the other vintages of
    ``atlases`` (vintage -> atlas, in the mapping's order: put the nearest first), and among the
    units of the ``also`` tiers of every vintage, the current one first (for a link to a system:
    a sub-ICB location's code). None when no atlas knows the code, or its unit has no residents.
    A code of the current vintage's ``tier`` is the caller's to handle, not looked for here.
    """
    also = [t for t in also if t != tier]
    others = [v for v in atlases if v != current]
    candidates = [(current, t) for t in also] + [(v, t) for v in others for t in (tier, *also)]
    new_lsoa = atlases[current].lsoa
    new_unit = pd.Series(new_lsoa[tier].to_numpy(), index=new_lsoa["code"].to_numpy())
    for vid, old_tier in candidates:
        units = atlases[vid].tier(old_tier)
        gss = match_code(units, code)
        if gss is None:
            continue
        lsoa = atlases[vid].lsoa
        atoms = lsoa.loc[lsoa[old_tier] == gss, ["code", "residents"]]
        if atoms.empty or atoms["residents"].sum() <= 0:
            return None
        by = atoms["residents"].groupby(atoms["code"].map(new_unit).to_numpy()).sum()
        name = units.loc[units["code"].astype(str) == gss, "name"].iloc[0]
        return Successor(
            str(by.idxmax()), float(by.max() / by.sum()), gss, str(name), old_tier, vid
        )
    return None


def headline(old_atlas: Any, new_atlas: Any, tier: str, table: pd.DataFrame) -> dict:
    """The Changes page's headline: :func:`ics_maps.analysis.crosswalk.summarise` of the crosswalk
    ``table`` plus ``lsoas_changed``, the atoms whose ``tier`` code differs."""
    s = summarise(table)
    s["lsoas_changed"] = len(changed_lsoas(old_atlas, new_atlas, tier, table))
    return s
