"""A Triton model repository for the classifier: ``<root>/<model>/config.pbtxt`` and
``<root>/<model>/1/model.plan`` (a TensorRT engine) or ``1/model.onnx`` (ONNX Runtime).

``config.pbtxt`` is protobuf text of Triton's ``inference.ModelConfig``
(``model_config.proto``, triton-inference-server/common; the same schema ``tritonclient`` ships
as ``tritonclient.grpc.model_config_pb2``, which the tests parse it with). Names and values used:

- ``platform``: ``tensorrt_plan`` for a serialized engine (default file name ``model.plan``),
  ``onnxruntime_onnx`` for ONNX (``model.onnx``) — Triton's model repository docs, "Model Files";
- ``max_batch_size`` > 0: the first dimension of every input/output is the batch and is left out
  of ``dims`` — the engine's profile (opt = max = batch) or the ONNX graph's dynamic batch;
- ``DataType`` names ``TYPE_FP32`` … as in ``model_config.proto`` (:data:`ONNX_TO_TRITON` maps
  ONNX ``TensorProto`` element types to them); ``ModelInput.Format`` ``FORMAT_NCHW`` = 2;
- ``instance_group { kind: KIND_GPU gpus: [id] }``.

Outputs are listed in the graph's output order — the labels file's line order — as for nvinfer.
NVIDIA's own multitask config (deepstream_reference_apps ``deepstream_app_tao_configs/triton/
multi_task_config.pbtxt``, DS 6.3) has the same shape (``tensorrt_plan``, one FP32 input, the three
``…/Softmax`` outputs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

from tao2ds.core.errors import ConfigError, ModelError
from tao2ds.deepstream import prototext

CONFIG_FILE = "config.pbtxt"
VERSION = "1"
PLAN = ("tensorrt_plan", "model.plan")
ONNX = ("onnxruntime_onnx", "model.onnx")

# onnx.TensorProto.DataType → Triton DataType (model_config.proto)
ONNX_TO_TRITON = {
    1: "TYPE_FP32",
    2: "TYPE_UINT8",
    3: "TYPE_INT8",
    4: "TYPE_UINT16",
    5: "TYPE_INT16",
    6: "TYPE_INT32",
    7: "TYPE_INT64",
    8: "TYPE_STRING",
    9: "TYPE_BOOL",
    10: "TYPE_FP16",
    11: "TYPE_FP64",
    12: "TYPE_UINT32",
    13: "TYPE_UINT64",
    16: "TYPE_BF16",
}
# Triton DataType name → the wire datatype tritonclient's InferInput takes ("FP32", …)
WIRE = {v: v[len("TYPE_") :] for v in ONNX_TO_TRITON.values()}
WIRE["TYPE_STRING"] = "BYTES"

_MODEL_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


def model_name_problem(name: str) -> Optional[str]:
    """A Triton model name is a directory name in the repository and a path segment of its URLs."""
    if not _MODEL_NAME.match(str(name)):
        return f"{name!r} cannot name a Triton model (letters, digits, '_', '.', '-'; a directory name)"
    return None


@dataclass(frozen=True)
class Tensor:
    name: str
    data_type: str  # TYPE_FP32, …
    dims: tuple[int, ...]  # without the batch dimension


def platform_of(model_file: str) -> str:
    for platform, name in (PLAN, ONNX):
        if model_file == name:
            return platform
    raise ConfigError(f"a Triton model file is {PLAN[1]} or {ONNX[1]}, not {model_file}")


def tensors_from_graph(io: dict, dtypes: dict[str, int]) -> tuple[Tensor, list[Tensor]]:
    """(input, outputs) from model.json's ``input``/``outputs`` (batch first) and ONNX element types."""

    def one(t: dict) -> Tensor:
        shape = list(t["shape"])
        dims = shape[1:]
        if not dims or not all(isinstance(d, int) and d > 0 for d in dims):
            raise ModelError(
                f"tensor '{t['name']}' has shape {shape}: Triton needs fixed dims after the batch dimension"
            )
        code = dtypes.get(t["name"])
        if code not in ONNX_TO_TRITON:
            raise ModelError(f"tensor '{t['name']}': ONNX element type {code} has no Triton data type")
        return Tensor(t["name"], ONNX_TO_TRITON[code], tuple(dims))

    return one(io["input"]), [one(o) for o in io["outputs"]]


def model_config(
    name: str,
    model_file: str,
    max_batch_size: int,
    input: Tensor,
    outputs: Sequence[Tensor],
    gpu_id: Optional[int],
) -> prototext.Message:
    group = [("count", 1), ("kind", prototext.Enum("KIND_GPU"))]
    if gpu_id is not None:
        group.append(("gpus", [gpu_id]))
    return [
        ("name", name),
        ("platform", platform_of(model_file)),
        ("max_batch_size", max_batch_size),
        (
            "input",
            (
                [
                    ("name", input.name),
                    ("data_type", prototext.Enum(input.data_type)),
                    ("format", prototext.Enum("FORMAT_NCHW")),
                    ("dims", list(input.dims)),
                ],
            ),
        ),
        (
            "output",
            tuple(
                [("name", o.name), ("data_type", prototext.Enum(o.data_type)), ("dims", list(o.dims))]
                for o in outputs
            ),
        ),
        ("instance_group", (group,)),
    ]


def render_model_config(
    name: str,
    model_file: str,
    max_batch_size: int,
    input: Tensor,
    outputs: Sequence[Tensor],
    gpu_id: Optional[int],
    header: Sequence[str] = (),
) -> str:
    return prototext.render(model_config(name, model_file, max_batch_size, input, outputs, gpu_id), header)


# --- reading it back ------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelConfig:
    name: str
    platform: Optional[str]
    backend: Optional[str]
    max_batch_size: int
    inputs: list[Tensor]
    outputs: list[Tensor]


def read_model_config(path: Path) -> ModelConfig:
    if not path.is_file():
        raise ConfigError(f"Triton model config not found: {path}", file=path)
    msg = prototext.parse(path.read_text(encoding="utf-8"), str(path))

    def tensors(key: str) -> list[Tensor]:
        return [
            Tensor(
                str(prototext.get(t, "name")),
                str(prototext.get(t, "data_type", "TYPE_INVALID")),
                tuple(int(d) for d in prototext.get_all(t, "dims")),
            )
            for t in prototext.get_all(msg, key)
        ]

    return ModelConfig(
        name=str(prototext.get(msg, "name", path.parent.name)),
        platform=prototext.get(msg, "platform"),
        backend=prototext.get(msg, "backend"),
        max_batch_size=int(prototext.get(msg, "max_batch_size", 0)),
        inputs=tensors("input"),
        outputs=tensors("output"),
    )
