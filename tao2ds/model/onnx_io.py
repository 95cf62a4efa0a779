"""The ONNX graph's interface: what nvinfer will see as the engine's input and outputs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tao2ds.core.errors import ModelError
from tao2ds.model.labels import name_problem


@dataclass(frozen=True)
class TensorInfo:
    name: str
    shape: tuple  # ints, or strings for symbolic dims


@dataclass(frozen=True)
class GraphIO:
    input: TensorInfo
    outputs: tuple[TensorInfo, ...]  # graph-output order

    @property
    def infer_dims(self) -> tuple[int, int, int]:
        """C;H;W from an N×C×H×W input, as nvinfer's infer-dims wants."""
        dims = self.input.shape[1:]
        if len(dims) != 3 or not all(isinstance(d, int) and d > 0 for d in dims):
            raise ModelError(
                f"input '{self.input.name}' has shape {list(self.input.shape)}; expected N×C×H×W with fixed C, H, W"
            )
        return dims  # type: ignore[return-value]


def _shape(value_info) -> tuple:
    dims = []
    for d in value_info.type.tensor_type.shape.dim:
        if d.HasField("dim_value"):
            dims.append(int(d.dim_value))
        else:
            dims.append(d.dim_param or "?")
    return tuple(dims)


def read_graph_io(path: str | Path) -> GraphIO:
    import onnx  # deferred: protobuf-heavy; only steps that read a graph need it

    try:
        model = onnx.load(str(path), load_external_data=False)
    except FileNotFoundError:
        raise ModelError(f"ONNX model not found: {path} (set model.onnx=<path>)") from None
    except Exception as e:  # onnx raises DecodeError and friends
        raise ModelError(f"{path} is not a readable ONNX model: {e}") from None
    _refuse_external_data(path, model)
    init_names = {i.name for i in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in init_names]
    if len(inputs) != 1:
        raise ModelError(f"{path}: expected exactly one image input, found {[i.name for i in inputs]}")
    outputs = tuple(TensorInfo(o.name, _shape(o)) for o in model.graph.output)
    if not outputs:
        raise ModelError(f"{path}: the graph has no outputs", file=path)
    _check_tensor_name(path, "input", inputs[0].name)
    for o in outputs:
        _check_tensor_name(path, "output", o.name)
    return GraphIO(TensorInfo(inputs[0].name, _shape(inputs[0])), outputs)


def _check_tensor_name(path, kind: str, name: str) -> None:
    """Output names go into nvinfer's ';'-separated output-blob-names, the input name into trtexec's
    comma-separated --minShapes/--optShapes/--maxShapes lists; both live in line-based files."""
    problem = name_problem(name) if name else "is empty"
    if problem is None and kind == "input" and "," in name:
        problem = "contains ',', the separator of trtexec's shape lists"
    if problem:
        raise ModelError(
            f"{path}: graph {kind} name {name!r} {problem}; rename the tensor when exporting the model",
            file=path,
            value=name,
        )


def _refuse_external_data(path, model) -> None:
    """Weights kept in files beside the .onnx (``save_as_external_data``): the target folder would hold
    the graph without its weights and fail on the device. tao2ds stages one model file, so it refuses
    here, before anything is staged, and says how to fold the weights in."""
    import onnx  # deferred with read_graph_io

    locations = sorted(
        {
            entry.value
            for t in model.graph.initializer
            if t.data_location == onnx.TensorProto.EXTERNAL
            for entry in t.external_data
            if entry.key == "location"
        }
    )
    if locations:
        raise ModelError(
            f"{path} keeps its weights in external files ({', '.join(locations)}); tao2ds copies one model "
            "file into each target folder, which would then not run on the device",
            file=path,
            hint="save the model with its weights inside: onnx.save_model(onnx.load(path), out, "
            "save_as_external_data=False) (possible below 2 GB, as TAO classification models are)",
        )
