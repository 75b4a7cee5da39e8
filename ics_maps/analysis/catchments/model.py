"""PCN catchments: which PCN each LSOA's residents are registered with.

A PCN has no official boundary: it *is* its member practices' registered patients. So:

* **Where practice × LSOA registrations exist** (NHS England's "Patients Registered at a GP Practice
  — LSOA" file; the mirror holds one ICB of it), a PCN's patients in an LSOA are its practices' real
  registered patients there, and each LSOA goes to the PCN most of its registered residents use
  (the method of Beaney et al., BJGP Open 2022).
* **Everywhere else** the flows are *modelled* by a spatial interaction (Huff-type) model:

  ``P(LSOA i registers at practice j) ∝ list_size_j^alpha · d_ij^-gamma · exp(-beta·d_ij) · exp(-zone·[zone_i ≠ zone_j])``

  over the ``k`` nearest located practices of each LSOA, with ``d_ij = sqrt(dist² + d0²)`` the
  straight-line km from the LSOA's representative point to the practice (``d0`` keeps a practice
  inside the LSOA from taking everything) and a penalty for a practice in another zone (the sub-ICB
  location, when both tables carry a ``sicbl`` column: on the Staffordshire sample it is the term
  that lifts the model clearly above the nearest-practice baseline). By default the model is
  *doubly constrained*: iterative proportional fitting (IPF) makes every LSOA send ``residents × κ``
  patients (κ = registered patients per resident, per ICB when both tables carry ``icb``, else
  national; lists exceed residents by ~13% nationally and by up to ~39% in London) and every
  practice receive about its list size. The balancing is partial on purpose: a fixed number of
  iterations with each practice's balancing factor bounded (``ipf_clip``), because with the ``k``
  nearest practices exact balance is infeasible in places (central London lists far exceed nearby
  residents) and would need absurd factors. The parameters are fitted by maximum likelihood on the
  real registrations (see :func:`fit_model`).

**Mixing** real and modelled flows (what :func:`build_catchments` does): the model is run for all
of England; then every practice that has real registration rows has its modelled flows *replaced*
by its real flows. Both are counts of registered patients, so no rescaling is needed (the real
file is October 2025, list sizes April 2025: about 6 months of list growth apart). Shares are then
recomputed per LSOA. Consequences, by design:

* deep inside the covered area the model gives non-covered practices almost nothing, so shares are
  the real ones;
* on the covered area's border an LSOA's shares combine real flows to covered practices with
  *modelled* flows to the neighbouring, uncovered practices (the real file cannot say how many of
  the LSOA's residents use those). ``Catchments.lsoa_real_share`` says how much of each LSOA's
  attributed patients is real;
* with the national file every practice is covered and the model plays no part in the shares.

**Unallocated practices** (PCN code ``U``) compete for patients like any practice, but their flows
are then dropped and each LSOA's remaining shares renormalised to sum to 1 over real PCNs: the
share is "of the LSOA's residents registered with a PCN practice". No PCN called ``U`` is created.

**Modelled rows below ``ModelParams.min_share``** (0.1% of an LSOA) are pruned before the shares
are computed (real rows are all kept).

**Footprints** (:func:`pcn_footprints`) dissolve LSOAs by their majority PCN: indicative polygons.
A PCN that is the majority nowhere (common for small PCNs in cities) has a catchment in
``pcn_lsoa`` but no footprint; so has a PCN whose practices all lack a location and real data.

Limits: straight-line distances; one point per practice (branch surgeries are not known); list
sizes and practice→PCN map from different months; the model is fitted on one ICB (urban Stoke and
rural Staffordshire) and applied to all England (London's density and digital-first practices
such as GP at Hand, whose patients live far away, are not like Staffordshire); the doubly
constrained IPF bounds each practice's balancing factor (``ipf_clip``) so very large lists cannot
swamp their neighbourhood.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.optimize import minimize
from scipy.spatial import cKDTree

BNG = "EPSG:27700"
UNALLOCATED = "U"
METHODS = ("registrations", "modelled")
_EPS_PROB = 1e-6  # probability floor for real flows outside the model's k nearest practices


@dataclass
class ModelParams:
    """Spatial interaction model parameters (defaults: fitted on Staffordshire & Stoke-on-Trent,
    October 2025 registrations, with the sub-ICB zone term) and fit diagnostics."""

    alpha: float = 0.99         # list-size exponent (absorbed by IPF when doubly constrained)
    beta: float = 0.48          # exponential distance decay, per km
    gamma: float = 0.91         # power distance decay
    d0_km: float = 0.36         # distance floor: d = sqrt(dist² + d0²)
    zone_penalty: float = 1.23  # log-penalty for a practice in another zone (sub-ICB location)
    k: int = 30                 # nearest practices considered per LSOA
    constrained: bool = True    # doubly constrained by IPF (else production-constrained Huff)
    ipf_iterations: int = 30
    ipf_tolerance: float = 0.01  # stop early when every practice is within 1% of its list size
    ipf_clip: float = 20.0      # balancing factors bounded to [1/clip, clip] (geometric mean 1)
    min_share: float = 0.001    # modelled (lsoa, pcn) rows below this share are pruned
    zone_col: str = "sicbl"     # zone term: used when lsoa and practices both carry this column
    kappa_col: str = "icb"      # registered-per-resident ratio by this group when both carry it
    # --- fit diagnostics (filled by fit_model / build_catchments)
    fitted: bool = False
    fit_rows: int = 0
    fit_lsoas: int = 0
    fit_patients: int = 0
    fit_patients_outside_k: float | None = None   # share of fit patients beyond the k nearest
    loglik_per_patient: float | None = None       # conditional multinomial log-likelihood
    agreement_in_sample: float | None = None
    fit_seconds: float | None = None
    zone_used: bool | None = None
    note: str = ""

    def to_dict(self) -> dict:
        return {k: (float(v) if isinstance(v, np.floating) else v) for k, v in asdict(self).items()}


@dataclass
class Catchments:
    """PCN × LSOA shares, each PCN's method, each LSOA's majority PCN and the model used.

    * ``pcn_lsoa``: ``pcn, lsoa, patients, share, method``. ``patients``: real (registrations) or
      modelled registered patients of the LSOA at the PCN's practices; ``share``: of the LSOA's
      residents registered with a PCN practice (sums to 1 per LSOA); ``method``: the PCN's method.
    * ``pcn_method``: one row per PCN of the practice table: ``method`` is "registrations" (every
      member practice has real rows), "modelled", or "none" (no located practice and no real rows:
      no catchment); ``agreement``: for PCNs with real rows, the share of their real patients whose
      LSOA the *pure model* gives to them (in-sample: the fit saw these rows; the out-of-sample
      figure is :func:`cross_validate`'s); ``n_practices, n_located, n_real`` (practices with real
      rows), ``patients``, ``n_lsoa`` (LSOAs with a share), ``n_majority`` (LSOAs it is the majority of).
    * ``lsoa_pcn``: LSOA code → majority PCN (ties to the lower code).
    * ``lsoa_real_share``: LSOA code → share of its attributed patients that come from real rows.
    * ``report``: counts, model diagnostics and timings (JSON-able).
    """

    pcn_lsoa: pd.DataFrame
    pcn_method: pd.DataFrame
    lsoa_pcn: pd.Series
    model: ModelParams
    lsoa_real_share: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    report: dict = field(default_factory=dict)

    @property
    def model_report(self) -> dict:
        return {"params": self.model.to_dict(), **self.report}


# ---------------------------------------------------------------------------- the network

@dataclass
class _Net:
    """LSOAs × their k nearest located practices, as dense (n, k) arrays."""

    lsoa_codes: np.ndarray      # (n,) object
    xy: np.ndarray              # (n, 2) representative points, metres
    residents: np.ndarray       # (n,) float
    origin: np.ndarray          # (n,) modelled registered patients = residents × kappa
    kappa: float
    prac_codes: np.ndarray      # (m,) located practices
    prac_pcn: np.ndarray        # (m,) object
    size: np.ndarray            # (m,) list size (imputed where missing), >= 1
    idx: np.ndarray             # (n, k) practice index
    dist: np.ndarray            # (n, k) km
    cross: np.ndarray | None    # (n, k) bool: practice in another zone
    pcn_codes: np.ndarray       # sorted allocated PCN codes (U excluded)
    prac_pcn_idx: np.ndarray    # (m,) index into pcn_codes, -1 for U
    imputed_sizes: int = 0


def _located(practices: gpd.GeoDataFrame) -> np.ndarray:
    geom = practices.geometry
    missing = geom.isna().to_numpy()
    ok = ~missing
    if ok.any():
        ok[ok] = ~geom[ok].is_empty.to_numpy()
    return ok


def _sizes(practices: pd.DataFrame) -> tuple[np.ndarray, int]:
    """List sizes with missing ones imputed: the median of the PCN's other practices, else national."""
    s = pd.to_numeric(practices["list_size"], errors="coerce").astype("float64")
    missing = s.isna()
    if missing.any():
        pcn = practices["pcn"].astype(object)
        by_pcn = s.groupby(pcn).median()
        fill = pcn.map(by_pcn).where(pcn != UNALLOCATED)
        med = float(s.median()) if s.notna().any() else 5000.0
        s = s.fillna(fill).fillna(med)
    return np.maximum(s.to_numpy(dtype=float), 1.0), int(missing.sum())


