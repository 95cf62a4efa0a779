"""Test helpers: a tiny seeded classifier ONNX (Conv -> Relu -> GAP -> Flatten -> Gemm -> Softmax) and inputs."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

INPUT_SHAPE = (3, 16, 12)  # C, H, W
NUM_CLASSES = 5
TENSORS = ["input_1", "conv_out", "relu_out", "gap_out", "flat_out", "logits", "probs"]


def build_tiny_model(opset: int = 13) -> onnx.ModelProto:
    rng = np.random.default_rng(1234)
    c, _, _ = INPUT_SHAPE
    w = (rng.standard_normal((8, c, 3, 3)) * 0.3).astype(np.float32)
    b = (rng.standard_normal(8) * 0.1).astype(np.float32)
    fc_w = (rng.standard_normal((NUM_CLASSES, 8)) * 0.5).astype(np.float32)
    fc_b = (rng.standard_normal(NUM_CLASSES) * 0.1).astype(np.float32)
    nodes = [
        helper.make_node(
            "Conv", ["input_1", "conv_w", "conv_b"], ["conv_out"], name="conv", pads=[1, 1, 1, 1]
        ),
        helper.make_node("Relu", ["conv_out"], ["relu_out"], name="relu"),
        helper.make_node("GlobalAveragePool", ["relu_out"], ["gap_out"], name="gap"),
        helper.make_node("Flatten", ["gap_out"], ["flat_out"], name="flatten", axis=1),
        helper.make_node("Gemm", ["flat_out", "fc_w", "fc_b"], ["logits"], name="fc", transB=1),
        helper.make_node("Softmax", ["logits"], ["probs"], name="softmax", axis=1),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny",
        [helper.make_tensor_value_info("input_1", TensorProto.FLOAT, ["N", *INPUT_SHAPE])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["N", NUM_CLASSES])],
        initializer=[
            numpy_helper.from_array(w, "conv_w"),
            numpy_helper.from_array(b, "conv_b"),
            numpy_helper.from_array(fc_w, "fc_w"),
            numpy_helper.from_array(fc_b, "fc_b"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def make_batches(num_batches: int, batch_size: int = 4, seed: int = 7) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [
        (rng.standard_normal((batch_size, *INPUT_SHAPE)) * 40.0).astype(np.float32)
        for _ in range(num_batches)
    ]


def replayable(batches: list[np.ndarray]) -> Callable[[], Iterator[np.ndarray]]:
    return lambda: iter(batches)
