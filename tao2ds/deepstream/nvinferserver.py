"""The nvinferserver (Triton) config of the multitask classifier: written as protobuf text
(``PluginControl``: ``infer_config`` + ``input_control``), and read back the way a runner needs it.

Field names, enum names and numbers are DeepStream's ``nvdsinferserver_config.proto``,
``nvdsinferserver_common.proto`` and ``nvdsinferserver_plugin.proto`` (package
``nvdsinferserver.config``), as shipped in ``sources/includes/`` of DeepStream 6.0, 6.0.1, 6.3
(read from hiennguyen9874/deepstream-sources, branches 6.0 @62d9a13, 6.0.1, 6.3 @1321cad):

- ``BackendParams.triton`` (``TritonParams``: ``model_name``, ``version``, oneof server
  ``model_repo`` / ``grpc``) appears in 6.0; 5.x only had ``trt_is`` (``TrtISParams``) and no
  ``TritonGrpcParams``, so tao2ds writes nvinferserver configs for DeepStream >= 6.0 only
  (releases before 6.0 are not in the release table). ``TritonGrpcParams.enable_cuda_buffer_sharing`` came in 6.1.1 (dGPU only); tao2ds
  leaves it at its default (false) so one config reads on every release.
- ``MediaFormat`` IMAGE_FORMAT_RGB=1, BGR=2, GRAY=3; ``TensorOrder`` TENSOR_ORDER_LINEAR=1 (NCHW),
  NHWC=2; ``FrameScalingHW`` DEFAULT=0, GPU=1, VIC=2; ``PluginControl.ProcessMode``
  PROCESS_MODE_FULL_FRAME=1, PROCESS_MODE_CLIP_OBJECTS=2 — the same in 6.0 and 6.3.
- The layout follows NVIDIA's own multitask sample (deepstream_tao_apps / deepstream_reference_apps
  ``deepstream_app_tao_configs/triton/config_infer_primary_multi_task.txt`` and
  ``triton-grpc/…``, DS 6.3): ``preprocess { network_format … normalize { scale_factor
  channel_offsets } }``, ``postprocess { labelfile_path classification { threshold } }``,
  ``input_control { process_mode interval }``.

Preprocessing comes from the same ``Preprocessing`` record as nvinfer's keys
(``model-color-format`` → ``network_format``, ``net-scale-factor`` → ``scale_factor``, ``offsets`` →
``channel_offsets``, ``scaling-filter`` → ``frame_scaling_filter``, ``scaling-compute-hw`` →
``frame_scaling_hw``), so both plugins see the same tensors.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, Optional, Sequence

from tao2ds.core.errors import ConfigError
from tao2ds.deepstream import prototext, releases
from tao2ds.deepstream.codes import ModelColorFormat, ScalingComputeHw, ScalingFilter
from tao2ds.deepstream.nvinfer import NvinferSettings

if TYPE_CHECKING:  # every run checks the Triton URL; preprocessing is read only by read_nvinferserver
    from tao2ds.model.preprocess import Preprocessing


class MediaFormat(IntEnum):
    MEDIA_FORMAT_NONE = 0
    IMAGE_FORMAT_RGB = 1
    IMAGE_FORMAT_BGR = 2
    IMAGE_FORMAT_GRAY = 3

    @classmethod
    def of_color_format(cls, model_color_format: int) -> "MediaFormat":
        return {
            ModelColorFormat.RGB: cls.IMAGE_FORMAT_RGB,
            ModelColorFormat.BGR: cls.IMAGE_FORMAT_BGR,
            ModelColorFormat.GRAY: cls.IMAGE_FORMAT_GRAY,
        }[ModelColorFormat(model_color_format)]

    def color_format(self) -> int:
        return int({1: ModelColorFormat.RGB, 2: ModelColorFormat.BGR, 3: ModelColorFormat.GRAY}[int(self)])


class TensorOrder(IntEnum):
    TENSOR_ORDER_NONE = 0
    TENSOR_ORDER_LINEAR = 1  # NCHW, what a TAO classifier takes
    TENSOR_ORDER_NHWC = 2


class FrameScalingHW(IntEnum):
    FRAME_SCALING_HW_DEFAULT = 0
    FRAME_SCALING_HW_GPU = 1
    FRAME_SCALING_HW_VIC = 2

    @classmethod
    def of_compute_hw(cls, scaling_compute_hw: int) -> "FrameScalingHW":
        return cls(int(ScalingComputeHw(scaling_compute_hw)))


class ProcessMode(IntEnum):
    PROCESS_MODE_DEFAULT = 0
    PROCESS_MODE_FULL_FRAME = 1
    PROCESS_MODE_CLIP_OBJECTS = 2


def release_problem(deepstream: str) -> Optional[str]:
    """Why this DeepStream release cannot take tao2ds' nvinferserver config, or None."""
    release = releases.get_or_none(deepstream)
    if release is None or not release.nvinferserver:  # the release table (deepstream.releases)
        return (
            f"DeepStream {deepstream}: the release table has no nvinferserver with the 'triton' backend block "
            "or gRPC mode for it (5.x only had 'trt_is'); tao2ds writes the DeepStream 6.0+ form"
        )
    return None


