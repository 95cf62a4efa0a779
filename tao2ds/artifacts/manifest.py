"""The per-target manifest: what was built, from what, for which label order."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional

import yaml

from tao2ds import __version__
from tao2ds.core import fileio
from tao2ds.artifacts.layout import CommonLayout, TargetLayout
from tao2ds.steps.model import labels_for, output_order


def _rel(path: Optional[Path], base: Path) -> Optional[str]:
    return os.path.relpath(path, base) if path is not None and Path(path).exists() else None


def input_hashes(paths: Iterable[str | Path]) -> dict[str, str]:
    return {str(p): fileio.sha256_file(p) for p in sorted({str(p) for p in paths})}


def build_manifest(
    layout: TargetLayout, common: CommonLayout, config: Mapping[str, Any], inputs: Iterable[str | Path],
    engine_note: Optional[str] = None,
) -> dict[str, Any]:
    root = layout.root
    info = fileio.read_json(common.model_json)
    sidecar = layout.engine_sidecar if layout.engine_sidecar.exists() else None
    order, order_source = output_order(info, sidecar)
    labels = labels_for(info, order)
    int8 = layout.precision == "int8"
    return {
        "tao2ds_version": __version__,
        "target": root.name,
        "precision": layout.precision,
        "int8_route": layout.int8_route,
        "artifacts": {
            "onnx": _rel(layout.onnx, root),
            "labels": _rel(layout.labels, root),
            "nvinfer_config": _rel(layout.nvinfer_config, root),
            "app_config": _rel(layout.app_config, root),
            "calibration_cache": _rel(layout.calibration_cache, root) if int8 else None,
            "qdq_onnx": _rel(layout.qdq_onnx, root) if int8 else None,
            "engine": _rel(layout.engine, root),
            "engine_sidecar": _rel(sidecar, root),
        },
        "engine_file_name": layout.engine.name,
        "engine_note": engine_note,
        "label_tasks": list(labels.tasks),
        "label_order_source": order_source,
        "output_order": order,
        "preprocessing": fileio.read_json(common.preprocessing_json),
        "config": dict(config),
        "inputs": input_hashes(inputs),
    }


def write_manifest(layout: TargetLayout, common: CommonLayout, config: Mapping[str, Any], inputs: list[str],
                   engine_note: Optional[str] = None) -> None:
    manifest = build_manifest(layout, common, config, inputs, engine_note)
    fileio.write_text(layout.resolved_config, yaml.safe_dump(dict(config), sort_keys=False, allow_unicode=True))
    fileio.write_json(layout.manifest, manifest)
