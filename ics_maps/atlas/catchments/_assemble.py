"""Catchments for all England: the model everywhere, observed flows where published, PCN shares
per LSOA (the mixing rule is in the package docstring)."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from ics_maps.atlas.catchments._fitting import fit
from ics_maps.atlas.catchments._interaction import (
    baseline_nearest,
    majority_from_probs,
    model_probs,
    pcn_sums,
)
from ics_maps.atlas.catchments._network import Network, located, network
from ics_maps.atlas.catchments._observed import Observed, agree, observed
from ics_maps.atlas.catchments._params import UNALLOCATED, Catchments, ModelParams


def build_catchments(
    lsoa: gpd.GeoDataFrame,
    practices: gpd.GeoDataFrame,
    registrations: pd.DataFrame | None = None,
    params: ModelParams | None = None,
) -> Catchments:
    """PCN × LSOA shares: real registrations where they exist, the fitted model elsewhere.

    ``params=None`` fits the model on ``registrations`` (if any usable), else uses the defaults.
    See the package docstring for how real and modelled flows are mixed.
    """
    t0 = time.perf_counter()
    timings: dict = {}
    template = params or ModelParams()
    practices = practices.reset_index(drop=True)
    lsoa = lsoa.reset_index(drop=True)
    net = network(lsoa, practices, template)
    timings["network_s"] = time.perf_counter() - t0
    obs = _usable_observations(net, practices, registrations)
    model = _choose_model(net, obs, practices, template, fit_it=params is None, timings=timings)
    t = time.perf_counter()
    probs, diag = model_probs(net, model)
    timings["model_s"] = time.perf_counter() - t
    t = time.perf_counter()
    members = _membership(net, practices, obs)
    if obs is not None:
        model.agreement_in_sample = agree(majority_from_probs(net, probs), obs)
    flows = _combined_flows(net, probs, obs, members)
    flows = _prune_modelled(flows, members.pcn_observed, model.min_share)
    flows, fallback = _nearest_for_lsoas_without_flow(flows, net)
    pcn_lsoa, lsoa_pcn, lsoa_real_share = _shares(flows, net, members.pcn_observed)
    timings["assemble_s"] = time.perf_counter() - t
    pcn_method = _pcn_methods(net, probs, obs, members, pcn_lsoa, lsoa_pcn)
    timings["total_s"] = time.perf_counter() - t0
    report = _report(net, practices, members, pcn_method, obs, model, diag, fallback, timings)
    return Catchments(
        pcn_lsoa=pcn_lsoa,
        pcn_method=pcn_method,
        lsoa_pcn=lsoa_pcn,
        model=model,
        lsoa_real_share=lsoa_real_share.rename("real_share"),
        report=report,
    )


# ---------------------------------------------------------------------------- steps


def _usable_observations(
    net: Network, practices: pd.DataFrame, registrations: pd.DataFrame | None
) -> Observed | None:
    """The observed registrations on the network, or None when there are none to use."""
    if registrations is None or len(registrations) == 0:
        return None
    obs = observed(net, practices, registrations)
    return obs if len(obs.patients) else None


def _choose_model(
    net: Network,
    obs: Observed | None,
    practices: pd.DataFrame,
    template: ModelParams,
    *,
    fit_it: bool,
    timings: dict,
) -> ModelParams:
    """The fitted model when asked to fit and there is something to fit on, else the template."""
    if fit_it and obs is not None:
        t = time.perf_counter()
        model = fit(net, obs, practices, template)
        timings["fit_s"] = time.perf_counter() - t
        return model
    model = ModelParams(**asdict(template))
    model.zone_used = net.cross is not None
    if not model.fitted:
        model.note = model.note or (
            "default parameters (fitted on Staffordshire & Stoke-on-Trent, Oct 2025)"
        )
    return model


@dataclass
class _Members:
    """Who belongs where: each practice's PCN, which practices and PCNs are wholly observed."""

    located: np.ndarray  # (practices,) bool: has a location
    observed_practice: np.ndarray  # (practices,) bool: has observed registration rows
    pcn_of_practice: np.ndarray  # (practices,) index into net.pcn_codes, -1 for unallocated
    n_practices: pd.Series  # per PCN code
    n_observed: pd.Series
    n_located: pd.Series
    pcn_observed: np.ndarray  # (pcns,) bool: every member practice observed -> "registrations"


