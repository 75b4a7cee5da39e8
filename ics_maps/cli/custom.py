"""`ics-maps export` for a user's own boundaries: the tables the official tiers get, from a file.

Commands::

    ics-maps export coterminosity --child-file FILE [--code-column C] [--name-column N]
                                  --parent TIER [--weight population|area] [--tolerance T]
                                  [--vintage V] --out FILE.csv
    ics-maps export coterminosity --child TIER --parent-file FILE ... --out FILE.csv
    ics-maps export weights --file FILE ... --out FILE.csv     # unit, lsoa, share
    ics-maps export layer --file FILE ... --out FILE.geojson   # the units with their summary
    ics-maps export cut-pcns --file FILE ... --out FILE.csv    # PCNs the units cut
    ics-maps export profile --file FILE ... --out FILE.csv     # people profiles (analysis.profiles)

FILE is a GeoJSON, GeoPackage, zipped shapefile or CSV of LSOA codes
(:mod:`ics_maps.readers.user_layer`).
Bad input prints ``error: ...`` and exits with status 2: no traceback, no output file.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ics_maps.cli._load import atlas_for
from ics_maps.cli._paths import output_file
from ics_maps.presentation.export import geojson_file_bytes, safe_csv, write_output
from ics_maps.tiers import AREA_TIERS as OFFICIAL


def add_layer_options(p: argparse.ArgumentParser) -> None:
    """Options telling the reader how to read a user's file."""
    p.add_argument("--code-column", help="column holding each unit's code (guessed if omitted)")
    p.add_argument("--name-column", help="column holding each unit's name (guessed if omitted)")
    p.add_argument("--layer", help="layer of a GeoPackage, or shapefile of a zip, to read")
    p.add_argument("--lsoa-column", help="CSV only: the column of LSOA codes (guessed if omitted)")
    p.add_argument(
        "--lsoa-year",
        type=int,
        choices=(2011, 2021),
        help="CSV only: LSOA 2011 codes still existing in 2021 map to themselves",
    )
    p.add_argument(
        "--drop-unknown-lsoas",
        action="store_true",
        help="CSV only: drop (and list) LSOA codes the atlas lacks instead of refusing the file",
    )


def add_file_arguments(c: argparse.ArgumentParser) -> None:
    """``--child-file`` / ``--parent-file`` on ``export coterminosity``."""
    c.add_argument(
        "--child-file", type=Path, help="your own boundaries as the child (instead of --child)"
    )
    c.add_argument(
        "--parent-file", type=Path, help="your own boundaries as the parent (instead of --parent)"
    )
    add_layer_options(c)


def add_custom_parsers(kinds, common) -> None:
    """``export weights|layer|cut-pcns|profile --file FILE`` (``common``: --vintage and --out)."""
    specs = (
        (
            "weights",
            "LSOA weights of your boundaries: unit, lsoa, share (CSV)",
            ".csv",
            weights_command,
        ),
        (
            "layer",
            "your boundaries with their summary (GeoJSON, EPSG:4326)",
            ".geojson",
            layer_command,
        ),
        (
            "cut-pcns",
            "PCNs whose patients your units split, with each side's share (CSV)",
            ".csv",
            cut_pcns_command,
        ),
    )
    for name, help_, suffix, func in specs:
        sp = kinds.add_parser(name, help=help_)
        sp.add_argument(
            "--file", required=True, type=Path, help="GeoJSON, GeoPackage, zipped shapefile or CSV"
        )
        add_layer_options(sp)
        if name in ("layer", "cut-pcns"):
            sp.add_argument(
                "--tolerance", default=0.0, type=float, help="share allowed outside (0–1)"
            )
        common(sp, suffix)
        sp.set_defaults(func=func)


# ---------------------------------------------------------------------------- handlers


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def _load_atlas(vintage: str):
    return atlas_for(vintage)


def _check_file(path: Path) -> None:
    """Fail before loading anything: the file must exist and be a file."""
    if not path.is_file():
        raise ValueError(f"{path}: no such file")


