"""The files a command reads and writes, resolved and checked before any work is done.

A command's ``--in`` must be an existing regular file (not a directory, a device, a pipe or a
socket: ``/dev/zero`` would be read for ever). Its ``--out`` must be, or become, a regular file in
an existing folder (``-`` is standard output): a directory, a device, a symbolic link or a missing
folder is refused, as is the input itself (also through a symlink) and anything inside the folders
ics-maps owns (the data mirror, the atlas cache and the package's own
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
) -> Path | None:
    """The path a command may write (atomically, later), None for ``-`` (standard output), or a
    ValueError saying why not.

    Refused: the input itself (also through a symlink), anything inside the folders ics-maps owns,
    and whatever :func:`ics_maps.presentation.export.output_target` refuses (an empty name, a
    directory, a device, pipe or socket, a symbolic link, a folder that does not exist: ics-maps
    does not create folders, a name too long for the file system).
    """
    from ics_maps.presentation.export import output_target

    text = os.fspath(path)
    if text.strip() not in ("", "-"):
        p = Path(text).expanduser()
        try:
            resolved = p.resolve()
        except (OSError, RuntimeError) as exc:
            raise ValueError(f"{option} {path}: cannot be resolved ({exc})") from None
        for inp in inputs:
            if resolved == Path(inp).resolve():
                raise ValueError(f"{option} {path} is the input file: choose another name")
        for what, root in protected_roots().items():
            root = root.resolve()
            if resolved == root or root in resolved.parents:
                raise ValueError(
                    f"{option} {path} lies inside {what} ({root}): write the file somewhere else"
                )
        text = str(p)
    return output_target(text)