def _membership(net: Network, practices: pd.DataFrame, obs: Observed | None) -> _Members:
    loc = located(practices)
    observed_practice = np.zeros(len(practices), dtype=bool)
    if obs is not None:
        observed_practice[np.unique(obs.j_full)] = True
    position = {c: q for q, c in enumerate(net.pcn_codes)}
    pcn_of_practice = np.array(
        [position.get(x, -1) for x in np.asarray(practices["pcn"].astype(object))], dtype=np.int64
    )
    members = practices[practices["pcn"].astype(object) != UNALLOCATED]
    rows = members.index.to_numpy()
    n_practices = members.groupby("pcn").size()
    n_observed = (
        pd.Series(observed_practice[rows], index=members.index).groupby(members["pcn"]).sum()
    )
    n_located = pd.Series(loc[rows], index=members.index).groupby(members["pcn"]).sum()
    pcn_observed = (
        n_observed.reindex(net.pcn_codes).fillna(0) == n_practices.reindex(net.pcn_codes)
    ).to_numpy()
    return _Members(
        loc, observed_practice, pcn_of_practice, n_practices, n_observed, n_located, pcn_observed
    )


def _combined_flows(
    net: Network, probs: np.ndarray, obs: Observed | None, members: _Members
) -> pd.DataFrame:
    """Patients per (LSOA index ``i``, PCN index ``p``): modelled flows of practices without
    observations plus observed flows; ``real`` marks pairs with any observed flow. A PCN with some
    observed practices gets both kinds of flow (it is "modelled")."""
    n, k = probs.shape
    npcn = len(net.pcn_codes)
    net_to_full = np.flatnonzero(members.located)
    lsoa_i = np.repeat(np.arange(n), k)
    practice_j = net_to_full[net.idx.ravel()]
    flow = (probs * net.origin[:, None]).ravel()
    modelled = ~members.observed_practice[practice_j]
    m_i, m_p, m_n = pcn_sums(
        lsoa_i[modelled], members.pcn_of_practice[practice_j[modelled]], flow[modelled], npcn
    )
    if obs is not None:
        o_i, o_p, o_n = pcn_sums(obs.i, obs.pcn, obs.patients, npcn)
    else:
        o_i = o_p = np.empty(0, dtype=np.int64)
        o_n = np.empty(0)
    flows = pd.DataFrame(
        {
            "i": np.r_[m_i, o_i],
            "p": np.r_[m_p, o_p],
            "patients": np.r_[m_n, o_n],
            "real": np.r_[np.zeros(len(m_i), bool), np.ones(len(o_i), bool)],
        }
    )
    return flows.groupby(["i", "p"], as_index=False, sort=True).agg(
        patients=("patients", "sum"), real=("real", "max")
    )


def _prune_modelled(
    flows: pd.DataFrame, pcn_observed: np.ndarray, min_share: float
) -> pd.DataFrame:
    """Drop modelled rows below ``min_share`` of their LSOA (observed PCNs keep every row)."""
    share = (
        flows["patients"].to_numpy() / flows.groupby("i")["patients"].transform("sum").to_numpy()
    )
    prune = (~pcn_observed[flows["p"].to_numpy()]) & (share < min_share)
    return flows[~prune]


def _nearest_for_lsoas_without_flow(
    flows: pd.DataFrame, net: Network
) -> tuple[pd.DataFrame, np.ndarray]:
    """LSOAs left without any PCN flow (e.g. only unallocated practices near) go to the PCN of the
    nearest PCN practice; returns the flows and those LSOAs' indices."""
    present = np.zeros(len(net.origin), dtype=bool)
    present[flows["i"].to_numpy()] = True
    fallback = np.flatnonzero(~present)
    if len(fallback):
        near = baseline_nearest(net)[fallback]
        ok = near >= 0
        extra = pd.DataFrame(
            {"i": fallback[ok], "p": near[ok], "patients": net.origin[fallback[ok]], "real": False}
        )
        flows = pd.concat([flows, extra], ignore_index=True)
    return flows, fallback


