"""Q/DQ ONNX from our amax via ORT's QDQQuantizer: scales, per-channel weights, accuracy, determinism."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import numpy_helper

from tao2ds.calibration.collect import collect_ranges
from tao2ds.calibration.qdq import write_qdq_model
from tests.unit.calibration.calib_helpers import build_tiny_model, make_batches, replayable


@pytest.fixture(scope="module")
def amax(tiny_model_path: Path) -> dict[str, float]:
    return collect_ranges(tiny_model_path, replayable(make_batches(8)))


def _initializers(model: onnx.ModelProto) -> dict[str, np.ndarray]:
    return {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}


def _run(path: Path, x: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"input_1": x})[0]


def test_qdq_scales_and_structure(tiny_model_path: Path, amax: dict[str, float], tmp_path: Path) -> None:
    out = tmp_path / "tiny.qdq.onnx"
    write_qdq_model(tiny_model_path, amax, out)
    model = onnx.load(out)
    onnx.checker.check_model(model)
    ops = [n.op_type for n in model.graph.node]
    assert "QuantizeLinear" in ops and "DequantizeLinear" in ops
    inits = _initializers(model)

    quantized_inputs = {
        n.input[0]: (n.input[1], n.input[2]) for n in model.graph.node if n.op_type == "QuantizeLinear"
    }
    # Activations: per-tensor, symmetric int8 (zero point 0), scale = amax/127.
    for name in ("input_1", "relu_out", "gap_out"):
        scale, zero_point = (inits[p] for p in quantized_inputs[name])
        assert scale.shape == () and scale.dtype == np.float32
        assert scale == pytest.approx(np.float32(amax[name] / 127), rel=1e-6)
        assert zero_point.dtype == np.int8 and zero_point == 0
    # ORT's own adjustments: a Relu input takes the Relu output's range (TensorRT fuses Conv+Relu), and
    # Flatten shares its input's parameters.
    assert inits[quantized_inputs["conv_out"][0]] == pytest.approx(
        np.float32(amax["relu_out"] / 127), rel=1e-6
    )
    assert quantized_inputs["flat_out"] == quantized_inputs["gap_out"]
    # Logits (Gemm output) and the Softmax output stay float.
    assert "logits" not in quantized_inputs and "probs" not in quantized_inputs
    assert model.graph.output[0].name == "probs"

    # Weights: per-channel symmetric int8 along the output-channel axis, bias left in float.
    for weight, channels in (("conv_w", 8), ("fc_w", 5)):
        q = next(n for n in model.graph.node if n.op_type == "QuantizeLinear" and n.input[0] == weight)
        assert next(a.i for a in q.attribute if a.name == "axis") == 0
        scale, zero_point = inits[q.input[1]], inits[q.input[2]]
        assert scale.shape == (channels,) and np.all(zero_point == 0)
        w = inits[weight].reshape(channels, -1)
        np.testing.assert_allclose(scale, np.abs(w).max(axis=1) / 127, rtol=1e-6)
    assert "conv_b" in inits and inits["conv_b"].dtype == np.float32
    assert all(
        n.input[0] not in ("conv_b", "fc_b") for n in model.graph.node if n.op_type == "QuantizeLinear"
    )


def test_qdq_outputs_close_to_fp32(tiny_model_path: Path, amax: dict[str, float], tmp_path: Path) -> None:
    out = tmp_path / "tiny.qdq.onnx"
    write_qdq_model(tiny_model_path, amax, out)
    x = make_batches(1, batch_size=16, seed=99)[0]
    fp32, int8 = _run(tiny_model_path, x), _run(out, x)
    assert np.abs(fp32 - int8).max() < 0.05
    assert (fp32.argmax(axis=1) == int8.argmax(axis=1)).mean() >= 0.9


def test_ort_default_placement_is_available(
    tiny_model_path: Path, amax: dict[str, float], tmp_path: Path
) -> None:
    from onnxruntime.quantization.registry import QDQRegistry, QLinearOpsRegistry

    out = tmp_path / "ort_defaults.onnx"
    write_qdq_model(
        tiny_model_path,
        amax,
        out,
        op_types=sorted(set(QDQRegistry) | set(QLinearOpsRegistry)),
        no_output_quant=(),
    )
    model = onnx.load(out)
    inits = _initializers(model)
    quantized = {n.input[0]: n.input[1] for n in model.graph.node if n.op_type == "QuantizeLinear"}
    assert inits[quantized["logits"]] == pytest.approx(np.float32(amax["logits"] / 127), rel=1e-6)
    # ORT pins a quantized Softmax output to [0, 1]; the graph output becomes its DequantizeLinear.
    assert inits[quantized["probs_QuantizeLinear_Input"]] == pytest.approx(np.float32(1 / 127), rel=1e-6)


def test_old_opset_is_upgraded_to_13(amax: dict[str, float], tmp_path: Path) -> None:
    src = tmp_path / "tiny11.onnx"
    onnx.save(build_tiny_model(opset=11), src)
    write_qdq_model(src, amax, tmp_path / "out.onnx")
    model = onnx.load(tmp_path / "out.onnx")
    assert next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx")) >= 13
    _run(tmp_path / "out.onnx", make_batches(1)[0])


def test_missing_range_is_an_error(tiny_model_path: Path, amax: dict[str, float], tmp_path: Path) -> None:
    partial = {k: v for k, v in amax.items() if k != "gap_out"}
    with pytest.raises(ValueError, match="gap_out"):
        write_qdq_model(tiny_model_path, partial, tmp_path / "out.onnx")
    assert not (tmp_path / "out.onnx").exists()
    assert not any(p.name.endswith(".tmp") for p in tmp_path.iterdir())


def test_output_bytes_are_deterministic(
    tiny_model_path: Path, amax: dict[str, float], tmp_path: Path
) -> None:
    # Twice in this process, and in subprocesses with different string-hash seeds (set/dict order).
    write_qdq_model(tiny_model_path, amax, tmp_path / "a.onnx")
    write_qdq_model(tiny_model_path, amax, tmp_path / "b.onnx")
    code = (
        "import sys, json\n"
        "from tao2ds.calibration.qdq import write_qdq_model\n"
        "write_qdq_model(sys.argv[1], json.loads(sys.argv[2]), sys.argv[3])\n"
    )
    repo = Path(__file__).resolve().parents[3]
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(repo)}
        subprocess.run(
            [
                sys.executable,
                "-c",
                code,
                str(tiny_model_path),
                json.dumps(amax),
                str(tmp_path / f"s{seed}.onnx"),
            ],
            check=True,
            env=env,
        )
    blobs = {p.name: p.read_bytes() for p in tmp_path.glob("*.onnx")}
    assert len(set(blobs.values())) == 1, sorted(blobs)
