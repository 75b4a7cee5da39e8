"""Build one vintage's atlas from the catalogue: LSOA atoms first, every tier from them.

The LSOA 2021 atom carries Census 2021 residents and its code in every tier, so each tier's
population, and every nesting table later, is a sum over atoms. Where a vintage has an ONS
LSOA 2021 lookup the atoms are exact; where it has none (2022, 2021) the ONS LSOA 2011 lookup is
carried to LSOA 2021 (:mod:`ics_maps.atlas._historic_placement`), and the fit is checked against
independent sources and reported.
"""

from __future__ import annotations

import logging
import re
import time
import warnings
from pathlib import Path
from typing import Callable

import geopandas as gpd
import pandas as pd

from ics_maps.atlas._councils import council_tiers
from ics_maps.atlas._lock import vintage_lock
from ics_maps.atlas._nhs_tiers import nhs_tiers
from ics_maps.atlas._placement import assign_nhs_codes
from ics_maps.atlas._primary_care import locate_practices, pcn_tier
from ics_maps.atlas.display import web_layers
from ics_maps.atlas.fingerprint import fingerprint, sources_for
from ics_maps.atlas.lsoa_areas import lsoa_areas
from ics_maps.atlas.model import Atlas
from ics_maps.atlas.natural_breaks import class_bins
from ics_maps.atlas.store import atlas_exists, is_current, load_atlas, save_atlas
from ics_maps.atlas.waves import attach_waves
from ics_maps.errors import AtlasUnreadable, DataWarning
from ics_maps.paths import atlas_root
from ics_maps.readers import read_census_population, read_lsoa_boundaries, read_waves
from ics_maps.readers.people import PEOPLE_COLUMNS, attach_people
from ics_maps.sources.vintages import DEFAULT_VINTAGE, Vintage, get_vintage
from ics_maps.tiers import AREA_TIERS, LSOA_TIER_COLUMNS

Progress = Callable[[str, float], None]
log = logging.getLogger("ics_maps.atlas")


# ---------------------------------------------------------------------------- entry points


def ensure_atlas(
    vid: str = DEFAULT_VINTAGE, progress: Progress | None = None, root: Path | None = None
) -> Atlas:
    """The atlas of ``vid``: loaded if it is built from the current inputs, else built and saved.

    A stored atlas that fails its checks (damaged files) is rebuilt. If building fails (inputs
    changed, missing or broken; a read-only or full disk), the last good atlas is served instead
    with :attr:`Atlas.stale` saying why (see :func:`stale_note`); with none to fall back on, the
    error is raised. Building holds the vintage's lock, so concurrent builds (two ``ics-maps
    build`` runs, the dashboard's first start) wait for each other instead of colliding.
    """
    get_vintage(vid)  # an unknown vintage fails here, before anything is read
    root = Path(root or atlas_root())
    damage: AtlasUnreadable | None = None
    if is_current(vid, root):
        try:
            return load_atlas(vid, root)
        except AtlasUnreadable as exc:
            damage = exc
            log.warning("%s: rebuilding it", exc)
    try:
        with vintage_lock(root, vid):
            if damage is None and is_current(vid, root):  # built by another process meanwhile
                return load_atlas(vid, root)
            atlas = build_atlas(vid, progress)
            save_atlas(atlas, root)
            return atlas
    except Exception as exc:  # noqa: BLE001 - serve the last good atlas, saying why
        if damage is not None:
            raise AtlasUnreadable(f"{damage}; rebuilding it failed too: {exc}") from exc
        try:
            last = load_atlas(vid, root)
        except AtlasUnreadable as unreadable:
            if not atlas_exists(vid, root):
                raise exc from None  # nothing was ever built: the build's own error says it all
            raise AtlasUnreadable(
                f"building the {vid} atlas failed ({_first_line(exc)}), and the stored one "
                f"cannot be served instead: {unreadable}"
            ) from exc
        last.stale = _first_line(exc)
        log.warning("%s", stale_note(last))
        return last


def rebuild_atlas(
    vid: str = DEFAULT_VINTAGE, progress: Progress | None = None, root: Path | None = None
) -> tuple[Atlas, Path]:
    """Build and save ``vid`` whatever is stored (``ics-maps build --force``), under the vintage's
    lock; errors are raised (the stored atlas stays as it was). Returns the atlas and its folder."""
    get_vintage(vid)
    root = Path(root or atlas_root())
    with vintage_lock(root, vid):
        atlas = build_atlas(vid, progress)
        return atlas, save_atlas(atlas, root)


