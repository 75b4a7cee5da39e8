"""The spatial interaction model: who registers where, summed to PCNs, and two simple baselines."""

from __future__ import annotations

import numpy as np

from ics_maps.atlas.catchments._network import Network
from ics_maps.atlas.catchments._params import ModelParams


def logits(net: Network, p: ModelParams, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
    d = net.dist[rows]
    de = np.sqrt(d * d + p.d0_km**2)
    out = p.alpha * np.log(net.size[net.idx[rows]]) - p.gamma * np.log(de) - p.beta * d
    if net.cross is not None and p.zone_penalty:
        out -= p.zone_penalty * net.cross[rows]
    return out


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    w = np.exp(z)
    return w / w.sum(axis=1, keepdims=True)


def model_probs(net: Network, p: ModelParams) -> tuple[np.ndarray, dict]:
    """P[i, c]: probability that LSOA i's patients register at its c-th nearest practice."""
    W = softmax(logits(net, p))
    diag: dict = {"constrained": bool(p.constrained)}
    m = len(net.size)
    reach = np.bincount(net.idx.ravel(), minlength=m) > 0
    diag["practices_unreached"] = int((~reach).sum())
    if not p.constrained:
        col = np.bincount(net.idx.ravel(), weights=(W * net.origin[:, None]).ravel(), minlength=m)
        diag["practice_total_within_10pct"] = float(
            np.mean(np.abs(col[reach] / net.size[reach] - 1) < 0.1)
        )
        return W, diag
    target = net.size * reach  # unreachable practices cannot take anyone
    B = np.ones(m)
    ratio = np.ones(m)
    it = 0
    for it in range(1, p.ipf_iterations + 1):  # noqa: B007 - it is reported after the loop
        WB = W * B[net.idx]
        A = net.origin / WB.sum(axis=1)
        col = np.bincount(net.idx.ravel(), weights=(WB * A[:, None]).ravel(), minlength=m)
        ratio = np.where(col > 0, target / np.where(col > 0, col, 1), 1.0)
        if np.max(np.abs(ratio[reach] - 1)) < p.ipf_tolerance:
            break
        B *= ratio
        B /= np.exp(np.mean(np.log(B[reach])))  # geometric mean 1: the clip bounds stay put
        np.clip(B, 1 / p.ipf_clip, p.ipf_clip, out=B)
    WB = W * B[net.idx]
    P = WB / WB.sum(axis=1, keepdims=True)
    col = np.bincount(net.idx.ravel(), weights=(P * net.origin[:, None]).ravel(), minlength=m)
    diag.update(
        ipf_iterations=it,
        practice_total_within_10pct=float(np.mean(np.abs(col[reach] / net.size[reach] - 1) < 0.1)),
        practices_at_clip=int(
            np.sum(reach & ((B <= 1.0001 / p.ipf_clip) | (B >= p.ipf_clip / 1.0001)))
        ),
    )
    return P, diag


def pcn_sums(i: np.ndarray, pcn: np.ndarray, w: np.ndarray, npcn: int):
    """Sum weights per (i, pcn), U (pcn < 0) excluded; returns sorted unique (i, pcn, sum)."""
    keep = pcn >= 0
    key = i[keep].astype(np.int64) * (npcn + 1) + pcn[keep]
    uk, inv = np.unique(key, return_inverse=True)
    s = np.bincount(inv, weights=w[keep], minlength=len(uk))
    return uk // (npcn + 1), uk % (npcn + 1), s


def majority(i_u, p_u, s, n: int) -> np.ndarray:
    """Majority PCN index per LSOA (-1 where none); ties go to the lower PCN code."""
    order = np.lexsort((p_u, -s, i_u))
    first = np.r_[True, i_u[order][1:] != i_u[order][:-1]]
    out = np.full(n, -1, dtype=np.int64)
    out[i_u[order][first]] = p_u[order][first]
    return out


def majority_from_probs(net: Network, P: np.ndarray) -> np.ndarray:
    n, k = P.shape
    i = np.repeat(np.arange(n), k)
    return majority(
        *pcn_sums(i, net.prac_pcn_idx[net.idx].ravel(), P.ravel(), len(net.pcn_codes)), n
    )


def baseline_nearest(net: Network) -> np.ndarray:
    """PCN of the nearest practice that belongs to a PCN."""
    pc = net.prac_pcn_idx[net.idx]
    ok = pc >= 0
    first = np.argmax(ok, axis=1)
    out = pc[np.arange(len(pc)), first]
    out[~ok.any(axis=1)] = -1
    return out


def baseline_gravity(net: Network, floor_km: float = 0.2) -> np.ndarray:
    """PCN of the practice with the largest list_size / distance² (distance floored at 200 m)."""
    pc = net.prac_pcn_idx[net.idx]
    g = net.size[net.idx] / np.maximum(net.dist, floor_km) ** 2
    g = np.where(pc >= 0, g, -1.0)
    out = pc[np.arange(len(pc)), np.argmax(g, axis=1)]
    out[(pc < 0).all(axis=1)] = -1
    return out
