"""The nvinfer config of the multitask classifier (primary or secondary GIE): written, and read
back with GKeyFile the way nvinfer reads it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional, Sequence

from tao2ds.core.errors import ConfigError
from tao2ds.deepstream import releases
from tao2ds.deepstream.codes import (
    ModelColorFormat,
    NetworkMode,
    NetworkType,
    ProcessMode,
    ScalingComputeHw,
    ScalingFilter,
)
from tao2ds.deepstream.keyfile import load_keyfile, render_keyfile

if TYPE_CHECKING:  # preprocessing is read only by read_nvinfer
    from tao2ds.model.preprocess import Preprocessing


@dataclass(frozen=True)
class NvinferInputs:
    """Everything the config needs, already resolved to file names in the target directory."""

    preprocessing: Preprocessing
    labels_file: str
    onnx_file: str
    engine_file: str
    calib_file: Optional[str]
    output_names: Sequence[str]
    precision: str
    batch_size: int
    gpu_id: int
    gie_unique_id: int
    interval: int
    classifier_threshold: float
    scaling_compute_hw: int
    secondary: bool
    operate_on_gie_id: Optional[int] = None
    operate_on_class_ids: Sequence[int] = ()
    dla_core: Optional[int] = None
    # route 1 for a TAO .etlt with a UFF payload (DeepStream <= 7.0): tlt-encoded-model instead of onnx-file
    etlt_file: Optional[str] = None
    uff_input_blob: Optional[str] = None
    model_key: Optional[str] = field(default=None, repr=False)  # the .etlt key: written only as tlt-model-key
    deepstream: Optional[str] = None  # the release the config is for: only keys it knows are written
    strongly_typed: bool = False  # a Q/DQ model built strongly typed (releases.strongly_typed)


def _code(enum, value: Any, key: str):
    """``value`` as a member of ``enum``, or a ConfigError naming the nvinfer key."""
    try:
        return enum(value)
    except ValueError:
        valid = ", ".join(f"{m.value} ({m.name.lower()})" for m in enum)
        raise ConfigError(
            f"nvinfer {key}={value!r} is not a valid code; valid: {valid}", key=key, value=value
        ) from None


def nvinfer_entries(i: NvinferInputs) -> list[tuple[str, Any]]:
    pp = i.preprocessing
    try:
        mode = NetworkMode.of_precision(i.precision)
    except KeyError:
        raise ConfigError(
            f"precision {i.precision!r} has no nvinfer network-mode", key="precision.name", value=i.precision
        ) from None
    entries: list[tuple[str, Any]] = [
        ("gpu-id", i.gpu_id),
        ("net-scale-factor", pp.net_scale_factor),
        ("offsets", list(pp.offsets) or None),
        ("model-color-format", _code(ModelColorFormat, pp.model_color_format, "model-color-format")),
        ("labelfile-path", i.labels_file),
        *_model_entries(i),
        ("model-engine-file", i.engine_file),
        ("int8-calib-file", i.calib_file),
        ("infer-dims", list(pp.infer_dims)),
        ("batch-size", i.batch_size),
        ("network-mode", mode),
        ("gie-unique-id", i.gie_unique_id),
        ("network-type", NetworkType.CLASSIFIER),
        ("process-mode", ProcessMode.SECONDARY if i.secondary else ProcessMode.PRIMARY),
        ("scaling-filter", _code(ScalingFilter, pp.scaling_filter, "scaling-filter")),
        ("scaling-compute-hw", _code(ScalingComputeHw, i.scaling_compute_hw, "scaling-compute-hw")),
        ("output-blob-names", list(i.output_names)),
        ("classifier-threshold", float(i.classifier_threshold)),
    ]
    if i.secondary:
        entries += [
            ("operate-on-gie-id", i.operate_on_gie_id),
            ("operate-on-class-ids", list(i.operate_on_class_ids) or None),
            ("classifier-async-mode", 0),
        ]
    else:
        entries.insert(11, ("interval", i.interval))  # "Primary mode only"
    if i.dla_core is not None:
        entries += [("enable-dla", 1), ("use-dla-core", i.dla_core)]
    if i.strongly_typed:
        # "Corresponds to --stronglyTyped flag in trtexec" (DS 9.0/9.1 gstnvinfer_property_parser.h)
        entries.append(("strongly-typed", 1))
    if (
        i.deepstream is not None
        and mode is NetworkMode.BEST
        and not releases.get(i.deepstream).network_mode_best
    ):
        raise ConfigError(
            f"network-mode=3 (best) needs DeepStream 7.0 or newer, not {i.deepstream}", key="precision.name"
        )
    if i.deepstream is not None:
        releases.check_known_keys([("property", entries)], i.deepstream, "nvinfer")
    return entries


def _model_entries(i: NvinferInputs) -> list[tuple[str, Any]]:
    """``onnx-file``, or for a UFF .etlt the route-1 keys NVIDIA's multi_task sample used up to DeepStream
    7.0: ``tlt-encoded-model``, ``tlt-model-key``, ``uff-input-blob-name``, ``uff-input-order`` (0 = NCHW)
    (NVIDIA-AI-IOT/deepstream_tao_apps configs/multi_task_tlt/pgie_multi_task_tlt_config.txt @release/tlt3.0
    16405b1; keys in gstnvinfer_property_parser.h, DS 6.0.1–9.1; deepstream.md key table). infer-dims and
    output-blob-names are written as for ONNX."""
    if i.etlt_file is None:
        return [("onnx-file", i.onnx_file)]
    if not i.model_key or not i.uff_input_blob:
        raise ConfigError("a UFF .etlt needs its key and its UFF input node name", key="model.etlt")
    return [
        ("tlt-encoded-model", i.etlt_file),
        ("tlt-model-key", i.model_key),
        ("uff-input-blob-name", i.uff_input_blob),
        ("uff-input-order", 0),
    ]


def render_nvinfer_config(i: NvinferInputs, header: Sequence[str] = ()) -> str:
    return render_keyfile([("property", nvinfer_entries(i))], header=header)


# --- reading it back ------------------------------------------------------------------------


@dataclass(frozen=True)
class NvinferSettings:
    preprocessing: Preprocessing
    onnx: Path
    labels: list[list[str]]
    threshold: float
    batch_size: int
    output_names: list[str]
    secondary: bool


def read_nvinfer(path: Path) -> NvinferSettings:
    from tao2ds.deepstream.labels import parse_labels  # deferred: see the imports (start-up time)
    from tao2ds.model.preprocess import Preprocessing

    if not path.is_file():
        raise ConfigError(f"nvinfer config not found: {path}; run doit build first")
    kf = load_keyfile(path.read_text(encoding="utf-8"), str(path))
    g = "property"

    def opt(getter, key, default):
        return getter(g, key) if key in kf.get_keys(g)[0] else default

    base = path.parent
    if "tlt-encoded-model" in kf.get_keys(g)[0]:
        raise ConfigError(
            f"{path} builds from a UFF .etlt (tlt-encoded-model): the CPU reference runner and doit verify "
            "need an ONNX graph, which a UFF .etlt does not have",
            file=path,
            hint="run it on the device (run.backend=deepstream-app); verify an ONNX export of the same model",
        )
    labels_path = base / kf.get_string(g, "labelfile-path")
    if not labels_path.is_file():
        raise ConfigError(f"{path}: labelfile-path {labels_path} does not exist")
    onnx = base / kf.get_string(g, "onnx-file")
    if not onnx.is_file():
        raise ConfigError(f"{path}: onnx-file {onnx} does not exist")
    dims = kf.get_integer_list(g, "infer-dims")
    return NvinferSettings(
        preprocessing=Preprocessing(
            mode=None,
            net_scale_factor=opt(kf.get_double, "net-scale-factor", 1.0),
            offsets=tuple(opt(kf.get_double_list, "offsets", [])),
            model_color_format=opt(kf.get_integer, "model-color-format", int(ModelColorFormat.RGB)),
            infer_dims=(dims[0], dims[1], dims[2]),
            scaling_filter=opt(kf.get_integer, "scaling-filter", int(ScalingFilter.DEFAULT)),
            source=str(path),
        ),
        onnx=onnx,
        labels=parse_labels(labels_path.read_text(encoding="utf-8")),
        threshold=opt(kf.get_double, "classifier-threshold", 0.0),
        batch_size=opt(kf.get_integer, "batch-size", 1),
        output_names=list(opt(kf.get_string_list, "output-blob-names", [])),
        secondary=opt(kf.get_integer, "process-mode", ProcessMode.PRIMARY) == ProcessMode.SECONDARY,
    )
