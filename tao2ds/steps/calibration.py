"""INT8 calibration steps: scales once per (model, images, preprocessing, method, batch), then a
TensorRT cache per target (only the header differs) and one Q/DQ model."""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path
from typing import Optional, Sequence

from tao2ds.artifacts.layout import source_onnx
from tao2ds.calibration.cache_format import CalibrationCache, trt_version_number
from tao2ds.core import fileio
from tao2ds.core.errors import BuildError, ConfigError
from tao2ds.core.step import Step
from tao2ds.model.imageset import batch_iterator, list_images, select_for_calibration
from tao2ds.steps.model import load_preprocessing, stage_file


def run_calibration(
    onnx: Path,
    images: Sequence[Path],
    preprocessing_json: Path,
    method: str,
    percentile: float,
    batch_size: int,
    out: Path,
    histograms_out: Path,
) -> None:
    """Per-tensor amax over ``images`` (whole batches, chosen when the step was declared), and the
    |x| histograms it came from (coarsened, for the report; they do not change the amax)."""
    from tqdm import tqdm  # deferred: only while calibrating

    from tao2ds.calibration.collect import collect_ranges  # deferred: pulls in ONNX Runtime

    pp = load_preprocessing(preprocessing_json)
    chosen = list(images)
    histograms: list[dict] = []
    passes = 1 if method == "max" else 2
    with tqdm(
        total=len(chosen) * passes,
        unit="img",
        desc=f"calibrate ({method})",
        file=sys.stderr,
        disable=None,
        mininterval=0.5,
    ) as bar:
        try:
            amax = collect_ranges(
                onnx,
                batch_iterator(chosen, pp, batch_size),
                method,
                percentile=percentile,
                progress=bar.update,
                on_histogram=lambda name, h: histograms.append(coarse_histogram(name, h)),
            )
        except ValueError as e:
            raise BuildError(f"calibration failed: {e}") from None
    fileio.write_json(
        out,
        {
            "method": method,
            "percentile": percentile if method == "percentile" else None,
            "batch_size": batch_size,
            "num_images": len(chosen),
            "images": {str(p): fileio.sha256_file(p) for p in chosen},
            "preprocessing": pp.to_dict(),
            "amax": [[name, value] for name, value in amax.items()],  # a list: keeps input-first graph order
        },
    )
    fileio.write_json(
        histograms_out,
        {"method": method, "bins": PLOT_BINS, "tensors": histograms},  # empty for method=max (no histograms)
    )


PLOT_BINS = 128  # the 2048 calibration bins summed in groups of 16: enough to see where the threshold cuts


def coarse_histogram(name: str, h) -> dict:
    counts = h.counts.reshape(PLOT_BINS, -1).sum(axis=1) if len(h.counts) % PLOT_BINS == 0 else h.counts
    return {
        "name": name,
        "max": float(h.amax),  # the histogram covers [0, max]
        "counts": [int(c) for c in counts],
    }


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


# --- declarations ------------------------------------------------------------------------------


def image_set(ctx) -> str:
    return ctx.cfg.calibration.images or ctx.cfg.model.calibration_images or ""


@lru_cache(maxsize=4)
def _chosen(spec: str, batch_size: int, batches: Optional[int]) -> tuple[Path, ...]:
    return tuple(select_for_calibration(list_images(spec), batch_size, batches, spec))


def chosen_images(ctx) -> tuple[Path, ...]:
    """The images calibration reads: whole batches of the image set (every file is an input)."""
    if not ctx.int8:
        return ()
    if not image_set(ctx):
        raise ConfigError(
            "precision=int8 needs calibration images: set calibration.images=<dir or list file>",
            key="calibration.images",
        )
    cal = ctx.cfg.calibration
    return _chosen(image_set(ctx), cal.batch_size, cal.batches)


def calibrate(ctx) -> Step:
    c, cal = ctx.common, ctx.cfg.calibration
    return Step(
        "calibrate",
        f"scales{ctx.tag}",
        run_calibration,
        inputs={
            "onnx": source_onnx(ctx.cfg, ctx.tag),
            "preprocessing_json": c.preprocessing_json,
            "images": chosen_images(ctx),
        },
        outputs={"out": c.calibration_json, "histograms_out": c.calibration_histograms},
        params={"method": str(cal.method), "percentile": cal.percentile, "batch_size": cal.batch_size},
        config={k: f"calibration.{k}" for k in ("method", "percentile", "batch_size")},
        doc="calibration.json (per-tensor amax)",
    )


def qdq(ctx) -> Step:
    c = ctx.common
    return Step(
        "qdq",
        f"qdq{ctx.tag}",
        write_qdq,
        inputs={"onnx": source_onnx(ctx.cfg, ctx.tag), "calibration_json": c.calibration_json},
        outputs={"out": c.qdq_onnx},
        doc="Q/DQ ONNX (explicit quantization)",
    )


def calibration_cache(ctx, tb) -> Step:
    return Step(
        "calibcache",
        f"{tb.name}:cache",
        write_calibration_cache,
        inputs={"calibration_json": ctx.common.calibration_json},
        outputs={"out": tb.layout.calibration_cache},
        params={"trt_version": str(tb.cfg.target.tensorrt)},
        config={"trt_version": "target.tensorrt"},
        doc="calibration.cache",
    )


def stage_qdq(ctx, tb) -> Step:
    return Step(
        "stage-qdq",
        f"{tb.name}:qdq",
        stage_file,
        inputs={"src": ctx.common.qdq_onnx},
        outputs={"dest": tb.layout.qdq_onnx},
        doc="Q/DQ model next to its configs",
    )
