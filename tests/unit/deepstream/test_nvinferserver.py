"""nvinferserver config: written as protobuf text, parsed with protobuf's own text parser against
DeepStream's PluginControl schema, and read back by tao2ds' reader."""

from pathlib import Path

import pytest

from tao2ds.core.errors import ConfigError
from tao2ds.deepstream import prototext
from tao2ds.deepstream.nvinferserver import (
    FrameScalingHW,
    MediaFormat,
    NvinferserverInputs,
    ProcessMode,
    TensorOrder,
    read_nvinferserver,
    release_problem,
    render_nvinferserver_config,
    url_problem,
)
from tao2ds.model.preprocess import Preprocessing
from tests.triton_schemas import parse_nvinferserver, plugin_control_pb2

OUTPUTS = ["season/Softmax", "category/Softmax", "base_color/Softmax"]


def inputs(**over) -> NvinferserverInputs:
    base = dict(
        preprocessing=Preprocessing(
            mode="caffe",
            net_scale_factor=1.0,
            offsets=(103.939, 116.779, 123.68),
            model_color_format=1,
            infer_dims=(3, 80, 60),
            scaling_filter=1,
            source="test",
        ),
        labels_file="labels.txt",
        model_name="multitask",
        model_repo="triton",
        grpc_url=None,
        input_name="input_1",
        output_names=OUTPUTS,
        batch_size=4,
        gpu_id=0,
        unique_id=1,
        interval=0,
        classifier_threshold=0.6,
        scaling_compute_hw=1,
        secondary=False,
    )
    base.update(over)
    return NvinferserverInputs(**base)


def test_primary_in_process_parses_with_deepstream_schema(tmp_path):
    m = parse_nvinferserver(render_nvinferserver_config(inputs(), header=("made by a test",)), tmp_path)
    ic = m.infer_config
    assert (ic.unique_id, list(ic.gpu_ids), ic.max_batch_size) == (1, [0], 4)
    assert ic.backend.triton.model_name == "multitask" and ic.backend.triton.version == -1
    assert ic.backend.triton.WhichOneof("server") == "model_repo"
    assert (
        list(ic.backend.triton.model_repo.root) == ["triton"]
        and ic.backend.triton.model_repo.strict_model_config
    )
    assert [o.name for o in ic.backend.outputs] == OUTPUTS  # labels-file order
    assert [i.name for i in ic.backend.inputs] == ["input_1"]
    pb2 = plugin_control_pb2(tmp_path)
    pp = ic.preprocess
    assert pp.network_format == pb2.IMAGE_FORMAT_BGR
    assert pp.tensor_order == pb2.TENSOR_ORDER_LINEAR
    assert pp.frame_scaling_hw == pb2.FRAME_SCALING_HW_GPU and pp.frame_scaling_filter == 1
    assert pp.normalize.scale_factor == 1.0
    assert list(pp.normalize.channel_offsets) == pytest.approx([103.939, 116.779, 123.68])
    assert ic.postprocess.labelfile_path == "labels.txt"
    assert ic.postprocess.classification.threshold == pytest.approx(0.6)
    assert m.input_control.process_mode == pb2.PluginControl.PROCESS_MODE_FULL_FRAME
    assert m.input_control.interval == 0
    assert not m.input_control.operate_on_class_ids


def test_secondary_grpc_parses_with_deepstream_schema(tmp_path):
    text = render_nvinferserver_config(
        inputs(
            model_repo=None,
            grpc_url="triton.lan:8001",
            secondary=True,
            operate_on_gie_id=1,
            operate_on_class_ids=(0, 2),
            unique_id=3,
            scaling_compute_hw=0,
        )
    )
    m = parse_nvinferserver(text, tmp_path)
    pb2 = plugin_control_pb2(tmp_path)
    assert m.infer_config.backend.triton.WhichOneof("server") == "grpc"
    assert m.infer_config.backend.triton.grpc.url == "triton.lan:8001"
    assert m.input_control.process_mode == pb2.PluginControl.PROCESS_MODE_CLIP_OBJECTS
    assert m.input_control.operate_on_gie_id == 1
    assert list(m.input_control.operate_on_class_ids) == [0, 2]
    assert m.input_control.async_mode is False
    assert m.infer_config.preprocess.frame_scaling_hw == pb2.FRAME_SCALING_HW_DEFAULT


