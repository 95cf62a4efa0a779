"""The ssh builder end to end against a real OpenSSH server whose "device" is a directory here."""

from __future__ import annotations

import json
import subprocess
import time

import pytest

from tao2ds.core.errors import EngineBuildError
from tao2ds.engine.builders.ssh import SshBuilder
from tao2ds.engine.types import BuilderEnv
from tests.fakes.device import make_device
from tests.unit.engine.conftest import GRAPH_OUTPUTS

REMOTE_TAIL = ["--skipInference", "--dumpLayerInfo", "--verbose"]


@pytest.fixture
def device(sshd):
    """Reset the device to a TensorRT 10.3 / T4 dGPU before each test."""
    return make_device(sshd.device.dir, trt="10.3.0")


def test_build_trt103_dgpu(sshd, device, make_request, tmp_path):
    req = make_request(timing_cache=tmp_path / "timing.cache", batch_size=2)
    result = SshBuilder(**sshd.builder_kwargs()).build(req)

    assert result.env == BuilderEnv("10.3.0", "12.6", "Tesla T4", "7.5", "dgpu", None, None)
    assert result.output_order == GRAPH_OUTPUTS
    engine = json.loads(req.engine_out.read_bytes().split(b"\n", 1)[1])
    assert engine["trt"] == "10.3.0" and engine["precision"] == "fp16"
    assert req.timing_cache.read_text().startswith("FAKE-TIMING-CACHE\n10.3.0 ")
    assert sorted(p.name for p in req.engine_out.parent.iterdir()) == ["multitask.engine"]
    assert device.calls() == [
        [
            "--onnx=model.onnx",
            "--saveEngine=model.engine",
            "--minShapes=input_1:1x3x80x60",
            "--optShapes=input_1:2x3x80x60",
            "--maxShapes=input_1:2x3x80x60",
            "--memPoolSize=workspace:1024",
            "--fp16",
            "--timingCacheFile=timing.cache",
            *REMOTE_TAIL,
        ]
    ]
    assert "&&&& PASSED" in result.log


def test_build_trt82_jetson_nano(sshd, make_request, tmp_path):
    dev = make_device(sshd.device.dir, trt="8.2.1", jetson="nano")
    req = make_request(precision="fp16", workspace_mib=512)
    result = SshBuilder(**sshd.builder_kwargs()).build(req)

    assert result.env == BuilderEnv(
        "8.2.1", "10.2", "Nano", "5.3", "jetson", "NVIDIA Jetson Nano Developer Kit", "R32.7.1"
    )
    assert dev.calls() == [
        [
            "--onnx=model.onnx",
            "--saveEngine=model.engine",
            "--minShapes=input_1:1x3x80x60",
            "--optShapes=input_1:1x3x80x60",
            "--maxShapes=input_1:1x3x80x60",
            "--workspace=512",
            "--fp16",
            "--buildOnly",
            "--dumpLayerInfo",
            "--verbose",
        ]
    ]
    assert result.output_order == GRAPH_OUTPUTS


def test_build_xavier_int8_dla_reordered_outputs(sshd, make_request, calib_cache, tmp_path):
    dev = make_device(sshd.device.dir, trt="8.5.2", jetson="xavier")
    dev.set("fake_trt_output_order", "reversed")
    tc = tmp_path / "timing.cache"
    tc.write_text("FAKE-TIMING-CACHE\n8.5.2 0000000000000000 fp16\n")
    req = make_request(precision="int8", calib_cache=calib_cache, dla_core=0, batch_size=4, timing_cache=tc)
    with SshBuilder(**sshd.builder_kwargs()) as builder:
        env = builder.probe()
        result = builder.build(req)
    assert env.compute_capability == "7.2" and env.gpu_name == "Xavier" and env.l4t == "R35.4.1"
    assert result.output_order == GRAPH_OUTPUTS[::-1]
    assert dev.calls()[-1] == [
        "--onnx=model.onnx",
        "--saveEngine=model.engine",
        "--minShapes=input_1:4x3x80x60",
        "--optShapes=input_1:4x3x80x60",
        "--maxShapes=input_1:4x3x80x60",
        "--memPoolSize=workspace:1024",
        "--int8",
        "--fp16",
        "--calib=calib.cache",
        "--timingCacheFile=timing.cache",
        "--useDLACore=0",
        "--allowGPUFallback",
        "--buildOnly",
        "--dumpLayerInfo",
        "--verbose",
    ]
    lines = tc.read_text().splitlines()  # the uploaded cache was read and extended on the device
    assert "8.5.2 0000000000000000 fp16" in lines and any(ln.endswith(" int8") for ln in lines)


def test_remote_failure_carries_the_log(sshd, device, make_request):
    req = make_request(input_name="images")  # not the model's input name
    with pytest.raises(EngineBuildError) as e:
        SshBuilder(**sshd.builder_kwargs()).build(req)
    assert 'Cannot find input tensor with name "images"' in str(e.value)
    assert not req.engine_out.exists()


def test_connection_is_shared_and_closed(sshd, device, make_request, tmp_path):
    """One ControlMaster for the whole session; no master process or socket survives it."""
    builder = SshBuilder(**sshd.builder_kwargs())
    before = sshd.log.count("Accepted publickey")
    with builder:
        cp_dir = builder._cp_dir
        builder.build(make_request())
        builder.build(make_request(precision="fp32", engine_out=tmp_path / "b.engine"))
    assert sshd.log.count("Accepted publickey") - before == 1
    assert builder._cp_dir is None
    time.sleep(0.2)
    masters = subprocess.run(["pgrep", "-f", f"ssh.*{cp_dir}"], capture_output=True, text=True).stdout.split()
    assert masters == []
