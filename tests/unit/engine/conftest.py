"""Fixtures for the engine-layer tests: a small multitask ONNX, request factory, the sshd device."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tao2ds.calibration.cache_format import CalibrationCache, trt_version_number
from tao2ds.engine.types import EngineRequest
from tests.fakes.sshd import sshd  # noqa: F401  (module-scoped real OpenSSH server)
from tests.model_factory import make_multitask_onnx

TASKS = {"base_color": 3, "category": 4, "season": 4}
GRAPH_OUTPUTS = ["base_color/Softmax", "category/Softmax", "season/Softmax"]


@pytest.fixture(scope="session")
def multitask_onnx(tmp_path_factory) -> Path:
    """TAO-shaped: input_1 N×3×80×60, outputs <task>/Softmax in graph order GRAPH_OUTPUTS."""
    return make_multitask_onnx(tmp_path_factory.mktemp("model") / "multitask.onnx", TASKS)


@pytest.fixture(scope="session")
def calib_cache(tmp_path_factory) -> Path:
    """A cache for TensorRT 8.5.2 (header TRT-8502): only an 8.5.2 builder accepts it."""
    path = tmp_path_factory.mktemp("calib") / "cal.bin"
    path.write_text("TRT-8502-EntropyCalibration2\ninput_1: 3c010a14\nseason/Softmax: 3c000000\n")
    return path


@pytest.fixture
def calib_cache_for(tmp_path):
    """``calib_cache_for("10.3.0")``: a cache for that TensorRT version, written the way tao2ds writes one
    (header number from ``trt_version_number``), so the stand-ins' own header check cross-checks it."""

    def make(version: str) -> Path:
        cache = CalibrationCache(
            trt_version_number(version), scales={"input_1": 0.0078759, "season/Softmax": 0.0078125}
        )
        path = tmp_path / "calib" / f"cal-{version}.bin"
        path.parent.mkdir(exist_ok=True)
        path.write_text(cache.render())
        return path

    return make


@pytest.fixture
def make_request(multitask_onnx, tmp_path):
    def make(**overrides) -> EngineRequest:
        req = EngineRequest(
            onnx=multitask_onnx,
            engine_out=tmp_path / "out" / "multitask.engine",
            precision="fp16",
            input_name="input_1",
            input_chw=(3, 80, 60),
            batch_size=1,
            workspace_mib=1024,
            calib_cache=None,
            dla_core=None,
            timing_cache=None,
        )
        return dataclasses.replace(req, **overrides)

    return make
