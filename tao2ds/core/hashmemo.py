"""Content hashes remembered by file identity, so a no-op run does not read every byte again.

A no-op ``doit build`` proves that nothing changed by content hashes: the recorded sha256 of
each step's outputs, the digest of tao2ds's sources (a step's code) and of ``conf/`` (the compose
cache key). Reading those files again on every run costs more than the rest of the check (and
grows with the model: four staged copies of a 100 MB ONNX are 400 MB to read). ``HashMemo``
keeps each file's sha256 under its identity

    (size, mtime_ns, ctime_ns, inode, device)

and hashes a file again whenever any of these differs. Every write changes mtime and ctime, and
ctime cannot be set back by a user (``touch -d``/``os.utime`` set mtime, and move ctime to now);
a file replaced by rename is a new inode. A file changed within the file system's timestamp
granularity right after it was hashed would keep its identity, so (git's "racy clean" rule) a
hash is only remembered for a file last changed at least ``SETTLED_NS`` before it was read, and
only if its identity did not change while it was read. So the memo can miss but not lie.

Used on the no-op path only: the up-to-date check of a step's outputs, the code digest and the
compose cache key. The artifact cache, the lock check and ``doit explain`` hash the bytes.
Saved at the end of a doit run (``doit_ext.reporter``) in ``.tao2ds/hashes.json``; a missing or
unreadable file is an empty memo.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import time
from pathlib import Path
from typing import Optional

from tao2ds.core import log
from tao2ds.core.errors import WriteError
from tao2ds.core.fileio import write_text

logger = log.get(__name__)

MEMO_FILE = Path(".tao2ds") / "hashes.json"
SETTLED_NS = 2_000_000_000  # 2 s: coarser than any file system's timestamps (FAT: 2 s, ext3: 1 s)
MAX_ENTRIES = 1024  # beyond this, a save keeps only the files this run asked about (reading it stays cheap)
_VERSION = 1


def _identity(st: os.stat_result) -> list[int]:
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]


class HashMemo:
    """sha256 of files by identity; ``save`` writes what was learnt (see the module doc)."""

    def __init__(self, path: Optional[Path] = MEMO_FILE):
        self.path = Path(path).absolute() if path is not None else None
        self._entries: Optional[dict[str, list]] = None
        self._used: set[str] = set()
        self.dirty = False

    def _load(self) -> dict[str, list]:
        if self._entries is None:
            self._entries = {}
            if self.path is not None:
                try:
                    data = json.loads(self.path.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    data = None
                if isinstance(data, dict) and data.get("version") == _VERSION:
                    files = data.get("files")
                    self._entries = files if isinstance(files, dict) else {}
        return self._entries

    def sha256(self, path: str | Path) -> str:
        """The file's sha256 (OSError as ``open`` raises it for a missing/unreadable file)."""
        key = os.path.abspath(path)
        entries = self._load()
        self._used.add(key)
        known = entries.get(key)
        if known is not None and len(known) == 6 and os.access(key, os.R_OK):  # readable, as open would need
            if known[:5] == _identity(os.stat(key)):
                return str(known[5])
        with open(path, "rb") as f:
            before = os.fstat(f.fileno())
            h = hashlib.sha256()
            while block := f.read(1 << 20):
                h.update(block)
            after = os.fstat(f.fileno())
        digest = h.hexdigest()
        settled = time.time_ns() - max(before.st_mtime_ns, before.st_ctime_ns) >= SETTLED_NS
        if stat.S_ISREG(before.st_mode) and settled and _identity(after) == _identity(before):
            entries[key] = [*_identity(before), digest]
            self.dirty = True
        return digest

    def save(self) -> None:
        """Write the memo if it learnt something; failing to is only a warning (it is a speed-up)."""
        if not self.dirty or self.path is None:
            return
        entries = self._load()
        if len(entries) > MAX_ENTRIES:
            entries = {k: v for k, v in entries.items() if k in self._used}
        try:
            write_text(self.path, json.dumps({"version": _VERSION, "files": entries}))
        except (OSError, WriteError) as e:
            logger.debug("cannot save the hash memo %s (%s)", self.path, getattr(e, "message", e))
        self.dirty = False


_default: Optional[HashMemo] = None


def default() -> HashMemo:
    """The memo of this process (``.tao2ds/hashes.json`` under the directory doit runs in)."""
    global _default
    if _default is None:
        _default = HashMemo()
    return _default
