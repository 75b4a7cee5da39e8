"""Observed registrations (practice × LSOA) on the network, and how well a prediction agrees with
them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ics_maps.atlas.catchments._interaction import pcn_sums
from ics_maps.atlas.catchments._network import Network, located


@dataclass
class Observed:
    i: np.ndarray  # LSOA index into net
    j_full: np.ndarray  # practice index into the full practices table
    pos: np.ndarray  # column in net.idx[i] where the practice sits, -1 if outside the k nearest
    patients: np.ndarray
    pcn: np.ndarray  # PCN index (-1 for U)
    dropped: dict


def observed(net: Network, practices: pd.DataFrame, registrations: pd.DataFrame) -> Observed:
    for c in ("lsoa", "practice", "patients"):
        if c not in registrations.columns:
            raise ValueError(f"registrations lack column {c!r}; expected lsoa, practice, patients")
    reg = registrations[["lsoa", "practice", "patients"]].copy()
    reg["patients"] = pd.to_numeric(reg["patients"], errors="coerce").fillna(0)
    li = pd.Series(np.arange(len(net.lsoa_codes)), index=pd.Index(net.lsoa_codes))
    pj = pd.Series(
        np.arange(len(practices)), index=pd.Index(np.asarray(practices["code"].astype(object)))
    )
    i = reg["lsoa"].astype(object).map(li)
    j = reg["practice"].astype(object).map(pj)
    ok = i.notna() & j.notna() & (reg["patients"] > 0)
    dropped = {
        "rows_unknown_lsoa": int(i.isna().sum()),
        "rows_unknown_practice": int(j.isna().sum()),
        "patients_dropped": float(reg.loc[~ok, "patients"].clip(lower=0).sum()),
    }
    reg = reg[ok.to_numpy()]
    i = i[ok].to_numpy(dtype=np.int64)
    j = j[ok].to_numpy(dtype=np.int64)
    # aggregate duplicates
    key = i * (len(practices) + 1) + j
    uk, inv = np.unique(key, return_inverse=True)
    pat = np.bincount(inv, weights=reg["patients"].to_numpy(dtype=float), minlength=len(uk))
    i, j = uk // (len(practices) + 1), uk % (len(practices) + 1)
    # position of the practice among the LSOA's k nearest located practices
    loc = located(practices)
    full_to_net = np.full(len(practices), -1, dtype=np.int64)
    full_to_net[np.flatnonzero(loc)] = np.arange(loc.sum())
    jn = full_to_net[j]
    hit = net.idx[i] == jn[:, None]
    pos = np.where(hit.any(axis=1) & (jn >= 0), np.argmax(hit, axis=1), -1)
    pcn_pos = {c: n for n, c in enumerate(net.pcn_codes)}
    prac_pcn = np.array(
        [pcn_pos.get(p, -1) for p in np.asarray(practices["pcn"].astype(object))], dtype=np.int64
    )
    return Observed(i, j, pos, pat, prac_pcn[j], dropped)


def subset(r: Observed, mask: np.ndarray) -> Observed:
    return Observed(
        r.i[mask], r.j_full[mask], r.pos[mask], r.patients[mask], r.pcn[mask], r.dropped
    )


def agree(major: np.ndarray, r: Observed) -> float:
    """Share of real patients (at PCN practices) whose LSOA's majority PCN is their practice's
    PCN."""
    a = r.pcn >= 0
    tot = r.patients[a].sum()
    return float((r.patients[a] * (major[r.i[a]] == r.pcn[a])).sum() / tot) if tot else float("nan")


def core_mask(net: Network, r: Observed, threshold: float) -> np.ndarray:
    """Rows of LSOAs where the real file holds at least ``threshold`` of the LSOA's expected
    registered population (residents × κ): the covered area's interior, where the real majority is
    reliable."""
    tot = np.bincount(r.i, weights=r.patients, minlength=len(net.origin))
    return (tot / net.origin)[r.i] >= threshold


def share_agreement(net: Network, P: np.ndarray, r: Observed) -> float:
    """Σ_i X_i Σ_p min(ŝ_ip, s_ip) / Σ_i X_i over LSOAs with real data, where s are the real PCN
    shares among the PCNs the real file covers and ŝ the predicted shares renormalised over the
    same PCNs (so border LSOAs, whose other practices are not in the file, compare like with
    like)."""
    a = r.pcn >= 0
    n = len(net.origin)
    npcn = len(net.pcn_codes)
    ri, rp, rs = pcn_sums(r.i[a], r.pcn[a], r.patients[a], npcn)
    covered = np.zeros(npcn, dtype=bool)
    covered[np.unique(r.pcn[a])] = True
    k = P.shape[1]
    pc = net.prac_pcn_idx[net.idx].ravel()
    ii = np.repeat(np.arange(n), k)
    sel = (pc >= 0) & np.isin(ii, np.unique(ri))
    sel[sel] = covered[pc[sel]]
    pi, pp, ps = pcn_sums(ii[sel], pc[sel], P.ravel()[sel], npcn)
    tot_r = np.bincount(ri, weights=rs, minlength=n)
    tot_p = np.bincount(pi, weights=ps, minlength=n)
    real = pd.Series(rs / tot_r[ri], index=ri * (npcn + 1) + rp)
    pred = pd.Series(
        np.where(tot_p[pi] > 0, ps / np.where(tot_p[pi] > 0, tot_p[pi], 1), 0.0),
        index=pi * (npcn + 1) + pp,
    )
    both = pd.concat([real.rename("r"), pred.rename("p")], axis=1).fillna(0.0)
    lsoa = both.index.to_numpy() // (npcn + 1)
    m = np.minimum(both["r"].to_numpy(), both["p"].to_numpy())
    per_lsoa = np.bincount(lsoa, weights=m, minlength=n)
    return float((per_lsoa * tot_r).sum() / tot_r.sum())
