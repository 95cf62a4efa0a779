"""The engine nvinfer builds, named the way DeepStream names it, and the INT8 route it takes.

Apart from the nvinfer config's writer (``deepstream.nvinfer``) because the build layout names the
engine on every run, a no-op one included, and the writer is dozens of
generated dataclass methods a no-op run does not need (start-up time, tests/e2e/test_noop_imports.py).
"""

from __future__ import annotations

from typing import Optional

from tao2ds.deepstream import releases


def engine_file_name(
    onnx_name: str, batch_size: int, precision: str, gpu_id: int = 0, dla_core: Optional[int] = None
) -> str:
    """DeepStream's own engine name (nvdsinfer_model_builder), so nvinfer reuses what we ship."""
    device = f"dla{dla_core}" if dla_core is not None else f"gpu{gpu_id}"
    return f"{onnx_name}_b{batch_size}_{device}_{precision}.engine"


def int8_route(trt_version: str, deepstream: Optional[str] = None, requested: str = "auto") -> str:
    """'cache' (implicit calibration, int8-calib-file) or 'qdq' (explicit quantization), per the
    release table (``releases.int8_route``): the cache while TensorRT has implicit INT8 (every
    release up to 9.2 ships TensorRT 10.x, where nvinfer's int8-calib-file path works), the Q/DQ
    model on TensorRT 11+ or when ``precision.int8_route=qdq`` and the release offers it."""
    release = releases.get_or_none(deepstream) if deepstream else None
    return releases.int8_route(release, trt_version, requested)
