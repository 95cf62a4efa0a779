"""Data passed between the engine-building modules."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class BuilderEnv:
    """What a builder machine has, probed: decides whether its engines run on the target."""

    trt_version: str  # "10.3.0" (as reported; the Python module may add a build number)
    cuda_version: str | None  # major.minor, "12.6"
    gpu_name: str | None  # "Tesla T4", "Orin", ...
    compute_capability: str | None  # "7.5", "8.7"
    platform: str  # "jetson" | "dgpu"
    device_model: str | None  # /proc/device-tree/model on Jetson
    l4t: str | None  # from /etc/nv_tegra_release, e.g. "R36.4.0"


@dataclass(frozen=True)
class EngineRequest:
    onnx: Path
    engine_out: Path  # local paths
    precision: str  # fp32|fp16|int8
    input_name: str
    input_chw: tuple[int, int, int]
    batch_size: int  # profile min 1 (GPU) / =batch for DLA, opt = max = batch
    workspace_mib: int
    calib_cache: Path | None = None  # int8 implicit calibration; None with a Q/DQ onnx
    dla_core: int | None = None
    timing_cache: Path | None = None  # read if present, written back after the build
    # TAO inputs (tao_converter / tao_deploy): what ``onnx`` holds, the UFF outputs to mark, the classmap
    model_format: str = "onnx"  # "onnx" | "etlt-onnx" | "etlt-uff"
    output_names: tuple[str, ...] = ()
    classmap: Path | None = None
    gpu_id: int = 0
    key: str | None = field(default=None, repr=False)  # the .etlt key: never printed with the request
    strongly_typed: bool = False  # a Q/DQ model built strongly typed (nvinfer strongly-typed=1)

    def shape(self, batch: int) -> tuple[int, int, int, int]:
        return (batch, *self.input_chw)

    @property
    def min_batch(self) -> int:
        """DLA has no dynamic shapes, so its profile is fixed at the batch size (as DeepStream does)."""
        return self.batch_size if self.dla_core is not None else 1


@dataclass(frozen=True)
class EngineResult:
    engine: Path
    output_order: list[str]  # engine output tensor names in engine I/O order
    env: BuilderEnv
    log: str
