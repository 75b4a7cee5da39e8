"""A hand-built atlas of 1 km squares in EPSG:27700 where every figure is known in advance.

    y=1  L5 500 | L6 600 | L7 700 | L8 800
    y=0  L1 100 | L2 200 | L3 300 | L4 400
          x=0      x=1      x=2      x=3        (km from 400000, 100000)

ICB  I1 = L1 L2 L5 L6 (1400)       I2 = L3 L4 L7 L8 (2200)        region R1 = all (3600)
SICBL S1 = I1 (coterminous)        S2 = L3 L7 (1000)   S3 = L4 L8 (1200)
LAD  A = L1 L5 (600, in I1)        B = L2 L6 L3 L7 (1800, split 800/1000)   C = L4 L8 (1200 = S3)
UTLA U1 = A + B (2400)             U2 = C (1200)
PCN shares (pcn_lsoa): P1 = L1 1, L2 .5, L5 1      P2 = L2 .5, L6 1, L3 .25
                       P3 = L3 .75, L4, L7, L8
  residents P1 700, P2 775, P3 2125; registered patients in pcn_lsoa: P1 500, P2 400, P3 1000
Practices: pr1 P1@L1 4000, pr2 P1@L5 3000, pr3 P2@L6 5000, pr4 P3@L4 6000, pr5 P3@L8 2000,
  pr6 unallocated (U)@L7 1000, pr7 P3 with no location and no list size.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point, box
from shapely.ops import unary_union

from ics_maps.atlas import Atlas

X0, Y0, KM = 400_000, 100_000, 1000
CRS = "EPSG:27700"

CELLS = {
    "L1": (0, 0, 100),
    "L2": (1, 0, 200),
    "L3": (2, 0, 300),
    "L4": (3, 0, 400),
    "L5": (0, 1, 500),
    "L6": (1, 1, 600),
    "L7": (2, 1, 700),
    "L8": (3, 1, 800),
}
ICB = {"I1": ["L1", "L2", "L5", "L6"], "I2": ["L3", "L4", "L7", "L8"]}
SICBL = {"S1": ICB["I1"], "S2": ["L3", "L7"], "S3": ["L4", "L8"]}
LAD = {"A": ["L1", "L5"], "B": ["L2", "L6", "L3", "L7"], "C": ["L4", "L8"]}
UTLA = {"U1": LAD["A"] + LAD["B"], "U2": LAD["C"]}
PCN_FOOT = {"P1": ["L1", "L5"], "P2": ["L2", "L6"], "P3": ["L3", "L4", "L7", "L8"]}
PCN_LSOA = [  # pcn, lsoa, share, patients
    ("P1", "L1", 1.0, 50),
    ("P1", "L2", 0.5, 150),
    ("P1", "L5", 1.0, 300),
    ("P2", "L2", 0.5, 100),
    ("P2", "L6", 1.0, 200),
    ("P2", "L3", 0.25, 100),
    ("P3", "L3", 0.75, 100),
    ("P3", "L4", 1.0, 300),
    ("P3", "L7", 1.0, 100),
    ("P3", "L8", 1.0, 500),
]
PRACTICES = [  # code, pcn, sicbl, icb, cell, list size
    ("pr1", "P1", "S1", "I1", "L1", 4000),
    ("pr2", "P1", "S1", "I1", "L5", 3000),
    ("pr3", "P2", "S1", "I1", "L6", 5000),
    ("pr4", "P3", "S3", "I2", "L4", 6000),
    ("pr5", "P3", "S3", "I2", "L8", 2000),
    ("pr6", "U", "S2", "I2", "L7", 1000),
    ("pr7", "P3", "S3", "I2", None, None),
]


def square(cell: str):
    x, y, _ = CELLS[cell]
    return box(X0 + x * KM, Y0 + y * KM, X0 + (x + 1) * KM, Y0 + (y + 1) * KM)


def residents(cells) -> int:
    return sum(CELLS[c][2] for c in cells)


def member_of(groups: dict[str, list[str]], cell: str) -> str:
    return next(k for k, v in groups.items() if cell in v)


def _tier(groups: dict[str, list[str]], **cols) -> gpd.GeoDataFrame:
    codes = list(groups)
    data = {
        "code": codes,
        "name": [f"Name {c}" for c in codes],
        "ods_code": codes,
        "residents": [residents(groups[c]) for c in codes],
        "derived": False,
    }
    data.update({k: [v[c] for c in codes] for k, v in cols.items()})
    return gpd.GeoDataFrame(
        data, geometry=[unary_union([square(x) for x in groups[c]]) for c in codes], crs=CRS
    )


def toy_atlas() -> Atlas:
    region = _tier({"R1": list(CELLS)})
    icb = _tier(
        ICB,
        region={"I1": "R1", "I2": "R1"},
        region_name={"I1": "Name R1", "I2": "Name R1"},
        wave={"I1": 1, "I2": 3},
        waves={"I1": "1 (100%)", "I2": "3 (100%)"},
        registered={"I1": 12000, "I2": 9000},
    )
    sicbl = _tier(
        SICBL, icb={"S1": "I1", "S2": "I2", "S3": "I2"}, region={"S1": "R1", "S2": "R1", "S3": "R1"}
    )
    lad = _tier(LAD, utla={"A": "U1", "B": "U1", "C": "U2"})
    utla = _tier(UTLA)
    pcn = _tier(
        PCN_FOOT,
        sicbl={"P1": "S1", "P2": "S1", "P3": "S3"},
        icb={"P1": "I1", "P2": "I1", "P3": "I2"},
        region={"P1": "R1", "P2": "R1", "P3": "R1"},
        list_size={"P1": 7000, "P2": 5000, "P3": 8000},
        n_practices={"P1": 2, "P2": 1, "P3": 3},
        method={"P1": "toy", "P2": "toy", "P3": "toy"},
    )
    pcn["residents"] = pcn["code"].map({"P1": 700, "P2": 775, "P3": 2125})
    cells = list(CELLS)
    lsoa = gpd.GeoDataFrame(
        {
            "code": cells,
            "name": [f"LSOA {c}" for c in cells],
            "residents": [CELLS[c][2] for c in cells],
            "region": "R1",
            "icb": [member_of(ICB, c) for c in cells],
            "sicbl": [member_of(SICBL, c) for c in cells],
            "utla": [member_of(UTLA, c) for c in cells],
            "lad": [member_of(LAD, c) for c in cells],
            "pcn": [member_of(PCN_FOOT, c) for c in cells],
            "ods_code": pd.NA,
        },
        geometry=[square(c) for c in cells],
        crs=CRS,
    )
    pr = pd.DataFrame(PRACTICES, columns=["code", "pcn", "sicbl", "icb", "lsoa", "list_size"])
    practice = gpd.GeoDataFrame(
        {
            "code": pr["code"],
            "name": "Practice " + pr["code"],
            "ods_code": pr["code"],
            "postcode": "AA1 1AA",
            "pcn": pr["pcn"],
            "sicbl": pr["sicbl"],
            "icb": pr["icb"],
            "region": "R1",
            "list_size": pd.array(pr["list_size"], dtype="Int64"),
            "has_location": pr["lsoa"].notna(),
            "lsoa": pr["lsoa"],
        },
        geometry=[square(c).centroid if isinstance(c, str) else None for c in pr["lsoa"]],
        crs=CRS,
    )
    pcn_lsoa = pd.DataFrame(PCN_LSOA, columns=["pcn", "lsoa", "share", "patients"])
    pcn_lsoa["method"] = "toy"
    tiers = {
        "region": region,
        "icb": icb,
        "sicbl": sicbl,
        "utla": utla,
        "lad": lad,
        "pcn": pcn,
        "practice": practice,
        "lsoa": lsoa,
    }
    return Atlas(vintage="toy", tiers=tiers, pcn_lsoa=pcn_lsoa, meta={})


def point(x_km: float, y_km: float) -> Point:
    return Point(X0 + x_km * KM, Y0 + y_km * KM)
