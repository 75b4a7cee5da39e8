"""Unzip an untrusted upload safely: check everything from the zip directory, then extract only the
wanted members into a fresh temporary folder that is always removed.

Why: a zipped shapefile is the usual way to upload one, and a zip can hold paths that climb out of
the folder (``../``, absolute paths, symbolic links) or a "bomb" (a tiny file expanding to
gigabytes). Refused, before extracting: more members than allowed, a total uncompressed size over
the limit, a member over 1 MiB whose compression ratio exceeds the limit, absolute or ``..`` paths,
symbolic links and encrypted members. While extracting, bytes are counted: a member may not write
more than its declared size, nor all of them more than the limit.
"""

from __future__ import annotations

import io
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from ics_maps.readers._user_types import mb


class UnsafeZip(ValueError):
    """A zip refused before (or while) extracting it: the message names the file and the member."""


@contextmanager
def unzipped(data: bytes, name: str, limits, keep: tuple[str, ...]) -> Iterator[Path]:
    """The zip's members ending in ``keep`` (hidden macOS files left out) extracted into a fresh
    temporary folder, which is removed on leaving, also on errors.

    ``limits`` has ``max_zip_members``, ``max_unzipped_bytes``, ``max_zip_ratio`` and
    ``ratio_floor_bytes`` (see :class:`ics_maps.readers.user_layer.Limits`). Everything is checked
    from the zip directory before one byte is extracted; :class:`UnsafeZip` says what was refused.
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError) as e:
        raise UnsafeZip(f"{name} is not a readable zip file ({e})") from None
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        _check_zip(infos, name, limits)
        wanted = [
            i for i in infos if Path(i.filename).suffix.lower() in keep and not _hidden(i.filename)
        ]
        root = Path(tempfile.mkdtemp(prefix="ics-maps-upload-")).resolve()
        try:
            budget = limits.max_unzipped_bytes
            for info in wanted:
                target = (root / _safe_member(info.filename, name)).resolve()
                if not target.is_relative_to(root):  # belt and braces after _safe_member
                    raise UnsafeZip(
                        f"{name}: member {info.filename!r} would be written outside the folder"
                    )
                target.parent.mkdir(parents=True, exist_ok=True)
                budget -= _extract(zf, info, target, budget, name)
            yield root
        finally:
            shutil.rmtree(root, ignore_errors=True)


def _check_zip(infos: list[zipfile.ZipInfo], name: str, limits) -> None:
    if len(infos) > limits.max_zip_members:
        raise UnsafeZip(
            f"{name} holds {len(infos)} files, over the limit of {limits.max_zip_members}: zip "
            "only the shapefile's parts (.shp, .shx, .dbf, .prj, .cpg)"
        )
    for info in infos:
        _safe_member(info.filename, name)
        if (info.external_attr >> 16) & 0o170000 == 0o120000:
            raise UnsafeZip(f"{name}: member {info.filename!r} is a symbolic link: refused")
        if info.flag_bits & 0x1:
            raise UnsafeZip(
                f"{name}: member {info.filename!r} is encrypted: upload an unencrypted zip"
            )
        big = info.file_size >= limits.ratio_floor_bytes
        ratio = info.file_size / max(info.compress_size, 1)
        if big and ratio > limits.max_zip_ratio:
            raise UnsafeZip(
                f"{name}: member {info.filename!r} would expand from {mb(info.compress_size)} to "
                f"{mb(info.file_size)} ({ratio:,.0f}:1, the limit is "
                f"{limits.max_zip_ratio:,.0f}:1): refused as a possible zip bomb"
            )
    total = sum(i.file_size for i in infos)
    if total > limits.max_unzipped_bytes:
        raise UnsafeZip(
            f"{name} would expand to {mb(total)}, over the {mb(limits.max_unzipped_bytes)} limit "
            "for unzipped files"
        )


def _safe_member(member: str, name: str) -> str:
    """A member path that stays inside the extraction folder, else :class:`UnsafeZip`."""
    text = member.replace("\\", "/")
    parts = PurePosixPath(text).parts
    if text.startswith("/") or re.match(r"^[A-Za-z]:", text) or ".." in parts or not parts:
        raise UnsafeZip(
            f"{name}: member {member!r} has an absolute or '..' path: refused (a zip must not "
            "write outside its folder)"
        )
    return str(PurePosixPath(*parts))


def _hidden(member: str) -> bool:
    parts = PurePosixPath(member.replace("\\", "/")).parts
    return any(p.startswith("__MACOSX") for p in parts) or parts[-1].startswith("._")


def _extract(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, budget: int, name: str
) -> int:
    """Copy one member, counting bytes: the directory's sizes may lie. Returns bytes written."""
    written = 0
    cap = min(info.file_size, budget)
    with zf.open(info) as src, open(target, "wb") as dst:
        while True:
            chunk = src.read(1024 * 1024)
            if not chunk:
                break
            written += len(chunk)
            if written > cap:
                raise UnsafeZip(
                    f"{name}: member {info.filename!r} expands beyond its declared size or the "
                    "limit for unzipped files: refused"
                )
            dst.write(chunk)
    return written
