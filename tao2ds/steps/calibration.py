"""INT8 calibration steps: scales once per (model, images, preprocessing, method, batch), then a
TensorRT cache per target (only the header differs) and one Q/DQ model."""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path
from typing import Optional, Sequence

from tao2ds.calibration.cache_format import CalibrationCache, trt_version_number
from tao2ds.core import fileio
from tao2ds.core.errors import BuildError, ConfigError
from tao2ds.core.step import Step
from tao2ds.model.imageset import batch_iterator, check_images, list_images, select_for_calibration
from tao2ds.steps.model import load_preprocessing, stage_file


def run_calibration(
    onnx: Path,
    images: Sequence[Path],
    preprocessing_json: Path,
    method: str,
    percentile: float,
    batch_size: int,
    out: Path,
    batches: Optional[int] = None,
    image_list: Optional[Path] = None,
) -> None:
    """Per-tensor amax over the first whole batches of ``images`` (the image set, in its order).

    Every file of the set is checked first, also those outside the batches used (an unreadable one is
    an ImageSetError naming it), so the set the step's key covers is the set that was validated.
    ``image_list`` (the list file, when the set is one) is declared only so that its order is keyed.
    """
    from tqdm import tqdm  # deferred: only while calibrating

    from tao2ds.calibration.collect import collect_ranges  # deferred: pulls in ONNX Runtime

    pp = load_preprocessing(preprocessing_json)
    chosen = select_for_calibration(list(images), batch_size, batches, str(image_list or "image set"))
    check_images(images[len(chosen) :], pp)  # the chosen ones are checked as they are decoded
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
def _listed(spec: str) -> tuple[Path, ...]:
    return tuple(list_images(spec))


def image_set_files(ctx) -> tuple[Path, ...]:
    """Every image of the calibration set, in set order: all are checked and all are in the step's key."""
    if not ctx.int8:
        return ()
    if not image_set(ctx):
        raise ConfigError(
            "precision=int8 needs calibration images: set calibration.images=<dir or list file>",
            key="calibration.images",
        )
    return _listed(image_set(ctx))


def chosen_images(ctx) -> tuple[Path, ...]:
    """The images calibration runs on: the first whole batches of the image set."""
    files = image_set_files(ctx)
    if not files:
        return ()
    cal = ctx.cfg.calibration
    return tuple(select_for_calibration(files, cal.batch_size, cal.batches, image_set(ctx)))


def calibrate(ctx) -> Step:
    c, cal, m = ctx.common, ctx.targets[0].obj.calibration, ctx.cfg.model
    chosen_images(ctx)  # too few images for the batches: refused when the build is planned
    return Step(
        "calibrate",
        "scales",
        run_calibration,
        inputs={
            "onnx": Path(m.onnx),
            "preprocessing_json": c.preprocessing_json,
            # the whole set (names and hashes of every file), and the list file that orders it
            "images": image_set_files(ctx),
            "image_list": Path(image_set(ctx)) if Path(image_set(ctx)).is_file() else None,
        },
        outputs={"out": c.calibration_json},
        params={
            "method": str(cal.method),
            "percentile": cal.percentile,
            "batch_size": cal.batch_size,
            "batches": cal.batches,
        },
        config={k: f"calibration.{k}" for k in ("method", "percentile", "batch_size", "batches")},
        doc="calibration.json (per-tensor amax)",
    )


def qdq(ctx) -> Step:
    c = ctx.common
    return Step(
        "qdq",
        "qdq",
        write_qdq,
        inputs={"onnx": Path(ctx.cfg.model.onnx), "calibration_json": c.calibration_json},
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