def test_schema_check_can_fail(tmp_path):
    """The real parser rejects a field DeepStream does not have and an enum name it does not know."""
    from google.protobuf import text_format

    good = render_nvinferserver_config(inputs())
    with pytest.raises(text_format.ParseError):
        parse_nvinferserver(good.replace("tensor_order:", "tensor_layout:"), tmp_path)
    with pytest.raises(text_format.ParseError):
        parse_nvinferserver(good.replace("IMAGE_FORMAT_BGR", "IMAGE_FORMAT_BGRX"), tmp_path)


def test_enums_match_deepstream_numbers(tmp_path):
    pb2 = plugin_control_pb2(tmp_path)
    for enum, proto in (
        (MediaFormat, pb2.MediaFormat),
        (TensorOrder, pb2.TensorOrder),
        (FrameScalingHW, pb2.FrameScalingHW),
        (ProcessMode, pb2.PluginControl.ProcessMode),
    ):
        assert {m.name: int(m) for m in enum} == dict(proto.items())


def test_colour_formats_map_both_ways():
    for fmt, media in ((0, "IMAGE_FORMAT_RGB"), (1, "IMAGE_FORMAT_BGR"), (2, "IMAGE_FORMAT_GRAY")):
        assert MediaFormat.of_color_format(fmt).name == media
        assert MediaFormat[media].color_format() == fmt


def test_read_back(tmp_path):
    (tmp_path / "labels.txt").write_text("a;b\nc;d;e\nf\n")
    cfg = tmp_path / "config_triton.txt"
    cfg.write_text(render_nvinferserver_config(inputs(output_names=["x", "y", "z"])))
    s = read_nvinferserver(cfg, onnx=tmp_path / "m.onnx", infer_dims=(3, 80, 60))
    c = s.classifier
    assert (s.model_name, s.model_version, s.input_name, s.grpc_url) == ("multitask", -1, "input_1", None)
    assert s.model_repo == tmp_path / "triton"
    assert c.preprocessing.model_color_format == 1 and c.preprocessing.offsets == pytest.approx(
        (103.939, 116.779, 123.68)
    )
    assert c.preprocessing.infer_dims == (3, 80, 60) and c.preprocessing.scaling_filter == 1
    assert c.labels == [["a", "b"], ["c", "d", "e"], ["f"]]
    assert c.threshold == pytest.approx(0.6) and c.batch_size == 4 and not c.secondary
    assert c.output_names == ["x", "y", "z"]
    cfg.write_text(
        render_nvinferserver_config(
            inputs(model_repo=None, grpc_url="h:1", secondary=True, operate_on_gie_id=1)
        )
    )
    s = read_nvinferserver(cfg, onnx=tmp_path / "m.onnx", infer_dims=(3, 80, 60))
    assert s.grpc_url == "h:1" and s.model_repo is None and s.classifier.secondary


def test_read_refuses_missing_labels_and_unknown_names(tmp_path):
    cfg = tmp_path / "c.txt"
    cfg.write_text(render_nvinferserver_config(inputs()))
    with pytest.raises(ConfigError, match="labelfile_path"):
        read_nvinferserver(cfg, onnx=tmp_path / "m.onnx", infer_dims=(3, 80, 60))
    (tmp_path / "labels.txt").write_text("a\n")
    cfg.write_text(render_nvinferserver_config(inputs()).replace("IMAGE_FORMAT_BGR", "IMAGE_FORMAT_BRG"))
    with pytest.raises(ConfigError, match="IMAGE_FORMAT_BRG is not a MediaFormat"):
        read_nvinferserver(cfg, onnx=tmp_path / "m.onnx", infer_dims=(3, 80, 60))
    for broken in ("a: [1, 2", "a {", "a: @"):
        with pytest.raises(ConfigError):
            prototext.parse(broken)


def test_exactly_one_server():
    with pytest.raises(ConfigError, match="exactly one"):
        render_nvinferserver_config(inputs(model_repo=None, grpc_url=None))


def test_release_and_url_checks():
    assert release_problem("5.1") and "trt_is" in release_problem("5.1")
    assert release_problem("6.0.1") is None and release_problem("7.1") is None
    assert (
        url_problem(None) is None
        and url_problem("10.0.0.5:8001") is None
        and url_problem("[::1]:8001") is None
    )
    for bad in ("grpc://h:8001", "h", "h:", ":8001", "h:99999", "h:80/x"):
        assert url_problem(bad), bad