def _network(lsoa: gpd.GeoDataFrame, practices: gpd.GeoDataFrame, params: ModelParams) -> _Net:
    _check_inputs(lsoa, practices)
    pts = lsoa.geometry.representative_point()
    xy = np.c_[pts.x.to_numpy(), pts.y.to_numpy()]
    residents = pd.to_numeric(lsoa["residents"], errors="coerce").fillna(0).to_numpy(dtype=float)
    sizes, n_imputed = _sizes(practices)
    loc = _located(practices)
    if not loc.any():
        raise ValueError("no practice has a location: cannot model catchments")
    pl = practices[loc]
    P = np.c_[pl.geometry.x.to_numpy(), pl.geometry.y.to_numpy()]
    k = int(min(params.k, len(pl)))
    dist, idx = cKDTree(P).query(xy, k=k)
    if k == 1:
        dist, idx = dist[:, None], idx[:, None]
    size = sizes[loc]
    kappa = float(size.sum() / residents.sum()) if residents.sum() > 0 else 1.0
    # Registered patients per resident differ by area (London lists are inflated by people who
    # have moved on): κ per group (the ICB) where both tables carry the column, else national.
    k_by = np.full(len(residents), kappa)
    kc = params.kappa_col
    if kc and kc in lsoa.columns and kc in practices.columns and lsoa[kc].notna().any():
        lg = lsoa[kc].astype(object)
        per = pd.Series(size, index=pl.index).groupby(pl[kc].astype(object)).sum() / \
            pd.Series(residents, index=lsoa.index).groupby(lg).sum()
        per = per[np.isfinite(per) & (per > 0)]
        k_by = lg.map(per).fillna(kappa).to_numpy(dtype=float, copy=True)
        k_by *= (size.sum() / (residents * k_by).sum()) if (residents * k_by).sum() > 0 else 1.0
    # A floor keeps shares defined for an LSOA with no residents (its patients are ~0).
    origin = np.maximum(residents, 1e-9) * k_by
    cross = None
    zc = params.zone_col
    if zc and zc in lsoa.columns and zc in practices.columns:
        lz = np.asarray(lsoa[zc].astype(object).where(lsoa[zc].notna(), None), dtype=object)
        pz = np.asarray(pl[zc].astype(object).where(pl[zc].notna(), None), dtype=object)
        if any(v is not None for v in lz) and any(v is not None for v in pz):
            pzk = pz[idx]
            known = (lz[:, None] != None) & (pzk != None)  # noqa: E711 (elementwise)
            cross = known & (lz[:, None] != pzk)
    pcn = np.asarray(pl["pcn"].astype(object), dtype=object)
    allocated = np.asarray(practices["pcn"].astype(object), dtype=object)
    pcn_codes = np.array(sorted({p for p in allocated if isinstance(p, str) and p != UNALLOCATED}), dtype=object)
    pos = {c: i for i, c in enumerate(pcn_codes)}
    prac_pcn_idx = np.array([pos.get(p, -1) for p in pcn], dtype=np.int64)
    return _Net(np.asarray(lsoa["code"].astype(object), dtype=object), xy, residents, origin, kappa,
                np.asarray(pl["code"].astype(object), dtype=object), pcn, size, idx, dist / 1000.0, cross,
                pcn_codes, prac_pcn_idx, n_imputed)


