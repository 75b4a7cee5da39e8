"""The model's parameters and the catchments it produces (the shapes every step shares)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

UNALLOCATED = "U"  # NHS England's PCN code for a practice in no PCN
CATCHMENT_METHODS = ("registrations", "modelled")  # how a PCN's catchment was made


@dataclass
class ModelParams:
    """Spatial interaction model parameters (defaults: fitted on Staffordshire & Stoke-on-Trent,
    October 2025 registrations, with the sub-ICB zone term) and fit diagnostics."""

    alpha: float = 0.99  # list-size exponent (absorbed by IPF when doubly constrained)
    beta: float = 0.48  # exponential distance decay, per km
    gamma: float = 0.91  # power distance decay
    d0_km: float = 0.36  # distance floor: d = sqrt(dist² + d0²)
    zone_penalty: float = 1.23  # log-penalty for a practice in another zone (sub-ICB location)
    k: int = 30  # nearest practices considered per LSOA
    constrained: bool = True  # doubly constrained by IPF (else production-constrained Huff)
    ipf_iterations: int = 30
    ipf_tolerance: float = 0.01  # stop early when every practice is within 1% of its list size
    ipf_clip: float = 20.0  # balancing factors bounded to [1/clip, clip] (geometric mean 1)
    min_share: float = 0.001  # modelled (lsoa, pcn) rows below this share are pruned
    zone_col: str = "sicbl"  # zone term: used when lsoa and practices both carry this column
    kappa_col: str = "icb"  # registered-per-resident ratio by this group when both carry it
    # --- fit diagnostics (filled by fit_model / build_catchments)
    fitted: bool = False
    fit_rows: int = 0
    fit_lsoas: int = 0
    fit_patients: int = 0
    fit_patients_outside_k: float | None = None  # share of fit patients beyond the k nearest
    loglik_per_patient: float | None = None  # conditional multinomial log-likelihood
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
      rows), ``patients``, ``n_lsoa`` (LSOAs with a share), ``n_majority`` (LSOAs it is the majority
      of).
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
