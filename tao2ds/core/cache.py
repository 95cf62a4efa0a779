"""Content-addressed artifact cache, local and remote (any fsspec URL).

A task's outputs are stored under a key made of what determines them: the step kind, the config
subset it uses, the content hashes of its input files and tao2ds's code (and, for engines, the
builder environment through the engine key in its params). Blobs are stored by their sha256, so
the same ONNX staged into four target directories is kept once, and a corrupted blob is caught
by re-hashing before it is used.

    <root>/entries/<key>.json   {"kind": ..., "files": [sha256 of target 0, target 1, ...]}
    <root>/objects/<ab>/<sha256>
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional, Sequence

from tao2ds.core import fileio, log
from tao2ds.core.errors import ConfigError

logger = log.get(__name__)

# fsspec protocols whose filesystem lives in another package → this project's extra that installs it
# (pyproject.toml [project.optional-dependencies]; fsspec 2024+ registry names the package in 'err')
REMOTE_EXTRAS = {"s3": "s3", "s3a": "s3", "gs": "gcs", "gcs": "gcs", "ssh": "ssh", "sftp": "ssh"}


def check_remote(url: str) -> None:
    """Refuse a ``cache.remote`` whose protocol fsspec does not know or cannot load here, before
    any step runs (no connection is made: only the filesystem class is imported)."""
    import fsspec  # deferred: only with cache.remote

    protocol = fsspec.core.split_protocol(url)[0] or "file"
    try:
        fsspec.get_filesystem_class(protocol)
    except ImportError as e:
        extra = REMOTE_EXTRAS.get(protocol)
        how = (
            f".venv/bin/pip install -e '.[{extra}]' (the '{extra}' extra of tao2ds)"
            if extra
            else "install the package fsspec names"
        )
        raise ConfigError(
            f"cache.remote={url}: the '{protocol}' protocol needs a package that is not installed ({e})",
            key="cache.remote",
            value=url,
            hint=how,
        ) from None
    except ValueError:
        import difflib

        from fsspec.registry import known_implementations

        close = difflib.get_close_matches(protocol, list(known_implementations), n=1)
        raise ConfigError(
            f"cache.remote={url}: unknown protocol '{protocol}'"
            + (f" (did you mean '{close[0]}'?)" if close else "")
            + "; tao2ds's remote cache is meant for file, s3, gs and ssh",
            key="cache.remote",
            value=url,
            hint="use file:///dir, s3://bucket/prefix, gs://bucket/prefix or ssh://host/dir",
        ) from None


class _Remote:
    """The few operations we need on an fsspec filesystem."""

    def __init__(self, url: str):
        import fsspec  # deferred: only with cache.remote

        self.fs, root = fsspec.core.url_to_fs(url)
        self.root = root.rstrip("/")

    def path(self, rel: str) -> str:
        return f"{self.root}/{rel}"

    def exists(self, rel: str) -> bool:
        return self.fs.exists(self.path(rel))

    def get(self, rel: str, local: Path) -> None:
        with fileio.atomic_path(local) as tmp:
            self.fs.get_file(self.path(rel), str(tmp))

    def put(self, local: Path, rel: str) -> None:
        dest = self.path(rel)
        parent = dest.rsplit("/", 1)[0]
        self.fs.makedirs(parent, exist_ok=True)
        tmp = f"{parent}/.{dest.rsplit('/', 1)[1]}.{os.getpid()}.tmp"
        self.fs.put_file(str(local), tmp)
        self.fs.mv(tmp, dest)  # readers never see a partial object


class ArtifactCache:
    def __init__(self, local_dir: str | Path, remote: Optional[str] = None):
        self.root = Path(local_dir)
        self.remote = _Remote(remote) if remote else None
        self._bad_remote: set[str] = set()  # remote objects found corrupted: overwritten by the next store

    # -- layout -------------------------------------------------------------------------------
    @staticmethod
    def _entry_rel(key: str) -> str:
        return f"entries/{key}.json"

    @staticmethod
    def _object_rel(sha: str) -> str:
        return f"objects/{sha[:2]}/{sha}"

    def _local(self, rel: str) -> Path:
        return self.root / rel

    # -- operations ---------------------------------------------------------------------------
    def has(self, key: str) -> bool:
        return self._local(self._entry_rel(key)).is_file() or bool(
            self.remote and self.remote.exists(self._entry_rel(key))
        )

    def restore(self, key: str, targets: Sequence[Path], label: str) -> bool:
        """Put the cached outputs in place; False on a miss or a corrupted entry (which is dropped)."""
        entry = self._read_entry(key)
        if entry is None or len(entry["files"]) != len(targets):
            return False
        for sha in entry["files"]:
            if not self._fetch_object(sha, label):
                self._drop(key)
                return False
        for sha, dest in zip(entry["files"], targets):
            fileio.copy_file(self._local(self._object_rel(sha)), dest)
        logger.info("%s: restored from the artifact cache (%s)", label, key[:12])
        return True

    def store(self, key: str, targets: Sequence[Path], kind: str) -> None:
        files = []
        for path in targets:
            sha = fileio.sha256_file(path)
            obj = self._local(self._object_rel(sha))
            if not obj.is_file():
                fileio.copy_file(path, obj)
            files.append(sha)
        entry = self._local(self._entry_rel(key))
        fileio.write_json(entry, {"kind": kind, "files": files})
        if self.remote:
            for sha in files:
                if sha in self._bad_remote or not self.remote.exists(self._object_rel(sha)):
                    self.remote.put(self._local(self._object_rel(sha)), self._object_rel(sha))
                    if sha in self._bad_remote:
                        logger.info(
                            "cache: replaced the corrupted remote object %s with the rebuilt bytes", sha[:12]
                        )
                        self._bad_remote.discard(sha)
            self.remote.put(entry, self._entry_rel(key))

    # -- internals ----------------------------------------------------------------------------
    def _read_entry(self, key: str) -> Optional[dict]:
        local = self._local(self._entry_rel(key))
        if not local.is_file() and self.remote and self.remote.exists(self._entry_rel(key)):
            self.remote.get(self._entry_rel(key), local)
        try:
            return fileio.read_json(local) if local.is_file() else None
        except (OSError, ValueError):
            return None

    def _fetch_object(self, sha: str, label: str) -> bool:
        local = self._local(self._object_rel(sha))
        if local.is_file() and fileio.sha256_file(local) == sha:
            return True
        if local.is_file():
            logger.warning(
                "%s: corrupted cache object %s (content does not match its hash); removed, rebuilding",
                label,
                sha[:12],
            )
            local.unlink()
        if self.remote and self.remote.exists(self._object_rel(sha)):
            self.remote.get(self._object_rel(sha), local)
            if fileio.sha256_file(local) == sha:
                return True
            logger.warning("%s: corrupted remote cache object %s; not used, rebuilding", label, sha[:12])
            self._bad_remote.add(sha)
            local.unlink()
        return False

    def _drop(self, key: str) -> None:
        self._local(self._entry_rel(key)).unlink(missing_ok=True)
