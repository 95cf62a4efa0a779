"""Refuse to run a stale build: inputs or config changed since the manifest was written."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator, Mapping, Optional

from tao2ds.core import fileio
from tao2ds.core.errors import StaleBuildError


def _flatten(d: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(d, Mapping):
        for k, v in d.items():
            yield from _flatten(v, f"{prefix}{k}.")
    else:
        yield prefix.rstrip("."), d


def config_differences(old: Mapping, new: Mapping) -> list[str]:
    a, b = dict(_flatten(old)), dict(_flatten(new))
    return [f"{k}: {a.get(k)!r} → {b.get(k)!r}" for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]


def stale_reasons(build_dir: Path, manifest: Mapping[str, Any], config: Optional[Mapping] = None) -> list[str]:
    reasons = []
    for name, rel in manifest["artifacts"].items():
        if rel and not (build_dir / rel).exists():
            reasons.append(f"artifact {name} ({rel}) is missing")
    for path, digest in manifest["inputs"].items():
        p = Path(path)
        if not p.is_file():
            reasons.append(f"input {path} no longer exists")
        elif fileio.sha256_file(p) != digest:
            reasons.append(f"input {path} changed since the build")
    if config is not None:
        reasons += [f"config {d}" for d in config_differences(manifest["config"], config)]
    return reasons


def check_fresh(build_dir: Path, config: Optional[Mapping] = None) -> dict[str, Any]:
    manifest_path = build_dir / "manifest.json"
    if not manifest_path.is_file():
        raise StaleBuildError(f"{build_dir} has no manifest.json: build it first (doit build target={build_dir.name})")
    manifest = fileio.read_json(manifest_path)
    reasons = stale_reasons(build_dir, manifest, config)
    if reasons:
        raise StaleBuildError(f"the build in {build_dir} is stale; rebuild with `doit build target={manifest['target']}` "
                              "before running it:\n  - " + "\n  - ".join(reasons[:10]))
    return manifest
