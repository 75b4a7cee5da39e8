"""`ics-maps build | info | export | rebase`: build and inspect the atlas from a terminal."""

from __future__ import annotations

import argparse
import json
import sys

from ics_maps.cli.export import add_export_parser
from ics_maps.cli.rebase import add_rebase_parser
from ics_maps.errors import DataError
from ics_maps.sources.vintages import DEFAULT_VINTAGE, VINTAGES


class _Progress:
    """A progress bar on stderr that opens on first use (a reused atlas prints nothing) and is
    closed before any message, so an error never lands on the bar's line."""

    def __init__(self) -> None:
        self.bar = None

    def __call__(self, message: str, fraction: float) -> None:
        from tqdm import tqdm

        if self.bar is None:
            self.bar = tqdm(
                total=100,
                bar_format="{desc:<62}{percentage:3.0f}% |{bar}| {elapsed}",
                file=sys.stderr,
            )
        self.bar.set_description_str(message[:60])
        self.bar.n = int(fraction * 100)
        self.bar.refresh()
        if fraction >= 1:
            self.close()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


_progress = _Progress()  # one per command run; main() closes it before printing an error


def _note(atlas) -> None:
    from ics_maps.atlas import stale_note

    note = stale_note(atlas)
    if note:
        print(f"note: {note}", file=sys.stderr)


def cmd_build(args) -> int:
    vintages = list(VINTAGES) if args.vintage == "all" else [args.vintage]
    failed = 0
    for vid in vintages:
        try:
            ok = _build_one(vid, args.force)
        except (DataError, OSError, ValueError) as exc:
            _progress.close()
            print(f"ics-maps: error: building vintage {vid} failed: {exc}", file=sys.stderr)
            ok = False
        failed += not ok
    return 2 if failed else 0


def _build_one(vid: str, force: bool) -> bool:
    """Build (or reuse) one vintage; False when the build failed (the message is printed)."""
    from ics_maps.atlas import atlas_exists, ensure_atlas, is_current, load_atlas, rebuild_atlas

    if force:
        try:
            atlas, path = rebuild_atlas(vid, _progress)
        except (DataError, OSError, ValueError) as exc:
            _progress.close()
            print(f"ics-maps: error: building vintage {vid} failed: {exc}", file=sys.stderr)
            if atlas_exists(vid):
                built = load_atlas(vid).meta.get("built_at")
                print(
                    f"  the last good {vid} atlas (built {built}) is kept and still served",
                    file=sys.stderr,
                )
            return False
        print(f"built vintage {vid} in {atlas.meta['build_seconds']} s -> {path}")
    else:
        fresh = is_current(vid)
        atlas = ensure_atlas(vid, None if fresh else _progress)
        _progress.close()
        if atlas.stale:
            print(f"vintage {vid}: rebuilding failed; the last good atlas is kept")
            _note(atlas)
            return False
        print(
            f"vintage {vid}: {'up to date (inputs unchanged), reused' if fresh else 'built'}"
            f" ({atlas.meta.get('build_seconds')} s build)"
        )
    for w in atlas.meta.get("warnings", []):
        print(f"  warning: {w}", file=sys.stderr)
    return True


def cmd_info(args) -> int:
    from ics_maps.atlas import ensure_atlas, info

    atlas = ensure_atlas(args.vintage, _progress)
    _progress.close()
    _note(atlas)
    data = info(atlas)
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
        _progress.close()
        print(f"ics-maps: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a read-only or full disk, a name too long...
        _progress.close()
        print(f"ics-maps: error: {_os_error(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        _progress.close()
        print("ics-maps: interrupted (any atlas being saved was left as it was)", file=sys.stderr)
        return 130
    finally:
        _progress.close()


def _os_error(exc: OSError) -> str:
    """An operating-system error in words: what failed, on which file."""
    what = exc.strerror or str(exc)
    if exc.filename:
        return f"{what}: {exc.filename}" + (f" -> {exc.filename2}" if exc.filename2 else "")
    return what


if __name__ == "__main__":
    sys.exit(main())
