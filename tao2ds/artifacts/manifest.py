"""The per-target manifest: what was built, from what, for which label order.

Its ``config``, ``inputs`` and ``outputs`` are the target build's record (``tao2ds.core.records``):
the config that determines the artifacts, the user's input files with their hashes, and every
artifact in the folder with its hash. The stale-build check, ``doit launch``/``verify``/``bundle``
and the lock read it; a file in the folder that is not in ``outputs`` is not part of the build.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Optional, Sequence

from tao2ds import __version__
from tao2ds.core import fileio, records
from tao2ds.core.errors import StaleBuildError

if TYPE_CHECKING:
    from tao2ds.model.labels import Labels

MANIFEST = "manifest.json"
RESOLVED_CONFIG = "config.yaml"


def target_record(
    config: Mapping[str, Any], inputs: Mapping[str, str], outputs: Mapping[str, str]
) -> records.StepRecord:
    """The record of a whole target build (kind "target")."""
    return records.StepRecord(
        kind="target", params=records.params_of(config), inputs=dict(inputs), outputs=dict(outputs), code=""
    )


def record_of(manifest: Mapping[str, Any]) -> records.StepRecord:
    return target_record(manifest["config"], manifest["inputs"], manifest.get("outputs", {}))


def build_manifest(
    *,
    target: str,
    precision: str,
    int8_route: Optional[str],
    artifacts: Mapping[str, Optional[str]],
    engine_file_name: str,
    engine_note: Optional[str],
    labels: Labels,
    order: Sequence[str],
    order_source: str,
    preprocessing: Mapping[str, Any],
    config: Mapping[str, Any],
    inputs: Mapping[str, str],
    outputs: Mapping[str, str],
    calibration: Optional[Mapping[str, Any]] = None,
) -> dict[str, Any]:
    """``calibration``: where the INT8 scales came from (tao2ds, TAO export, TAO Deploy), for int8."""
    return {
        "tao2ds_version": __version__,
        "target": target,
        "precision": precision,
        "int8_route": int8_route,
        "artifacts": dict(artifacts),
        "engine_file_name": engine_file_name,
        "engine_note": engine_note,
        "label_tasks": list(labels.tasks),
        "label_order_source": order_source,
        "output_order": list(order),
        "preprocessing": dict(preprocessing),
        **({"calibration": dict(calibration)} if calibration is not None else {}),
        "config": dict(config),
        "inputs": dict(inputs),
        "outputs": dict(outputs),
    }


def write_resolved_config(config: Mapping[str, Any], out: Path) -> None:
    """config.yaml: the composed config that determined the artifacts, for a person to read."""
    import yaml  # deferred: only when the manifest is written (a no-op run imports this module)

    fileio.write_text(out, yaml.safe_dump(dict(config), sort_keys=False, allow_unicode=True))


def read_manifest(build_dir: Path) -> dict[str, Any]:

    path = build_dir / MANIFEST
    if not path.is_file():
        raise StaleBuildError(
            f"{build_dir} has no {MANIFEST}: build it first (doit build target={build_dir.name})", file=path
        )
    try:
        data = fileio.read_json(path)
        record_of(data)
        return data
    except (ValueError, KeyError, TypeError) as e:
        raise StaleBuildError(
            f"{path} is not a tao2ds manifest ({e}); rebuild with doit build target={build_dir.name}",
            file=path,
        ) from None
