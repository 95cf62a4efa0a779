"""doit's state DB: sqlite3 (doit's dbm default falls back to dbm.dumb here, which corrupts under
``-n``), made to survive a careless user. Registered in pyproject.toml
``[tool.doit.plugins.backend]`` and chosen by dodo.py's ``DOIT_CONFIG``.

- A corrupt file (truncated, overwritten, not a database) is moved aside with a warning and a new
  one started. It only holds each step's record, so nothing is lost but the verdicts: every step
  re-checks its outputs and reruns (or is restored from the artifact cache).
- A missing folder for it is created; a path that is a directory, or under a file, or not
  writable is one clean error naming it.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from doit.dependency import DatabaseException, SqliteDB

from tao2ds.core import log
from tao2ds.core.errors import ConfigError
from tao2ds.core.report import reported

logger = log.get(__name__)
WHAT = "doit's state file (--db-file, DOIT_CONFIG dep_file)"


class RecoveringSqliteDB(SqliteDB):
    desc = "sqlite3; a corrupt file is moved aside and a new one started (tao2ds)"

    def __init__(self, name, codec, *, module_name=None):
        with reported():
            path = Path(name)
            _check_place(path)
            try:
                super().__init__(name, codec, module_name=module_name)
                _check_integrity(self._conn)
            except (DatabaseException, sqlite3.DatabaseError) as e:
                if getattr(self, "_conn", None) is not None:
                    self._conn.close()
                aside = _move_aside(path)
                log.setup("info")  # the config (log.level) is not read yet: tasks load after the DB
                logger.warning(
                    "%s %s is corrupt (%s); moved it to %s and started a new one: this run checks "
                    "every step again (rebuilding or restoring from the artifact cache)",
                    WHAT,
                    path,
                    str(e).rsplit("Original error: ", 1)[-1],
                    aside,
                )
                super().__init__(name, codec, module_name=module_name)


def _check_integrity(conn) -> None:
    row = conn.execute("PRAGMA quick_check").fetchone()
    verdict = next(iter(row.values())) if isinstance(row, dict) else (row or [None])[0]
    if verdict != "ok":
        raise sqlite3.DatabaseError(f"integrity check: {verdict}")


def _check_place(path: Path) -> None:
    if path.is_dir():
        raise ConfigError(
            f"{WHAT} {path} is a directory", key="dep_file", value=str(path), hint="pass --db-file <file>"
        )
    parent = path.parent
    probe = parent
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise ConfigError(
            f"{WHAT} {path}: {probe} is a file, not a directory",
            key="dep_file",
            value=str(path),
            hint="pass --db-file <file> in a folder",
        )
    if not os.access(probe, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ConfigError(
            f"{WHAT} {path}: not writable by this user",
            key="dep_file",
            value=str(path),
            hint="fix its permissions or pass --db-file <file you can write>",
        )
    parent.mkdir(parents=True, exist_ok=True)


def _move_aside(path: Path) -> Path:
    aside = path.with_name(path.name + ".corrupt")
    n = 1
    while aside.exists():
        aside = path.with_name(f"{path.name}.corrupt.{n}")
        n += 1
    os.replace(path, aside)
    return aside