def _check_inputs(lsoa, practices) -> None:
    for name, df, cols in (("lsoa", lsoa, ("code", "residents", "geometry")),
                           ("practices", practices, ("code", "pcn", "list_size", "geometry"))):
        missing = [c for c in cols if c not in df.columns]
        if missing:
            raise ValueError(f"{name} lacks column(s) {missing}; has {list(df.columns)}")
    for name, df in (("lsoa", lsoa), ("practices", practices)):
        if df.crs is not None and df.crs.to_epsg() != 27700:
            raise ValueError(f"{name} must be in EPSG:27700 (British National Grid), got {df.crs}")
        if df["code"].duplicated().any():
            raise ValueError(f"{name} has duplicate codes: {df.loc[df['code'].duplicated(), 'code'].head(3).tolist()}")


def _logits(net: _Net, p: ModelParams, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
    d = net.dist[rows]
    de = np.sqrt(d * d + p.d0_km ** 2)
    out = p.alpha * np.log(net.size[net.idx[rows]]) - p.gamma * np.log(de) - p.beta * d
    if net.cross is not None and p.zone_penalty:
        out -= p.zone_penalty * net.cross[rows]
    return out


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    w = np.exp(z)
    return w / w.sum(axis=1, keepdims=True)


def _model_probs(net: _Net, p: ModelParams) -> tuple[np.ndarray, dict]:
    """P[i, c]: probability that LSOA i's patients register at its c-th nearest practice."""
    W = _softmax(_logits(net, p))
    diag: dict = {"constrained": bool(p.constrained)}
    m = len(net.size)
    reach = np.bincount(net.idx.ravel(), minlength=m) > 0
    diag["practices_unreached"] = int((~reach).sum())
    if not p.constrained:
        col = np.bincount(net.idx.ravel(), weights=(W * net.origin[:, None]).ravel(), minlength=m)
        diag["practice_total_within_10pct"] = float(np.mean(np.abs(col[reach] / net.size[reach] - 1) < 0.1))
        return W, diag
    target = net.size * reach  # unreachable practices cannot take anyone
    B = np.ones(m)
    ratio = np.ones(m)
    it = 0
    for it in range(1, p.ipf_iterations + 1):
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
    diag.update(ipf_iterations=it, practice_total_within_10pct=float(np.mean(np.abs(col[reach] / net.size[reach] - 1) < 0.1)),
                practices_at_clip=int(np.sum(reach & ((B <= 1.0001 / p.ipf_clip) | (B >= p.ipf_clip / 1.0001)))))
    return P, diag


# ---------------------------------------------------------------------------- PCN sums and majorities

def _pcn_sums(i: np.ndarray, pcn: np.ndarray, w: np.ndarray, npcn: int):
    """Sum weights per (i, pcn), U (pcn < 0) excluded; returns sorted unique (i, pcn, sum)."""
    keep = pcn >= 0
    key = i[keep].astype(np.int64) * (npcn + 1) + pcn[keep]
    uk, inv = np.unique(key, return_inverse=True)
    s = np.bincount(inv, weights=w[keep], minlength=len(uk))
    return uk // (npcn + 1), uk % (npcn + 1), s


def _majority(i_u, p_u, s, n: int) -> np.ndarray:
    """Majority PCN index per LSOA (-1 where none); ties go to the lower PCN code."""
    order = np.lexsort((p_u, -s, i_u))
    first = np.r_[True, i_u[order][1:] != i_u[order][:-1]]
    out = np.full(n, -1, dtype=np.int64)
    out[i_u[order][first]] = p_u[order][first]
    return out


def _majority_from_probs(net: _Net, P: np.ndarray) -> np.ndarray:
    n, k = P.shape
    i = np.repeat(np.arange(n), k)
    return _majority(*_pcn_sums(i, net.prac_pcn_idx[net.idx].ravel(), P.ravel(), len(net.pcn_codes)), n)


def _baseline_nearest(net: _Net) -> np.ndarray:
    """PCN of the nearest practice that belongs to a PCN."""
    pc = net.prac_pcn_idx[net.idx]
    ok = pc >= 0
    first = np.argmax(ok, axis=1)
    out = pc[np.arange(len(pc)), first]
    out[~ok.any(axis=1)] = -1
    return out


def _baseline_gravity(net: _Net, floor_km: float = 0.2) -> np.ndarray:
    """PCN of the practice with the largest list_size / distance² (distance floored at 200 m)."""
    pc = net.prac_pcn_idx[net.idx]
    g = net.size[net.idx] / np.maximum(net.dist, floor_km) ** 2
    g = np.where(pc >= 0, g, -1.0)
    out = pc[np.arange(len(pc)), np.argmax(g, axis=1)]
    out[(pc < 0).all(axis=1)] = -1
    return out


# ---------------------------------------------------------------------------- real registrations

@dataclass
class _Real:
    i: np.ndarray           # LSOA index into net
    j_full: np.ndarray      # practice index into the full practices table
    pos: np.ndarray         # column in net.idx[i] where the practice sits, -1 if outside the k nearest
    patients: np.ndarray
    pcn: np.ndarray         # PCN index (-1 for U)
    dropped: dict


def _real(net: _Net, practices: pd.DataFrame, registrations: pd.DataFrame) -> _Real:
    for c in ("lsoa", "practice", "patients"):
        if c not in registrations.columns:
            raise ValueError(f"registrations lack column {c!r}; expected lsoa, practice, patients")
    reg = registrations[["lsoa", "practice", "patients"]].copy()
    reg["patients"] = pd.to_numeric(reg["patients"], errors="coerce").fillna(0)
    li = pd.Series(np.arange(len(net.lsoa_codes)), index=pd.Index(net.lsoa_codes))
    pj = pd.Series(np.arange(len(practices)), index=pd.Index(np.asarray(practices["code"].astype(object))))
    i = reg["lsoa"].astype(object).map(li)
    j = reg["practice"].astype(object).map(pj)
    ok = i.notna() & j.notna() & (reg["patients"] > 0)
    dropped = {"rows_unknown_lsoa": int(i.isna().sum()), "rows_unknown_practice": int(j.isna().sum()),
               "patients_dropped": float(reg.loc[~ok, "patients"].clip(lower=0).sum())}
    reg = reg[ok.to_numpy()]
    i = i[ok].to_numpy(dtype=np.int64)
    j = j[ok].to_numpy(dtype=np.int64)
    # aggregate duplicates
    key = i * (len(practices) + 1) + j
    uk, inv = np.unique(key, return_inverse=True)
    pat = np.bincount(inv, weights=reg["patients"].to_numpy(dtype=float), minlength=len(uk))
    i, j = uk // (len(practices) + 1), uk % (len(practices) + 1)
    # position of the practice among the LSOA's k nearest located practices
    loc = _located(practices)
    full_to_net = np.full(len(practices), -1, dtype=np.int64)
    full_to_net[np.flatnonzero(loc)] = np.arange(loc.sum())
    jn = full_to_net[j]
    hit = net.idx[i] == jn[:, None]
    pos = np.where(hit.any(axis=1) & (jn >= 0), np.argmax(hit, axis=1), -1)
    pcn_pos = {c: n for n, c in enumerate(net.pcn_codes)}
    prac_pcn = np.array([pcn_pos.get(p, -1) for p in np.asarray(practices["pcn"].astype(object))], dtype=np.int64)
    return _Real(i, j, pos, pat, prac_pcn[j], dropped)


def _subset(r: _Real, mask: np.ndarray) -> _Real:
    return _Real(r.i[mask], r.j_full[mask], r.pos[mask], r.patients[mask], r.pcn[mask], r.dropped)


def _agree(major: np.ndarray, r: _Real) -> float:
    """Share of real patients (at PCN practices) whose LSOA's majority PCN is their practice's PCN."""
    a = r.pcn >= 0
    tot = r.patients[a].sum()
    return float((r.patients[a] * (major[r.i[a]] == r.pcn[a])).sum() / tot) if tot else float("nan")


def _core_mask(net: _Net, r: _Real, threshold: float) -> np.ndarray:
    """Rows of LSOAs where the real file holds at least ``threshold`` of the LSOA's expected registered
    population (residents × κ): the covered area's interior, where the real majority is reliable."""
    tot = np.bincount(r.i, weights=r.patients, minlength=len(net.origin))
    return (tot / net.origin)[r.i] >= threshold


def _share_agreement(net: _Net, P: np.ndarray, r: _Real) -> float:
    """Σ_i X_i Σ_p min(ŝ_ip, s_ip) / Σ_i X_i over LSOAs with real data, where s are the real PCN
    shares among the PCNs the real file covers and ŝ the predicted shares renormalised over the
    same PCNs (so border LSOAs, whose other practices are not in the file, compare like with like)."""
    a = r.pcn >= 0
    n = len(net.origin)
    npcn = len(net.pcn_codes)
    ri, rp, rs = _pcn_sums(r.i[a], r.pcn[a], r.patients[a], npcn)
    covered = np.zeros(npcn, dtype=bool)
    covered[np.unique(r.pcn[a])] = True
    k = P.shape[1]
    pc = net.prac_pcn_idx[net.idx].ravel()
    ii = np.repeat(np.arange(n), k)
    sel = (pc >= 0) & np.isin(ii, np.unique(ri))
    sel[sel] = covered[pc[sel]]
    pi, pp, ps = _pcn_sums(ii[sel], pc[sel], P.ravel()[sel], npcn)
    tot_r = np.bincount(ri, weights=rs, minlength=n)
    tot_p = np.bincount(pi, weights=ps, minlength=n)
    real = pd.Series(rs / tot_r[ri], index=ri * (npcn + 1) + rp)
    pred = pd.Series(np.where(tot_p[pi] > 0, ps / np.where(tot_p[pi] > 0, tot_p[pi], 1), 0.0), index=pi * (npcn + 1) + pp)
    both = pd.concat([real.rename("r"), pred.rename("p")], axis=1).fillna(0.0)
    lsoa = both.index.to_numpy() // (npcn + 1)
    m = np.minimum(both["r"].to_numpy(), both["p"].to_numpy())
    per_lsoa = np.bincount(lsoa, weights=m, minlength=n)
    return float((per_lsoa * tot_r).sum() / tot_r.sum())


# ---------------------------------------------------------------------------- fitting

def _fit_arrays(net: _Net, r: _Real, sample_net: np.ndarray, max_lsoas: int, seed: int):
    """The conditional-likelihood data: LSOAs with real rows that have a covered practice among their
    k nearest (others cannot be placed at covered practices by the model at all)."""
    in_s = sample_net[net.idx]                         # (n, k) covered practice?
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


def _cond_loglik(net: _Net, p: ModelParams, rows, in_s, ri, pos, pat) -> float:
    z = _logits(net, p, rows)
    z = np.where(in_s, z, -np.inf)
    zmax = z.max(axis=1, keepdims=True)
    lse = np.log(np.exp(z - zmax).sum(axis=1)) + zmax[:, 0]
    inside = pos >= 0
    ll = np.where(inside, z[ri, np.maximum(pos, 0)] - lse[ri], np.log(_EPS_PROB))
    return float((pat * ll).sum() / pat.sum())


_FIT_BOUNDS = {"alpha": (0.0, 3.0), "beta": (0.0, 5.0), "gamma": (0.0, 4.0), "log_d0": (np.log(0.02), np.log(3.0)),
               "zone_penalty": (-2.0, 6.0)}


def _fit(net: _Net, r: _Real, practices: pd.DataFrame, template: ModelParams, max_lsoas: int = 3000,
         seed: int = 0) -> ModelParams:
    t0 = time.perf_counter()
    loc = _located(practices)
    covered_full = np.zeros(len(practices), dtype=bool)
    covered_full[np.unique(r.j_full)] = True
    sample_net = covered_full[loc]
    rows, in_s, ri, pos, pat = _fit_arrays(net, r, sample_net, max_lsoas, seed)
    p = ModelParams(**{k: v for k, v in asdict(template).items()})
    if len(rows) == 0 or pat.sum() == 0:
        p.note = "no registrations usable for fitting: default parameters kept"
        return p
    zone = net.cross is not None
    names = ["alpha", "beta", "gamma", "log_d0"] + (["zone_penalty"] if zone else [])
    x0 = np.array([template.alpha, template.beta, template.gamma, np.log(template.d0_km)]
                  + ([template.zone_penalty] if zone else []))
    bounds = [_FIT_BOUNDS[n] for n in names]
    x0 = np.clip(x0, [b[0] for b in bounds], [b[1] for b in bounds])

    def params_of(x) -> ModelParams:
        q = ModelParams(**{k: v for k, v in asdict(p).items()})
        q.alpha, q.beta, q.gamma, q.d0_km = float(x[0]), float(x[1]), float(x[2]), float(np.exp(x[3]))
        q.zone_penalty = float(x[4]) if zone else 0.0
        return q

    res = minimize(lambda x: -_cond_loglik(net, params_of(x), rows, in_s, ri, pos, pat), x0, method="Nelder-Mead",
                   bounds=bounds, options={"maxiter": 600, "xatol": 1e-3, "fatol": 1e-7})
    q = params_of(res.x)
    q.fitted = True
    q.zone_used = zone
    q.fit_rows = int(len(pat))
    q.fit_lsoas = int(len(rows))
    q.fit_patients = int(round(pat.sum()))
    q.fit_patients_outside_k = float(pat[pos < 0].sum() / pat.sum())
    q.loglik_per_patient = float(-res.fun)
    q.fit_seconds = round(time.perf_counter() - t0, 3)
    q.note = (f"Huff-type model fitted by conditional maximum likelihood (choice among covered practices) on "
              f"{q.fit_lsoas:,} LSOAs; Nelder-Mead {res.nfev} evaluations"
              + ("; applied doubly constrained (IPF)" if q.constrained else ""))
    return q


def fit_model(lsoa: gpd.GeoDataFrame, practices: gpd.GeoDataFrame, registrations: pd.DataFrame,
              params: ModelParams | None = None, *, max_lsoas: int = 3000, seed: int = 0) -> ModelParams:
    """Fit the spatial interaction model on real practice × LSOA registrations.

    Maximum likelihood of the real patients' choices *conditional on registering at a practice the
    file covers* (among the LSOA's ``k`` nearest): with a Huff model this conditional probability
    does not involve the uncovered practices, so a one-ICB sample fits it without bias from the
    ICB's border. The distance and zone terms are fitted; the fitted values are then used
    doubly constrained when ``params.constrained`` (the IPF absorbs ``alpha``).
    At most ``max_lsoas`` LSOAs (a seeded random subset) are used, to bound the time.
    """
    template = params or ModelParams()
    net = _network(lsoa, practices, template)
    r = _real(net, practices, registrations)
    return _fit(net, r, practices, template, max_lsoas, seed)


# ---------------------------------------------------------------------------- the build

def build_catchments(lsoa: gpd.GeoDataFrame, practices: gpd.GeoDataFrame, registrations: pd.DataFrame | None = None,
                     params: ModelParams | None = None) -> Catchments:
    """PCN × LSOA shares: real registrations where they exist, the fitted model elsewhere.

    ``params=None`` fits the model on ``registrations`` (if any usable), else uses the defaults.
    See the module docstring for how real and modelled flows are mixed.
    """
    t0 = time.perf_counter()
    timings: dict = {}
    template = params or ModelParams()
    practices = practices.reset_index(drop=True)
    lsoa = lsoa.reset_index(drop=True)
    net = _network(lsoa, practices, template)
    timings["network_s"] = time.perf_counter() - t0
    has_real = registrations is not None and len(registrations) > 0
    r = _real(net, practices, registrations) if has_real else None
    if r is not None and len(r.patients) == 0:
        r = None
    if params is None and r is not None:
        t = time.perf_counter()
        model = _fit(net, r, practices, template)
        timings["fit_s"] = time.perf_counter() - t
    else:
        model = ModelParams(**asdict(template))
        model.zone_used = net.cross is not None
        if not model.fitted:
            model.note = model.note or "default parameters (fitted on Staffordshire & Stoke-on-Trent, Oct 2025)"
    t = time.perf_counter()
    P, diag = _model_probs(net, model)
    timings["model_s"] = time.perf_counter() - t
    t = time.perf_counter()
    n, k = P.shape
    npcn = len(net.pcn_codes)
    loc = _located(practices)
    net_to_full = np.flatnonzero(loc)
    real_full = np.zeros(len(practices), dtype=bool)
    if r is not None:
        real_full[np.unique(r.j_full)] = True
        model.agreement_in_sample = _agree(_majority_from_probs(net, P), r)
    # modelled flows of practices without real data, plus real flows
    ii = np.repeat(np.arange(n), k)
    jj = net_to_full[net.idx.ravel()]
    flow = (P * net.origin[:, None]).ravel()
    keep = ~real_full[jj]
    pcn_pos = {c: q for q, c in enumerate(net.pcn_codes)}
    prac_pcn_full = np.array([pcn_pos.get(x, -1) for x in np.asarray(practices["pcn"].astype(object))], dtype=np.int64)
    mi, mp, ms = _pcn_sums(ii[keep], prac_pcn_full[jj[keep]], flow[keep], npcn)
    if r is not None:
        ri, rp, rs = _pcn_sums(r.i, r.pcn, r.patients, npcn)
    else:
        ri = rp = np.empty(0, dtype=np.int64)
        rs = np.empty(0)
    # PCN method: registrations when every member practice has real rows
    members = practices[practices["pcn"].astype(object) != UNALLOCATED]
    n_prac = members.groupby("pcn").size()
    n_real = pd.Series(real_full[members.index.to_numpy()], index=members.index).groupby(members["pcn"]).sum()
    n_loc = pd.Series(loc[members.index.to_numpy()], index=members.index).groupby(members["pcn"]).sum()
    pcn_is_real = (n_real.reindex(net.pcn_codes).fillna(0) == n_prac.reindex(net.pcn_codes)).to_numpy()
    # combine (a PCN with some real practices gets both kinds of flow; it is "modelled")
    df = pd.DataFrame({"i": np.r_[mi, ri], "p": np.r_[mp, rp], "patients": np.r_[ms, rs],
                       "real": np.r_[np.zeros(len(mi), bool), np.ones(len(ri), bool)]})
    df = df.groupby(["i", "p"], as_index=False, sort=True).agg(patients=("patients", "sum"), real=("real", "max"))
    tot = df.groupby("i")["patients"].transform("sum").to_numpy()
    share = df["patients"].to_numpy() / tot
    prune = (~pcn_is_real[df["p"].to_numpy()]) & (share < model.min_share)
    df = df[~prune]
    # LSOAs left without any PCN flow (e.g. only unallocated practices near): nearest PCN practice
    present = np.zeros(n, dtype=bool)
    present[df["i"].to_numpy()] = True
    fallback = np.flatnonzero(~present)
    if len(fallback):
        near = _baseline_nearest(net)[fallback]
        ok = near >= 0
        df = pd.concat([df, pd.DataFrame({"i": fallback[ok], "p": near[ok], "patients": net.origin[fallback[ok]],
                                          "real": False})], ignore_index=True)
    real_pat = (df["patients"] * df["real"]).groupby(df["i"]).sum()
    tot = df.groupby("i")["patients"].transform("sum").to_numpy()
    pcn_codes = net.pcn_codes
    method = np.where(pcn_is_real, "registrations", "modelled")
    pcn_lsoa = pd.DataFrame({
        "pcn": pcn_codes[df["p"].to_numpy()].astype(object), "lsoa": net.lsoa_codes[df["i"].to_numpy()],
        "patients": df["patients"].to_numpy(dtype=float), "share": df["patients"].to_numpy() / tot,
        "method": method[df["p"].to_numpy()]})
    pcn_lsoa = pcn_lsoa.sort_values(["lsoa", "share", "pcn"], ascending=[True, False, True], ignore_index=True)
    lsoa_pcn = pcn_lsoa.drop_duplicates("lsoa").set_index("lsoa")["pcn"].rename("pcn")
    lsoa_pcn.index.name = "lsoa"
    lsoa_real_share = (real_pat / df.groupby("i")["patients"].sum())
    lsoa_real_share.index = net.lsoa_codes[lsoa_real_share.index.to_numpy()]
    timings["assemble_s"] = time.perf_counter() - t
    # per-PCN summary
    agreement_pcn = pd.Series(dtype=float)
    if r is not None:
        major = _majority_from_probs(net, P)
        a = r.pcn >= 0
        okp = pd.Series(r.patients[a] * (major[r.i[a]] == r.pcn[a])).groupby(r.pcn[a]).sum()
        allp = pd.Series(r.patients[a]).groupby(r.pcn[a]).sum()
        agreement_pcn = pd.Series((okp / allp).to_numpy(), index=pcn_codes[allp.index.to_numpy()])
    pm = pd.DataFrame({"pcn": pcn_codes})
    pm["n_practices"] = pm["pcn"].map(n_prac).fillna(0).astype("int64")
    pm["n_located"] = pm["pcn"].map(n_loc).fillna(0).astype("int64")
    pm["n_real"] = pm["pcn"].map(n_real).fillna(0).astype("int64")
    pm["patients"] = pm["pcn"].map(pcn_lsoa.groupby("pcn")["patients"].sum()).fillna(0.0)
    pm["n_lsoa"] = pm["pcn"].map(pcn_lsoa.groupby("pcn").size()).fillna(0).astype("int64")
    pm["n_majority"] = pm["pcn"].map(lsoa_pcn.value_counts()).fillna(0).astype("int64")
    pm["method"] = np.where(pcn_is_real, "registrations", np.where(pm["n_lsoa"] > 0, "modelled", "none"))
    pm["agreement"] = pm["pcn"].map(agreement_pcn).astype(float)
    pm = pm[["pcn", "method", "agreement", "n_practices", "n_located", "n_real", "patients", "n_lsoa", "n_majority"]]
    timings["total_s"] = time.perf_counter() - t0
    report = {
        "lsoas": int(n), "practices": int(len(practices)), "practices_located": int(loc.sum()),
        "practices_with_registrations": int(real_full.sum()), "list_sizes_imputed": net.imputed_sizes,
        "kappa_registered_per_resident": round(net.kappa, 4),
        "kappa_range_by_group": [round(float(np.min(net.origin / np.maximum(net.residents, 1e-9))), 4),
                                 round(float(np.max(net.origin / np.maximum(net.residents, 1e-9))), 4)],
        "pcns": int(npcn), "pcns_by_method": pm["method"].value_counts().to_dict(),
        "pcns_never_majority": int(((pm["n_majority"] == 0) & (pm["n_lsoa"] > 0)).sum()),
        "pcns_without_location_or_registrations": int((pm["method"] == "none").sum()),
        "lsoas_fallback_nearest": int(len(fallback)),
        "registrations_dropped": r.dropped if r is not None else None,
        "model_diagnostics": diag, "timings_s": {k: round(v, 3) for k, v in timings.items()},
        "mixing": "model everywhere; practices with real rows: modelled flows replaced by real; unallocated dropped; "
                  f"modelled rows < {model.min_share:.1%} of an LSOA pruned; shares renormalised per LSOA",
    }
    return Catchments(pcn_lsoa=pcn_lsoa, pcn_method=pm, lsoa_pcn=lsoa_pcn, model=model,
                      lsoa_real_share=lsoa_real_share.rename("real_share"), report=report)


# ---------------------------------------------------------------------------- agreement

def _practice_pcn(practices: pd.DataFrame) -> pd.Series:
    return pd.Series(np.asarray(practices["pcn"].astype(object)), index=np.asarray(practices["code"].astype(object)))


def _as_majority(pred) -> pd.Series:
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
    major = _as_majority(pred_pcn_lsoa)
    ppcn = _practice_pcn(practices)
    reg = real_registrations
    pcn = reg["practice"].astype(object).map(ppcn)
    ok = pcn.notna() & (pcn != UNALLOCATED)
    pat = pd.to_numeric(reg["patients"], errors="coerce").fillna(0)[ok]
    right = (reg.loc[ok, "lsoa"].astype(object).map(major) == pcn[ok]).fillna(False)
    tot = pat.sum()
    return float((pat * right).sum() / tot) if tot else float("nan")


def flow_agreement(pred_pcn_lsoa: pd.DataFrame, real_registrations: pd.DataFrame, practices: pd.DataFrame) -> float:
    """Σ_i X_i Σ_p min(ŝ_ip, s_ip) / Σ_i X_i: how well predicted PCN *shares* match the real ones.

    For each LSOA i with real rows (X_i real patients at PCN practices), s_ip are the real PCN
    shares and ŝ_ip the predicted shares renormalised over the PCNs present in the real file (so an
    LSOA on the file's border is compared only on the PCNs the file covers). 1 = identical shares.
    """
    ppcn = _practice_pcn(practices)
    reg = real_registrations.assign(pcn=real_registrations["practice"].astype(object).map(ppcn))
    reg = reg[reg["pcn"].notna() & (reg["pcn"] != UNALLOCATED)]
    real = reg.groupby(["lsoa", "pcn"])["patients"].sum()
    x = real.groupby(level="lsoa").sum()
    s = real / real.index.get_level_values("lsoa").map(x).to_numpy()
    pred = pred_pcn_lsoa[pred_pcn_lsoa["pcn"].isin(set(reg["pcn"])) & pred_pcn_lsoa["lsoa"].isin(set(x.index))]
    ps = pred.groupby(["lsoa", "pcn"])["share"].sum()
    ps = ps / ps.index.get_level_values("lsoa").map(ps.groupby(level="lsoa").sum()).to_numpy()
    both = pd.concat([s.rename("r"), ps.rename("p")], axis=1).fillna(0.0)
    per = np.minimum(both["r"], both["p"]).groupby(level=0).sum()
    return float((per.reindex(x.index).fillna(0) * x).sum() / x.sum())


# ---------------------------------------------------------------------------- out-of-sample

def _default_groups(net: _Net, r: _Real, practices: pd.DataFrame, params: ModelParams, n_spatial: int = 5) -> np.ndarray:
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
        cover = np.bincount(r.i, weights=r.patients, minlength=len(net.origin))[lsoas] / net.origin[lsoas]
        core = lsoas[cover >= 0.5]  # blocks of the covered area, not of far-flung single patients
        if len(core) < n_spatial:
            core = lsoas
        cent, _ = kmeans2(net.xy[core], min(n_spatial, len(core)), seed=0, minit="++")
        lab = np.argmin(((net.xy[lsoas][:, None, :] - cent[None]) ** 2).sum(-1), axis=1)
        fold_of = pd.Series(lab.astype(str), index=lsoas)
    return fold_of.reindex(r.i).to_numpy()


def cross_validate(lsoa: gpd.GeoDataFrame, practices: gpd.GeoDataFrame, registrations: pd.DataFrame,
                   groups: pd.Series | None = None, params: ModelParams | None = None,
                   core_threshold: float = 0.8, models: tuple[str, ...] = ("model", "huff")) -> dict:
    """Out-of-sample agreement: fit on all folds but one, score on the held-out fold, for each fold.

    ``groups`` maps LSOA code → fold (default: :func:`_default_groups`, the sub-ICB location of the
    practice most of the LSOA's real patients use). Reports, per fold and pooled over folds:
    ``agreement`` (see :func:`agreement`) on every real patient of the fold's LSOAs and on the
    ``core`` LSOAs (real file holds ≥ ``core_threshold`` of residents × κ); ``share`` agreement (see
    :func:`flow_agreement`), for the fitted model applied as configured ("model"), the same fit
    applied unconstrained ("huff"), and the baselines "nearest" (PCN of the nearest PCN practice) and
    "gravity" (PCN of the practice maximising list size / distance²), plus the "ceiling": the real
    majority of the held-out rows themselves (what the Beaney assignment scores).
    """
    template = params or ModelParams()
    t0 = time.perf_counter()
    practices = practices.reset_index(drop=True)
    lsoa = lsoa.reset_index(drop=True)
    net = _network(lsoa, practices, template)
    r = _real(net, practices, registrations)
    if groups is None:
        fold = _default_groups(net, r, practices, template)
    else:
        fold = pd.Series(net.lsoa_codes[r.i]).map(groups).to_numpy()
    fold = np.array([str(f) if pd.notna(f) else None for f in fold], dtype=object)
    core = _core_mask(net, r, core_threshold)
    labels = sorted({f for f in fold if isinstance(f, str)})
    names = list(models) + ["nearest", "gravity", "ceiling"]
    sums = {nm: {"all": [0.0, 0.0], "core": [0.0, 0.0], "share": [0.0, 0.0]} for nm in names}
    folds = []
    base = {"nearest": _baseline_nearest(net), "gravity": _baseline_gravity(net)}
    for f in labels:
        test = fold == f
        tr, te = _subset(r, ~test & (fold != None)), _subset(r, test)  # noqa: E711
        t = time.perf_counter()
        fitted = _fit(net, tr, practices, template)
        fit_s = time.perf_counter() - t
        row = {"fold": f, "test_lsoas": int(len(np.unique(te.i))), "test_patients": int(te.patients.sum()),
               "fit_seconds": round(fit_s, 3), "params": {k: round(getattr(fitted, k), 4) for k in
                                                         ("alpha", "beta", "gamma", "d0_km", "zone_penalty")}}
        preds, probs = {}, {}
        for nm in models:
            q = ModelParams(**asdict(fitted))
            q.constrained = template.constrained if nm == "model" else False
            P, _ = _model_probs(net, q)
            probs[nm] = P
            preds[nm] = _majority_from_probs(net, P)
        preds.update(base)
        rp = pd.DataFrame({"i": te.i, "p": te.pcn, "x": te.patients})
        rp = rp[rp["p"] >= 0].groupby(["i", "p"], as_index=False)["x"].sum()
        preds["ceiling"] = _majority(rp["i"].to_numpy(), rp["p"].to_numpy(), rp["x"].to_numpy(dtype=float), len(net.origin))
        te_core = _subset(te, core[test])
        for nm in names:
            a_all, a_core = _agree(preds[nm], te), _agree(preds[nm], te_core)
            # an all-or-nothing prediction's share agreement is its majority agreement
            sh = _share_agreement(net, probs[nm], te) if nm in probs else a_all
            row[nm] = {"agreement": round(a_all, 4), "agreement_core": round(a_core, 4), "share_agreement": round(sh, 4)}
            wa = te.patients[te.pcn >= 0].sum()
            wc = te_core.patients[te_core.pcn >= 0].sum()
            for key, val, w in (("all", a_all, wa), ("core", a_core, wc), ("share", sh, wa)):
                if w and not np.isnan(val):
                    sums[nm][key][0] += val * w
                    sums[nm][key][1] += w
        folds.append(row)
    overall = {nm: {"agreement": _ratio(sums[nm]["all"]), "agreement_core": _ratio(sums[nm]["core"]),
                    "share_agreement": _ratio(sums[nm]["share"])} for nm in names}
    return {"folds": folds, "overall": overall, "n_folds": len(labels), "core_threshold": core_threshold,
            "test_patients": int(r.patients[fold != None].sum()),  # noqa: E711
            "seconds": round(time.perf_counter() - t0, 2)}


def _ratio(pair) -> float | None:
    return round(float(pair[0] / pair[1]), 4) if pair[1] else None


# ---------------------------------------------------------------------------- footprints

def _dissolve_group(geoms: np.ndarray):
    try:
        u = shapely.coverage_union_all(geoms)
        if u is not None and u.is_valid:
            return u, "coverage"
    except shapely.errors.GEOSException:
        pass
    u = shapely.union_all(geoms)
    if not u.is_valid:
        u = shapely.make_valid(u)
    return u, "union"


def pcn_footprints(lsoa: gpd.GeoDataFrame, lsoa_pcn: pd.Series, pcn_method: pd.DataFrame | None = None) -> gpd.GeoDataFrame:
    """Indicative PCN footprints: LSOAs dissolved by their majority PCN.

    Fast coverage union per PCN (LSOAs tile the country), falling back to a full union where the
    generalised LSOA polygons are not exactly noded. Returns ``code, method, indicative, n_lsoa,
    residents (if lsoa has it), geometry`` in the LSOAs' CRS (EPSG:27700); one row per PCN that is
    the majority PCN of at least one LSOA. ``attrs["dissolve"]`` counts coverage vs fallback unions.
    """
    codes = np.asarray(lsoa["code"].astype(object), dtype=object)
    pcn = pd.Series(codes).map(lsoa_pcn).to_numpy(dtype=object)
    have = pd.notna(pcn)
    geoms = np.asarray(lsoa.geometry.array, dtype=object)[have]
    key = pcn[have].astype(str)
    res = pd.to_numeric(lsoa["residents"], errors="coerce").to_numpy()[have] if "residents" in lsoa.columns else None
    order = np.argsort(key, kind="stable")
    ks = key[order]
    cuts = np.flatnonzero(np.r_[True, ks[1:] != ks[:-1], True])
    out_codes, out_geoms, n_lsoa, resid = [], [], [], []
    counts = {"coverage": 0, "union": 0}
    for a, b in zip(cuts[:-1], cuts[1:]):
        g, how = _dissolve_group(geoms[order[a:b]])
        counts[how] += 1
        out_codes.append(ks[a])
        out_geoms.append(g)
        n_lsoa.append(int(b - a))
        if res is not None:
            resid.append(float(np.nansum(res[order[a:b]])))
    method: dict = {}
    if pcn_method is not None and len(pcn_method):
        method = pcn_method.set_index("pcn")["method"].to_dict()
    out = gpd.GeoDataFrame({"code": out_codes,
                            "method": [method.get(c, "modelled") for c in out_codes],
                            "indicative": True, "n_lsoa": n_lsoa},
                           geometry=gpd.GeoSeries(out_geoms, crs=lsoa.crs).values, crs=lsoa.crs)
    if res is not None:
        out.insert(4, "residents", np.round(resid).astype("int64"))
    out.attrs["dissolve"] = counts
    if pcn_method is not None and len(pcn_method):
        out.attrs["pcns_without_footprint"] = sorted(set(pcn_method["pcn"]) - set(out_codes))
    return out


__all__ = ["ModelParams", "Catchments", "build_catchments", "fit_model", "agreement", "flow_agreement",
           "cross_validate", "pcn_footprints", "METHODS", "UNALLOCATED"]
