"""Sources: the catalogue of every published dataset, the geography vintages, and fetching a file
from the local mirror or its publisher."""

from ics_maps.sources.catalogue import CATALOGUE, CENSUS_2021_ENGLAND_RESIDENTS, Dataset, dataset
from ics_maps.sources.vintages import DEFAULT_VINTAGE, VINTAGES, Vintage, get_vintage

__all__ = [
    "CATALOGUE",
    "CENSUS_2021_ENGLAND_RESIDENTS",
    "DEFAULT_VINTAGE",
    "VINTAGES",
    "Dataset",
    "Vintage",
    "dataset",
    "get_vintage",
]
