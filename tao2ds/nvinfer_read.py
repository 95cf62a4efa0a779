"""Read a generated nvinfer config back with GKeyFile, the way nvinfer reads it."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tao2ds.errors import ConfigError
from tao2ds.keyfile_read import load_keyfile
from tao2ds.labels import parse_labels_file
from tao2ds.preprocess import Preprocessing


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
    if not path.is_file():
        raise ConfigError(f"nvinfer config not found: {path}; run doit build first")
    kf = load_keyfile(path.read_text(encoding="utf-8"), str(path))
    g = "property"

    def opt(getter, key, default):
        return getter(g, key) if key in kf.get_keys(g)[0] else default

    base = path.parent
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
            model_color_format=opt(kf.get_integer, "model-color-format", 0),
            infer_dims=(dims[0], dims[1], dims[2]),
            scaling_filter=opt(kf.get_integer, "scaling-filter", 6),
            source=str(path),
        ),
        onnx=onnx,
        labels=parse_labels_file(labels_path.read_text(encoding="utf-8")),
        threshold=opt(kf.get_double, "classifier-threshold", 0.0),
        batch_size=opt(kf.get_integer, "batch-size", 1),
        output_names=list(opt(kf.get_string_list, "output-blob-names", [])),
        secondary=opt(kf.get_integer, "process-mode", 1) == 2,
    )