def url_problem(url: Optional[str]) -> Optional[str]:
    """``host:port`` as Triton's gRPC client takes it (no scheme), or why not."""
    if url is None:
        return None
    host, sep, port = str(url).rpartition(":")
    if not sep or not host or "/" in url or not port.isdigit() or not 1 <= int(port) <= 65535:
        return f"{url!r} is not host:port (e.g. triton.example.org:8001; no scheme, no path)"
    return None


@dataclass(frozen=True)
class NvinferserverInputs:
    """Everything the config needs, resolved to names relative to the config's folder."""

    preprocessing: Preprocessing
    labels_file: str
    model_name: str
    model_repo: Optional[str]  # in-process: the repository root; None with grpc_url
    grpc_url: Optional[str]
    input_name: str
    output_names: Sequence[str]  # graph (= labels) order
    batch_size: int
    gpu_id: int
    unique_id: int
    interval: int
    classifier_threshold: float
    scaling_compute_hw: int
    secondary: bool
    operate_on_gie_id: Optional[int] = None
    operate_on_class_ids: Sequence[int] = ()


def _enum(e: IntEnum) -> prototext.Enum:
    return prototext.Enum(e.name)


def plugin_control(i: NvinferserverInputs) -> prototext.Message:
    pp = i.preprocessing
    try:
        fmt = MediaFormat.of_color_format(pp.model_color_format)
        hw = FrameScalingHW.of_compute_hw(i.scaling_compute_hw)
        ScalingFilter(pp.scaling_filter)
    except ValueError as e:
        raise ConfigError(f"nvinferserver preprocessing: {e}") from None
    if (i.model_repo is None) == (i.grpc_url is None):
        raise ConfigError("nvinferserver: exactly one of a model repository and a gRPC URL")
    server = (
        ("grpc", [("url", i.grpc_url)])
        if i.grpc_url
        else ("model_repo", [("root", i.model_repo), ("strict_model_config", True)])
    )
    infer_config = [
        ("unique_id", i.unique_id),
        ("gpu_ids", [i.gpu_id]),
        ("max_batch_size", i.batch_size),
        (
            "backend",
            [
                ("inputs", ([("name", i.input_name)],)),
                # output layers in labels-file order: line i of the labels file is output i
                ("outputs", tuple([("name", n)] for n in i.output_names)),
                ("triton", [("model_name", i.model_name), ("version", -1), server]),
            ],
        ),
        (
            "preprocess",
            [
                ("network_format", _enum(fmt)),
                ("tensor_order", _enum(TensorOrder.TENSOR_ORDER_LINEAR)),
                ("tensor_name", i.input_name),
                ("maintain_aspect_ratio", 0),
                ("frame_scaling_hw", _enum(hw)),
                ("frame_scaling_filter", int(pp.scaling_filter)),
                (
                    "normalize",
                    [
                        ("scale_factor", float(pp.net_scale_factor)),
                        ("channel_offsets", [float(x) for x in pp.offsets] or None),
                    ],
                ),
            ],
        ),
        (
            "postprocess",
            [
                ("labelfile_path", i.labels_file),
                ("classification", [("threshold", float(i.classifier_threshold))]),
            ],
        ),
    ]
    control = [
        (
            "process_mode",
            _enum(
                ProcessMode.PROCESS_MODE_CLIP_OBJECTS if i.secondary else ProcessMode.PROCESS_MODE_FULL_FRAME
            ),
        ),
    ]
    if i.secondary:
        control += [
            ("operate_on_gie_id", i.operate_on_gie_id),
            ("operate_on_class_ids", list(i.operate_on_class_ids) or None),
            ("async_mode", False),  # as nvinfer's classifier-async-mode=0: results on the same frame
        ]
    control.append(("interval", i.interval))
    return [("infer_config", infer_config), ("input_control", control)]


