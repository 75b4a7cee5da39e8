"""What reading a user's boundary file produces, its limits and its one error type."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd


class LayerError(ValueError):
    """A user's file cannot be used as a boundary layer: the message names the file, the rows and
    what was expected. ``columns``: the file's columns when they were read before the error (so a
    page can offer another code or name column)."""

    def __init__(self, message: str, columns=()):
        super().__init__(message)
        self.columns = tuple(str(c) for c in columns)


@dataclass(frozen=True)
class Limits:
    """What an upload may hold. Sizes in bytes."""

    max_bytes: int = 50 * 1024 * 1024
    max_features: int = 5_000
    max_vertices: int = 2_000_000
    max_csv_rows: int = 200_000
    max_zip_members: int = 20
    max_unzipped_bytes: int = 200 * 1024 * 1024
    max_zip_ratio: float = 100.0  # checked for members over 1 MiB, where a bomb would matter
    ratio_floor_bytes: int = 1024 * 1024


LIMITS = Limits()


@dataclass
class UserFile:
    """A user's file read and checked, before it meets an atlas.

    ``kind`` ``"polygons"``: ``codes``, ``names`` and ``geoms`` (valid polygons in EPSG:27700, one
    per unit, aligned). ``kind`` ``"lsoas"``: ``pairs`` (``lsoa, unit, name``: one row per LSOA,
    units in file order) read with ``lsoa_column`` as LSOA ``lsoa_year`` codes. ``columns``: the
    attribute columns a user may pick the code and name from; ``crs``: how the coordinates were
    read; ``notes``: what was guessed, inferred, repaired or dropped.
    """

    file_name: str
    kind: str
    columns: tuple[str, ...]
    code_column: str | None
    name_column: str | None
    crs: str
    notes: list[str] = field(default_factory=list)
    codes: np.ndarray | None = None
    names: np.ndarray | None = None
    geoms: np.ndarray | None = None
    pairs: pd.DataFrame | None = None
    lsoa_column: str | None = None
    lsoa_year: int | None = None


def mb(n: float) -> str:
    """A byte count as people read it: 2.0 KB, 50.0 MB."""
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:,.1f} MB"
    return f"{n / 1024:,.1f} KB" if n >= 1024 else f"{n:,.0f} bytes"


def check_size(size: int, name: str, limits: Limits) -> None:
    if size == 0:
        raise LayerError(f"{name} is empty (0 bytes)")
    if size > limits.max_bytes:
        raise LayerError(
            f"{name} is {mb(size)}, over the {mb(limits.max_bytes)} upload limit: simplify the "
            "boundaries or split the layer"
        )
