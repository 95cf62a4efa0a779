"""INT8 calibration steps: scales once per (model, images, preprocessing, method, batch), then a
TensorRT cache per target (only the header differs) and one Q/DQ model."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

from tao2ds.core import fileio
from tao2ds.calibration.cache_format import CalibrationCache, trt_version_number
from tao2ds.core.errors import Tao2dsError
from tao2ds.model.imageset import batch_iterator, list_images, select_for_calibration
from tao2ds.steps.model import load_preprocessing


def run_calibration(
    onnx: str, images: str, preprocessing_json: Path, method: str, percentile: float,
    batch_size: int, batches: Optional[int], out: Path,
) -> None:
    from tqdm import tqdm

    from tao2ds.calibration.collect import collect_ranges

    pp = load_preprocessing(preprocessing_json)
    chosen = select_for_calibration(list_images(images), batch_size, batches, images)
    passes = 1 if method == "max" else 2
    with tqdm(total=len(chosen) * passes, unit="img", desc=f"calibrate ({method})", file=sys.stderr,
              disable=None, mininterval=0.5) as bar:
        try:
            amax = collect_ranges(onnx, batch_iterator(chosen, pp, batch_size), method, percentile=percentile,
                                  progress=bar.update)
        except ValueError as e:
            raise Tao2dsError(f"calibration failed: {e}") from None
    fileio.write_json(out, {
        "method": method,
        "percentile": percentile if method == "percentile" else None,
        "batch_size": batch_size,
        "num_images": len(chosen),
        "images": {str(p): fileio.sha256_file(p) for p in chosen},
        "preprocessing": pp.to_dict(),
        "amax": [[name, value] for name, value in amax.items()],  # a list: keeps input-first graph order
    })


def load_amax(calibration_json: Path) -> dict[str, float]:
    return {name: value for name, value in fileio.read_json(calibration_json)["amax"]}


def write_calibration_cache(calibration_json: Path, trt_version: str, out: Path) -> None:
    amax = load_amax(calibration_json)
    cache = CalibrationCache.from_amax(trt_version_number(trt_version), amax)
    fileio.write_text(out, cache.render())


def write_qdq(onnx: str, calibration_json: Path, out: Path) -> None:
    from tao2ds.calibration.qdq import write_qdq_model

    out.parent.mkdir(parents=True, exist_ok=True)
    write_qdq_model(onnx, load_amax(calibration_json), out)
