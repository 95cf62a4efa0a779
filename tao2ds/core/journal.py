"""A run's undo journal: a failed or interrupted run leaves every build folder as it found it.

Steps write their outputs one file at a time (atomically, ``core.fileio``), so without help a run
that fails half-way leaves a folder mixing new and old files (a new nvinfer config beside an old
engine, a staged model the build never finished with). Before the first step of a run writes into a
folder, ``Journal.begin`` saves that folder's current files under ``<build.dir>/.tao2ds-journal/``:
hard links where possible (every writer in tao2ds replaces files by rename, so a link keeps the old
bytes), copies otherwise. At the end of the run the journal is either dropped (``commit``) or played
back (``rollback``): files the run added are removed, files it replaced or removed come back, byte for
byte. A journal still present when the next run starts belongs to a run that was killed (SIGKILL, power
loss); ``recover`` plays it back first, the way a database replays its journal.

Several worker processes (``doit -n``) may begin the same folder at once: the first to create the
folder's journal directory snapshots it; the others wait for its ``state.json`` (written last).
Only one run may use a build directory at a time (``BuildDirLock``); a second waits for the first.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import time
from pathlib import Path
from typing import Iterator, Optional

from tao2ds.core import log
from tao2ds.core.errors import BuildError

logger = log.get(__name__)

JOURNAL_DIR = ".tao2ds-journal"
LOCK_FILE = ".tao2ds.lock"
STATE = "state.json"
RUN_ENV = "TAO2DS_RUN_JOURNAL"  # set for the run's duration; worker processes inherit it


def _files(root: Path) -> Iterator[str]:
    """Relative paths of the regular files (and symlinks) under ``root``, journal excluded."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != JOURNAL_DIR]
        for name in filenames:
            yield Path(os.path.relpath(os.path.join(dirpath, name), root)).as_posix()


def _save(src: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    if src.is_symlink():
        os.symlink(os.readlink(src), dest)
        return
    try:
        os.link(src, dest)
    except OSError:
        shutil.copy2(src, dest)


class Journal:
    """The undo journal of one run over one build directory."""

    def __init__(self, build_dir: str | Path):
        self.build_dir = Path(build_dir)
        self.dir = self.build_dir / JOURNAL_DIR

    @classmethod
    def of_run(cls) -> Optional["Journal"]:
        """The journal of the run this process belongs to, if a run opened one."""
        where = os.environ.get(RUN_ENV)
        return cls(where) if where else None

    def folder_of(self, path: Path) -> Optional[Path]:
        """The top-level folder of the build directory that ``path`` lies in (None: outside it)."""
        try:
            rel = Path(os.path.abspath(path)).relative_to(os.path.abspath(self.build_dir))
        except ValueError:
            return None
        if len(rel.parts) < 2 or rel.parts[0] == JOURNAL_DIR:
            return None
        return self.build_dir / rel.parts[0]

    def begin_for(self, outputs) -> None:
        """Journal every folder that ``outputs`` will be written into (once per run and folder)."""
        for folder in {f for f in map(self.folder_of, outputs) if f is not None}:
            self.begin(folder)

    def begin(self, folder: Path) -> None:
        entry = self.dir / folder.name
        try:
            entry.mkdir(parents=True)
        except FileExistsError:
            self._wait_for(entry)
            return
        existed = folder.is_dir()
        files = sorted(_files(folder)) if existed else []
        for rel in files:
            _save(folder / rel, entry / "files" / rel)
        tmp = entry / (STATE + ".tmp")
        tmp.write_text(json.dumps({"folder": folder.name, "existed": existed, "files": files}))
        os.replace(tmp, entry / STATE)

    @staticmethod
    def _wait_for(entry: Path, timeout: float = 600.0) -> None:
        end = time.monotonic() + timeout
        while not (entry / STATE).exists():
            if time.monotonic() > end:
                raise BuildError(f"timed out waiting for the undo journal {entry} to be written")
            time.sleep(0.01)

    def entries(self) -> list[Path]:
        return sorted(p for p in self.dir.iterdir() if p.is_dir()) if self.dir.is_dir() else []

    def commit(self) -> None:
        """The run succeeded: its changes stay."""
        shutil.rmtree(self.dir, ignore_errors=True)

    def rollback(self) -> list[str]:
        """Undo the run: every journaled folder back to its saved files. Returns the folders."""
        restored = []
        for entry in self.entries():
            state_path = entry / STATE
            if not state_path.exists():  # killed while snapshotting: nothing was written yet
                shutil.rmtree(entry, ignore_errors=True)
                continue
            state = json.loads(state_path.read_text())
            folder = self.build_dir / state["folder"]
            self._restore(folder, entry / "files", set(state["files"]), state["existed"])
            shutil.rmtree(entry, ignore_errors=True)
            restored.append(state["folder"])
        shutil.rmtree(self.dir, ignore_errors=True)
        return restored

    @staticmethod
    def _restore(folder: Path, saved: Path, files: set[str], existed: bool) -> None:
        if not existed:
            shutil.rmtree(folder, ignore_errors=True)
            return
        for rel in list(_files(folder)):
            if rel not in files:
                (folder / rel).unlink()
        for rel in files:
            dest = folder / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(saved / rel, dest)
        for dirpath, dirnames, filenames in os.walk(folder, topdown=False):
            if dirpath != str(folder) and not dirnames and not filenames:
                try:
                    os.rmdir(dirpath)  # directories the run created
                except OSError:
                    pass


class BuildDirLock:
    """One run per build directory: ``flock`` on ``<build.dir>/.tao2ds.lock``, held for the run.

    A second ``doit build`` on the same directory waits (saying so) instead of interleaving its writes
    with the first one's; the kernel drops the lock when a process dies, so a crash never leaves it held.
    """

    def __init__(self, build_dir: str | Path):
        self.path = Path(build_dir) / LOCK_FILE
        self.fd: Optional[int] = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            if e.errno not in (errno.EAGAIN, errno.EACCES):
                os.close(fd)
                raise
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "?"
            logger.warning(
                "another tao2ds run (pid %s) is using %s; waiting for it", holder, self.path.parent
            )
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self.fd = fd

    def release(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None
