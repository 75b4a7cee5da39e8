"""`ics-maps rebase`: re-base a CSV of figures for one vintage's units to another vintage's units.

    ics-maps rebase --tier icb --from 2024 --to 2026 --in figures.csv --code-column icb_code \\
                    --out figures_2026.csv [--by COL ...] [--rate RATE=DENOMINATOR] [--count COL]

Counts are divided by residents' shares (:mod:`ics_maps.analysis.rebase`); rates need their
denominator. Every check (the paths, the size, the code column, the codes, duplicates, numbers,
rates) runs before anything is written, and the output is written atomically.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ics_maps.analysis.crosswalk import TIERS
from ics_maps.cli._paths import input_file, output_file
from ics_maps.sources.vintages import VINTAGES

DESCRIPTION = (
    "Turn figures published for the units of one vintage into figures for the units of another. "
    "Counts are divided by Census 2021 residents' shares (totals kept); a rate needs its "
    "denominator (--rate RATE=DENOMINATOR) and a column named like a rate is refused without one "
    "(or declare it a count with --count). Each value says how much of it was apportioned "
    "(<col>_apportioned_share). Nothing is written unless every check passes."
)


def add_rebase_parser(sub) -> None:
    """``ics-maps rebase --tier T --from V --to V --in FILE.csv --code-column C --out FILE.csv``."""
    r = sub.add_parser(
        "rebase",
        help="re-base counts (and rates with their denominators) from one vintage's "
        "units to another's, by residents' shares",
        description=DESCRIPTION,
    )
    r.add_argument("--tier", required=True, choices=TIERS)
    r.add_argument("--from", dest="from_vintage", required=True, choices=list(VINTAGES))
    r.add_argument("--to", dest="to_vintage", required=True, choices=list(VINTAGES))
    r.add_argument(
        "--in",
        dest="inp",
        required=True,
        type=Path,
        metavar="FILE.csv",
        help="input CSV (one row per old unit)",
    )
    r.add_argument(
        "--code-column", required=True, help="the column holding the old units' GSS codes"
    )
    r.add_argument("--out", required=True, type=Path, metavar="FILE.csv", help="output CSV")
    r.add_argument(
        "--by",
        nargs="*",
        default=[],
        metavar="COL",
        help="columns that, with the code, identify a row (e.g. month, age band)",
    )
    r.add_argument(
        "--rate",
        action="append",
        default=[],
        metavar="RATE=DENOMINATOR",
        help="a rate column and its denominator column (repeatable)",
    )
    r.add_argument(
        "--count",
        action="append",
        default=[],
        metavar="COL",
        help="a column whose name looks like a rate but holds counts (repeatable)",
    )
    r.set_defaults(func=cmd_rebase)


def built_atlases() -> dict:
    """Every vintage whose atlas is built (to say which vintage and tier unknown codes are of)."""
    from ics_maps.atlas import atlas_exists, load_atlas

    return {vid: load_atlas(vid) for vid in VINTAGES if atlas_exists(vid)}


def cmd_rebase(args) -> int:
    """Handler of `ics-maps rebase`: check everything, then write the output atomically."""
    from ics_maps.analysis.crosswalk import crosswalk
    from ics_maps.analysis.rebase import APPORTIONED, known_codes, parse_rates, read_table, rebase
    from ics_maps.cli.export import _atlas
    from ics_maps.presentation.export import safe_csv, write_output

    inp = input_file(args.inp, "--in")
    out = output_file(args.out, "--out", inputs=[inp])
    rates = parse_rates(args.rate)
    table = read_table(inp, str(args.inp))  # size checked before reading
    xw = crosswalk(_atlas(args.from_vintage), _atlas(args.to_vintage), args.tier)
    result = rebase(
        table,
        xw,
        args.code_column.strip(),
        by=args.by,
        rates=rates,
        counts=args.count,
        label=str(args.inp),
        what=f"{args.tier} {args.from_vintage}",
        other_codes=lambda: known_codes(built_atlases(), TIERS),
    )
    where = write_output(safe_csv(result), out)
    app = [c for c in result.columns if c.endswith(APPORTIONED)]
    part = int((result[app] > 0).any(axis=1).sum()) if app else 0
    print(
        f"wrote {len(result):,} rows to {where} ({args.tier} {args.from_vintage} -> "
        f"{args.to_vintage}); {part:,} hold values apportioned from divided units",
        file=sys.stderr if out is None else sys.stdout,
    )
    if result.attrs.get("dropped_text_columns"):
        print(
            "text columns not re-based (they cannot be apportioned): "
            f"{result.attrs['dropped_text_columns']}",
            file=sys.stderr if out is None else sys.stdout,
        )
    return 0
