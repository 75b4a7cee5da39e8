"""`ics-maps build | info | export | rebase`: build and inspect the atlas from a terminal."""

from __future__ import annotations

import argparse
import json
import sys

from ics_maps.cli.export import add_export_parser
from ics_maps.cli.rebase import add_rebase_parser
from ics_maps.errors import DataError
from ics_maps.sources.vintages import DEFAULT_VINTAGE, VINTAGES


def _tqdm_progress():
    """A progress callback that opens its bar on first use (a reused atlas prints nothing)."""
    from tqdm import tqdm

    state: dict = {}

    def update(message: str, fraction: float) -> None:
        bar = state.get("bar")
        if bar is None:
            bar = state["bar"] = tqdm(
                total=100,
                bar_format="{desc:<62}{percentage:3.0f}% |{bar}| {elapsed}",
                file=sys.stderr,
            )
        bar.set_description_str(message[:60])
        bar.n = int(fraction * 100)
        bar.refresh()
        if fraction >= 1:
            bar.close()

    return update


def cmd_build(args) -> int:
    from ics_maps.atlas import build_atlas, ensure_atlas, is_current, save_atlas

    vintages = list(VINTAGES) if args.vintage == "all" else [args.vintage]
    for vid in vintages:
        if args.force:
            atlas = build_atlas(vid, _tqdm_progress())
            path = save_atlas(atlas)
            print(f"built vintage {vid} in {atlas.meta['build_seconds']} s -> {path}")
        else:
            fresh = is_current(vid)
            atlas = ensure_atlas(vid, None if fresh else _tqdm_progress())
            print(
                f"vintage {vid}: {'up to date (inputs unchanged), reused' if fresh else 'built'}"
                f" ({atlas.meta.get('build_seconds')} s build)"
            )
        for w in atlas.meta.get("warnings", []):
            print(f"  warning: {w}", file=sys.stderr)
    return 0


def cmd_info(args) -> int:
    from ics_maps.atlas import ensure_atlas, info

    data = info(ensure_atlas(args.vintage, _tqdm_progress()))
    if args.json:
        print(json.dumps(data, indent=1, default=str))
        return 0
    print(f"ics-maps atlas, vintage {data['vintage']}: {data['label']} (built {data['built_at']})")
    print(f"{'tier':<10}{'units':>8}{'residents':>14}{'registered':>14}  derived")
    for tier, row in data["tiers"].items():
        reg = row.get("registered_patients")
        res = row.get("residents")
        print(
            f"{tier:<10}{row['units']:>8,}{(f'{res:,}' if res is not None else '-'):>14}"
            f"{(f'{reg:,}' if reg is not None else '-'):>14}  {'yes' if row.get('derived') else ''}"
        )
    p = data.get("practices", {})
    print(
        f"primary care extract {data.get('primary_care_extract')}, list sizes "
        f"{data.get('list_size_extract')}: "
        f"{p.get('practices')} practices, {p.get('unallocated_practices')} unallocated (PCN 'U'), "
        f"{p.get('without_location')} without a location, {p.get('without_list_size')} without a "
        "list size"
    )
    print("coverage / join rates:")
    for k, v in data.get("coverage", {}).items():
        print(f"  {k}: {v:.4%}" if isinstance(v, float) else f"  {k}: {v}")
    for k, v in data.get("derived", {}).items():
        print(f"derived {k}: {v}")
    for w in data.get("warnings", []):
        print(f"warning: {w}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ics-maps", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser(
        "build", help="build the atlas of a vintage (reused when inputs are unchanged)"
    )
    b.add_argument("--vintage", default=DEFAULT_VINTAGE, choices=[*VINTAGES, "all"])
    b.add_argument("--force", action="store_true", help="rebuild even if the inputs are unchanged")
    b.set_defaults(func=cmd_build)
    i = sub.add_parser(
        "info", help="per-tier counts, residents, registered patients and join rates"
    )
    i.add_argument("--vintage", default=DEFAULT_VINTAGE, choices=list(VINTAGES))
    i.add_argument("--json", action="store_true")
    i.set_defaults(func=cmd_info)
    add_export_parser(sub)
    add_rebase_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (DataError, ValueError, FileNotFoundError) as exc:
        print(f"ics-maps: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