def test_prototext_round_trip():
    msg = [
        ("s", 'quote " and \\ back'),
        ("f", 0.017507),
        ("b", True),
        ("e", prototext.Enum("KIND_GPU")),
        ("l", [1, 2]),
        ("m", [("x", 1)]),
        ("r", ([("y", "a")], [("y", "b")])),
        ("none", None),
    ]
    back = prototext.parse(prototext.render(msg, header=("h",)))
    assert prototext.get(back, "s") == 'quote " and \\ back'
    assert prototext.get(back, "f") == 0.017507 and prototext.get(back, "b") is True
    assert prototext.get(back, "e") == "KIND_GPU" and prototext.get_all(back, "l") == [1, 2]
    assert prototext.path(back, "m", "x") == 1
    assert [prototext.get(r, "y") for r in prototext.get_all(back, "r")] == ["a", "b"]
    assert prototext.get(back, "none") is None
    # Triton's bracketed list-of-messages form
    alt = prototext.parse('input [ { name: "a" dims: [ 3, 4 ] }, { name: "b" } ]')
    assert [prototext.get(i, "name") for i in prototext.get_all(alt, "input")] == ["a", "b"]
    with pytest.raises(ConfigError, match="missing"):
        prototext.parse("a { b: 1")


def test_nvidia_sample_reads(tmp_path):
    """NVIDIA's own multitask nvinferserver config layout (deepstream_app_tao_configs/triton,
    DS 6.3) reads with tao2ds' reader."""
    (tmp_path / "multi_task_labels.txt").write_text("a\nb\nc\n")
    sub = tmp_path / "triton"
    sub.mkdir()
    (sub / "c.txt").write_text(
        """infer_config {
  unique_id: 1
  gpu_ids: [0]
  max_batch_size: 1
  backend {
    triton {
      model_name: "multi_task"
      version: -1
      model_repo {
        root: "./"
        strict_model_config: true
      }
    }
  }
  preprocess {
    network_format: IMAGE_FORMAT_BGR
    tensor_order: TENSOR_ORDER_LINEAR
    maintain_aspect_ratio: 0
    frame_scaling_hw: FRAME_SCALING_HW_DEFAULT
    frame_scaling_filter: 1
    normalize {
      scale_factor: 1
      channel_offsets: [103.939,116.779,123.68]
    }
  }
  postprocess {
    labelfile_path: "../multi_task_labels.txt"
    classification {
      threshold: 0.5
    }
  }
}
input_control {
  process_mode: PROCESS_MODE_FULL_FRAME
  interval: 0
}
"""
    )
    parse_nvinferserver((sub / "c.txt").read_text(), tmp_path)  # and DeepStream's schema takes it
    s = read_nvinferserver(sub / "c.txt", onnx=Path("x.onnx"), infer_dims=(3, 80, 60))
    assert s.model_name == "multi_task" and s.classifier.labels == [["a"], ["b"], ["c"]]
    assert s.classifier.preprocessing.net_scale_factor == 1.0 and s.classifier.threshold == 0.5


def test_app_gie_group_plugin_type():
    """Only the classifier's GIE group follows pipeline.infer_plugin; the detector stays on nvinfer."""
    from tao2ds.deepstream.app import AppInputs, app_groups
    from tests.unit.deepstream.conftest import pipeline_dict

    def groups(**over):
        p = pipeline_dict(sources=[{"uri": "a.mp4"}], sinks=[{"kind": "fake"}], **over)
        i = AppInputs(p, "dgpu", "7.1", "/opt/ds", True, 0, 1, ["file://media/a.mp4"], "c.txt", "det.txt")
        return {g: dict(e) for g, e in app_groups(i)}

    assert groups()["primary-gie"]["plugin-type"] == 0
    assert groups(infer_plugin="nvinferserver")["primary-gie"]["plugin-type"] == 1
    g = groups(infer_plugin="nvinferserver", topology="detect_classify")
    assert g["primary-gie"]["plugin-type"] == 0 and g["secondary-gie0"]["plugin-type"] == 1
    assert g["secondary-gie0"]["config-file"] == "c.txt"
