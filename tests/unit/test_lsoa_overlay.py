"""The LSOA overlay's snap: a boundary within 0.5 m of an LSOA edge does not cut slivers off it.

Toy LSOAs are 1 km squares (tests/toy_atlas.py), so every share is a length over 1,000 m.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from toy_atlas import KM, X0, Y0, toy_atlas

from ics_maps.analysis._lsoa_overlay import clip_to_atoms, overlay


@pytest.fixture(scope="module")
def atlas():
    return toy_atlas()


def shares(ov) -> dict:
    codes = np.array([f"L{i}" for i in range(1, 9)], dtype=object)
    return {(int(u), codes[a]): s for u, a, s in zip(ov.unit, ov.atom, ov.share, strict=True)}


def test_snap_settles_near_edges_and_cuts_the_rest_exactly(atlas):
    # unit 0: L1 with its east edge 0.3 m too far (into L2) and its north edge 0.3 m short
    # unit 1: L1 cut 0.6 m short of its east edge: beyond the snap, an exact cut
    near = shapely.box(X0, Y0, X0 + KM + 0.3, Y0 + KM - 0.3)
    cut = shapely.box(X0, Y0, X0 + KM - 0.6, Y0 + KM)
    got = shares(overlay([near, cut], atlas))
    assert got == {(0, "L1"): 1.0, (1, "L1"): pytest.approx((KM - 0.6) / KM, abs=1e-12)}
    exact = shares(overlay([near, cut], atlas, snap_m=0))
    assert exact == pytest.approx(
        {
            (0, "L1"): (KM - 0.3) / KM,
            (0, "L2"): 0.3 * (KM - 0.3) / KM**2,
            (1, "L1"): (KM - 0.6) / KM,
        }
    )


def test_inside_area_and_the_clip_to_england(atlas):
    # 1 km² in L4 and 1 km² east of the toy England (x beyond 4 km)
    half_out = shapely.box(X0 + 3 * KM, Y0, X0 + 5 * KM, Y0 + KM)
    ov = overlay([half_out], atlas)
    assert ov.inside_m2[0] == pytest.approx(1e6) and ov.outside_m2[0] == pytest.approx(1e6)
    clipped, was = clip_to_atoms([half_out], ov, atlas)
    assert was.tolist() == [True]
    l4 = shapely.box(X0 + 3 * KM, Y0, X0 + 4 * KM, Y0 + KM)
    assert shapely.symmetric_difference(clipped[0], l4).area < 1e-6
    inside = shapely.box(X0 + 100, Y0 + 100, X0 + 200, Y0 + 200)
    ov = overlay([inside], atlas)
    assert clip_to_atoms([inside], ov, atlas)[1].tolist() == [False]


def test_the_users_polygons_are_left_unprepared(atlas):
    polys = np.array([shapely.box(X0, Y0, X0 + KM, Y0 + KM)], dtype=object)
    overlay(polys, atlas)
    assert not shapely.is_prepared(polys).any()  # a prepared polygon holds a large index
