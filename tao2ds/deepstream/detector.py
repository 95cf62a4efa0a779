"""Does a user's detector nvinfer config point at files of another DeepStream release?

Absolute paths in the detector config are kept as they are (they live on the device). Two kinds
would not exist on a device running another release (deepstream-parsers.md F3):

- paths under a versioned install, ``/opt/nvidia/deepstream/deepstream-X.Y/...``, where X.Y is
  not the target's install folder (6.0 for 6.0.1, see ``codes.install_version``);
- NVIDIA's bundled ``samples/models/Primary_Detector`` model files, which changed between releases
  (the sample configs of each release tree, F3): 6.0.1 and 6.3 ship ``resnet10.caffemodel``,
  7.0 ``resnet18_trafficcamnet.etlt``, 7.1 ``resnet18_trafficcamnet_pruned.onnx``. nvinfer then
  fails with "Cannot access ONNX file" (``OnnxModelParser::parseModel``,
  ``nvdsinfer_model_builder.cpp`` DS71 l.42). Releases not listed here are not judged.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Optional, Sequence

from tao2ds.deepstream import releases as release_table
from tao2ds.deepstream.codes import install_version, version_tuple
from tao2ds.deepstream.keyfile import read_keyfile

# nvinfer keys whose values are paths (gstnvinfer_property_parser.cpp get_absolute_file_path callers)
PATH_KEYS = (
    "labelfile-path",
    "onnx-file",
    "model-engine-file",
    "int8-calib-file",
    "tlt-encoded-model",
    "custom-lib-path",
    "mean-file",
    "model-file",
    "proto-file",
    "uff-file",
)
# keys naming the model itself
MODEL_KEYS = ("onnx-file", "tlt-encoded-model", "model-file", "proto-file", "uff-file")

_VERSIONED = re.compile(r"^/opt/nvidia/deepstream/deepstream-(\d+\.\d+)(/|$)")
_SAMPLE_DIR = "samples/models/Primary_Detector"
# Primary_Detector model files per release (deepstream-parsers.md F3); only these releases are judged.
# (the release table's primary_detector_model: {model file: releases that ship it})
PRIMARY_DETECTOR_MODELS: Mapping[str, tuple[str, ...]] = {
    model: tuple(r.version for r in release_table.RELEASES if r.primary_detector_model == model)
    for model in dict.fromkeys(
        r.primary_detector_model for r in release_table.RELEASES if r.primary_detector_model
    )
}
_JUDGED = {v for releases in PRIMARY_DETECTOR_MODELS.values() for v in releases}


@dataclass(frozen=True)
class ForeignPath:
    """A path in the detector config that belongs to another release's install."""

    group: str
    key: str
    value: str
    release: str  # the release the path belongs to
    reason: str


def _same_release(a: str, b: str) -> bool:
    return version_tuple(a)[:2] == version_tuple(b)[:2]


def foreign_release_paths(
    groups: Mapping[str, Sequence[tuple[str, str]]], deepstream: str
) -> list[ForeignPath]:
    """Absolute paths of ``groups`` (a parsed nvinfer config) that a DeepStream ``deepstream``
    device does not have (pure)."""
    mine = install_version(deepstream)
    out: list[ForeignPath] = []
    for group, entries in groups.items():
        for key, value in entries:
            if key not in PATH_KEYS or not value.startswith("/"):
                continue
            m = _VERSIONED.match(value)
            if m and not _same_release(m.group(1), mine):
                out.append(
                    ForeignPath(
                        group,
                        key,
                        value,
                        m.group(1),
                        f"lives under the DeepStream {m.group(1)} install (deepstream-{m.group(1)}), not deepstream-{mine}",
                    )
                )
                continue
            if key not in MODEL_KEYS or not value.startswith("/opt/nvidia/deepstream/"):
                continue
            norm = posixpath.normpath(value)
            name = posixpath.basename(norm)
            releases = PRIMARY_DETECTOR_MODELS.get(name)
            if (
                releases
                and posixpath.dirname(norm).endswith(_SAMPLE_DIR)
                and deepstream in _JUDGED
                and not any(_same_release(r, deepstream) for r in releases)
            ):
                out.append(
                    ForeignPath(
                        group,
                        key,
                        value,
                        releases[-1],
                        f"is the Primary_Detector sample model of DeepStream {' and '.join(releases)} only",
                    )
                )
    return out


def read_detector_paths(path: str | Path) -> dict[str, list[tuple[str, str]]]:
    """The detector config parsed as nvinfer parses it (GKeyFile)."""

    return read_keyfile(path)


def detector_release_problems(path: str | Path, deepstream: str) -> list[ForeignPath]:
    return foreign_release_paths(read_detector_paths(path), deepstream)


def describe(found: Iterable[ForeignPath], config: str, deepstream: Optional[str]) -> list[str]:
    return [
        f"{config}: [{f.group}] {f.key}={f.value} {f.reason}; the target runs DeepStream {deepstream}"
        for f in found
    ]
