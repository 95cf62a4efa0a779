"""model.calibration_cache: a cache made elsewhere, checked against the graph, rewritten per target."""

import json
import logging
import struct

import onnx
import pytest

from tao2ds.calibration.cache_format import CalibrationCache
from tao2ds.calibration.imported import check_against_graph, graph_activations
from tao2ds.core.errors import InputError
from tao2ds.steps.calibration import (
    calibration_source,
    import_calibration_cache,
    load_amax,
    write_calibration_cache,
    write_qdq,
)
from tests.model_factory import make_multitask_onnx

TASKS = {"base_color": 11, "category": 10, "season": 4}


@pytest.fixture
def tao5_onnx(tmp_path):
    """TAO 5 spelling: outputs named after the tasks, sorted."""
    return make_multitask_onnx(tmp_path / "model.onnx", TASKS, order=sorted(TASKS), name_fmt="{task}")


def trt_style_cache(names_scales, header="TRT-8502-EntropyCalibration2") -> str:
    """Cache text as TensorRT writes it: CRLF here, hex without leading zeros (a bare 0 for a zero scale)."""
    lines = [header]
    for name, scale in names_scales:
        bits = struct.unpack(">I", struct.pack(">f", scale))[0]
        lines.append(f"{name}: {bits:x}")
    return "\r\n".join(lines) + "\r\n"


def test_graph_activations_are_input_then_float_node_outputs(tao5_onnx):
    acts = graph_activations(tao5_onnx)
    assert acts[0] == "input_1" and acts[1:5] == ["conv", "relu", "gap", "feat"]
    assert {"base_color", "category", "season", "season_logits"} <= set(acts)
    assert not {"conv_w", "conv_b"} & set(acts)  # initializers are weights, not activations


def test_check_sorts_matched_internal_unknown_and_uncovered(tao5_onnx):
    acts = graph_activations(tao5_onnx)
    cache = CalibrationCache(
        8502,
        scales={
            "input_1": 1.19,
            "conv": 0.05,
            "(Unnamed Layer* 3) [Shuffle]_output": 0.0,
            "conv1/convolution": 0.1,  # a UFF-era name
        },
    )
    check = check_against_graph(cache, acts)
    assert check.matched == ("input_1", "conv")
    assert check.internal == ("(Unnamed Layer* 3) [Shuffle]_output",)
    assert check.unknown == ("conv1/convolution",)
    assert check.uncovered == tuple(acts[2:])


def test_import_records_provenance_and_keeps_every_entry(tmp_path, tao5_onnx, caplog):
    acts = graph_activations(tao5_onnx)
    entries = [(n, 0.01 * (i + 1)) for i, n in enumerate(acts)]
    entries.insert(3, ("(Unnamed Layer* 7) [Constant]_output", 0.0))
    cache = tmp_path / "tao_export.cal"
    cache.write_text(trt_style_cache(entries), newline="")
    out = tmp_path / "calibration.json"
    with caplog.at_level(logging.WARNING, logger="tao2ds"):
        import_calibration_cache(tao5_onnx, cache, "tao_export", out)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]  # full coverage: nothing to say
    data = json.loads(out.read_text())
    src = calibration_source(out)
    assert src["kind"] == "tao_export" and src["header"] == "TRT-8502-EntropyCalibration2"
    assert src["trt_version_number"] == 8502 and src["tensors"] == len(entries)
    assert src["matched_graph_tensors"] == len(acts) and src["unknown"] == [] and src["uncovered"] == []
    assert src["tensorrt_internal"] == ["(Unnamed Layer* 7) [Constant]_output"]
    assert [n for n, _ in data["scales"]] == [n for n, _ in entries]  # the cache's order, internal kept
    assert list(load_amax(out)) == acts  # amax: graph tensors only, graph order (for the Q/DQ model)
    assert load_amax(out)["conv"] == pytest.approx(0.02 * 127)


@pytest.mark.parametrize(
    "trt,header",
    [("10.3.0", "TRT-100300-EntropyCalibration2"), ("8.2.1", "TRT-8201-EntropyCalibration2")],
)
def test_rewritten_per_target_bit_for_bit(tmp_path, tao5_onnx, trt, header):
    acts = graph_activations(tao5_onnx)
    entries = [(n, 0.013 * (i + 1)) for i, n in enumerate(acts)] + [
        ("(Unnamed Layer* 9) [Shuffle]_output", 0.0)
    ]
    src = tmp_path / "in.cache"
    src.write_text(trt_style_cache(entries), newline="")
    import_calibration_cache(tao5_onnx, src, "tao_deploy", tmp_path / "c.json")
    write_calibration_cache(tmp_path / "c.json", trt, tmp_path / "out.cache")
    text = (tmp_path / "out.cache").read_text()
    assert text.splitlines()[0] == header
    original = CalibrationCache.parse(src.read_text())
    rewritten = CalibrationCache.parse(text)
    assert list(rewritten.scales) == list(original.scales)
    for name, scale in original.scales.items():  # the same float32 bit pattern for every tensor
        assert struct.pack(">f", rewritten.scales[name]) == struct.pack(">f", scale), name


