"""Readers: one raw source in, one tidy validated table out.

Every polygon reader returns ``code, name, ods_code, geometry`` in EPSG:27700; every table reader
returns short snake_case columns. Each checks what the catalogue promises (columns, row counts,
unique codes, a plausible CRS) and raises :class:`~ics_maps.errors.DataError` naming the dataset
when it is not so.
"""

from ics_maps.readers.boundaries import (
    read_boundaries,
    read_lsoa_boundaries,
    read_vector,
    tidy_polygons,
)
from ics_maps.readers.lookups import (
    read_ccg_stp_lookup,
    read_lsoa11_units,
    read_lsoa_lookup,
    read_sicbl22_lookup,
    read_sicbl_region_lookup,
)
from ics_maps.readers.population import read_census_population
from ics_maps.readers.primary_care import (
    read_gp_lsoa_registrations,
    read_list_sizes,
    read_practice_locations,
    read_practice_map,
    to_points_bng,
)
from ics_maps.readers.waves import read_waves

__all__ = [
    "read_boundaries",
    "read_ccg_stp_lookup",
    "read_census_population",
    "read_gp_lsoa_registrations",
    "read_list_sizes",
    "read_lsoa11_units",
    "read_lsoa_boundaries",
    "read_lsoa_lookup",
    "read_practice_locations",
    "read_practice_map",
    "read_sicbl22_lookup",
    "read_sicbl_region_lookup",
    "read_vector",
    "read_waves",
    "tidy_polygons",
    "to_points_bng",
]
