"""The ICS designation waves: facts shipped with the package (``ics_maps/atlas/ics_waves.csv``)."""

from __future__ import annotations

import pandas as pd

from ics_maps.errors import DataError
from ics_maps.paths import waves_csv


def read_waves(path=None) -> pd.DataFrame:
    """ICS designation waves per July 2022 ICB (facts kept in the project, with their sources)."""
    path = path or waves_csv()
    try:
        df = pd.read_csv(path, dtype=str)
    except OSError as exc:
        raise DataError("ics_waves", f"cannot read {path}: {exc}") from exc
    need = [
        "icb22cd",
        "icb23cd",
        "icb_ods",
        "icb_name",
        "wave",
        "wave_label",
        "designated",
        "evidence",
    ]
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise DataError("ics_waves", f"{path} lacks column(s) {missing}; expected {need}")
    df["wave"] = pd.to_numeric(df["wave"], errors="raise").astype("int64")
    if df["icb23cd"].duplicated().any() or len(df) != 42:
        raise DataError(
            "ics_waves", f"{path} must hold 42 unique ICBs, found {df['icb23cd'].nunique()}"
        )
    return df
