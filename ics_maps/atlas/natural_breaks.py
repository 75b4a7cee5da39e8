"""Colour classes with mapclassify, kept apart so the build can compute them without folium."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd


def class_bins(values, k: int = 5, scheme: str = "FisherJenks") -> list[float]:
    """Upper bounds of ``k`` mapclassify classes of ``values``.

    mapclassify (with scipy.stats and scikit-learn) takes ~0.9 s to import, so it is imported here,
    on first use, not when the app starts.
    """
    import mapclassify

    v = pd.to_numeric(pd.Series(values), errors="coerce").dropna().to_numpy(dtype=float)
    k_eff = max(1, min(int(k), len(np.unique(v))))
    if k_eff < 2:
        return [float(v.max())] if len(v) else []
    with (
        warnings.catch_warnings()
    ):  # "Numba not installed": the pure-Python path is fast enough here
        warnings.simplefilter("ignore", UserWarning)
        return [float(b) for b in mapclassify.classify(v, scheme=scheme, k=k_eff).bins]
