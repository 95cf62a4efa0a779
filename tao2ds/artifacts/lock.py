"""build.lock: every input and output with its hash, the resolved config, tool versions and the
engine builder's environment. ``doit build lock=<file>`` rebuilds exactly that state and fails
loudly where this machine differs (inputs, tools) or where the result does (outputs)."""
from __future__ import annotations

import platform
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any, Mapping

from tao2ds import __version__
from tao2ds.core import fileio
from tao2ds.core.errors import LockMismatch

LOCK_VERSION = 1
TOOLS = ("hydra-core", "omegaconf", "doit", "onnx", "onnxruntime", "numpy", "opencv-python-headless")
# outputs that legitimately differ between builds of the same inputs
NOT_REPRODUCIBLE = (".engine", ".engine.json", "timing.cache")
EXCLUDED = ("build.lock",)


@lru_cache(maxsize=1)
def _versions() -> tuple:
    versions = {"python": platform.python_version(), "tao2ds": __version__}
    for name in TOOLS:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "missing"
    return tuple(versions.items())


def tool_versions() -> dict[str, str]:
    return dict(_versions())


def output_files(target_dir: Path) -> list[Path]:
    """Every artifact in the target directory (not run results, not the lock itself)."""
    return sorted(p for p in target_dir.rglob("*")
                  if p.is_file() and "results" not in p.relative_to(target_dir).parts and p.name not in EXCLUDED
                  and not p.name.startswith("."))


def reproducible(rel: str) -> bool:
    return not rel.endswith(NOT_REPRODUCIBLE)


def build_lock(target_dir: Path) -> dict[str, Any]:
    manifest = fileio.read_json(target_dir / "manifest.json")
    sidecar = target_dir / (manifest["artifacts"].get("engine_sidecar") or "")
    return {
        "lock_version": LOCK_VERSION,
        "target": manifest["target"],
        "config": manifest["config"],
        "inputs": manifest["inputs"],
        "outputs": {p.relative_to(target_dir).as_posix(): fileio.sha256_file(p) for p in output_files(target_dir)},
        "not_reproducible": [r for r in (p.relative_to(target_dir).as_posix() for p in output_files(target_dir))
                             if not reproducible(r)],
        "tools": tool_versions(),
        "builder_env": fileio.read_json(sidecar)["env"] if manifest["artifacts"].get("engine_sidecar") else None,
    }


def write_lock(target_dir: Path, out: Path) -> None:
    fileio.write_json(out, build_lock(target_dir))


def read_lock(path: str | Path) -> dict[str, Any]:
    try:
        lock = fileio.read_json(path)
    except FileNotFoundError:
        raise LockMismatch(f"lock file not found: {path}") from None
    except ValueError as e:
        raise LockMismatch(f"{path}: not a lock file ({e})") from None
    if lock.get("lock_version") != LOCK_VERSION:
        raise LockMismatch(f"{path}: lock_version {lock.get('lock_version')} is not {LOCK_VERSION}")
    return lock


def environment_differences(lock: Mapping[str, Any]) -> list[str]:
    """Before a locked rebuild: inputs and tools must be what the lock recorded."""
    diffs = []
    for path, digest in lock["inputs"].items():
        if not Path(path).is_file():
            diffs.append(f"input {path} is missing")
        elif fileio.sha256_file(path) != digest:
            diffs.append(f"input {path} differs (sha256 {digest[:12]} in the lock, {fileio.sha256_file(path)[:12]} here)")
    here = tool_versions()
    for tool, version in lock["tools"].items():
        if here.get(tool) != version:
            diffs.append(f"{tool} {version} in the lock, {here.get(tool)} here")
    return diffs


def output_differences(lock: Mapping[str, Any], target_dir: Path) -> list[str]:
    """After a locked rebuild: every reproducible output must have the locked bytes."""
    now = {p.relative_to(target_dir).as_posix(): fileio.sha256_file(p) for p in output_files(target_dir)}
    diffs = []
    for rel, digest in lock["outputs"].items():
        if not reproducible(rel):
            continue
        if rel not in now:
            diffs.append(f"output {rel} was not produced")
        elif now[rel] != digest:
            diffs.append(f"output {rel} differs from the lock")
    diffs += [f"output {rel} is not in the lock" for rel in now if rel not in lock["outputs"] and reproducible(rel)]
    return diffs


def check_outputs(lock_path: str, target_dir: Path) -> None:
    diffs = output_differences(read_lock(lock_path), target_dir)
    if diffs:
        raise LockMismatch(f"the rebuild of {target_dir.name} does not match {lock_path}:\n  - " + "\n  - ".join(diffs))
    print(f"lock: {target_dir.name} rebuilt exactly as {lock_path} records")


def locked_config(lock: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict:
    """The lock's build config with this machine's run/verify/cache sections."""
    merged = dict(defaults)
    merged.update(lock["config"])
    return merged
