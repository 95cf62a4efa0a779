"""TensorRT version facts in one place, so trtexec flags and Python API choices agree.

Sources (see /work/shared/reference/tensorrt.md §b): `--memPoolSize` and
`set_memory_pool_limit` exist from 8.4; `--skipInference` from 8.6 (`--buildOnly`
before, gone in 10.x); the engine inspector (`--dumpLayerInfo`) from 8.2;
`ICudaEngine.num_io_tensors` from 8.5; TensorRT 11 removed implicit precision
flags (`--fp16/--int8/--calib`, `BuilderFlag.FP16/INT8`, calibrators).
"""

from __future__ import annotations

import re

from tao2ds.core.errors import UnsupportedBuild, VersionError

Version = tuple[int, int, int]


def parse_version(text: str) -> Version:
    """'10.3.0.26' -> (10, 3, 0); a 4th (build) component is ignored."""
    m = re.match(r"\s*(\d+)\.(\d+)(?:\.(\d+))?", str(text))
    if not m:
        raise VersionError(f"not a TensorRT version: {text!r}")
    return int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)


def short_version(text: str) -> str:
    """major.minor.patch, the part that decides engine compatibility."""
    return "%d.%d.%d" % parse_version(text)


def build_component(text: str) -> str | None:
    """The 4th component of '10.3.0.26' ('26'), or None."""
    parts = str(text).strip().split(".")
    return ".".join(parts[3:]) if len(parts) > 3 else None


def has_mem_pool_size(v: Version) -> bool:
    return v >= (8, 4, 0)


def has_layer_info(v: Version) -> bool:
    """`--dumpLayerInfo` / IEngineInspector: prints the engine's binding list."""
    return v >= (8, 2, 0)


def has_skip_inference(v: Version) -> bool:
    return v >= (8, 6, 0)


def has_io_tensor_api(v: Version) -> bool:
    return v >= (8, 5, 0)


def has_strongly_typed(v: Version) -> bool:
    """trtexec ``--stronglyTyped`` / ``NetworkDefinitionCreationFlag.STRONGLY_TYPED`` from 10.0
    (tensorrt-tools.md finding 19: sampleOptions.cpp v10.0.0 has it, 8.6.1 not)."""
    return v >= (10, 0, 0)


def needs_explicit_batch_flag(v: Version) -> bool:
    return v[0] < 10


def implicit_precision_removed(v: Version) -> bool:
    """TensorRT 11: networks are strongly typed; no --fp16/--int8/--calib, no calibrators."""
    return v[0] >= 11


def check_precision_supported(v: Version, precision: str, has_calib_cache: bool) -> None:
    """Refuse requests the TensorRT version cannot build, with the way out in the message."""
    if precision not in ("fp32", "fp16", "int8"):
        raise UnsupportedBuild(f"precision must be fp32, fp16 or int8, not {precision!r}")
    if not implicit_precision_removed(v):
        return
    ver = "%d.%d.%d" % v
    if has_calib_cache:
        raise UnsupportedBuild(
            f"TensorRT {ver} removed INT8 calibration caches (--int8/--calib, IInt8EntropyCalibrator2). "
            "Quantize the ONNX with ModelOpt (Q/DQ nodes) and build it with precision int8 and no calibration cache."
        )
    if precision == "fp16":
        raise UnsupportedBuild(
            f"TensorRT {ver} removed --fp16 (networks are strongly typed). Convert the ONNX with "
            "ModelOpt AutoCast and build the converted model with precision fp32."
        )
