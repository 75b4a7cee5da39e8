"""`ics-maps export ...`: tables (CSV) and layers (GeoJSON) from a built atlas.

Commands::

    ics-maps export coterminosity --child TIER --parent TIER [--vintage V] [--weight
    population|area]
                                  [--tolerance T] --out FILE.csv
    ics-maps export summary --tier TIER [--vintage V] --out FILE.csv
    ics-maps export geojson --tier TIER [--vintage V] --out FILE.geojson
    ics-maps export crosswalk --tier icb|sicbl|region --from V --to V --out FILE.csv
    ics-maps export profile --tier TIER [--vintage V] --out FILE.csv

and, for a user's own boundaries (:mod:`ics_maps.cli.custom`), ``export coterminosity
--child-file FILE`` / ``--parent-file FILE`` and ``export weights|layer|cut-pcns|profile --file
FILE``.

Columns of the coterminosity CSV (one row per overlapping child × parent pair):
child_code, child_name, parent_code, parent_name; overlap_residents (Census 2021 residents in both;
fractional where a PCN is involved; areal interpolation under ``--weight area``); child_residents,
parent_residents; share_of_child, share_of_parent (0–1); overlap_km2; relationship (coterminous,
nested, combines or split, for the child, under the tolerance). See
:mod:`ics_maps.analysis.nesting`.

Columns of the summary CSVs (see :mod:`ics_maps.analysis.summaries`):

* ``icb``: code, name, ods_code, residents, registered (patients of its practices, April 2025),
  n_sicbl, n_lad_whole / n_lad_part and n_utla_whole / n_utla_part (councils with all / some of
  their residents in the ICS), relationship_to_utla (coterminous, combines, nested or split against
  counties and unitaries), n_pcn, n_practices, share_residents_in_split_lads (share of the
  ICS's residents living in districts split with another ICS), wave, waves, region, region_name.
* ``lad`` / ``utla``: code, name, ods_code, [utla,] residents, n_icb, n_sicbl, n_pcn (PCNs holding
  ≥ 1 % of its residents), n_pcn_based (PCNs whose largest share of patients lives there), n_pcn_any
  (PCNs with any resident attributed), icbs (each ICS with its share), relationship_to_icb.
* ``sicbl``: code, name, ods_code, icb, region, residents, registered, n_lad_whole, n_lad_part,
  n_pcn, n_practices.
* ``region``: code, name, ods_code, residents, registered, n_icb, n_sicbl, n_pcn, n_practices.
* ``pcn``: code, name, ods_code, sicbl, icb, region, list_size, n_practices, residents (attributed),
  method, n_lad, main_lad, main_lad_name, main_lad_share (share of its registered patients).
* ``practice`` / ``lsoa``: the atlas table as it is, without geometry.

Columns of the crosswalk CSV (one row per old unit × new unit sharing residents; see
:mod:`ics_maps.analysis.crosswalk`): from_code, from_name, to_code, to_name, residents,
share_of_from, share_of_to, change (of the old unit: unchanged, recoded, boundary, merged or
split).
Columns of the profile CSV (one row per unit of region, icb, sicbl, utla, lad or pcn; see
:mod:`ics_maps.analysis.profiles` and the README): code, name, residents; the 18 age bands age_0_4
… age_85_plus; age_0_17, age_18_64, age_65_plus and their *_share with age_85_plus_share;
median_age; n_lsoas; imd_avg_score with its imd_avg_score_rank of imd_avg_score_rank_of;
imd_avg_rank; imd_lsoas_decile1, imd_prop_lsoas_decile1; imd_quintile1_share … 5;
imd_decile1_share … 10; <domain>_avg_score for the seven domains; method (PCNs only).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ics_maps.analysis.crosswalk import TIERS as CROSSWALK_TIERS
from ics_maps.analysis.profiles import PROFILE_TIERS
from ics_maps.cli._load import atlas_for
from ics_maps.cli._paths import output_file
from ics_maps.cli.custom import (
    add_custom_parsers,
    add_file_arguments,
    add_layer_options,
    coterminosity_command,
    profile_command,
)
from ics_maps.presentation.export import geojson_file_bytes, safe_csv, write_output
from ics_maps.sources.vintages import DEFAULT_VINTAGE, VINTAGES
from ics_maps.tiers import TIERS


def add_export_parser(subparsers) -> argparse.ArgumentParser:
    """Add ``export coterminosity|summary|geojson|crosswalk|profile`` to the CLI's subparsers."""
    p = subparsers.add_parser(
        "export",
        help="write a coterminosity table, a tier summary, a GeoJSON layer or a people profile",
        description="Export tables (CSV) and layers (GeoJSON) from a built atlas.",
    )
    kinds = p.add_subparsers(
        dest="export_kind",
        metavar="{coterminosity,summary,geojson,crosswalk,profile,weights,layer,cut-pcns}",
    )
    kinds.required = True

    def common(sp: argparse.ArgumentParser, suffix: str) -> None:
        sp.add_argument(
            "--vintage",
            default=DEFAULT_VINTAGE,
            choices=list(VINTAGES),
            help=f"geography vintage (default {DEFAULT_VINTAGE})",
        )
        sp.add_argument(
            "--out",
            required=True,
            help=f"output file ({suffix}) in an existing folder, or - for standard output",
        )

    c = kinds.add_parser("coterminosity", help="child × parent overlap table (CSV)")
    c.add_argument("--child", choices=TIERS, help="child tier (or --child-file)")
    c.add_argument("--parent", choices=TIERS, help="parent tier (or --parent-file)")
    c.add_argument("--weight", default="population", choices=("population", "area"))
    c.add_argument(
        "--tolerance",
        default=0.0,
        type=float,
        help="share of a child that may lie outside its parent and still count as nested (0–1)",
    )
    common(c, ".csv")
    add_file_arguments(c)
    c.set_defaults(func=export_any_coterminosity)

    s = kinds.add_parser("summary", help="one row per unit of a tier (CSV)")
    s.add_argument("--tier", required=True, choices=TIERS)
    common(s, ".csv")
    s.set_defaults(func=export_summary)

    g = kinds.add_parser("geojson", help="a tier's polygons or points (GeoJSON, EPSG:4326)")
    g.add_argument("--tier", required=True, choices=TIERS)
    common(g, ".geojson")
    g.set_defaults(func=export_geojson)

    x = kinds.add_parser(
        "crosswalk", help="residents of each unit of one vintage in the units of another (CSV)"
    )
    x.add_argument("--tier", required=True, choices=CROSSWALK_TIERS)
    x.add_argument("--from", dest="from_vintage", required=True, choices=list(VINTAGES))
    x.add_argument("--to", dest="to_vintage", required=True, choices=list(VINTAGES))
    x.add_argument(
        "--out",
        required=True,
        help="output file (.csv) in an existing folder, or - for standard output",
    )
    x.set_defaults(func=export_crosswalk)
    pr = kinds.add_parser(
        "profile", help="age and deprivation profile, one row per unit of a tier or file (CSV)"
    )
    which = pr.add_mutually_exclusive_group(required=True)
    which.add_argument("--tier", choices=PROFILE_TIERS, help="an official tier")
    which.add_argument(
        "--file",
        type=Path,
        help="your own boundaries: GeoJSON, GeoPackage, zipped shapefile or CSV",
    )
    add_layer_options(pr)
    common(pr, ".csv")
    pr.set_defaults(func=export_any_profile)
    add_custom_parsers(kinds, common)
    return p


