"""The dataset catalogue: every file ics-maps reads, where its publisher serves it, and what it must
hold.

One entry per dataset. The mirror path is relative to the mirror root (``ICS_MAPS_MIRROR``,
default ``../shared/data/raw`` beside the project); the URL is the publisher's own download, used
only when no mirror holds the file. ``expect_rows`` and ``required`` are checked after every fetch
and every read, so a truncated or re-shaped file is caught with the dataset's name in the error.
"""

from __future__ import annotations

from ics_maps.errors import DataError
from ics_maps.sources._boundaries import BOUNDARIES
from ics_maps.sources._lookups import LOOKUPS
from ics_maps.sources._people import PEOPLE
from ics_maps.sources._primary_care import PRIMARY_CARE
from ics_maps.sources.dataset import Dataset

CATALOGUE: dict[str, Dataset] = {d.id: d for d in [*BOUNDARIES, *LOOKUPS, *PEOPLE, *PRIMARY_CARE]}

# The published England total of Census 2021 usual residents (ONS TS001). The LSOA figures the atlas
# sums are perturbed for confidentiality, so its own total differs by a few dozen; the app says so.
CENSUS_2021_ENGLAND_RESIDENTS = 56_490_048


def dataset(dataset_id: str) -> Dataset:
    """The catalogue entry of ``dataset_id``, or a DataError listing the known ids."""
    try:
        return CATALOGUE[dataset_id]
    except KeyError:
        raise DataError(
            dataset_id, f"not in the catalogue (known: {', '.join(sorted(CATALOGUE))})"
        ) from None