def _read(path: Path, atlas, args):
    from ics_maps.analysis.own_layer import read_layer_path

    layer = read_layer_path(
        path,
        atlas,
        code_column=args.code_column,
        name_column=args.name_column,
        lsoa_column=args.lsoa_column,
        lsoa_year=args.lsoa_year,
        layer=args.layer,
        drop_unknown_lsoas=args.drop_unknown_lsoas,
    )
    for note in layer.notes:
        print(f"note: {note}", file=sys.stderr)
    return layer


def _tolerance(value: float) -> None:
    if not 0 <= value < 1:
        raise ValueError(f"--tolerance must be in [0, 1), not {value}")


def _run(args, path: Path, make, encode, check=None) -> int:
    """Check, load, read the file, make the table, encode and write it (``encode``: table to
    bytes): any ValueError is a clear exit 2."""
    try:
        _check_file(path)
        target = output_file(args.out, "--out", inputs=[path])
        if check:
            check()
        atlas = _load_atlas(args.vintage)
        layer = _read(path, atlas, args)
        data = make(atlas, layer)
    except ValueError as e:  # LayerError is a ValueError
        return _fail(str(e))
    where = write_output(encode(data), target)  # target None: standard output (--out -)
    print(f"wrote {len(data):,} rows to {where}", file=sys.stderr if target is None else sys.stdout)
    return 0


def coterminosity_command(args) -> int:
    """`export coterminosity` with ``--child-file`` or ``--parent-file``: a file on one side."""
    child_file, parent_file = args.child_file, args.parent_file
    if child_file is not None and parent_file is not None:
        return _fail(
            "compare one file with an official tier: --child-file with --parent TIER, or "
            "--parent-file with --child TIER"
        )
    side, other_flag = ("child", "--parent") if child_file is not None else ("parent", "--child")
    if (args.child if side == "child" else args.parent) is not None:
        return _fail(f"give either --{side} or --{side}-file, not both")
    tier = args.parent if side == "child" else args.child
    if tier not in OFFICIAL:
        return _fail(
            f"{other_flag} must be an official tier to compare your file with: one of "
            f"{', '.join(OFFICIAL)}" + (f", not {tier!r}" if tier else "")
        )
    from ics_maps.analysis.custom_tier import coterminosity

    return _run(
        args,
        child_file or parent_file,
        lambda atlas, layer: coterminosity(
            atlas, layer, tier, custom_as=side, weight=args.weight, tolerance=args.tolerance
        ),
        safe_csv,
        lambda: _tolerance(args.tolerance),
    )


def weights_command(args) -> int:
    """`export weights --file`: the LSOA weights table (unit, lsoa, share)."""
    from ics_maps.analysis.custom_tier import lsoa_weights

    return _run(args, args.file, lambda atlas, layer: lsoa_weights(layer), safe_csv)


def layer_command(args) -> int:
    """`export layer --file`: the units with their summary as GeoJSON (EPSG:4326)."""
    from ics_maps.analysis.custom_summary import layer_with_summary

    return _run(
        args,
        args.file,
        lambda atlas, layer: layer_with_summary(atlas, layer, args.tolerance),
        lambda gdf: geojson_file_bytes(gdf, "your_boundaries"),
        lambda: _tolerance(args.tolerance),
    )


def cut_pcns_command(args) -> int:
    """`export cut-pcns --file`: PCNs split by the units, one row per piece."""
    from ics_maps.analysis.custom_summary import cut_pcns

    return _run(
        args,
        args.file,
        lambda atlas, layer: cut_pcns(atlas, layer, args.tolerance),
        safe_csv,
        lambda: _tolerance(args.tolerance),
    )


def profile_command(args) -> int:
    """`export profile --file`: people profiles (age, deprivation) of the units, weighted by
    :func:`ics_maps.analysis.custom_tier.lsoa_weights` (the ``profile`` subparser, shared with
    ``--tier``, is in :mod:`ics_maps.cli.export`)."""
    from ics_maps.analysis.custom_tier import lsoa_weights
    from ics_maps.analysis.profiles import profile_table

    def make(atlas, layer):
        return profile_table(atlas, lsoa_weights(layer), names=layer.units[["code", "name"]])

    return _run(args, args.file, make, safe_csv)
