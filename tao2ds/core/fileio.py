"""Atomic file output and content hashing: a failed step never leaves a half-written artifact."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from tao2ds.core.errors import InputError, WriteError

# errors that only writing causes: inside the block they mean the output could not be written
WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS}


def write_error(dest: Path, e: OSError) -> WriteError:
    code = errno.errorcode.get(e.errno or 0, "")
    hint = {
        errno.ENOSPC: f"free space on the disk that holds {dest.parent} (df -h {dest.parent}), then rerun",
        errno.EDQUOT: "your disk quota is used up; free some space, then rerun",
        errno.EFBIG: "the file size limit (ulimit -f) or the file system's is too small for this file",
        errno.EROFS: f"{dest.parent} is on a read-only file system; set build.dir / cache.dir elsewhere",
        errno.EISDIR: f"{dest} is a directory; remove it, an output file goes there",
        errno.ENOTDIR: f"{_file_on_the_way(dest)} is a file where a folder should be; remove or move it",
        errno.EEXIST: f"{_file_on_the_way(dest)} is a file where a folder should be; remove or move it",
    }.get(e.errno or 0, f"check that {dest.parent} is a folder you can write to")
    return WriteError(
        f"cannot write {dest}: {e.strerror or e}{f' ({code})' if code else ''}; nothing was written "
        "(an earlier version of the file, if any, is unchanged)",
        file=dest,
        hint=hint,
    )


def _file_on_the_way(dest: Path) -> Path:
    """The nearest part of ``dest``'s folder that exists; a file when a folder could not be made."""
    probe = dest.parent
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return probe


@contextmanager
def atomic_path(dest: str | Path) -> Iterator[Path]:
    """Yield a temp path beside ``dest``; rename it over ``dest`` only if the block succeeds.
    A full disk (or any failure) leaves no partial file: the temp file is removed and ``dest``
    keeps its old bytes; a write failure is a ``WriteError`` naming ``dest``."""
    dest = Path(dest)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    except OSError as e:
        raise write_error(dest, e) from None
    os.close(fd)
    try:
        yield Path(tmp)
    except BaseException as e:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(e, OSError) and e.errno in WRITE_ERRNOS:
            raise write_error(dest, e) from None
        raise
    try:
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
    except OSError as e:  # e.g. a directory where the file goes
        Path(tmp).unlink(missing_ok=True)
        raise write_error(dest, e) from None


def write_bytes(dest: str | Path, data: bytes) -> None:
    with atomic_path(dest) as tmp:
        tmp.write_bytes(data)


def write_text(dest: str | Path, text: str) -> None:
    write_bytes(dest, text.encode("utf-8"))


def write_json(dest: str | Path, obj: Any) -> None:
    write_text(dest, json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


def read_text(path: str | Path, error: type[InputError] = InputError) -> str:
    """An input file's UTF-8 text. A file that is not UTF-8, is a directory or cannot be read is an
    ``error`` naming the file (and the line and byte that do not decode); a missing file raises
    FileNotFoundError, which callers turn into an error naming their config key. A leading
    byte-order mark (Windows editors, spreadsheet exports) is dropped."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise error(f"{path}: is a directory, not a file", file=path) from None
    except PermissionError:
        raise error(f"{path}: not readable by this user", file=path) from None
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise error(
            f"{path}: not UTF-8 text (byte 0x{data[e.start]:02x} at offset {e.start}, line {line})",
            file=path,
            hint="save the file as UTF-8",
        ) from None


def read_json(path: str | Path) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def copy_file(src: str | Path, dest: str | Path) -> None:
    with atomic_path(dest) as tmp:
        shutil.copyfile(src, tmp)


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()
