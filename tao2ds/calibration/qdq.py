"""Write an explicitly quantized (Q/DQ) ONNX from our per-tensor amax, using ORT's own QDQQuantizer.

This is the INT8 path that survives TensorRT 11 (implicit-quantization calibrators are removed there):
TensorRT reads the scales from the QuantizeLinear/DequantizeLinear nodes instead of a calibration cache.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

import numpy as np
import onnx
from onnxruntime.quantization.calibrate import CalibrationMethod, TensorData, TensorsData
from onnxruntime.quantization.qdq_quantizer import QDQQuantizer
from onnxruntime.quantization.quant_utils import QuantType
from onnxruntime.quantization.registry import QDQRegistry, QLinearOpsRegistry

MIN_OPSET = 13  # per-channel QuantizeLinear/DequantizeLinear (``axis``) needs opset 13

# quantize_static()'s default QDQ op set, minus Softmax: the classifier's probabilities stay float
# (int8 would round them to steps of 1/127, and they have no int8 consumer).
DEFAULT_OP_TYPES: tuple[str, ...] = tuple(sorted((set(QLinearOpsRegistry) | set(QDQRegistry)) - {"Softmax"}))

# No Q/DQ on the outputs of these weighted ops (TensorRT advises against it, as ORT's QDQQuantizer notes
# next to OpTypesToExcludeOutputQuantization). In a
# classifier they are the logits: few values per image, so their histograms are sparse and entropy
# clips them hard (measured on the bundled sample: probability error 0.6 with, 0.007 without).
DEFAULT_NO_OUTPUT_QUANT: tuple[str, ...] = ("Gemm", "MatMul")

# TensorRT-style settings: symmetric int8 everywhere (zero point 0), per-channel weights, float bias.
# Weights keep an explicit Q->DQ pair on float32 values (AddQDQPairToWeight) instead of int8
# initializers: the form NVIDIA's pytorch-quantization exports for TensorRT, so the safest bet for old
# parsers (TRT 8.2 on Nano); whether they also take DQ-only int8 weights was not verified.
_EXTRA_OPTIONS = {
    "ActivationSymmetric": True,
    "WeightSymmetric": True,
    "QuantizeBias": False,
    "DedicatedQDQPair": False,
    "AddQDQPairToWeight": True,
}


def _default_opset(model: onnx.ModelProto) -> int:
    return next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)


def _nodes_touching(model: onnx.ModelProto, tensors: Collection[str]) -> list[str]:
    """Names of the nodes that read or write any of ``tensors`` (unnamed nodes get a name first)."""
    wanted, names = set(tensors), []
    for i, node in enumerate(model.graph.node):
        if wanted.intersection(node.input) or wanted.intersection(node.output):
            if not node.name:
                node.name = f"tao2ds_node_{i}"
            names.append(node.name)
    return names


def quantize_qdq(
    model: onnx.ModelProto,
    amax: Mapping[str, float],
    *,
    op_types: Sequence[str] = DEFAULT_OP_TYPES,
    no_output_quant: Sequence[str] = DEFAULT_NO_OUTPUT_QUANT,
    unranged: Collection[str] = (),
) -> onnx.ModelProto:
    """Q/DQ model with activation scale amax/127 (symmetric int8) for each quantized tensor in ``amax``.

    ORT adjusts two ranges itself: a Relu/Clip input takes its output's range, and a quantized Softmax
    output gets [0, 1]. ``amax`` must cover every activation ORT decides to quantize (ORT raises otherwise).
    ``unranged`` names activations that have no range (an imported cache without them): every node
    reading or writing one stays float, as TensorRT keeps such layers out of INT8.
    """
    if _default_opset(model) < MIN_OPSET:
        model = onnx.version_converter.convert_version(model, MIN_OPSET)
    exclude = _nodes_touching(model, unranged) if unranged else []
    ranges = TensorsData(
        CalibrationMethod.Entropy,
        {name: TensorData(lowest=np.float32(-a), highest=np.float32(a)) for name, a in amax.items()},
    )
    quantizer = QDQQuantizer(
        model,
        True,  # per_channel (weights only; activations are always per-tensor)
        False,  # reduce_range
        QuantType.QInt8,  # weights
        QuantType.QInt8,  # activations
        ranges,
        [],  # nodes_to_quantize: all
        exclude,  # nodes_to_exclude
        list(op_types),
        {**_EXTRA_OPTIONS, "OpTypesToExcludeOutputQuantization": list(no_output_quant)},
    )
    quantized = quantizer.quantize_model()
    quantizer.model.topological_sort()
    return quantized


def write_qdq_model(
    onnx_path: str | os.PathLike,
    amax: Mapping[str, float],
    out_path: str | os.PathLike,
    *,
    op_types: Sequence[str] = DEFAULT_OP_TYPES,
    no_output_quant: Sequence[str] = DEFAULT_NO_OUTPUT_QUANT,
    unranged: Collection[str] = (),
) -> None:
    """Quantize ``onnx_path`` with ``amax`` and write it atomically to ``out_path`` (same inputs -> same bytes)."""
    model = quantize_qdq(
        onnx.load(os.fspath(onnx_path)),
        amax,
        op_types=op_types,
        no_output_quant=no_output_quant,
        unranged=unranged,
    )
    out = Path(out_path)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(model.SerializeToString(deterministic=True))
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
