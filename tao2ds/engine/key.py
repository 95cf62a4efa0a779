"""Engine identity: a key over everything that makes an engine valid, and the sidecar that stores it.

The sidecar ``<engine>.json`` has no timestamps, so identical inputs give
byte-identical sidecars and a rebuild can be explained field by field.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

from tao2ds.core import fileio, records
from tao2ds.engine.versions import short_version

if TYPE_CHECKING:  # annotations only: a no-op run reads sidecar paths without the engine types
    from tao2ds.engine.types import BuilderEnv

KEY_FORMAT = 1


def key_fields(
    onnx_sha256: str,
    calib_cache_sha256: str | None,
    precision: str,
    batch_size: int,
    workspace_mib: int,
    dla_core: int | None,
    env: BuilderEnv,
) -> dict[str, Any]:
    """The inputs an engine depends on. TensorRT is keyed by major.minor.patch, since
    ``trtexec`` reports 10.3.0 where ``tensorrt.__version__`` says 10.3.0.26 for the same build."""
    return {
        "key_format": KEY_FORMAT,
        "onnx_sha256": onnx_sha256,
        "calib_cache_sha256": calib_cache_sha256,
        "precision": precision,
        "batch_size": batch_size,
        "workspace_mib": workspace_mib,
        "dla_core": dla_core,
        "trt_version": short_version(env.trt_version),
        "cuda_version": env.cuda_version,
        "compute_capability": env.compute_capability,
        "platform": env.platform,
    }


def key_of_fields(fields: Mapping[str, Any]) -> str:
    """The engine key: tao2ds's one canonical hash (``core.records.digest``) of the fields."""
    return records.digest(fields)


def engine_key(*args: Any, **kwargs: Any) -> str:
    """The key of :func:`key_fields` called with these arguments."""
    return key_of_fields(key_fields(*args, **kwargs))


def _show(v: Any) -> str:
    return "none" if v is None else str(v)


_LABELS = {
    "trt_version": "TensorRT",
    "cuda_version": "CUDA",
    "compute_capability": "GPU compute capability",
    "platform": "platform",
    "precision": "precision",
    "batch_size": "batch size",
    "dla_core": "DLA core",
}


def describe_key_change(old_fields: Mapping[str, Any], new_fields: Mapping[str, Any]) -> list[str]:
    """Human reasons for a rebuild, e.g. ``TensorRT 8.5.2 → 8.6.1``, ``ONNX model changed``."""
    reasons = []
    for name in sorted(set(old_fields) | set(new_fields), key=_order):
        old, new = old_fields.get(name), new_fields.get(name)
        if old == new:
            continue
        if name == "onnx_sha256":
            reasons.append("ONNX model changed")
        elif name == "calib_cache_sha256":
            reasons.append(
                "calibration cache added"
                if old is None
                else "calibration cache removed"
                if new is None
                else "calibration cache changed"
            )
        elif name == "key_format":
            reasons.append("engine key format changed")
        elif name == "workspace_mib":
            reasons.append(f"workspace {_show(old)} MiB → {_show(new)} MiB")
        else:
            reasons.append(f"{_LABELS.get(name, name)} {_show(old)} → {_show(new)}")
    return reasons


_FIELD_ORDER = [
    "onnx_sha256",
    "calib_cache_sha256",
    "precision",
    "batch_size",
    "workspace_mib",
    "dla_core",
    "trt_version",
    "cuda_version",
    "compute_capability",
    "platform",
    "key_format",
]


def _order(name: str) -> tuple[int, str]:
    return (_FIELD_ORDER.index(name) if name in _FIELD_ORDER else len(_FIELD_ORDER), name)


# --- sidecar -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sidecar:
    key: str
    fields: dict[str, Any]
    env: dict[str, Any]
    output_order: list[str]
    engine_sha256: str | None = None


def sidecar_path(engine: Path) -> Path:
    return engine.with_name(engine.name + ".json")


def write_sidecar(engine: Path, fields: Mapping[str, Any], env: BuilderEnv, output_order: list[str]) -> Path:
    """Write ``<engine>.json`` atomically (temp file + os.replace); no timestamps on purpose."""
    path = sidecar_path(engine)
    fileio.write_json(
        path,
        {
            "key": key_of_fields(fields),
            "engine_sha256": fileio.sha256_file(engine),  # the engine is trusted by its bytes, not its name
            "fields": dict(fields),
            "env": dataclasses.asdict(env),
            "output_order": list(output_order),
        },
    )
    return path


def read_sidecar(engine: Path) -> Sidecar | None:
    path = sidecar_path(engine)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Sidecar(
            key=data["key"],
            fields=dict(data["fields"]),
            env=dict(data["env"]),
            output_order=list(data["output_order"]),
            engine_sha256=data.get("engine_sha256"),
        )
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return None


def stale_reasons(
    engine: Path, fields: Mapping[str, Any], sha256: Callable[[Path], str] = fileio.sha256_file
) -> list[str]:
    """Why ``engine`` must be rebuilt for ``fields``; empty when it is up to date. ``sha256`` reads
    the engine's hash (the up-to-date check passes ``core.hashmemo``'s, which reads only a changed file)."""
    if not engine.exists():
        return ["no engine yet"]
    side = read_sidecar(engine)
    if side is None:
        return [f"no readable sidecar {sidecar_path(engine).name}"]
    if side.key == key_of_fields(fields):
        if side.engine_sha256 != sha256(engine):
            return [f"{engine.name} is not the engine that was built (edited, truncated or replaced)"]
        return []
    return describe_key_change(side.fields, fields) or ["engine key changed"]
