"""`doit build pipeline.infer_plugin=nvinferserver`: the Triton model repository and the
nvinferserver config for every target, each parsed with the real schemas (Triton's ModelConfig
from tritonclient, DeepStream's PluginControl), and the deepstream-app GIE group read back with
GKeyFile."""

import json
import os

import pytest

from tests.conftest import DoitRun, have_gi
from tests.triton_schemas import parse_model_config, parse_nvinferserver, plugin_control_pb2

TARGETS = ["jetson_nano", "jetson_xavier", "jetson_orin", "x86_dgpu"]
OUTPUTS = ["season/Softmax", "category/Softmax", "base_color/Softmax"]
needs_gi = pytest.mark.skipif(
    not have_gi(), reason="PyGObject/GLib not installed (scripts/setup.sh installs it)"
)


def app_gie(d, group):
    from tao2ds.deepstream.keyfile import load_keyfile

    kf = load_keyfile((d / "deepstream_app.txt").read_text(), "app")
    return kf.get_integer(group, "plugin-type"), kf.get_string(group, "config-file")


@pytest.fixture(scope="module")
def local(tmp_path_factory):
    run = DoitRun(tmp_path_factory.mktemp("triton-local"))
    run("build", f"targets={','.join(TARGETS)}", "pipeline.infer_plugin=nvinferserver", "model.batch_size=4")
    return run


@pytest.mark.parametrize("target", TARGETS)
def test_in_process_repository_and_config(local, target, tmp_path):
    from tritonclient.grpc import model_config_pb2 as mc

    d = local.build / target
    m = json.loads((d / "manifest.json").read_text())
    a = m["artifacts"]
    assert a["nvinfer_config"] is None and not (d / "config_infer_multitask.txt").exists()
    assert a["triton_model_config"] == "triton/multitask_sample/config.pbtxt"
    assert a["triton_model_file"] == "triton/multitask_sample/1/model.onnx"  # no engine built here
    assert "Triton serves triton/multitask_sample/1/model.onnx" in m["engine_note"]
    assert (d / a["triton_model_file"]).read_bytes() == (d / "model.onnx").read_bytes()
    assert {a["nvinferserver_config"], a["triton_model_config"], a["triton_model_file"]} <= set(m["outputs"])

    c = parse_model_config((d / a["triton_model_config"]).read_text())
    assert c.name == "multitask_sample" and c.platform == "onnxruntime_onnx" and c.max_batch_size == 4
    assert [(i.name, i.data_type, list(i.dims)) for i in c.input] == [("input_1", mc.TYPE_FP32, [3, 80, 60])]
    assert [(o.name, list(o.dims)) for o in c.output] == [
        (OUTPUTS[0], [4]),
        (OUTPUTS[1], [10]),
        (OUTPUTS[2], [11]),
    ]
    assert list(c.instance_group[0].gpus) == [0]

    pb2 = plugin_control_pb2(tmp_path)
    s = parse_nvinferserver((d / a["nvinferserver_config"]).read_text(), tmp_path)
    ic = s.infer_config
    assert ic.max_batch_size == 4 and ic.unique_id == 1
    assert ic.backend.triton.model_name == c.name and ic.backend.triton.WhichOneof("server") == "model_repo"
    assert (
        d / ic.backend.triton.model_repo.root[0] / c.name / "config.pbtxt"
    ).is_file()  # relative to the config
    assert [o.name for o in ic.backend.outputs] == OUTPUTS == [o.name for o in c.output]
    labels = (d / ic.postprocess.labelfile_path).read_text().splitlines()
    assert [len(x.split(";")) for x in labels] == [4, 10, 11]  # line i ↔ output i, as for nvinfer
    assert ic.preprocess.network_format == pb2.IMAGE_FORMAT_BGR  # caffe, from the same record as nvinfer's
    assert list(ic.preprocess.normalize.channel_offsets) == pytest.approx(m["preprocessing"]["offsets"])
    assert ic.preprocess.normalize.scale_factor == pytest.approx(m["preprocessing"]["net_scale_factor"])
    assert s.input_control.process_mode == pb2.PluginControl.PROCESS_MODE_FULL_FRAME


@needs_gi
def test_app_config_names_nvinferserver(local):
    assert app_gie(local.build / "jetson_nano", "primary-gie") == (1, "config_triton_multitask.txt")