def test_legacy_algorithm_name_is_kept(tmp_path, tao5_onnx):
    src = tmp_path / "in.cache"
    src.write_text(trt_style_cache([("input_1", 1.0)], header="TRT-7103-EntropyCalibration"))
    import_calibration_cache(tao5_onnx, src, "tao_export", tmp_path / "c.json")
    write_calibration_cache(tmp_path / "c.json", "8.5.2", tmp_path / "out.cache")
    assert (tmp_path / "out.cache").read_text().splitlines()[0] == "TRT-8502-EntropyCalibration"


def test_partial_coverage_is_warned_and_the_qdq_model_keeps_those_nodes_float(tmp_path, tao5_onnx, caplog):
    acts = graph_activations(tao5_onnx)
    missing = {"season_logits", "season"}
    entries = [(n, 0.02) for n in acts if n not in missing] + [("dense_1/MatMul", 0.5)]
    src = tmp_path / "in.cache"
    src.write_text(trt_style_cache(entries))
    with caplog.at_level(logging.WARNING, logger="tao2ds"):
        import_calibration_cache(tao5_onnx, src, "tao_export", tmp_path / "c.json")
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "1 tensor(s) of the cache are not in" in text and "'dense_1/MatMul'" in text
    assert "2 tensor(s) of" in text and "'season_logits', 'season'" in text
    assert set(calibration_source(tmp_path / "c.json")["uncovered"]) == missing
    write_qdq(str(tao5_onnx), tmp_path / "c.json", tmp_path / "q.onnx")
    q = onnx.load(str(tmp_path / "q.onnx"))
    quantized = {n.input[0] for n in q.graph.node if n.op_type == "QuantizeLinear"}
    assert {"input_1", "feat", "category_w"} <= quantized  # the rest is quantized as usual
    assert not missing & quantized  # no range, no Q/DQ
    producers = {o: n.op_type for n in q.graph.node for o in n.output}
    gemms = {n.output[0]: n for n in q.graph.node if n.op_type == "Gemm"}
    assert producers.get(gemms["season_logits"].input[1]) is None  # its weights stay a float initializer
    assert producers[gemms["category_logits"].input[1]] == "DequantizeLinear"


@pytest.mark.parametrize(
    "text,expect",
    [
        ("", "header must start with 'TRT-'"),
        (
            "TRT-8502-EntropyCalibration2\ninput_1 3f000000\n",
            "line 2: expected '<tensor name>: <8 hex digits>'",
        ),
        ("TRT-8502-EntropyCalibration2\n", "the cache lists no tensor"),
    ],
)
def test_not_a_cache(tmp_path, tao5_onnx, text, expect):
    src = tmp_path / "x.cache"
    src.write_text(text)
    with pytest.raises(InputError, match=expect) as e:
        import_calibration_cache(tao5_onnx, src, "tao_export", tmp_path / "c.json")
    assert e.value.key == "model.calibration_cache" and e.value.file == str(src)
    assert not (tmp_path / "c.json").exists()


def test_a_cache_of_another_model_is_refused(tmp_path, tao5_onnx):
    src = tmp_path / "uff.cache"
    src.write_text(
        trt_style_cache(
            [("input_1:0", 1.0), ("conv1/convolution", 0.1), ("(Unnamed Layer* 0) [Shuffle]_output", 0.1)]
        )
    )
    with pytest.raises(
        InputError, match=r"none of its 3 tensor names is a tensor of .*model.onnx .*'input_1:0'"
    ) as e:
        import_calibration_cache(tao5_onnx, src, "tao_export", tmp_path / "c.json")
    assert "UFF" in e.value.hint


def test_without_a_readable_graph_the_names_are_taken_on_trust(tmp_path):
    """A model tao2ds cannot read (a UFF .etlt): nothing to check against, and the manifest says so."""
    src = tmp_path / "uff.cache"
    src.write_text(trt_style_cache([("input_1", 1.0), ("conv1/convolution", 0.1)]))
    import_calibration_cache(None, src, "tao_export", tmp_path / "c.json")
    source = calibration_source(tmp_path / "c.json")
    assert source["graph_checked"] is False and source["unknown"] == [] and source["uncovered"] == []
    assert list(load_amax(tmp_path / "c.json")) == ["input_1", "conv1/convolution"]