def render_nvinferserver_config(i: NvinferserverInputs, header: Sequence[str] = ()) -> str:
    return prototext.render(plugin_control(i), header=header)


# --- reading it back ------------------------------------------------------------------------


@dataclass(frozen=True)
class NvinferserverSettings:
    """What a runner needs: the classifier settings nvinfer's reader gives, plus where Triton is."""

    classifier: NvinferSettings
    model_name: str
    model_version: int
    input_name: str
    grpc_url: Optional[str]
    model_repo: Optional[Path]  # absolute, in-process mode


def _member(enum, name, path: Path):
    try:
        return enum[str(name)]
    except KeyError:
        raise ConfigError(
            f"{path}: {name} is not a {enum.__name__} (valid: {', '.join(m.name for m in enum)})", file=path
        ) from None


def read_nvinferserver(path: Path, onnx: Path, infer_dims: Sequence[int]) -> NvinferserverSettings:
    from tao2ds.deepstream.labels import parse_labels  # deferred: every run checks urls, few read configs
    from tao2ds.model.preprocess import Preprocessing

    """``onnx``: the model a CPU runner may run instead of the server; ``infer_dims``: C, H, W of
    the model input (nvinferserver takes them from Triton's model config, not from its own file)."""
    if not path.is_file():
        raise ConfigError(f"nvinferserver config not found: {path}; run doit build first", file=path)
    cfg = prototext.parse(path.read_text(encoding="utf-8"), str(path))
    ic = prototext.get(cfg, "infer_config")
    if ic is None:
        raise ConfigError(f"{path}: no infer_config block", file=path)
    triton = prototext.path(ic, "backend", "triton")
    if triton is None or not prototext.get(triton, "model_name"):
        raise ConfigError(f"{path}: infer_config.backend.triton.model_name is missing", file=path)
    pp = prototext.get(ic, "preprocess", [])
    norm = prototext.get(pp, "normalize", [])
    labels_rel = prototext.path(ic, "postprocess", "labelfile_path")
    labels_path = path.parent / str(labels_rel)
    if not labels_rel or not labels_path.is_file():
        raise ConfigError(f"{path}: postprocess.labelfile_path {labels_path} does not exist", file=path)
    control = prototext.get(cfg, "input_control", [])
    repo = prototext.path(triton, "model_repo", "root")
    mode = _member(ProcessMode, prototext.get(control, "process_mode", "PROCESS_MODE_FULL_FRAME"), path)
    fmt = _member(MediaFormat, prototext.get(pp, "network_format", "IMAGE_FORMAT_RGB"), path)
    outputs = [prototext.get(o, "name") for o in prototext.get_all(prototext.get(ic, "backend"), "outputs")]
    inputs = [prototext.get(o, "name") for o in prototext.get_all(prototext.get(ic, "backend"), "inputs")]
    c, h, w = (int(x) for x in infer_dims)
    settings = NvinferSettings(
        preprocessing=Preprocessing(
            mode=None,
            net_scale_factor=float(prototext.get(norm, "scale_factor", 1.0)),
            offsets=tuple(float(x) for x in prototext.get_all(norm, "channel_offsets")),
            model_color_format=fmt.color_format(),
            infer_dims=(c, h, w),
            scaling_filter=int(prototext.get(pp, "frame_scaling_filter", 0)),
            source=str(path),
        ),
        onnx=onnx,
        labels=parse_labels(labels_path.read_text(encoding="utf-8")),
        threshold=float(prototext.path(ic, "postprocess", "classification", "threshold", default=0.0)),
        batch_size=int(prototext.get(ic, "max_batch_size", 1)),
        output_names=outputs,
        secondary=mode is ProcessMode.PROCESS_MODE_CLIP_OBJECTS,
    )
    return NvinferserverSettings(
        classifier=settings,
        model_name=str(prototext.get(triton, "model_name")),
        model_version=int(prototext.get(triton, "version", -1)),
        input_name=str(prototext.get(pp, "tensor_name", inputs[0] if inputs else "")),
        grpc_url=prototext.path(triton, "grpc", "url"),
        model_repo=(path.parent / str(repo)) if repo else None,
    )
