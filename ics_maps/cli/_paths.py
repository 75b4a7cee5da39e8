"""The files a command reads and writes, resolved and checked before any work is done.

A command's ``--in`` must be an existing regular file (not a directory, a device, a pipe or a
socket: ``/dev/zero`` would be read for ever). Its ``--out`` is resolved through any symlink and
must be, or become, a regular file: a directory or a device is refused, as is the input itself and
anything inside the folders ics-maps owns (the data mirror, the atlas cache and the package's own
code), so a mistyped ``--out`` cannot overwrite a source file or a stored atlas. Each refusal is a
``ValueError`` whose message names the option, the path and what was expected.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from ics_maps.paths import PACKAGE_ROOT, atlas_root, mirror_root


def _kind(p: Path) -> str:
    return "a directory" if p.is_dir() else "not a regular file (a device, pipe or socket)"


def input_file(path: str | os.PathLike, option: str = "--in") -> Path:
    """The resolved path of an existing regular file, or a ValueError saying what is wrong."""
    p = Path(path).expanduser()
    try:
        resolved = p.resolve(strict=True)
    except FileNotFoundError:
        raise ValueError(f"{option} {path}: no such file") from None
    except (OSError, RuntimeError) as exc:  # a symlink loop, a permission error on the way
        raise ValueError(f"{option} {path}: cannot be opened ({exc})") from None
    if not resolved.is_file():
        raise ValueError(f"{option} {path} is {_kind(resolved)}: expected a CSV file")
    return resolved


def protected_roots() -> dict[str, Path]:
    """Folders no command output may be written into, by what they hold."""
    return {
        "the data mirror": mirror_root(),
        "the atlas cache": atlas_root(),
        "the ics_maps package": PACKAGE_ROOT,
    }


def output_file(
    path: str | os.PathLike, option: str = "--out", inputs: Iterable[Path] = ()
) -> Path:
    """The resolved path a command may write (atomically, later), or a ValueError saying why not.

    Missing folders on the way are created by the writer; the nearest existing one must be a
    directory.
    """
    p = Path(path).expanduser()
    try:
        resolved = p.resolve()
    except (OSError, RuntimeError) as exc:
        raise ValueError(f"{option} {path}: cannot be resolved ({exc})") from None
    if resolved.exists() and not resolved.is_file():
        hint = " (give a file name in it, e.g. …/out.csv)" if resolved.is_dir() else ""
        raise ValueError(f"{option} {path} is {_kind(resolved)}{hint}: expected a file to write")
    if p.name in ("", ".", ".."):
        raise ValueError(f"{option} {path}: expected a file name, not a folder")
    for inp in inputs:
        if resolved == Path(inp).resolve():
            raise ValueError(f"{option} {path} is the input file: choose another name")
    for what, root in protected_roots().items():
        root = root.resolve()
        if resolved == root or root in resolved.parents:
            raise ValueError(
                f"{option} {path} lies inside {what} ({root}): write the file somewhere else"
            )
    ancestor = resolved.parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise ValueError(f"{option} {path}: {ancestor} is a file, not a folder")
    return resolved
