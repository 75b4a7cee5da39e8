"""How good are the catchments: agreement with observed registrations, in and out of sample."""

from __future__ import annotations

import time
from dataclasses import asdict

import geopandas as gpd
import numpy as np
import pandas as pd

from ics_maps.atlas.catchments._fitting import fit
from ics_maps.atlas.catchments._interaction import (
    baseline_gravity,
    baseline_nearest,
    majority,
    majority_from_probs,
    model_probs,
)
from ics_maps.atlas.catchments._network import Network, network
from ics_maps.atlas.catchments._observed import (
    Observed,
    agree,
    core_mask,
    observed,
    share_agreement,
    subset,
)
from ics_maps.atlas.catchments._params import UNALLOCATED, ModelParams


def practice_pcn(practices: pd.DataFrame) -> pd.Series:
    return pd.Series(
        np.asarray(practices["pcn"].astype(object)),
        index=np.asarray(practices["code"].astype(object)),
    )


def as_majority(pred) -> pd.Series:
    if isinstance(pred, pd.DataFrame):
        d = pred.sort_values(["lsoa", "share", "pcn"], ascending=[True, False, True])
        return d.drop_duplicates("lsoa").set_index("lsoa")["pcn"]
    return pred


def agreement(pred_pcn_lsoa, real_registrations: pd.DataFrame, practices: pd.DataFrame) -> float:
    """Share of real registered patients placed in the right PCN.

    ``pred_pcn_lsoa`` is either a Series LSOA → predicted PCN or a ``pcn_lsoa`` table (its majority
    PCN per LSOA is used). Each real (lsoa, practice, patients) row counts as right when the LSOA's
    predicted PCN is the practice's PCN; the result is right patients / all patients. Rows at
    unallocated (``U``) practices or practices not in ``practices`` are left out (no PCN can be
    right for them); LSOAs without a prediction count as wrong. Even the real majority assignment
    scores below 1 wherever an LSOA's patients are split between PCNs.
    """
    major = as_majority(pred_pcn_lsoa)
    ppcn = practice_pcn(practices)
    reg = real_registrations
    pcn = reg["practice"].astype(object).map(ppcn)
    ok = pcn.notna() & (pcn != UNALLOCATED)
    pat = pd.to_numeric(reg["patients"], errors="coerce").fillna(0)[ok]
    right = (reg.loc[ok, "lsoa"].astype(object).map(major) == pcn[ok]).fillna(False)
    tot = pat.sum()
    return float((pat * right).sum() / tot) if tot else float("nan")


def flow_agreement(
    pred_pcn_lsoa: pd.DataFrame, real_registrations: pd.DataFrame, practices: pd.DataFrame
) -> float:
    """Σ_i X_i Σ_p min(ŝ_ip, s_ip) / Σ_i X_i: how well predicted PCN *shares* match the real ones.

    For each LSOA i with real rows (X_i real patients at PCN practices), s_ip are the real PCN
    shares and ŝ_ip the predicted shares renormalised over the PCNs present in the real file (so an
    LSOA on the file's border is compared only on the PCNs the file covers). 1 = identical shares.
    """
    ppcn = practice_pcn(practices)
    reg = real_registrations.assign(pcn=real_registrations["practice"].astype(object).map(ppcn))
    reg = reg[reg["pcn"].notna() & (reg["pcn"] != UNALLOCATED)]
    real = reg.groupby(["lsoa", "pcn"])["patients"].sum()
    x = real.groupby(level="lsoa").sum()
    s = real / real.index.get_level_values("lsoa").map(x).to_numpy()
    pred = pred_pcn_lsoa[
        pred_pcn_lsoa["pcn"].isin(set(reg["pcn"])) & pred_pcn_lsoa["lsoa"].isin(set(x.index))
    ]
    ps = pred.groupby(["lsoa", "pcn"])["share"].sum()
    ps = ps / ps.index.get_level_values("lsoa").map(ps.groupby(level="lsoa").sum()).to_numpy()
    both = pd.concat([s.rename("r"), ps.rename("p")], axis=1).fillna(0.0)
    per = np.minimum(both["r"], both["p"]).groupby(level=0).sum()
    return float((per.reindex(x.index).fillna(0) * x).sum() / x.sum())


def default_groups(
    net: Network, r: Observed, practices: pd.DataFrame, params: ModelParams, n_spatial: int = 5
) -> np.ndarray:
    """Fold per real row: the zone (sub-ICB) of the practice holding most of the row's LSOA's real
    patients, so whole LSOAs, grouped in space, are held out together. Without a zone column:
    k-means blocks of the LSOAs' points."""
    order = np.lexsort((-r.patients, r.i))
    first = np.r_[True, r.i[order][1:] != r.i[order][:-1]]
    top_j = pd.Series(r.j_full[order][first], index=r.i[order][first])
    zc = params.zone_col
    lab = None
    if zc and zc in practices.columns and practices[zc].notna().any():
        lab = np.asarray(practices[zc].astype(object))[top_j.to_numpy()]
        if len({x for x in lab if pd.notna(x)}) < 3:
            lab = None
    if lab is not None:
        fold_of = pd.Series(lab, index=top_j.index)
    else:
        from scipy.cluster.vq import kmeans2

        lsoas = top_j.index.to_numpy()
        cover = (
            np.bincount(r.i, weights=r.patients, minlength=len(net.origin))[lsoas]
            / net.origin[lsoas]
        )
        core = lsoas[cover >= 0.5]  # blocks of the covered area, not of far-flung single patients
        if len(core) < n_spatial:
            core = lsoas
        cent, _ = kmeans2(net.xy[core], min(n_spatial, len(core)), seed=0, minit="++")
        lab = np.argmin(((net.xy[lsoas][:, None, :] - cent[None]) ** 2).sum(-1), axis=1)
        fold_of = pd.Series(lab.astype(str), index=lsoas)
    return fold_of.reindex(r.i).to_numpy()


