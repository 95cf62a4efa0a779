"""Refuse to run a stale or hand-edited build: its inputs, config or artifacts no longer match the
manifest's record. The reasons use the records' one vocabulary."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Optional

from tao2ds.artifacts.manifest import read_manifest, record_of, target_record
from tao2ds.core import records
from tao2ds.core.errors import StaleBuildError


def stale_reasons(
    build_dir: Path, manifest: Mapping[str, Any], config: Optional[Mapping] = None
) -> list[str]:
    old = record_of(manifest)
    now = target_record(
        config if config is not None else manifest["config"],
        records.hash_files(old.inputs),
        {rel: records.hash_files([build_dir / rel])[str(build_dir / rel)] for rel in old.outputs},
    )
    return records.differences(old, now, outputs=True)


def check_fresh(build_dir: Path, config: Optional[Mapping] = None) -> dict[str, Any]:
    """The manifest, if the build in ``build_dir`` is exactly what it records; else StaleBuildError."""
    manifest = read_manifest(build_dir)
    reasons = stale_reasons(build_dir, manifest, config)
    if reasons:
        raise StaleBuildError(
            f"the build in {build_dir} is stale; rebuild with `doit build target={manifest['target']}` "
            "before running it:\n  - " + "\n  - ".join(reasons[:10]),
            file=build_dir,
        )
    return manifest
