"""The two coordinate reference systems of the project: measure in metres, draw in degrees."""

from __future__ import annotations

BNG = "EPSG:27700"  # British National Grid: every area, overlay and distance is computed here
WGS84 = "EPSG:4326"  # longitude/latitude: what web maps and GeoJSON (RFC 7946) use
