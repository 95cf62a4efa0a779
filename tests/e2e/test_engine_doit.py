"""`doit build ... engine.builder=ssh` end to end against a real OpenSSH server on 127.0.0.1 whose
"device" runs the trtexec stand-in (issue: TensorRT engines per target)."""

import json

import pytest

from tests.conftest import DoitRun
from tests.fakes.device import make_device
from tests.fakes.sshd import sshd  # noqa: F401  (fixture)


@pytest.fixture
def orin(sshd, tmp_path):  # noqa: F811
    make_device(sshd.device.dir, trt="10.3.0", jetson="orin")
    args = [
        "target=jetson_orin",
        "precision=int8",
        "engine.builder=ssh",
        *sshd.target_overrides(),
        f"cache.dir={tmp_path / 'cache'}",
    ]
    return DoitRun(tmp_path), args, sshd.device


def test_ssh_build_then_noop_then_rebuild_with_reason(orin):
    run, args, device = orin
    first = run("build", *args)
    out = run.build / "jetson_orin"
    engine = out / "model.onnx_b1_gpu0_int8.engine"
    sidecar = json.loads((out / (engine.name + ".json")).read_text())
    assert (
        engine.is_file()
        and sidecar["env"]["trt_version"] == "10.3.0"
        and sidecar["env"]["platform"] == "jetson"
    )
    assert sidecar["env"]["compute_capability"] == "8.7" and sidecar["output_order"][0] == "season/Softmax"
    calls = device.calls()
    assert len(calls) == 1 and "--int8" in calls[0] and any(a.startswith("--calib=") for a in calls[0])
    assert "engine:jetson_orin" in run.executed(first)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["artifacts"]["engine"] == engine.name

    second = run("build", *args)
    assert run.executed(second) == set() and len(device.calls()) == 1

    device.set("fake_trt_version", "10.4.0")
    refused = run("build", *args, check=False)
    assert refused.returncode != 0 and "10.3.0" in refused.stderr and "10.4.0" in refused.stderr
    assert "Traceback" not in refused.stderr

    third = run("build", *args, "target.tensorrt=10.4.0")
    assert "TensorRT 10.3.0 → 10.4.0" in third.stderr
    assert len(device.calls()) == 2
    assert (out / "calibration.cache").read_text().startswith("TRT-100400-")


def test_labels_follow_an_engine_that_reorders_outputs(orin):
    run, args, device = orin
    device.set("fake_trt_output_order", "reversed")
    run("build", *args)
    out = run.build / "jetson_orin"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["label_order_source"] == "engine"
    assert manifest["label_tasks"] == ["base_color", "category", "season"]
    assert (out / "labels.txt").read_text().splitlines()[0].startswith("Black;Blue")


def test_default_build_without_a_builder_uses_deepstream(tmp_path):
    run = DoitRun(tmp_path)
    proc = run("build", "target=jetson_orin")
    assert "DeepStream" in proc.stderr or "deepstream" in proc.stderr
    manifest = json.loads((run.build / "jetson_orin" / "manifest.json").read_text())
    assert manifest["artifacts"]["engine"] is None
    assert "at first start on the device" in manifest["engine_note"]
