"""A calibration cache made elsewhere (``tao … export --cal_cache_file``, TAO Deploy ``gen_trt_engine
--cal_cache_file``, or an earlier tao2ds build), checked against the model before it is used.

TensorRT looks scales up by tensor name: entries naming no tensor of the network are ignored and
tensors without an entry get no INT8 range (TensorRT then runs those layers in higher precision),
so neither is an error in TensorRT itself. We refuse a cache that matches *no* tensor of the graph
(it belongs to another model) and report partial mismatches by name.

A cache's names are TensorRT network tensor names. With TensorRT's ONNX parser these are the ONNX
tensor names; tensors of layers TensorRT adds itself carry its default names
``(Unnamed Layer* N) [Kind]_output``: a cache TensorRT 8.5.1 wrote for a small PyTorch→ONNX CNN
(``TRT-8510-EntropyCalibration2``, found in a public note on TensorRT INT8, source repository not
recorded) lists ``(Unnamed Layer* 11) [Shuffle]_output: 39133ad3`` and ``… [Softmax]_output``
between ``/conv1/Conv_output_0`` and ``/fc1/Gemm_output_0``, and a scale written as a bare ``0``.
Such names are accepted without a graph counterpart.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from tao2ds.calibration.cache_format import CalibrationCache

SOURCES = {
    "tao_export": "TAO export (--cal_cache_file): TensorRT's calibrator over TAO's own calibration images",
    "tao_deploy": "TAO Deploy gen_trt_engine (--cal_cache_file): randomly sampled images, LANCZOS resize, "
    "caffe BGR (reference tao-tools.md §1.4)",
    "tao2ds": "an earlier tao2ds build (tao2ds's own calibration)",
}
TRT_INTERNAL_PREFIX = "(Unnamed Layer*"


@dataclass(frozen=True)
class CacheCheck:
    matched: tuple[str, ...]  # cache entries that name a graph tensor
    internal: tuple[str, ...]  # TensorRT's own unnamed-layer tensors
    unknown: tuple[str, ...]  # cache entries naming no tensor of the graph
    uncovered: tuple[str, ...]  # graph activations (input included) the cache has no scale for


def graph_activations(onnx_path: str | Path) -> list[str]:
    """Every tensor TensorRT would calibrate, in graph order: the network input(s), then each float
    node output (not initializers or Constant outputs), as tao2ds's own calibration collects them."""
    import onnx  # deferred: a no-op build does not load ONNX

    model = onnx.shape_inference.infer_shapes(onnx.load(str(onnx_path), load_external_data=False))
    g = model.graph
    inits = {t.name for t in g.initializer}
    typed = {vi.name: vi.type.tensor_type.elem_type for vi in [*g.input, *g.value_info, *g.output]}
    names = [i.name for i in g.input if i.name not in inits]
    seen = set(names)
    for node in g.node:
        if node.op_type == "Constant":
            continue
        for out in node.output:
            if out and out not in seen and typed.get(out) == onnx.TensorProto.FLOAT:
                names.append(out)
                seen.add(out)
    return names


def check_against_graph(cache: CalibrationCache, activations: Sequence[str]) -> CacheCheck:
    graph = set(activations)
    matched, internal, unknown = [], [], []
    for name in cache.scales:
        if name in graph:
            matched.append(name)
        elif name.startswith(TRT_INTERNAL_PREFIX):
            internal.append(name)
        else:
            unknown.append(name)
    uncovered = [n for n in activations if n not in cache.scales]
    return CacheCheck(tuple(matched), tuple(internal), tuple(unknown), tuple(uncovered))


def some(names: Iterable[str], n: int = 5) -> str:
    """'a, b, c (and 12 more)' for messages."""
    names = list(names)
    head = ", ".join(repr(x) for x in names[:n])
    return head + (f" (and {len(names) - n} more)" if len(names) > n else "")