def _shares(
    flows: pd.DataFrame, net: Network, pcn_observed: np.ndarray
) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """``pcn_lsoa`` (shares summing to 1 per LSOA), each LSOA's majority PCN and its observed
    share."""
    per_lsoa = flows.groupby("i")["patients"]
    total = per_lsoa.transform("sum").to_numpy()
    method = np.where(pcn_observed, "registrations", "modelled")
    p, i = flows["p"].to_numpy(), flows["i"].to_numpy()
    pcn_lsoa = pd.DataFrame(
        {
            "pcn": net.pcn_codes[p].astype(object),
            "lsoa": net.lsoa_codes[i],
            "patients": flows["patients"].to_numpy(dtype=float),
            "share": flows["patients"].to_numpy() / total,
            "method": method[p],
        }
    )
    pcn_lsoa = pcn_lsoa.sort_values(
        ["lsoa", "share", "pcn"], ascending=[True, False, True], ignore_index=True
    )
    lsoa_pcn = pcn_lsoa.drop_duplicates("lsoa").set_index("lsoa")["pcn"].rename("pcn")
    lsoa_pcn.index.name = "lsoa"
    real_patients = (flows["patients"] * flows["real"]).groupby(flows["i"]).sum()
    real_share = real_patients / per_lsoa.sum()
    real_share.index = net.lsoa_codes[real_share.index.to_numpy()]
    return pcn_lsoa, lsoa_pcn, real_share


def _pcn_methods(
    net: Network,
    probs: np.ndarray,
    obs: Observed | None,
    members: _Members,
    pcn_lsoa: pd.DataFrame,
    lsoa_pcn: pd.Series,
) -> pd.DataFrame:
    """One row per PCN: how its catchment was made, the in-sample agreement, and counts."""
    codes = net.pcn_codes
    agreement = pd.Series(dtype=float)
    if obs is not None:
        major = majority_from_probs(net, probs)
        a = obs.pcn >= 0
        right = (
            pd.Series(obs.patients[a] * (major[obs.i[a]] == obs.pcn[a])).groupby(obs.pcn[a]).sum()
        )
        every = pd.Series(obs.patients[a]).groupby(obs.pcn[a]).sum()
        agreement = pd.Series((right / every).to_numpy(), index=codes[every.index.to_numpy()])
    pm = pd.DataFrame({"pcn": codes})
    pm["n_practices"] = pm["pcn"].map(members.n_practices).fillna(0).astype("int64")
    pm["n_located"] = pm["pcn"].map(members.n_located).fillna(0).astype("int64")
    pm["n_real"] = pm["pcn"].map(members.n_observed).fillna(0).astype("int64")
    pm["patients"] = pm["pcn"].map(pcn_lsoa.groupby("pcn")["patients"].sum()).fillna(0.0)
    pm["n_lsoa"] = pm["pcn"].map(pcn_lsoa.groupby("pcn").size()).fillna(0).astype("int64")
    pm["n_majority"] = pm["pcn"].map(lsoa_pcn.value_counts()).fillna(0).astype("int64")
    pm["method"] = np.where(
        members.pcn_observed, "registrations", np.where(pm["n_lsoa"] > 0, "modelled", "none")
    )
    pm["agreement"] = pm["pcn"].map(agreement).astype(float)
    return pm[
        [
            "pcn",
            "method",
            "agreement",
            "n_practices",
            "n_located",
            "n_real",
            "patients",
            "n_lsoa",
            "n_majority",
        ]
    ]


def _report(
    net: Network,
    practices: pd.DataFrame,
    members: _Members,
    pm: pd.DataFrame,
    obs: Observed | None,
    model: ModelParams,
    diag: dict,
    fallback: np.ndarray,
    timings: dict,
) -> dict:
    """Counts, model diagnostics and timings (JSON-able), kept in the build report."""
    per_resident = net.origin / np.maximum(net.residents, 1e-9)
    return {
        "lsoas": int(len(net.origin)),
        "practices": int(len(practices)),
        "practices_located": int(members.located.sum()),
        "practices_with_registrations": int(members.observed_practice.sum()),
        "list_sizes_imputed": net.imputed_sizes,
        "kappa_registered_per_resident": round(net.kappa, 4),
        "kappa_range_by_group": [
            round(float(np.min(per_resident)), 4),
            round(float(np.max(per_resident)), 4),
        ],
        "pcns": int(len(net.pcn_codes)),
        "pcns_by_method": pm["method"].value_counts().to_dict(),
        "pcns_never_majority": int(((pm["n_majority"] == 0) & (pm["n_lsoa"] > 0)).sum()),
        "pcns_without_location_or_registrations": int((pm["method"] == "none").sum()),
        "lsoas_fallback_nearest": int(len(fallback)),
        "registrations_dropped": obs.dropped if obs is not None else None,
        "model_diagnostics": diag,
        "timings_s": {k: round(v, 3) for k, v in timings.items()},
        "mixing": "model everywhere; practices with real rows: modelled flows replaced by real; "
        "unallocated "
        f"dropped; modelled rows < {model.min_share:.1%} of an LSOA pruned; shares renormalised "
        "per LSOA",
    }
