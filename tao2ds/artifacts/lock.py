"""build.lock: every input and output with its hash, the resolved config, tool versions and the
engine builder's environment. ``doit build lock=<file>`` rebuilds exactly that state and fails
loudly where this machine differs (inputs, tools) or where the result does (outputs)."""

from __future__ import annotations

import sys
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any, Mapping, Optional

from tao2ds import __version__
from tao2ds.artifacts.manifest import MANIFEST
from tao2ds.core import fileio, log, records
from tao2ds.core.errors import InputError, LockMismatch

logger = log.get(__name__)
LOCK_VERSION = 1
TOOLS = ("hydra-core", "omegaconf", "doit", "onnx", "onnxruntime", "numpy", "opencv-python-headless")
# outputs that legitimately differ between builds of the same inputs
NOT_REPRODUCIBLE = (".engine", ".engine.json", "timing.cache")


@lru_cache(maxsize=1)
def _versions() -> tuple:
    # sys.version's first word is what platform.python_version() parses out (without importing it)
    versions = {"python": sys.version.split()[0], "tao2ds": __version__}
    for name in TOOLS:
        try:
            versions[name] = _version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "missing"
    return tuple(versions.items())


def _version(name: str) -> str:
    """``metadata.version(name)`` without the email parser it loads (every run declares the lock
    step, so this is start-up time): the ``Version:`` header of the distribution's METADATA."""
    dist = metadata.distribution(name)
    for line in (dist.read_text("METADATA") or dist.read_text("PKG-INFO") or "").splitlines():
        if not line:
            break  # end of the headers
        if line.startswith("Version:"):
            return line[len("Version:") :].strip()
    return dist.version


def tool_versions() -> dict[str, str]:
    return dict(_versions())


def reproducible(rel: str) -> bool:
    return not rel.endswith(NOT_REPRODUCIBLE)


def build_lock(
    manifest_path: Path, builder_env: Optional[Mapping[str, Any]], tools: Mapping[str, str]
) -> dict[str, Any]:
    """The lock of a target build: its manifest's record plus the manifest itself, tool versions
    and the engine builder's environment."""
    manifest = fileio.read_json(manifest_path)
    outputs = {**manifest["outputs"], manifest_path.name: fileio.sha256_file(manifest_path)}
    return {
        "lock_version": LOCK_VERSION,
        "target": manifest["target"],
        "config": manifest["config"],
        "inputs": manifest["inputs"],
        "outputs": dict(sorted(outputs.items())),
        "not_reproducible": sorted(r for r in outputs if not reproducible(r)),
        "tools": dict(tools),
        "builder_env": dict(builder_env) if builder_env else None,
    }


def write_lock(manifest: Path, engine_sidecar: Optional[Path], out: Path, tools: Mapping[str, str]) -> None:
    env = fileio.read_json(engine_sidecar)["env"] if engine_sidecar else None
    fileio.write_json(out, build_lock(manifest, env, tools))


def read_lock(path: str | Path) -> dict[str, Any]:
    try:
        lock = fileio.read_json(path)
    except FileNotFoundError:
        raise InputError(f"lock file not found: {path}", key="lock", file=path) from None
    except (ValueError, InputError) as e:
        raise InputError(f"{path}: not a lock file ({e})", key="lock", file=path) from None
    if (
        not isinstance(lock, dict)
        or not {"lock_version", "inputs", "outputs", "tools", "config"} <= lock.keys()
    ):
        raise InputError(
            f"{path}: not a lock file (it needs lock_version, inputs, outputs, tools and config)",
            key="lock",
            file=path,
        )
    if lock.get("lock_version") != LOCK_VERSION:
        raise LockMismatch(f"{path}: lock_version {lock.get('lock_version')} is not {LOCK_VERSION}")
    return lock


def environment_differences(lock: Mapping[str, Any]) -> list[str]:
    """Before a locked rebuild: inputs and tools must be what the lock recorded."""
    diffs = records.file_changes(
        lock["inputs"], records.hash_files(lock["inputs"]), "input", changed="differs from the lock"
    )
    here = tool_versions()
    for tool, version in lock["tools"].items():
        if here.get(tool) != version:
            diffs.append(f"{tool} {version} in the lock, {here.get(tool)} here")
    return diffs


def output_differences(lock: Mapping[str, Any], target_dir: Path) -> list[str]:
    """After a locked rebuild: every reproducible output must have the locked bytes."""

    manifest = fileio.read_json(target_dir / MANIFEST)
    names = {*manifest["outputs"], MANIFEST, *lock["outputs"]}
    now = {rel: h for rel, h in records.hash_files(target_dir / rel for rel in names).items()}
    now = {Path(p).relative_to(target_dir).as_posix(): h for p, h in now.items()}
    keep = lambda d: {r: h for r, h in d.items() if reproducible(r)}  # noqa: E731
    return records.file_changes(keep(lock["outputs"]), keep(now), "output", changed="differs from the lock")


def check_outputs(manifest: Path, lock_path: str) -> None:
    target_dir = manifest.parent
    diffs = output_differences(read_lock(lock_path), target_dir)
    if diffs:
        raise LockMismatch(
            f"the rebuild of {target_dir.name} does not match {lock_path}:\n  - " + "\n  - ".join(diffs)
        )
    logger.info("lock: %s rebuilt exactly as %s records", target_dir.name, lock_path)


def locked_config(lock: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict:
    """The lock's build config with this machine's run/verify/cache sections."""
    merged = dict(defaults)
    merged.update(lock["config"])
    return merged