def _atlas(vintage: str):
    return atlas_for(vintage)


def _target(args) -> Path | None | int:
    """The checked ``--out`` (None: standard output; :func:`ics_maps.cli._paths.output_file`), or
    exit code 2 after printing why it is refused (before any atlas is loaded)."""
    try:
        return output_file(args.out, "--out")
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


def _run(make, target: Path | None, encode) -> int:
    try:
        data = make()
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    where = write_output(encode(data), target)
    print(f"wrote {len(data):,} rows to {where}", file=sys.stderr if target is None else sys.stdout)
    return 0


def export_any_coterminosity(args) -> int:
    """`export coterminosity`: two official tiers, or a user's file on one side."""
    if args.child_file is not None or args.parent_file is not None:
        return coterminosity_command(args)
    if args.child is None or args.parent is None:
        print(
            "error: give --child TIER (or --child-file FILE) and --parent TIER (or --parent-file "
            "FILE)",
            file=sys.stderr,
        )
        return 2
    return export_coterminosity(args)


def export_coterminosity(args) -> int:
    """Handler of `ics-maps export coterminosity`."""
    from ics_maps.analysis.nesting import check_pair, coterminosity, with_ods_codes

    try:
        check_pair(args.child, args.parent, args.weight)  # fail before loading anything
        if not 0 <= args.tolerance < 1:
            raise ValueError(f"--tolerance must be in [0, 1), not {args.tolerance}")
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    target = _target(args)
    if isinstance(target, int):  # refused, with the reason printed
        return target
    atlas = _atlas(args.vintage)
    return _run(
        lambda: with_ods_codes(
            coterminosity(atlas, args.child, args.parent, args.weight, args.tolerance),
            atlas,
            args.child,
            args.parent,
        ),
        target,
        safe_csv,
    )


def export_summary(args) -> int:
    """Handler of `ics-maps export summary`."""
    from ics_maps.analysis.summaries import summary

    target = _target(args)
    if isinstance(target, int):  # refused, with the reason printed
        return target
    atlas = _atlas(args.vintage)
    return _run(lambda: summary(atlas, args.tier), target, safe_csv)


def export_geojson(args) -> int:
    """Handler of `ics-maps export geojson`."""
    target = _target(args)
    if isinstance(target, int):  # refused, with the reason printed
        return target
    atlas = _atlas(args.vintage)
    layer = args.tier
    return _run(lambda: atlas.tier(args.tier), target, lambda g: geojson_file_bytes(g, layer))


def export_crosswalk(args) -> int:
    """Handler of `ics-maps export crosswalk`: the table, then its headline counts."""
    from ics_maps.analysis.crosswalk import CHANGES, crosswalk, summarise

    target = _target(args)  # refused before two atlases are loaded
    if isinstance(target, int):
        return target
    table = crosswalk(_atlas(args.from_vintage), _atlas(args.to_vintage), args.tier)
    where = write_output(safe_csv(table), target)
    s = summarise(table)
    print(
        f"wrote {len(table):,} rows to {where}: {s['from_units']} -> {s['to_units']} units; "
        + ", ".join(f"{s[c]} {c}" for c in CHANGES),
        file=sys.stderr if target is None else sys.stdout,
    )
    return 0


def export_any_profile(args) -> int:
    """`export profile`: a tier's units (``--tier``) or a user's own (``--file``)."""
    if args.file is not None:
        return profile_command(args)
    return export_profile(args)


def export_profile(args) -> int:
    """Handler of `ics-maps export profile`: the age and deprivation profile of every unit."""
    from ics_maps.analysis.profiles import tier_profile

    target = _target(args)
    if isinstance(target, int):
        return target
    atlas = _atlas(args.vintage)
    return _run(lambda: tier_profile(atlas, args.tier), target, safe_csv)