def test_noop_then_threshold_reruns_only_the_nvinferserver_config(local):
    args = [f"targets={','.join(TARGETS)}", "pipeline.infer_plugin=nvinferserver", "model.batch_size=4"]
    assert local.executed(local("build", *args)) == set()
    ran = local.executed(local("build", *args, "model.classifier_threshold=0.7"))
    kinds = {r.split(":")[0] + (":" + r.split(":")[2] if r.count(":") == 2 else "") for r in ran}
    assert kinds == {"triton:nvinferserver", "manifest", "lock"}, ran  # (last user of the module's build)


@needs_gi
def test_detect_classify_grpc(tmp_path):
    """Secondary GIE on the detector's objects, model on a remote Triton server (gRPC)."""
    run = DoitRun(tmp_path)
    args = [
        "pipeline=detect_classify",
        "pipeline.infer_plugin=nvinferserver",
        "pipeline.triton.url=triton.example.org:8001",
    ]
    # the sample detector is DeepStream 7.x's: orin and x86_dgpu take it (nano/xavier refuse it)
    run("build", "targets=jetson_orin,x86_dgpu", *args)
    x86 = run.build / "x86_dgpu"
    assert (
        parse_nvinferserver(
            (x86 / "config_triton_multitask.txt").read_text(), tmp_path
        ).infer_config.unique_id
        == 2
    )
    assert app_gie(x86, "secondary-gie0") == (1, "config_triton_multitask.txt")
    run("launch", "target=jetson_orin", *args, "run.backend=reference")
    d = run.build / "jetson_orin"
    pb2 = plugin_control_pb2(tmp_path)
    s = parse_nvinferserver((d / "config_triton_multitask.txt").read_text(), tmp_path)
    assert s.infer_config.backend.triton.WhichOneof("server") == "grpc"
    assert s.infer_config.backend.triton.grpc.url == "triton.example.org:8001"
    assert s.input_control.process_mode == pb2.PluginControl.PROCESS_MODE_CLIP_OBJECTS
    assert (s.input_control.operate_on_gie_id, list(s.input_control.operate_on_class_ids)) == (1, [0])
    assert s.infer_config.unique_id == 2
    c = parse_model_config((d / "triton" / "multitask_sample" / "config.pbtxt").read_text())
    assert list(c.instance_group[0].gpus) == []  # the server's GPUs are the server's business
    assert app_gie(d, "secondary-gie0") == (1, "config_triton_multitask.txt")
    assert app_gie(d, "primary-gie") == (
        0,
        "detector/config_infer_primary_detector.txt",
    )  # detector stays nvinfer
    # the reference runner reads the classifier from the nvinferserver config: same objects, labels
    records = [
        json.loads(x) for x in (d / "results" / "reference" / "results.jsonl").read_text().splitlines()
    ]
    assert len(records) == 120 and all(r["object"]["class_id"] == 0 for r in records)


def test_engine_goes_into_the_repository_as_model_plan(tmp_path, monkeypatch):
    """With an engine built here (trtexec stand-in), the repository carries it as model.plan with
    platform tensorrt_plan; gRPC mode says the server must run the same TensorRT."""
    from tests.fakes.device import make_device

    dev = make_device(tmp_path / "dev", trt="10.16.0.72")  # x86_dgpu's default release
    monkeypatch.setenv("PATH", f"{dev.bin}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("TAO2DS_PROBE_ROOT", str(dev.sysroot))
    run = DoitRun(tmp_path / "run")
    proc = run(
        "build",
        "engine.builder=trtexec",
        "pipeline.infer_plugin=nvinferserver",
        "pipeline.triton.url=10.1.2.3:8001",
    )
    d = run.build / "x86_dgpu"
    m = json.loads((d / "manifest.json").read_text())
    assert m["artifacts"]["triton_model_file"] == "triton/multitask_sample/1/model.plan"
    assert (d / "triton/multitask_sample/1/model.plan").read_bytes() == (
        d / m["artifacts"]["engine"]
    ).read_bytes()
    assert not (d / "triton/multitask_sample/1/model.onnx").exists()
    c = parse_model_config((d / "triton/multitask_sample/config.pbtxt").read_text())
    assert c.platform == "tensorrt_plan"
    assert "TensorRT 10.16.0.72" in proc.stderr and "10.1.2.3:8001" in proc.stderr  # said so
    assert "must run that same TensorRT" in proc.stderr
