"""Build small multitask classifier ONNX graphs and classmaps for tests (TAO export shape)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np


def make_multitask_onnx(
    path: Path,
    tasks: Mapping[str, int],
    order: Sequence[str] | None = None,
    chw=(3, 80, 60),
    input_name="input_1",
    seed=0,
    name_fmt="{task}/Softmax",
) -> Path:
    """A tiny conv net: input_1 N×C×H×W → one softmax head per task, outputs in ``order``."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    c = chw[0]
    nodes, inits = [], []
    w = rng.normal(0, 0.1, (8, c, 3, 3)).astype(np.float32)
    inits += [
        numpy_helper.from_array(w, "conv_w"),
        numpy_helper.from_array(np.zeros(8, np.float32), "conv_b"),
    ]
    nodes += [
        helper.make_node("Conv", [input_name, "conv_w", "conv_b"], ["conv"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["conv"], ["relu"]),
        helper.make_node("GlobalAveragePool", ["relu"], ["gap"]),
        helper.make_node("Flatten", ["gap"], ["feat"]),
    ]
    outputs = []
    for task in order or list(tasks):
        n = tasks[task]
        inits += [
            numpy_helper.from_array(rng.normal(0, 0.5, (8, n)).astype(np.float32), f"{task}_w"),
            numpy_helper.from_array(rng.normal(0, 0.1, n).astype(np.float32), f"{task}_b"),
        ]
        out = name_fmt.format(task=task)
        nodes += [
            helper.make_node("Gemm", ["feat", f"{task}_w", f"{task}_b"], [f"{task}_logits"]),
            helper.make_node("Softmax", [f"{task}_logits"], [out], axis=1),
        ]
        outputs.append(helper.make_tensor_value_info(out, TensorProto.FLOAT, ["N", n]))
    graph = helper.make_graph(
        nodes,
        "multitask",
        [helper.make_tensor_value_info(input_name, TensorProto.FLOAT, ["N", *chw])],
        outputs,
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))
    return path


def make_classmap(path: Path, classes: Mapping[str, Sequence[str]]) -> Path:
    data = {
        "tasks": sorted(classes),
        "class_mapping": {t: {str(i): n for i, n in enumerate(v)} for t, v in classes.items()},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2))
    return path


SEED_CLASSES = {
    "base_color": [
        "Black",
        "Blue",
        "Brown",
        "Green",
        "Grey",
        "Navy Blue",
        "Pink",
        "Purple",
        "Red",
        "Silver",
        "White",
    ],
    "category": [
        "Bags",
        "Bottomwear",
        "Eyewear",
        "Fragrance",
        "Innerwear",
        "Jewellery",
        "Sandal",
        "Shoes",
        "Topwear",
        "Watches",
    ],
    "season": ["Fall", "Spring", "Summer", "Winter"],
}
