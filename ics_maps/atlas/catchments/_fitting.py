"""Fitting the model by conditional maximum likelihood on observed registrations."""

from __future__ import annotations

import time
from dataclasses import asdict

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.optimize import minimize

from ics_maps.atlas.catchments._interaction import logits
from ics_maps.atlas.catchments._network import Network, located, network
from ics_maps.atlas.catchments._observed import Observed, observed
from ics_maps.atlas.catchments._params import ModelParams

EPS_PROB = 1e-6  # probability floor for real flows outside the model's k nearest practices


def fit_arrays(net: Network, r: Observed, sample_net: np.ndarray, max_lsoas: int, seed: int):
    """The conditional-likelihood data: LSOAs with real rows that have a covered practice among
    their k nearest (others cannot be placed at covered practices by the model at all)."""
    in_s = sample_net[net.idx]  # (n, k) covered practice?
    has_cand = in_s.any(axis=1)
    keep = has_cand[r.i]
    rows = np.unique(r.i[keep])
    if len(rows) > max_lsoas:
        rows = np.sort(np.random.default_rng(seed).choice(rows, max_lsoas, replace=False))
        keep &= np.isin(r.i, rows)
    local = np.full(len(net.origin), -1, dtype=np.int64)
    local[rows] = np.arange(len(rows))
    ri = local[r.i[keep]]
    return rows, in_s[rows], ri, r.pos[keep], r.patients[keep]


def cond_loglik(net: Network, p: ModelParams, rows, in_s, ri, pos, pat) -> float:
    z = logits(net, p, rows)
    z = np.where(in_s, z, -np.inf)
    zmax = z.max(axis=1, keepdims=True)
    lse = np.log(np.exp(z - zmax).sum(axis=1)) + zmax[:, 0]
    inside = pos >= 0
    ll = np.where(inside, z[ri, np.maximum(pos, 0)] - lse[ri], np.log(EPS_PROB))
    return float((pat * ll).sum() / pat.sum())


FIT_BOUNDS = {
    "alpha": (0.0, 3.0),
    "beta": (0.0, 5.0),
    "gamma": (0.0, 4.0),
    "log_d0": (np.log(0.02), np.log(3.0)),
    "zone_penalty": (-2.0, 6.0),
}


def fit(
    net: Network,
    r: Observed,
    practices: pd.DataFrame,
    template: ModelParams,
    max_lsoas: int = 3000,
    seed: int = 0,
) -> ModelParams:
    t0 = time.perf_counter()
    loc = located(practices)
    covered_full = np.zeros(len(practices), dtype=bool)
    covered_full[np.unique(r.j_full)] = True
    sample_net = covered_full[loc]
    rows, in_s, ri, pos, pat = fit_arrays(net, r, sample_net, max_lsoas, seed)
    p = ModelParams(**{k: v for k, v in asdict(template).items()})
    if len(rows) == 0 or pat.sum() == 0:
        p.note = "no registrations usable for fitting: default parameters kept"
        return p
    zone = net.cross is not None
    names = ["alpha", "beta", "gamma", "log_d0"] + (["zone_penalty"] if zone else [])
    x0 = np.array(
        [template.alpha, template.beta, template.gamma, np.log(template.d0_km)]
        + ([template.zone_penalty] if zone else [])
    )
    bounds = [FIT_BOUNDS[n] for n in names]
    x0 = np.clip(x0, [b[0] for b in bounds], [b[1] for b in bounds])

    def params_of(x) -> ModelParams:
        q = ModelParams(**{k: v for k, v in asdict(p).items()})
        q.alpha, q.beta, q.gamma, q.d0_km = (
            float(x[0]),
            float(x[1]),
            float(x[2]),
            float(np.exp(x[3])),
        )
        q.zone_penalty = float(x[4]) if zone else 0.0
        return q

    res = minimize(
        lambda x: -cond_loglik(net, params_of(x), rows, in_s, ri, pos, pat),
        x0,
        method="Nelder-Mead",
        bounds=bounds,
        options={"maxiter": 600, "xatol": 1e-3, "fatol": 1e-7},
    )
    q = params_of(res.x)
    q.fitted = True
    q.zone_used = zone
    q.fit_rows = int(len(pat))
    q.fit_lsoas = int(len(rows))
    q.fit_patients = int(round(pat.sum()))
    q.fit_patients_outside_k = float(pat[pos < 0].sum() / pat.sum())
    q.loglik_per_patient = float(-res.fun)
    q.fit_seconds = round(time.perf_counter() - t0, 3)
    q.note = (
        "Huff-type model fitted by conditional maximum likelihood (choice among covered "
        "practices) on "
        f"{q.fit_lsoas:,} LSOAs; Nelder-Mead {res.nfev} evaluations"
        + ("; applied doubly constrained (IPF)" if q.constrained else "")
    )
    return q


def fit_model(
    lsoa: gpd.GeoDataFrame,
    practices: gpd.GeoDataFrame,
    registrations: pd.DataFrame,
    params: ModelParams | None = None,
    *,
    max_lsoas: int = 3000,
    seed: int = 0,
) -> ModelParams:
    """Fit the spatial interaction model on real practice × LSOA registrations.

    Maximum likelihood of the real patients' choices *conditional on registering at a practice the
    file covers* (among the LSOA's ``k`` nearest): with a Huff model this conditional probability
    does not involve the uncovered practices, so a one-ICB sample fits it without bias from the
    ICB's border. The distance and zone terms are fitted; the fitted values are then used
    doubly constrained when ``params.constrained`` (the IPF absorbs ``alpha``).
    At most ``max_lsoas`` LSOAs (a seeded random subset) are used, to bound the time.
    """
    template = params or ModelParams()
    net = network(lsoa, practices, template)
    r = observed(net, practices, registrations)
    return fit(net, r, practices, template, max_lsoas, seed)