def cross_validate(
    lsoa: gpd.GeoDataFrame,
    practices: gpd.GeoDataFrame,
    registrations: pd.DataFrame,
    groups: pd.Series | None = None,
    params: ModelParams | None = None,
    core_threshold: float = 0.8,
    models: tuple[str, ...] = ("model", "huff"),
) -> dict:
    """Out-of-sample agreement: fit on all folds but one, score on the held-out fold, for each fold.

    ``groups`` maps LSOA code → fold (default: :func:`default_groups`, the sub-ICB location of the
    practice most of the LSOA's real patients use). Reports, per fold and pooled over folds:
    ``agreement`` (see :func:`agreement`) on every real patient of the fold's LSOAs and on the
    ``core`` LSOAs (real file holds ≥ ``core_threshold`` of residents × κ); ``share`` agreement (see
    :func:`flow_agreement`), for the fitted model applied as configured ("model"), the same fit
    applied unconstrained ("huff"), and the baselines "nearest" (PCN of the nearest PCN practice)
    and "gravity" (PCN of the practice maximising list size / distance²), plus the "ceiling": the
    real majority of the held-out rows themselves (what the Beaney assignment scores).
    """
    template = params or ModelParams()
    t0 = time.perf_counter()
    practices = practices.reset_index(drop=True)
    lsoa = lsoa.reset_index(drop=True)
    net = network(lsoa, practices, template)
    r = observed(net, practices, registrations)
    if groups is None:
        fold = default_groups(net, r, practices, template)
    else:
        fold = pd.Series(net.lsoa_codes[r.i]).map(groups).to_numpy()
    fold = np.array([str(f) if pd.notna(f) else None for f in fold], dtype=object)
    core = core_mask(net, r, core_threshold)
    labels = sorted({f for f in fold if isinstance(f, str)})
    names = list(models) + ["nearest", "gravity", "ceiling"]
    sums = {nm: {"all": [0.0, 0.0], "core": [0.0, 0.0], "share": [0.0, 0.0]} for nm in names}
    folds = []
    base = {"nearest": baseline_nearest(net), "gravity": baseline_gravity(net)}
    for f in labels:
        test = fold == f
        tr, te = subset(r, ~test & (fold != None)), subset(r, test)  # noqa: E711
        t = time.perf_counter()
        fitted = fit(net, tr, practices, template)
        fit_s = time.perf_counter() - t
        row = {
            "fold": f,
            "test_lsoas": int(len(np.unique(te.i))),
            "test_patients": int(te.patients.sum()),
            "fit_seconds": round(fit_s, 3),
            "params": {
                k: round(getattr(fitted, k), 4)
                for k in ("alpha", "beta", "gamma", "d0_km", "zone_penalty")
            },
        }
        preds, probs = {}, {}
        for nm in models:
            q = ModelParams(**asdict(fitted))
            q.constrained = template.constrained if nm == "model" else False
            P, _ = model_probs(net, q)
            probs[nm] = P
            preds[nm] = majority_from_probs(net, P)
        preds.update(base)
        rp = pd.DataFrame({"i": te.i, "p": te.pcn, "x": te.patients})
        rp = rp[rp["p"] >= 0].groupby(["i", "p"], as_index=False)["x"].sum()
        preds["ceiling"] = majority(
            rp["i"].to_numpy(), rp["p"].to_numpy(), rp["x"].to_numpy(dtype=float), len(net.origin)
        )
        te_core = subset(te, core[test])
        for nm in names:
            a_all, a_core = agree(preds[nm], te), agree(preds[nm], te_core)
            # an all-or-nothing prediction's share agreement is its majority agreement
            sh = share_agreement(net, probs[nm], te) if nm in probs else a_all
            row[nm] = {
                "agreement": round(a_all, 4),
                "agreement_core": round(a_core, 4),
                "share_agreement": round(sh, 4),
            }
            wa = te.patients[te.pcn >= 0].sum()
            wc = te_core.patients[te_core.pcn >= 0].sum()
            for key, val, w in (("all", a_all, wa), ("core", a_core, wc), ("share", sh, wa)):
                if w and not np.isnan(val):
                    sums[nm][key][0] += val * w
                    sums[nm][key][1] += w
        folds.append(row)
    overall = {
        nm: {
            "agreement": ratio(sums[nm]["all"]),
            "agreement_core": ratio(sums[nm]["core"]),
            "share_agreement": ratio(sums[nm]["share"]),
        }
        for nm in names
    }
    return {
        "folds": folds,
        "overall": overall,
        "n_folds": len(labels),
        "core_threshold": core_threshold,
        "test_patients": int(r.patients[fold != None].sum()),  # noqa: E711
        "seconds": round(time.perf_counter() - t0, 2),
    }


def ratio(pair) -> float | None:
    return round(float(pair[0] / pair[1]), 4) if pair[1] else None
