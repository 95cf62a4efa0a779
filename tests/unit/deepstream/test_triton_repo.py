"""config.pbtxt: written by tao2ds, parsed with Triton's own ModelConfig schema (tritonclient)."""

import pytest

from tao2ds.core.errors import ConfigError, ModelError
from tao2ds.deepstream.triton_repo import (
    Tensor,
    model_name_problem,
    read_model_config,
    render_model_config,
    tensors_from_graph,
)
from tests.triton_schemas import parse_model_config

IO = {
    "input": {"name": "input_1", "shape": ["N", 3, 80, 60]},
    "outputs": [
        {"name": "season/Softmax", "shape": ["N", 4]},
        {"name": "category/Softmax", "shape": ["N", 10]},
        {"name": "base_color/Softmax", "shape": ["N", 11]},
    ],
}
DTYPES = {"input_1": 1, "season/Softmax": 1, "category/Softmax": 1, "base_color/Softmax": 10}


@pytest.mark.parametrize(
    "model_file,platform", [("model.plan", "tensorrt_plan"), ("model.onnx", "onnxruntime_onnx")]
)
def test_parses_with_triton_schema(model_file, platform, tmp_path):
    from tritonclient.grpc import model_config_pb2 as mc

    inp, outs = tensors_from_graph(IO, DTYPES)
    text = render_model_config("multitask", model_file, 8, inp, outs, gpu_id=1, header=("test",))
    c = parse_model_config(text)
    assert c.name == "multitask" and c.platform == platform and c.max_batch_size == 8
    assert [(i.name, i.data_type, i.format, list(i.dims)) for i in c.input] == [
        ("input_1", mc.TYPE_FP32, mc.ModelInput.FORMAT_NCHW, [3, 80, 60])
    ]
    assert [(o.name, o.data_type, list(o.dims)) for o in c.output] == [
        ("season/Softmax", mc.TYPE_FP32, [4]),
        ("category/Softmax", mc.TYPE_FP32, [10]),
        ("base_color/Softmax", mc.TYPE_FP16, [11]),
    ]
    assert [(g.kind, list(g.gpus), g.count) for g in c.instance_group] == [
        (mc.ModelInstanceGroup.KIND_GPU, [1], 1)
    ]
    back = read_model_config(_write(tmp_path, text))
    assert back.platform == platform and back.max_batch_size == 8
    assert [o.name for o in back.outputs] == [o.name for o in outs] and back.inputs[0].dims == (3, 80, 60)


def test_grpc_mode_leaves_gpus_to_the_server():
    inp, outs = tensors_from_graph(IO, DTYPES)
    c = parse_model_config(render_model_config("m", "model.onnx", 1, inp, outs, gpu_id=None))
    assert list(c.instance_group[0].gpus) == []


def test_refuses_what_triton_cannot_describe():
    with pytest.raises(ModelError, match="fixed dims"):
        tensors_from_graph({**IO, "input": {"name": "input_1", "shape": ["N", 3, "H", 60]}}, DTYPES)
    with pytest.raises(ModelError, match="element type"):
        tensors_from_graph(IO, {**DTYPES, "input_1": 0})
    with pytest.raises(ConfigError, match="model.plan or model.onnx"):
        render_model_config("m", "model.pt", 1, Tensor("a", "TYPE_FP32", (1,)), [], None)


def test_model_names():
    assert model_name_problem("multitask_sample") is None and model_name_problem("m-1.v2") is None
    for bad in ("a/b", "", "a b", "../x", ".hidden"):
        assert model_name_problem(bad), bad


def _write(tmp_path, text):
    p = tmp_path / "config.pbtxt"
    p.write_text(text)
    return p
