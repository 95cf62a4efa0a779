"""INT8 calibration steps: scales once per (model, images, preprocessing, method, batch), then a
TensorRT cache per target (only the header differs) and one Q/DQ model."""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path
from typing import Optional, Sequence

from tao2ds.artifacts.layout import source_onnx
from tao2ds.core import fileio, log
from tao2ds.core.errors import BuildError, ConfigError, InputError
from tao2ds.core.step import Step
from tao2ds.steps.model import load_preprocessing, stage_file

# The calibration modules are imported where they are used: every run imports this module, only
# INT8 builds need them (no-op start-up time, tests/e2e/test_noop_imports.py).

logger = log.get(__name__)


def run_calibration(
    onnx: Path,
    images: Sequence[Path],
    preprocessing_json: Path,
    method: str,
    percentile: float,
    batch_size: int,
    out: Path,
    histograms_out: Path,
    batches: Optional[int] = None,
    image_list: Optional[Path] = None,
) -> None:
    """Per-tensor amax over the first whole batches of ``images`` (the image set, in its order), and
    the |x| histograms it came from (coarsened, for the report; they do not change the amax).

    Every file of the set is checked first, also those outside the batches used (an unreadable one is
    an ImageSetError naming it), so the set the step's key covers is the set that was validated.
    ``image_list`` (the list file, when the set is one) is declared only so that its order is keyed.
    """
    from tqdm import tqdm  # deferred: only while calibrating

    from tao2ds.calibration import native  # deferred: a no-op build loads no calibration code
    from tao2ds.calibration.collect import collect_ranges  # deferred: pulls in ONNX Runtime
    from tao2ds.model.imageset import batch_iterator, check_images, select_for_calibration  # deferred

    pp = load_preprocessing(preprocessing_json)
    if native.histogram_kernel() is None and native.library_path() is None:
        logger.warning(
            "calibration bins with numpy: the C binning loop was not built when tao2ds was installed "
            "(no C compiler?); same results, slower. Install gcc and reinstall tao2ds to build it."
        )
    chosen = select_for_calibration(list(images), batch_size, batches, str(image_list or "image set"))
    check_images(images[len(chosen) :], pp)  # the chosen ones are checked as they are decoded
    histograms: list[dict] = []
    passes = 1 if method == "max" else 2
    with (
        tqdm(
            total=len(chosen) * passes,
            unit="img",
            desc=f"calibrate ({method})",
            file=sys.stderr,
            disable=None,
            mininterval=0.5,
        ) as bar,
        batch_iterator(chosen, pp, batch_size) as batches,
    ):
        try:
            amax = collect_ranges(
                onnx,
                batches,
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


def import_calibration_cache(onnx: Optional[Path], cache: Path, source: str, out: Path) -> None:
    """calibration.json from a cache made elsewhere: its scales as they are, checked against the graph
    when there is one here (``onnx=None``: a model whose graph cannot be read here, such as a UFF
    ``.etlt``; the names are then taken on trust and the manifest says so)."""
    from tao2ds.calibration.cache_format import CalibrationCache  # deferred: see the imports
    from tao2ds.calibration.imported import SOURCES, check_against_graph, graph_activations, some

    key = "model.calibration_cache"
    try:
        parsed = CalibrationCache.parse(Path(cache).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{key}={cache}: file not found", key=key, file=cache) from None
    except UnicodeDecodeError as e:
        raise InputError(f"{key}={cache}: not a text file ({e.reason})", key=key, file=cache) from None
    except ValueError as e:
        raise InputError(
            f"{key}={cache}: not a TensorRT calibration cache: {e}", key=key, file=cache
        ) from None
    if not parsed.scales:
        raise InputError(f"{key}={cache}: the cache lists no tensor", key=key, file=cache)
    # without a graph every entry stands for itself
    activations = graph_activations(onnx) if onnx else list(parsed.scales)
    check = check_against_graph(parsed, activations)
    if not check.matched:
        raise InputError(
            f"{key}={cache}: none of its {len(parsed.scales)} tensor names is a tensor of {onnx} "
            f"({some(check.unknown or check.internal)}); the cache was made for another model",
            key=key,
            file=cache,
            hint="a cache exported with a UFF .etlt names UFF nodes, which an ONNX model does not have",
        )
    if check.unknown:
        logger.warning(
            "%s: %d tensor(s) of the cache are not in %s (TensorRT ignores them): %s",
            cache,
            len(check.unknown),
            onnx,
            some(check.unknown),
        )
    if check.uncovered:
        logger.warning(
            "%s: %d tensor(s) of %s have no scale in the cache; TensorRT keeps their layers out of INT8: %s",
            cache,
            len(check.uncovered),
            onnx,
            some(check.uncovered),
        )
    amax = parsed.amax()
    logger.info(
        "calibration: scales from %s (%s, %s, %d tensors); not calibrating",
        cache,
        source,
        parsed.header,
        len(parsed.scales),
    )
    fileio.write_json(
        out,
        {
            "method": "imported cache",
            "source": {
                "kind": source,
                "about": SOURCES[source],
                "file": str(cache),
                "sha256": fileio.sha256_file(cache),
                "header": parsed.header,
                "trt_version_number": parsed.version,
                "tensors": len(parsed.scales),
                "graph_checked": onnx is not None,
                "matched_graph_tensors": len(check.matched),
                "tensorrt_internal": list(check.internal),
                "unknown": list(check.unknown),
                "uncovered": list(check.uncovered),
            },
            "algorithm": parsed.algorithm,
            "num_images": 0,
            "images": {},
            # the cache's own entries in its own order, rewritten per target (only the header changes)
            "scales": [[name, scale] for name, scale in parsed.scales.items()],
            "amax": [
                [name, amax[name]] for name in activations if name in amax
            ],  # graph tensors, graph order
        },
    )


def load_amax(calibration_json: Path) -> dict[str, float]:
    return {name: value for name, value in fileio.read_json(calibration_json)["amax"]}


def calibration_source(calibration_json: Path) -> dict:
    """Where a build's INT8 scales came from, for the manifest."""
    data = fileio.read_json(calibration_json)
    if "source" in data:
        return dict(data["source"])
    return {
        "kind": "tao2ds",
        "about": f"calibrated here ({data['method']}) on {data['num_images']} images",
        "method": data["method"],
        "num_images": data["num_images"],
    }


def write_calibration_cache(calibration_json: Path, trt_version: str, out: Path) -> None:
    from tao2ds.calibration.cache_format import (
        CalibrationCache,
        trt_version_number,
    )  # deferred: see the imports

    data = fileio.read_json(calibration_json)
    version = trt_version_number(trt_version)
    if "scales" in data:  # an imported cache: the same entries and bit patterns, this target's header
        cache = CalibrationCache(version, data["algorithm"], {n: s for n, s in data["scales"]})
        old = data["source"]["trt_version_number"]
        if old != version:
            logger.info(
                "calibration cache: header TRT-%s of %s rewritten as TRT-%s",
                old,
                data["source"]["file"],
                version,
            )
    else:
        cache = CalibrationCache.from_amax(version, load_amax(calibration_json))
    fileio.write_text(out, cache.render())


def write_qdq(onnx: str, calibration_json: Path, out: Path) -> None:
    from tao2ds.calibration.qdq import write_qdq_model

    out.parent.mkdir(parents=True, exist_ok=True)
    uncovered = fileio.read_json(calibration_json).get("source", {}).get("uncovered", [])
    write_qdq_model(onnx, load_amax(calibration_json), out, unranged=uncovered)


# --- declarations ------------------------------------------------------------------------------


def image_set(ctx) -> str:
    return ctx.cfg.calibration.images or ctx.cfg.model.calibration_images or ""


@lru_cache(maxsize=4)
def _listed(spec: str) -> tuple[Path, ...]:
    from tao2ds.model.imageset import list_images  # deferred: see the imports

    return tuple(list_images(spec))


def image_set_files(ctx) -> tuple[Path, ...]:
    """Every image of the calibration set, in set order: all are checked and all are in the step's key."""
    if not ctx.int8 or ctx.cfg.model.calibration_cache:
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
    from tao2ds.model.imageset import select_for_calibration  # deferred: see the imports

    cal = ctx.cfg.calibration
    return tuple(select_for_calibration(files, cal.batch_size, cal.batches, image_set(ctx)))


def calibrate(ctx) -> Step:
    c, cal, m = ctx.common, ctx.cfg.calibration, ctx.cfg.model
    if m.calibration_cache:
        return Step(
            "calibrate",
            f"scales{ctx.tag}",
            import_calibration_cache,
            inputs={"onnx": source_onnx(ctx.cfg, ctx.tag), "cache": Path(m.calibration_cache)},
            outputs={"out": c.calibration_json},
            params={"source": str(m.calibration_cache_from)},
            config={"source": "model.calibration_cache_from"},
            doc=f"calibration.json (scales from {Path(m.calibration_cache).name})",
        )
    chosen_images(ctx)  # too few images for the batches: refused when the build is planned
    return Step(
        "calibrate",
        f"scales{ctx.tag}",
        run_calibration,
        inputs={
            "onnx": source_onnx(ctx.cfg, ctx.tag),
            "preprocessing_json": c.preprocessing_json,
            # the whole set (names and hashes of every file), and the list file that orders it
            "images": image_set_files(ctx),
            "image_list": Path(image_set(ctx)) if Path(image_set(ctx)).is_file() else None,
        },
        outputs={"out": c.calibration_json, "histograms_out": c.calibration_histograms},
        params={
            "method": str(cal.method),
            "percentile": cal.percentile,
            "batch_size": cal.batch_size,
            "batches": cal.batches,
        },
        config={k: f"calibration.{k}" for k in ("method", "percentile", "batch_size", "batches")},
        doc="calibration.json (per-tensor amax)",
    )


def has_graph(ctx) -> bool:
    """An ONNX graph to quantize (not a UFF .etlt, whose INT8 scales come only from TAO's cache)."""
    return source_onnx(ctx.cfg, ctx.tag) is not None


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
