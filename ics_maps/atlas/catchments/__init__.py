"""PCN catchments: which PCN each LSOA's residents are registered with.

A PCN has no official boundary: it *is* its member practices' registered patients. So:

* **Where practice × LSOA registrations exist** (NHS England's "Patients Registered at a GP Practice
  — LSOA" file; the mirror holds one ICB of it), a PCN's patients in an LSOA are its practices' real
  registered patients there, and each LSOA goes to the PCN most of its registered residents use
  (the method of Beaney et al., BJGP Open 2022).
* **Everywhere else** the flows are *modelled* by a spatial interaction (Huff-type) model:

  ``P(LSOA i registers at practice j) ∝ list_size_j^alpha · d_ij^-gamma · exp(-beta·d_ij) ·
  exp(-zone·[zone_i ≠ zone_j])``

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

Limits: straight-line distances; one point per practice (branch surgeries are not known); list sizes
and practice→PCN map from different months; the model is fitted on one ICB (urban Stoke and rural
Staffordshire) and applied to all England (London's density and digital-first practices such as GP
at Hand, whose patients live far away, are not like Staffordshire); the doubly constrained IPF
bounds each practice's balancing factor (``ipf_clip``) so very large lists cannot swamp their
neighbourhood.
"""

from ics_maps.atlas.catchments._assemble import build_catchments
from ics_maps.atlas.catchments._fitting import fit_model
from ics_maps.atlas.catchments._footprints import pcn_footprints
from ics_maps.atlas.catchments._params import (
    CATCHMENT_METHODS,
    UNALLOCATED,
    Catchments,
    ModelParams,
)
from ics_maps.atlas.catchments._validation import agreement, cross_validate, flow_agreement

__all__ = [
    "CATCHMENT_METHODS",
    "UNALLOCATED",
    "Catchments",
    "ModelParams",
    "agreement",
    "build_catchments",
    "cross_validate",
    "fit_model",
    "flow_agreement",
    "pcn_footprints",
]