def stale_note(atlas: Atlas) -> str | None:
    """The note every command and page shows with an atlas served after a failed rebuild."""
    if not atlas.stale:
        return None
    return (
        f"This {atlas.vintage} atlas was built on {_when(atlas.meta.get('built_at'))} from inputs "
        f"that have since changed or are missing, and is shown as it was then: rebuilding it "
        f"failed ({atlas.stale}). Run `ics-maps build --vintage {atlas.vintage}` once the inputs "
        "are back."
    )


def _when(stamp: object) -> str:
    text = str(stamp or "an unknown date")
    return text.replace("T", " at ", 1) if re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:]+", text) else text


def _first_line(exc: Exception) -> str:
    line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return line if len(line) <= 300 else line[:299] + "…"


def build_atlas(vid: str = DEFAULT_VINTAGE, progress: Progress | None = None) -> Atlas:
    """Build every tier of one vintage in memory (nothing is written here)."""
    v = get_vintage(vid)
    say = progress or (lambda msg, frac: None)
    t0 = time.perf_counter()
    report: dict = {"warnings": [], "coverage": {}, "derived": {}}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataWarning)
        say("Reading LSOA 2021 boundaries and Census 2021 residents", 0.02)
        lsoa = _lsoa_atoms(report)
        say("Assigning LSOA atoms to the vintage's sub-ICB locations and ICBs", 0.2)
        lsoa, sicbl_meta, icb_meta = assign_nhs_codes(v, lsoa, report)
        say("Local authorities: districts, counties and unitaries", 0.35)
        lad, utla, lsoa = council_tiers(lsoa, report)
        say("NHS geography polygons", 0.45)
        region, icb, sicbl = nhs_tiers(v, lsoa, sicbl_meta, icb_meta, report)
        say("GP practices: PCN membership, list sizes, locations", 0.55)
        practices = locate_practices(v, lsoa, report)
        say("PCN catchments (registrations where known, a fitted model elsewhere)", 0.65)
        pcn, pcn_lsoa, lsoa = pcn_tier(lsoa, practices, report)
        say("Populations, registered patients and ICS waves", 0.9)
        tiers = _finish(v, lsoa, region, icb, sicbl, utla, lad, pcn, practices, pcn_lsoa, report)
    report["warnings"] += [str(w.message) for w in caught if issubclass(w.category, DataWarning)]
    say("Display layers: simplified for the web", 0.93)
    web = web_layers(tiers)
    say("Area of each LSOA in every polygon tier (for users' own layers)", 0.96)
    areas = {t: lsoa_areas(tiers["lsoa"], tiers[t], t) for t in AREA_TIERS}
    meta = _meta(v, tiers, pcn_lsoa, report, time.perf_counter() - t0)
    say("Atlas built", 1.0)
    return Atlas(vintage=v.id, tiers=tiers, pcn_lsoa=pcn_lsoa, meta=meta, web=web, areas=areas)


# ---------------------------------------------------------------------------- steps


def _lsoa_atoms(report: dict) -> gpd.GeoDataFrame:
    lsoa = read_lsoa_boundaries()
    pop = read_census_population()
    lsoa = lsoa.merge(pop, on="code", how="left", validate="1:1")
    missing = int(lsoa["residents"].isna().sum())
    report["coverage"]["lsoa_with_census_population"] = 1 - missing / len(lsoa)
    if missing:
        warnings.warn(
            f"{missing} LSOA(s) have no Census 2021 population; counted as 0",
            DataWarning,
            stacklevel=2,
        )
        lsoa["residents"] = lsoa["residents"].fillna(0)
    lsoa["residents"] = lsoa["residents"].astype("int64")
    lsoa = attach_people(lsoa)  # age bands and IoD2025 columns, validated (readers/people.py)
    extra = set(pop["code"]) - set(lsoa["code"])
    if extra:
        warnings.warn(
            f"{len(extra)} Census LSOA code(s) have no boundary, e.g. {sorted(extra)[:3]}",
            DataWarning,
            stacklevel=2,
        )
    lsoa["_pt"] = lsoa.geometry.representative_point()
    return lsoa


