"""What a target can run, checked before any task does work.

Each check returns problems as sentences; ``check_capabilities`` joins them into one error so a
user fixes everything in one go instead of one failure per build.
"""
from __future__ import annotations

from omegaconf import DictConfig

from tao2ds.core.errors import CapabilityError

# Sink kinds that exist only on some platforms / DeepStream releases (deepstream.md §2.2-2.3).
_SINK_LIMITS = {
    "overlay": ("jetson", None, (6, 0, 1), "nvoverlaysink (type 5) exists only on Jetson up to DeepStream 6.0.1; use kind=display"),
    "drm": ("jetson", (6, 1, 0), None, "nvdrmvideosink (type 5) exists only on Jetson from DeepStream 6.1; use kind=display"),
}


def version_tuple(v: str) -> tuple[int, ...]:
    return tuple(int(p) for p in str(v).split(".") if p.isdigit())


def problems(cfg: DictConfig) -> list[str]:
    t = cfg.target
    out: list[str] = []
    precision = str(cfg.precision.name)
    supported = [str(p) for p in t.gpu.precisions]
    if precision not in supported:
        out.append(
            f"precision={precision}: {t.name}'s GPU ({t.gpu.name}, sm_{t.gpu.compute_capability.replace('.', '')}) "
            f"has no {precision.upper()}; it supports {', '.join(supported)}"
        )
    if cfg.engine.dla_core is not None:
        if t.gpu.dla_cores == 0:
            out.append(f"engine.dla_core={cfg.engine.dla_core}: {t.name} has no DLA; remove engine.dla_core")
        elif not 0 <= cfg.engine.dla_core < t.gpu.dla_cores:
            out.append(f"engine.dla_core={cfg.engine.dla_core}: {t.name} has DLA cores 0..{t.gpu.dla_cores - 1}")
        if precision == "fp32":
            out.append("engine.dla_core with precision=fp32: DLA runs FP16 and INT8 only; choose precision=fp16 or int8")
    batch = cfg.model.batch_size
    if not 1 <= batch <= t.max_batch_size:
        out.append(f"model.batch_size={batch}: {t.name} takes batch sizes 1..{t.max_batch_size}")
    if not 0.0 <= cfg.model.classifier_threshold <= 1.0:
        out.append(f"model.classifier_threshold={cfg.model.classifier_threshold}: must be within 0..1 (nvinfer compares softmax probabilities)")
    if cfg.engine.scaling_compute_hw == 2 and t.platform != "jetson":
        out.append("engine.scaling_compute_hw=2 (VIC) exists only on Jetson; use 0 (default) or 1 (GPU)")
    if cfg.engine.scaling_compute_hw not in (0, 1, 2):
        out.append(f"engine.scaling_compute_hw={cfg.engine.scaling_compute_hw}: valid values are 0 (default), 1 (GPU), 2 (VIC, Jetson)")
    if not 0 <= cfg.model.scaling_filter <= 6:
        out.append(f"model.scaling_filter={cfg.model.scaling_filter}: valid values are 0..6 (0 nearest, 1 bilinear, ...)")
    mem = str(cfg.pipeline.memory)
    if mem == "surface_array" and t.platform != "jetson":
        out.append("pipeline.memory=surface_array exists only on Jetson")
    if mem.startswith("cuda_") and t.platform == "jetson":
        out.append(f"pipeline.memory={mem} applies to dGPU only; use default or surface_array on Jetson")
    ds = version_tuple(t.deepstream)
    for i, sink in enumerate(cfg.pipeline.sinks):
        lim = _SINK_LIMITS.get(str(sink.kind))
        if lim:
            platform, lo, hi, why = lim
            if t.platform != platform or (lo and ds < lo) or (hi and ds > hi):
                out.append(f"pipeline.sinks[{i}].kind={sink.kind} on {t.name} (DeepStream {t.deepstream}): {why}")
    if not cfg.pipeline.sources:
        out.append("pipeline.sources is empty: deepstream-app needs at least one source")
    if str(cfg.pipeline.topology) == "detect_classify":
        if not cfg.pipeline.detector.config:
            out.append("pipeline=detect_classify needs pipeline.detector.config (the detector's nvinfer config file)")
        if cfg.pipeline.detector.gie_unique_id == cfg.pipeline.classifier_gie_id:
            out.append("pipeline.detector.gie_unique_id and pipeline.classifier_gie_id must differ")
    if cfg.pipeline.classifier_gie_id <= 0:
        out.append("pipeline.classifier_gie_id must be > 0 (nvinfer rejects gie-unique-id 0)")
    return out


def check_capabilities(cfg: DictConfig) -> None:
    found = problems(cfg)
    if found:
        head = f"target {cfg.target.name} cannot build this configuration:"
        raise CapabilityError("\n  - ".join([head, *found]))
