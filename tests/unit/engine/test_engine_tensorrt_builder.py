"""The in-process TensorRT builder's call sequence, against stand-in ``tensorrt`` modules per API."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys

import pytest

from tao2ds.core.errors import CalibrationCacheRejected, EngineBuildError
from tao2ds.engine.builders.tensorrt import TensorRTBuilder, save_timing_cache
from tao2ds.engine.types import BuilderEnv
from tests.fakes.fake_tensorrt import call_names, make_fake_tensorrt
from tests.unit.engine.conftest import GRAPH_OUTPUTS

MIB = 1 << 20
T4 = BuilderEnv("", "12.6", "Tesla T4", "7.5", "dgpu", None, None)


@pytest.fixture
def fake_trt(monkeypatch):
    def install(version, **kwargs):
        mod = make_fake_tensorrt(version, **kwargs)
        monkeypatch.setitem(sys.modules, "tensorrt", mod)
        return mod

    return install


def builder_for(version) -> TensorRTBuilder:
    b = TensorRTBuilder()
    b._env = BuilderEnv(version, *list(T4.__dict__.values())[1:])  # skip the GPU probe: no nvidia-smi here
    return b


def build_calls(mod):
    """The calls that configure and run the build, without logger/calibrator plumbing."""
    return [c for c in mod.calls if not c[0].endswith("__init__")]


def test_trt_82_api(fake_trt, make_request, tmp_path):
    trt = fake_trt("8.2.1.8")
    req = make_request(batch_size=4, timing_cache=tmp_path / "timing.cache")
    result = builder_for("8.2.1.8").build(req)
    assert build_calls(trt) == [
        ("Builder",),
        ("create_network", 1),  # 1 << EXPLICIT_BATCH
        ("create_builder_config",),
        ("OnnxParser",),
        ("parse", req.onnx.stat().st_size),
        ("config.max_workspace_size", 1024 * MIB),
        ("create_optimization_profile",),
        ("set_shape", "input_1", (1, 3, 80, 60), (4, 3, 80, 60), (4, 3, 80, 60)),
        ("add_optimization_profile",),
        ("set_flag", "FP16"),
        ("create_timing_cache", b""),
        ("set_timing_cache", False),
        ("build_serialized_network",),
        ("Runtime",),
        ("deserialize_cuda_engine",),
        ("engine.num_bindings",),
        *[
            c
            for i in range(4)
            for c in (("engine.binding_is_input", i),) + ((("engine.get_binding_name", i),) if i else ())
        ],
        ("get_timing_cache",),
        ("timing_cache.serialize",),
    ]
    assert result.output_order == GRAPH_OUTPUTS
    assert req.engine_out.read_bytes().startswith(b"FAKE-TRT-PY-ENGINE")
    assert req.timing_cache.read_bytes() == b"+entry:8.2.1.8\n"


def test_trt_103_api(fake_trt, make_request, tmp_path):
    trt = fake_trt("10.3.0.26", reversed_outputs=True)
    tc = tmp_path / "timing.cache"
    tc.write_bytes(b"old;")
    result = builder_for("10.3.0.26").build(make_request(timing_cache=tc))
    calls = build_calls(trt)
    assert ("create_network", 0) in calls
    assert ("set_memory_pool_limit", "WORKSPACE", 1024 * MIB) in calls
    assert not any(c[0] == "config.max_workspace_size" for c in calls)
    assert ("create_timing_cache", b"old;") in calls
    assert "engine.num_io_tensors" in call_names(trt) and "engine.num_bindings" not in call_names(trt)
    assert [c[1] for c in calls if c[0] == "engine.get_tensor_name"] == [0, 1, 2, 3]
    assert result.output_order == GRAPH_OUTPUTS[::-1]  # the engine's order, not the graph's
    assert tc.read_bytes() == b"old;+entry:10.3.0.26\n"


def test_int8_with_cache_only_calibrator(fake_trt, make_request, calib_cache):
    trt = fake_trt("8.5.2.2")
    builder_for("8.5.2.2").build(make_request(precision="int8", calib_cache=calib_cache, batch_size=2))
    calls = build_calls(trt)
    i = calls.index(("set_flag", "INT8"))
    assert calls[i - 1] == ("set_flag", "FP16")
    assert calls[i + 1 : i + 3] == [
        ("config.int8_calibrator", "IInt8EntropyCalibrator2"),
        ("set_calibration_profile", True),
    ]
    assert ("calibrator.read_calibration_cache", calib_cache.stat().st_size) in calls
    assert ("set_memory_pool_limit", "WORKSPACE", 1024 * MIB) in calls  # 8.4+: memory pools
    assert "engine.get_tensor_mode" in call_names(trt)  # 8.5+: I/O tensor API


def test_rejected_calibration_cache_is_a_clear_error(fake_trt, make_request, calib_cache):
    fake_trt("10.3.0.26", reject_calibration_cache=True)
    req = make_request(precision="int8", calib_cache=calib_cache)
    with pytest.raises(CalibrationCacheRejected, match="did not accept the INT8 calibration cache"):
        builder_for("10.3.0.26").build(req)
    assert not req.engine_out.exists()


def test_dla(fake_trt, make_request):
    trt = fake_trt("8.5.2.2")
    builder_for("8.5.2.2").build(make_request(dla_core=1, batch_size=8))
    calls = build_calls(trt)
    assert ("set_shape", "input_1", (8, 3, 80, 60), (8, 3, 80, 60), (8, 3, 80, 60)) in calls
    i = calls.index(("config.default_device_type", "DLA"))
    assert calls[i : i + 3] == [
        ("config.default_device_type", "DLA"),
        ("config.DLA_core", 1),
        ("set_flag", "GPU_FALLBACK"),
    ]
    assert calls.index(("build_serialized_network",)) > i


def test_parser_errors_are_reported(fake_trt, make_request):
    fake_trt("10.3.0.26", parser_errors=("Unsupported ONNX opset 99",))
    with pytest.raises(EngineBuildError, match="INVALID_GRAPH: Unsupported ONNX opset 99"):
        builder_for("10.3.0.26").build(make_request())


def test_trt_11_refuses_calibration(fake_trt, make_request, calib_cache):
    fake_trt("11.1.0")
    with pytest.raises(EngineBuildError, match="removed INT8 calibration caches"):
        builder_for("11.1.0").build(make_request(precision="int8", calib_cache=calib_cache))


def test_probe_uses_module_version(fake_trt, monkeypatch, tmp_path):
    fake_trt("10.3.0.26")
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    monkeypatch.setenv("TAO2DS_PROBE_ROOT", str(tmp_path))
    env = TensorRTBuilder().probe()
    assert env.trt_version == "10.3.0.26" and env.platform == "dgpu"


def _real_tensorrt_reason() -> str | None:
    try:
        import tensorrt  # noqa: F401
    except Exception as e:
        return f"the tensorrt module does not import ({type(e).__name__})"
    smi = shutil.which("nvidia-smi")
    if not smi or subprocess.run([smi], capture_output=True).returncode != 0:
        return "no working nvidia-smi (no GPU)"
    return None


@pytest.mark.skipif(_real_tensorrt_reason() is not None, reason=f"real TensorRT: {_real_tensorrt_reason()}")
def test_real_tensorrt_build(make_request, tmp_path):
    req = make_request(timing_cache=tmp_path / "timing.cache")
    result = TensorRTBuilder().build(req)
    assert sorted(result.output_order) == sorted(GRAPH_OUTPUTS)
    assert req.engine_out.stat().st_size > 0 and req.timing_cache.stat().st_size > 0


# --- timing cache made on another device (reference tensorrt-tools.md finding 2) ----------------------


@pytest.fixture
def tao2ds_warnings(caplog, monkeypatch):
    """Warnings tao2ds logged (log.setup() may have turned propagation off in this process)."""
    monkeypatch.setattr(logging.getLogger("tao2ds"), "propagate", True)
    caplog.set_level(logging.WARNING, logger="tao2ds")
    return lambda: [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


def test_timing_cache_from_another_device_is_replaced_by_a_fresh_one(
    fake_trt, make_request, tmp_path, tao2ds_warnings
):
    trt = fake_trt("10.3.0.26", timing_cache_mismatch=True)
    tc = tmp_path / "timing.cache"
    tc.write_bytes(b"made-on-orin-nx;")
    result = builder_for("10.3.0.26").build(make_request(timing_cache=tc))
    calls = build_calls(trt)
    i = calls.index(("create_timing_cache", b"made-on-orin-nx;"))
    assert calls[i : i + 4] == [
        ("create_timing_cache", b"made-on-orin-nx;"),
        ("set_timing_cache", False),
        ("create_timing_cache", b""),
        ("set_timing_cache", False),
    ]
    assert calls.index(("build_serialized_network",)) > i + 3
    assert result.output_order == GRAPH_OUTPUTS
    # the saved cache is the fresh one this build filled, not the refused bytes
    assert tc.read_bytes() == b"+entry:10.3.0.26\n"
    [warning] = tao2ds_warnings()
    assert str(tc) in warning and "empty timing cache" in warning


def test_no_timing_cache_from_the_builder_leaves_the_file_alone(tmp_path, tao2ds_warnings):
    class ConfigWithoutCache:
        def get_timing_cache(self):
            return None  # what TensorRT can hand back when no cache was set

    tc = tmp_path / "timing.cache"
    tc.write_bytes(b"kept")
    save_timing_cache(ConfigWithoutCache(), tc)
    assert tc.read_bytes() == b"kept"
    assert any(str(tc) in w for w in tao2ds_warnings())


# --- the stand-in reads the calibration cache header like TensorRT (findings 1 and 18) ---------------


@pytest.mark.parametrize("version", ["8.2.1.8", "8.5.2.2", "10.3.0.26"])
def test_cache_for_the_builders_version_is_used(fake_trt, make_request, calib_cache_for, version):
    trt = fake_trt(version)
    builder_for(version).build(make_request(precision="int8", calib_cache=calib_cache_for(version)))
    assert "build_serialized_network" in call_names(trt)


@pytest.mark.parametrize(
    "version, header",
    [
        ("10.3.0.26", "TRT-10300-EntropyCalibration2"),  # TAO Deploy's MAJOR*1000+... formula: wrong for 10.x
        ("10.3.0.26", "TRT-100400-EntropyCalibration2"),  # another 10.x release
        ("8.2.1.8", "TRT-8502-EntropyCalibration2"),
        ("8.5.2.2", "TRT-8502-MinMaxCalibration"),  # another calibrator
    ],
)
def test_cache_for_another_version_is_rejected(fake_trt, make_request, tmp_path, version, header):
    fake_trt(version)
    cache = tmp_path / "cal.bin"
    cache.write_text(header + "\ninput_1: 3c010a14\n")
    req = make_request(precision="int8", calib_cache=cache)
    with pytest.raises(CalibrationCacheRejected, match="did not accept the INT8 calibration cache"):
        builder_for(version).build(req)
    assert not req.engine_out.exists()
