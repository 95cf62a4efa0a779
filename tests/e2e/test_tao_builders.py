"""`doit build engine.builder=tao_deploy` end to end, with TAO Deploy's stand-in on PATH (where=local)."""

import json
import os
import shutil

import pytest

from tests.conftest import DoitRun
from tests.fakes.device import FAKES, make_device


@pytest.fixture
def tao_deploy_here(tmp_path, monkeypatch):
    def make(version: str, trt: str):
        dev = make_device(tmp_path / "dev", trt=trt)
        shutil.copy2(FAKES / "multitask_classification", dev.bin / "multitask_classification")
        dev.set("fake_tao_deploy_version", version)
        monkeypatch.setenv("PATH", f"{dev.bin}:{os.environ['PATH']}")
        monkeypatch.setenv("TAO2DS_PROBE_ROOT", str(dev.sysroot))
        return dev

    return make


def test_int8_with_tao2ds_cache_on_tao_deploy_5(tmp_path, tao_deploy_here):
    dev = tao_deploy_here("5.5.0", "8.6.1")
    run = DoitRun(tmp_path / "work")
    args = ["target=x86_dgpu", "target.tensorrt=8.6.1", "precision=int8", "engine.builder=tao_deploy"]
    args.append("calibration.batches=1")  # one batch of 8 images: the test is the route, not the scales
    first = run("build", *args)
    d = run.build / "x86_dgpu"
    engine = d / "model.onnx_b1_gpu0_int8.engine"  # DeepStream's auto-name, not TAO Deploy's --engine_file
    info = json.loads(engine.read_bytes().split(b"\n", 1)[1])
    assert info["tool"] == "tao-deploy" and info["precision"] == "int8" and info["calib"] == "calib.cache"
    (call,) = [json.loads(x) for x in (dev.bin / "fake_tao_deploy_calls.log").read_text().splitlines()]
    assert call[call.index("--cal_cache_file") + 1] == "calib.cache" and "-k" not in call
    assert (d / "calibration.cache").read_text().startswith("TRT-8601-EntropyCalibration2\n")
    assert "Building with TAO Deploy on this machine, as requested." in first.stderr
    second = run("build", *args)
    assert run.executed(second) == set()  # the engine key did not change