def _finish(v, lsoa, region, icb, sicbl, utla, lad, pcn, practices, pcn_lsoa, report):
    """Residents and registered patients per tier, waves, and the final column order."""
    res = {t: lsoa.groupby(t)["residents"].sum() for t in ("region", "icb", "sicbl", "utla", "lad")}
    for t, gdf in (
        ("region", region),
        ("icb", icb),
        ("sicbl", sicbl),
        ("utla", utla),
        ("lad", lad),
    ):
        gdf["residents"] = gdf["code"].map(res[t]).fillna(0).astype("int64")
    weighted = pcn_lsoa.merge(lsoa[["code", "residents"]], left_on="lsoa", right_on="code")
    pcn_res = (weighted["residents"] * weighted["share"]).groupby(weighted["pcn"]).sum()
    pcn["residents"] = pcn["code"].map(pcn_res).fillna(0).round().astype("int64")
    reg = practices.groupby("icb")["list_size"].sum(min_count=1)
    icb["registered"] = icb["code"].map(reg).astype("Int64")
    icb["n_pcn"] = icb["code"].map(pcn.groupby("icb").size()).fillna(0).astype("int64")
    icb = attach_waves(icb, lsoa, read_waves())
    columns = ["code", "name", "residents", *LSOA_TIER_COLUMNS, "icb24", *PEOPLE_COLUMNS]
    lsoa_out = lsoa.drop(columns=["_pt"])[[*columns, "geometry"]]
    lsoa_out["ods_code"] = pd.array([pd.NA] * len(lsoa_out), dtype="string")
    practices = practices.copy()
    practices["ods_code"] = practices["code"].astype("string")
    return {
        "region": region,
        "icb": icb,
        "sicbl": sicbl,
        "utla": utla,
        "lad": lad,
        "pcn": pcn,
        "practice": practices,
        "lsoa": lsoa_out,
    }


def _meta(v: Vintage, tiers, pcn_lsoa, report, seconds) -> dict:
    counts = {t: int(len(g)) for t, g in tiers.items()}
    terms = {"icb": v.icb_term, "sicbl": v.sicbl_term}
    prac = tiers["practice"]
    return {
        "vintage": v.id,
        "label": v.label,
        "notes": v.notes,
        "terms": terms,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "build_seconds": round(seconds, 2),
        "fingerprint": fingerprint(v),
        "sources": sources_for(v),
        "counts": counts,
        "residents": {
            t: int(tiers[t]["residents"].sum())
            for t in ("region", "icb", "sicbl", "utla", "lad", "lsoa")
        },
        "registered_patients": int(prac["list_size"].sum()),
        "registered_patients_in_pcns": int(prac.loc[prac["pcn"] != "U", "list_size"].sum()),
        "primary_care_extract": report.get("practices", {}).get("extract"),
        "list_size_extract": "2025-04-01",
        "derived_tiers": [
            t for t, g in tiers.items() if "derived" in g and bool(g["derived"].any())
        ],
        # National colour classes of ICB residents, computed once here so the app's maps keep the
        # same colours under any filter and need not import mapclassify at start-up.
        "icb_residents_bins": class_bins(tiers["icb"]["residents"], k=5, scheme="FisherJenks"),
        **report,
    }


def info(atlas: Atlas) -> dict:
    """Per-tier counts, residents and registered patients, plus build facts (for `ics-maps
    info`)."""
    m = atlas.meta
    out = {
        "vintage": atlas.vintage,
        "label": m.get("label"),
        "built_at": m.get("built_at"),
        "tiers": {},
    }
    if atlas.stale:
        out["stale"] = stale_note(atlas)
    for t, g in atlas.tiers.items():
        row = {"units": int(len(g))}
        if "residents" in g:
            row["residents"] = int(g["residents"].sum())
        if t == "practice":
            row["registered_patients"] = int(g["list_size"].sum())
        if t == "icb":
            row["registered_patients"] = int(g["registered"].sum())
        if t == "pcn":
            row["registered_patients"] = int(g["list_size"].sum())
        if "derived" in g:
            row["derived"] = bool(g["derived"].any())
        out["tiers"][t] = row
    for k in (
        "practices",
        "coverage",
        "assignment",
        "pcn",
        "derived",
        "warnings",
        "primary_care_extract",
        "list_size_extract",
        "registrations",
        "build_seconds",
    ):
        if k in m:
            out[k] = m[k]
    return out
