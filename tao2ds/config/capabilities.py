"""What a target can run, checked before any task does work.

Each check yields a :class:`Problem` (config key, value, what is wrong, how to fix it);
``check_capabilities`` joins them into one error so a user fixes everything in one go instead of
one failure per build. Numeric ranges are one declarative table (:data:`RANGES`) checked by one
function; DeepStream's codes come from ``tao2ds.deepstream.codes``; decisions the app config
renderer also takes (tiler, RTSP ports) are the deepstream layer's own functions, called here so a
refusal comes at config-check time, not at render time.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Iterator, Optional
from urllib.parse import urlparse

from tao2ds.config.view import ConfigView
from tao2ds.core.errors import CapabilityError, ConfigError
from tao2ds.deepstream import releases
from tao2ds.deepstream import sources as ds_sources
from tao2ds.deepstream.app import sink_ports, source_count, tiler_layout
from tao2ds.deepstream.codes import (
    MemoryType,
    ModelColorFormat,
    ScalingComputeHw,
    ScalingFilter,
    sink_type_problem,
    version_tuple,
)
from tao2ds.deepstream.keyfile import string_problem

__all__ = ["Problem", "Range", "RANGES", "find_problems", "problems", "check_capabilities", "version_tuple"]


@dataclass(frozen=True)
class Problem:
    key: str
    value: Any
    message: str  # a sentence that names key and value
    hint: Optional[str] = None

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} (hint: {self.hint})"


@dataclass(frozen=True)
class Range:
    """Allowed values of a numeric key: lo/hi inclusive unless ``lo_open``; None allowed if ``nullable``."""

    lo: Optional[float] = None
    hi: Optional[float] = None
    lo_open: bool = False
    nullable: bool = False
    why: str = ""

    def allows(self, v: Any) -> bool:
        if v is None:
            return self.nullable
        if self.lo is not None and (v <= self.lo if self.lo_open else v < self.lo):
            return False
        return self.hi is None or v <= self.hi

    def describe(self) -> str:
        if self.lo is not None and self.hi is not None:
            text = f"within {self.lo}..{self.hi}"
        elif self.lo is not None:
            text = f"{'>' if self.lo_open else '>='} {self.lo}"
        else:
            text = f"<= {self.hi}"
        return text + (" or null" if self.nullable else "")


# GLib's gint: DeepStream reads every integer of its key files with g_key_file_get_integer, which
# refuses a value outside it ("out of range for the integer type"; deepstream-parsers.md).
G_MAXINT = 2**31 - 1

# Every numeric range of the config, in one place. '[*]' stands for each element of a list.
RANGES: dict[str, Range] = {
    "model.batch_size": Range(lo=1),  # upper bound: target.max_batch_size, checked below
    "model.classifier_threshold": Range(0, 1, why="nvinfer compares softmax probabilities"),
    "model.preprocessing.net_scale_factor": Range(
        lo=0, lo_open=True, nullable=True, why="pixels are multiplied by it"
    ),
    "calibration.batch_size": Range(lo=1),
    "calibration.batches": Range(lo=1, nullable=True, why="null = every image, in whole batches"),
    "engine.workspace_mib": Range(lo=1),
    "engine.gpu_id": Range(lo=0),
    "pipeline.classifier_gie_id": Range(lo=1, why="nvinfer rejects gie-unique-id 0"),
    "pipeline.detector.gie_unique_id": Range(lo=1, why="nvinfer rejects gie-unique-id 0"),
    "pipeline.interval": Range(lo=0),
    "pipeline.streammux.width": Range(lo=1),
    "pipeline.streammux.height": Range(lo=1),
    "pipeline.tiled_display.rows": Range(lo=1, nullable=True, why="null = sized to fit the sources"),
    "pipeline.tiled_display.columns": Range(lo=1, nullable=True, why="null = sized to fit the sources"),
    "pipeline.tiled_display.width": Range(lo=1),
    "pipeline.tiled_display.height": Range(lo=1),
    "pipeline.sources[*].num_sources": Range(lo=1),
    "pipeline.sinks[*].bitrate": Range(lo=0, lo_open=True),
    "pipeline.sinks[*].rtsp_port": Range(1, 65535, nullable=True, why="null = picked by tao2ds"),
    "pipeline.sinks[*].udp_port": Range(1, 65535, nullable=True, why="null = picked by tao2ds"),
    "profile.warmup_ms": Range(lo=0),
    "profile.duration_s": Range(lo=0),
    "profile.iterations": Range(lo=1),
    "profile.timeout_s": Range(lo=1),
    "report.histogram_layers": Range(0, 64),
    "run.max_frames": Range(lo=1, nullable=True, why="null = every frame of the sources"),
    "pipeline.osd.border_width": Range(lo=0),
    "pipeline.osd.text_size": Range(lo=1),
    "pipeline.tracker.width": Range(lo=1),
    "pipeline.tracker.height": Range(lo=1),
    "pipeline.sources[*].latency": Range(lo=0, why="ms"),
    "calibration.percentile": Range(0, 100, lo_open=True, why="a percentile of |activation|"),
    "target.max_batch_size": Range(lo=1),
    "target.gpu.dla_cores": Range(lo=0),
    "run.triton_timeout_s": Range(lo=0, lo_open=True, why="a bound on each call to the Triton server"),
}

# How a target's versions are spelled (conf/target/*.yaml): every part of the build keys off them
# (sink codes, cache header, engine names, tracker config), so a typo must not pass as "no version".
VERSION_FORMATS: dict[str, tuple[str, str]] = {
    "target.deepstream": (r"\d+\.\d+(\.\d+){0,2}", "e.g. 7.1 or 6.0.1"),
    "target.tensorrt": (r"\d+\.\d+(\.\d+){0,2}", "e.g. 10.3.0"),
    "target.cuda": (r"\d+\.\d+(\.\d+)?", "e.g. 12.6"),
    "target.python": (r"3\.\d+", "e.g. 3.10"),
    "target.gpu.compute_capability": (r"\d+\.\d", "e.g. 8.7"),
    "target.jetpack": (r"\d+\.\d+(\.\d+)?", "e.g. 6.1, or null"),
    "target.l4t": (r"R\d+\.\d+(\.\d+)?", "e.g. R36.4.0, or null"),
    "target.arch": (r"x86_64|aarch64", "x86_64 or aarch64"),
}

# URI schemes of network sources GStreamer's uridecodebin (deepstream-app's source bin) can open
# with its standard plugins; local files are paths or file:// URIs.
NETWORK_SCHEMES = ("rtsp", "rtsps", "rtspt", "http", "https", "udp", "srt")


def _values(tree: Any, path: str, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(concrete key, value) for a RANGES path over a plain config tree."""
    head, _, rest = path.partition(".")
    if head.endswith("[*]"):
        items = (tree.get(head[:-3]) or []) if isinstance(tree, dict) else []
        for n, item in enumerate(items):
            key = f"{prefix}{head[:-3]}[{n}]"
            yield from _values(item, rest, key + ".") if rest else [(key, item)]
        return
    if not isinstance(tree, dict) or head not in tree:
        return
    if rest:
        yield from _values(tree[head], rest, f"{prefix}{head}.")
    else:
        yield f"{prefix}{head}", tree[head]


def range_problems(tree: dict) -> list[Problem]:
    out = []
    for path, rng in RANGES.items():
        for key, value in _values(tree, path):
            if isinstance(value, float) and not math.isfinite(value):  # nan compares False to every bound
                out.append(Problem(key, value, f"{key}={value}: must be a finite number, {rng.describe()}"))
            elif not rng.allows(value):
                why = f" ({rng.why})" if rng.why else ""
                out.append(Problem(key, value, f"{key}={value}: must be {rng.describe()}{why}"))
    return out


def version_problems(tree: dict) -> list[Problem]:
    out = []
    for key, (pattern, example) in VERSION_FORMATS.items():
        value = tree
        for part in key.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value is None and key in ("target.jetpack", "target.l4t"):
            continue
        if not re.fullmatch(pattern, str(value)):
            out.append(Problem(key, value, f"{key}={value!r}: tao2ds cannot read this; expected {example}"))
    return out


def keyfile_int_problems(tree: dict) -> list[Problem]:
    """Integers that end up in the key files (pipeline.*, model.*, engine.gpu_id/dla_core) must fit
    a gint; huge values would otherwise be written and refused by DeepStream at start. The
    engine workspace (MiB) gets the same bound: 2 PiB is beyond any GPU."""
    found = [*_numbers(tree.get("pipeline", {}), "pipeline"), *_numbers(tree.get("model", {}), "model")]
    found += [(f"engine.{k}", tree.get("engine", {}).get(k)) for k in ("gpu_id", "dla_core", "workspace_mib")]
    out = []
    for key, v in found:
        if isinstance(v, int) and not isinstance(v, bool) and not -G_MAXINT - 1 <= v <= G_MAXINT:
            if key == "model.batch_size":  # bounded by target.max_batch_size below
                continue
            why = (
                "MiB; 2 PiB is beyond any GPU"
                if key == "engine.workspace_mib"
                else "DeepStream reads 32-bit integers"
            )
            out.append(Problem(key, v, f"{key}={v}: must be within {-G_MAXINT - 1}..{G_MAXINT} ({why})"))
    return out


def _numbers(tree: Any, prefix: str) -> Iterator[tuple[str, Any]]:
    if isinstance(tree, dict):
        for k, v in tree.items():
            yield from _numbers(v, f"{prefix}.{k}")
    elif isinstance(tree, list):
        for n, v in enumerate(tree):
            yield from _numbers(v, f"{prefix}[{n}]")
    else:
        yield prefix, tree


def _strings(tree: Any, prefix: str) -> Iterator[tuple[str, str]]:
    if isinstance(tree, dict):
        for k, v in tree.items():
            yield from _strings(v, f"{prefix}.{k}")
    elif isinstance(tree, list):
        for n, v in enumerate(tree):
            yield from _strings(v, f"{prefix}[{n}]")
    elif isinstance(tree, str):
        yield prefix, tree


def keyfile_string_problems(tree: dict) -> list[Problem]:
    """String values that end up in the GLib key files (pipeline.*, target.deepstream_root)."""
    found = [
        *_strings(tree.get("pipeline", {}), "pipeline"),
        ("target.deepstream_root", tree.get("target", {}).get("deepstream_root", "")),
    ]
    out = []
    for key, text in found:
        why = string_problem(text)
        if why:
            out.append(
                Problem(
                    key,
                    text,
                    f"{key}={text!r} {why}; DeepStream reads these configs with GKeyFile",
                    hint="remove line breaks, backslashes and surrounding blanks",
                )
            )
    return out


def _code_problem(key: str, value: Any, enum, extra: str = "") -> Optional[Problem]:
    try:
        enum(value)
        return None
    except ValueError:
        valid = ", ".join(f"{m.value} ({m.name.lower()})" for m in enum)
        return Problem(key, value, f"{key}={value}: valid values are {valid}{extra}")


def find_problems(cfg: ConfigView) -> list[Problem]:
    tree: dict = cfg  # the view is a dict of the validated plain values
    t = cfg.target
    platform = str(t.platform)
    jetson = platform == "jetson"
    out: list[Problem] = range_problems(tree)
    out += version_problems(tree)
    out += [p for p in keyfile_int_problems(tree) if p.key not in {q.key for q in out}]
    out += keyfile_string_problems(tree)
    add = out.append

    precision = str(cfg.precision.name)
    supported = [str(p) for p in t.gpu.precisions]
    if precision not in supported:
        add(
            Problem(
                "precision",
                precision,
                f"precision={precision}: {t.name}'s GPU ({t.gpu.name}, sm_{t.gpu.compute_capability.replace('.', '')}) "
                f"has no {precision.upper()}; it supports {', '.join(supported)}",
            )
        )
    if cfg.engine.dla_core is not None:
        if t.gpu.dla_cores == 0:
            add(
                Problem(
                    "engine.dla_core",
                    cfg.engine.dla_core,
                    f"engine.dla_core={cfg.engine.dla_core}: {t.name} has no DLA; remove engine.dla_core",
                )
            )
        elif not 0 <= cfg.engine.dla_core < t.gpu.dla_cores:
            add(
                Problem(
                    "engine.dla_core",
                    cfg.engine.dla_core,
                    f"engine.dla_core={cfg.engine.dla_core}: {t.name} has DLA cores 0..{t.gpu.dla_cores - 1}",
                )
            )
        if precision == "fp32":
            add(
                Problem(
                    "engine.dla_core",
                    cfg.engine.dla_core,
                    "engine.dla_core with precision=fp32: DLA runs FP16 and INT8 only; choose precision=fp16 or int8",
                )
            )
    for name in ("image_mean", "offsets"):
        values = cfg.model.preprocessing[name]
        if values is not None and not all(math.isfinite(v) for v in values):
            key = f"model.preprocessing.{name}"
            add(Problem(key, list(values), f"{key}={list(values)}: every value must be a finite number"))
    if str(cfg.engine.builder) == "ssh" and not t.host:
        add(
            Problem(
                "engine.builder",
                "ssh",
                f"engine.builder=ssh builds on the device, but {t.name} has no target.host",
                hint=f"set target.host (and target.user, target.ssh_key) in conf/target/{t.name}.yaml",
            )
        )
    mean = cfg.model.preprocessing.image_mean
    if mean is not None and len(mean) != 3:
        add(
            Problem(
                "model.preprocessing.image_mean",
                list(mean),
                f"model.preprocessing.image_mean={list(mean)}: needs 3 values, B;G;R as TAO's image_mean",
            )
        )
    if cfg.model.calibration_cache and cfg.calibration.images:
        add(
            Problem(
                "calibration.images",
                cfg.calibration.images,
                f"calibration.images={cfg.calibration.images} with model.calibration_cache="
                f"{cfg.model.calibration_cache}: the cache's scales are used as they are, so no image is read",
                hint="drop one of the two",
            )
        )
    batch = cfg.model.batch_size
    if batch > t.max_batch_size:
        add(
            Problem(
                "model.batch_size",
                batch,
                f"model.batch_size={batch}: {t.name} takes batch sizes 1..{t.max_batch_size}",
            )
        )
    # Jetson has one integrated GPU; nvinfer's device-count check is disabled, so gpu-id=1 fails only
    # at start ("Failed to set cuda device 1"; property parser gpu-id l.604 DS601 / l.619 DS71, F2).
    if jetson and cfg.engine.gpu_id != 0:
        add(
            Problem(
                "engine.gpu_id",
                cfg.engine.gpu_id,
                f"engine.gpu_id={cfg.engine.gpu_id}: {t.name} has a single integrated GPU, id 0",
                hint="drop engine.gpu_id",
            )
        )

    # DeepStream codes
    hw = cfg.engine.scaling_compute_hw
    p = _code_problem("engine.scaling_compute_hw", hw, ScalingComputeHw, ", 2 on Jetson only")
    if p:
        add(p)
    elif not ScalingComputeHw(hw).available_on(platform):
        add(
            Problem(
                "engine.scaling_compute_hw",
                hw,
                f"engine.scaling_compute_hw={hw} (VIC) exists only on Jetson; use 0 (default) or 1 (GPU)",
            )
        )
    for key, value, enum in (
        ("model.scaling_filter", cfg.model.scaling_filter, ScalingFilter),
        (
            "model.preprocessing.model_color_format",
            cfg.model.preprocessing.model_color_format,
            ModelColorFormat,
        ),
    ):
        if value is not None:
            p = _code_problem(key, value, enum)
            if p:
                add(p)
    mem = MemoryType.of_name(str(cfg.pipeline.memory))
    if not mem.available_on(platform):
        if mem is MemoryType.SURFACE_ARRAY:
            add(
                Problem(
                    "pipeline.memory",
                    str(cfg.pipeline.memory),
                    "pipeline.memory=surface_array exists only on Jetson",
                )
            )
        else:
            add(
                Problem(
                    "pipeline.memory",
                    str(cfg.pipeline.memory),
                    f"pipeline.memory={cfg.pipeline.memory} applies to dGPU only; use default or surface_array on Jetson",
                )
            )
    for n, sink in enumerate(cfg.pipeline.sinks):
        why = sink_type_problem(str(sink.kind), platform, str(t.deepstream))
        if why:
            add(
                Problem(
                    f"pipeline.sinks[{n}].kind",
                    str(sink.kind),
                    f"pipeline.sinks[{n}].kind={sink.kind} on {t.name} (DeepStream {t.deepstream}): {why}",
                )
            )

    # the pipeline as deepstream-app will see it
    pipe = tree["pipeline"]
    if not pipe["sources"]:
        add(
            Problem(
                "pipeline.sources", [], "pipeline.sources is empty: deepstream-app needs at least one source"
            )
        )
    elif not any(x.key.startswith(("pipeline.sources", "pipeline.tiled_display")) for x in out):
        tiled = pipe["tiled_display"]
        try:
            tiler_layout(source_count(pipe["sources"]), tiled["enable"], tiled["rows"], tiled["columns"])
        except CapabilityError as e:
            add(Problem(e.key or "pipeline.tiled_display", e.value, e.message, e.hint))
    out += _sink_file_problems(pipe["sinks"])
    if not any(x.key.startswith("pipeline.sinks") for x in out):
        try:
            sink_ports(pipe["sinks"])
        except CapabilityError as e:
            add(Problem(e.key or "pipeline.sinks", e.value, e.message, e.hint))
    out += _image_sequence_problems(cfg)
    out += model_source_problems(cfg)
    out += tao_builder_problems(cfg)
    out += release_problems(cfg)
    out += _network_source_problems(pipe["sources"])
    out += _triton_problems(cfg)
    if str(cfg.pipeline.topology) == "detect_classify":
        if not cfg.pipeline.detector.config:
            add(
                Problem(
                    "pipeline.detector.config",
                    None,
                    "pipeline=detect_classify needs pipeline.detector.config (the detector's nvinfer config file)",
                )
            )
        elif Path(cfg.pipeline.detector.config).is_file():  # a missing file is reported with the other inputs
            out += _detector_problems(cfg.pipeline.detector.config, str(t.deepstream))
        if cfg.pipeline.detector.gie_unique_id == cfg.pipeline.classifier_gie_id:
            add(
                Problem(
                    "pipeline.detector.gie_unique_id",
                    cfg.pipeline.detector.gie_unique_id,
                    "pipeline.detector.gie_unique_id and pipeline.classifier_gie_id must differ",
                )
            )
    return out


# UFF parsers are in TensorRT up to 8.6 (NvUffParser.h at NVIDIA/TensorRT v8.6.1, gone at v9.1.0/v10.0.0);
# which DeepStream releases' nvinfer still has one is the release table's ``parsers`` (tao-tools.md §3.5).
# The TensorRT limit is checked too: a target may set its TensorRT by hand.
LAST_UFF_TENSORRT = (8, 6)


def uff_supported(deepstream: str, tensorrt: str) -> bool:
    release = releases.get_or_none(deepstream)
    return (
        release is not None and "uff" in release.parsers and version_tuple(tensorrt)[:2] <= LAST_UFF_TENSORRT
    )


def etlt_kind(cfg: ConfigView) -> Optional[str]:
    """ "uff" / "onnx" for model.etlt (by its header), None without one or when it is unreadable
    (a missing or broken file is reported with the other inputs)."""
    etlt = getattr(cfg.model, "etlt", None)
    if not etlt or not Path(etlt).is_file():
        return None
    from tao2ds.model.etlt import read_etlt_header  # deferred: only with a .etlt (no-op start-up time)

    try:
        return read_etlt_header(etlt).kind
    except Exception:
        return None


def model_source_problems(cfg: ConfigView) -> list[Problem]:
    """Exactly one of model.onnx / model.etlt; a UFF .etlt only where DeepStream can still build it."""
    m, t = cfg.model, cfg.target
    etlt = getattr(m, "etlt", None)
    out: list[Problem] = []
    if etlt and m.onnx:
        out.append(
            Problem(
                "model.etlt",
                etlt,
                f"model.etlt={etlt} and model.onnx={m.onnx} are both set; give one model",
                hint="add model.onnx=null when the model is an .etlt",
            )
        )
    if not etlt and not m.onnx:
        out.append(Problem("model.onnx", None, "no model: set model.onnx=<file> or model.etlt=<file>"))
    if etlt_kind(cfg) != "uff":
        return out
    builder = str(cfg.engine.builder)
    if not uff_supported(str(t.deepstream), str(t.tensorrt)):
        out.append(
            Problem(
                "model.etlt",
                etlt,
                f"model.etlt={etlt} holds a UFF model, which {t.name} (DeepStream {t.deepstream}, TensorRT "
                f"{t.tensorrt}) cannot build: UFF parsing ended with DeepStream 7.0 / TensorRT 8.6",
                hint="build for a target with DeepStream <= 7.0 (e.g. jetson_nano, jetson_xavier), or re-export "
                "the model as ONNX with TAO 5",
            )
        )
    if str(cfg.precision.name) == "int8" and not cfg.model.calibration_cache:
        out.append(
            Problem(
                "precision",
                "int8",
                f"precision=int8 with a UFF .etlt: tao2ds has no graph to calibrate ({etlt} is UFF); "
                "the only INT8 route is the calibration cache TAO's export wrote (tao ... export --cal_cache_file)",
                hint="set model.calibration_cache=<that cache file>, or use precision=fp16",
            )
        )
    if builder in ("tensorrt", "trtexec", "ssh", "tao_deploy"):
        why = (
            "TAO Deploy >= 6 cannot build UFF (parse_uff_model raises NotImplementedError)"
            if builder == "tao_deploy"
            else "tao2ds builds ONNX with it, and a UFF .etlt has no ONNX"
        )
        out.append(
            Problem(
                "engine.builder",
                builder,
                f"engine.builder={builder} cannot build a UFF .etlt: {why}",
                hint="use engine.builder=deepstream (nvinfer builds it at first start) or "
                "engine.builder=tao_converter (on the Jetson)",
            )
        )
    return out


def tao_builder_problems(cfg: ConfigView) -> list[Problem]:
    """tao-converter: Jetson targets with TensorRT <= 8.6; TAO Deploy: where it runs must be reachable."""
    builder, t = str(cfg.engine.builder), cfg.target
    out: list[Problem] = []
    if builder == "tao_converter":
        # No tao-converter build for TensorRT 10 exists: the last are v5.1.0_jp6.0_aarch64 (TRT 8.6) and
        # v5.1.0_8.6.3.1_x86; NVIDIA's docs keep it only for Jetson (deprecated on x86); tao-tools.md §2.3-§2.4.
        jp = f"JetPack {t.jetpack}" if t.jetpack else "its JetPack"
        if str(t.platform) != "jetson":
            out.append(
                Problem(
                    "engine.builder",
                    builder,
                    f"engine.builder=tao_converter is for Jetson targets; {t.name} is {t.platform} "
                    "(tao-converter is deprecated on x86)",
                    hint="use engine.builder=tao_deploy, trtexec or ssh",
                )
            )
        elif version_tuple(str(t.tensorrt))[:2] > LAST_UFF_TENSORRT:
            out.append(
                Problem(
                    "engine.builder",
                    builder,
                    f"engine.builder=tao_converter: {t.name} runs {jp} with TensorRT {t.tensorrt}, and no "
                    "tao-converter exists for TensorRT >= 9 (the last build is v5.1.0_jp6.0_aarch64, TensorRT 8.6)",
                    hint="use engine.builder=ssh (the device's trtexec) or engine.builder=deepstream",
                )
            )
        if not t.host:
            out.append(
                Problem(
                    "target.host",
                    None,
                    "engine.builder=tao_converter runs on the Jetson over ssh and needs target.host",
                )
            )
    if builder == "tao_deploy":
        td = cfg.engine.tao_deploy
        if str(td.where) == "docker" and not td.image:
            out.append(
                Problem(
                    "engine.tao_deploy.image",
                    None,
                    "engine.tao_deploy.where=docker needs engine.tao_deploy.image (NVIDIA's TAO Deploy container)",
                )
            )
        if str(td.where) == "ssh" and not t.host:
            out.append(
                Problem("target.host", None, "engine.tao_deploy.where=ssh needs target.host (the device)")
            )
    return out


def _network_source_problems(sources: list) -> list[Problem]:
    out = []
    for n, src in enumerate(sources):
        uri = str(src.get("uri", ""))
        if ds_sources.is_local(uri):
            continue
        parsed = urlparse(uri)
        key = f"pipeline.sources[{n}].uri"
        if parsed.scheme not in NETWORK_SCHEMES:
            out.append(
                Problem(
                    key,
                    uri,
                    f"{key}={uri}: '{parsed.scheme}' sources cannot be opened; use a file path, file://, "
                    + ", ".join(f"{s}://" for s in NETWORK_SCHEMES),
                )
            )
        elif not parsed.hostname:
            out.append(
                Problem(key, uri, f"{key}={uri}: the URI names no host", hint="e.g. rtsp://camera:554/stream")
            )
    return out


def _sink_file_problems(sinks: list) -> list[Problem]:
    """A file sink writes into the target folder: deepstream-app reads output-file with
    g_key_file_get_string, relative to its working directory (deepstream-parsers.md F12, parse_sink
    l.1540 DS 6.0.1 / l.1808 DS 7.1), and the launcher and start.sh run it in that folder. So the
    path must stay inside it."""
    out = []
    for n, sink in enumerate(sinks):
        name = sink.get("output_file")
        if name is None:
            continue
        path = PurePosixPath(name)
        if not name.strip() or path.is_absolute() or ".." in path.parts or "\\" in name:
            out.append(
                Problem(
                    f"pipeline.sinks[{n}].output_file",
                    name,
                    f"pipeline.sinks[{n}].output_file={name!r}: must be a relative path inside the target "
                    "folder (no leading '/', no '..'), which has to stay self-contained",
                    hint="e.g. out.mp4 or results/out.mp4",
                )
            )
    return out


def _image_sequence_problems(cfg: ConfigView) -> list[Problem]:
    """Image sequences only for the CPU reference runner.

    deepstream-app cannot read one (type 3 URIs are printf-expanded per source index and opened
    with uridecodebin; multifilesrc is for audio WAV only: deepstream-parsers.md F1), and neither
    can the pyds app (uridecodebin). The reference runner reads sequences itself, with multifilesrc
    (pipelines/frames.py). So a sequence is allowed only when the user says the build is for that
    runner, ``run.backend=reference``; otherwise (auto may pick deepstream-app; the target folder is
    meant for the device) it is refused with the command that turns it into a video."""
    if str(cfg.run.backend) == "reference":
        return []
    out = []
    for n, src in enumerate(cfg.pipeline.sources):
        if ds_sources.is_sequence(str(src.uri)):
            out.append(
                Problem(
                    f"pipeline.sources[{n}].uri",
                    str(src.uri),
                    f"pipeline.sources[{n}].uri={src.uri} is an image sequence, which deepstream-app cannot read "
                    "(it printf-expands the URI per source and opens it with uridecodebin)",
                    hint=f"encode it to a video and use that: {ds_sources.encode_sequence_command(str(src.uri))}; "
                    "or set run.backend=reference to run it with the CPU reference pipeline only",
                )
            )
    return out


def _triton_problems(cfg: ConfigView) -> list[Problem]:
    """pipeline.infer_plugin=nvinferserver and run.backend=triton (tao2ds.deepstream.nvinferserver)."""
    out = []
    t, pipe, run = cfg.target, cfg.pipeline, cfg.run
    server = str(pipe.infer_plugin) == "nvinferserver"
    url = pipe.triton.url
    urls = (("pipeline.triton.url", url), ("run.triton_url", run.triton_url))
    if not server and all(value is None for _, value in urls) and str(run.backend) != "triton":
        return out  # no Triton setting: nothing to check (and nvinferserver's module is not loaded)
    from tao2ds.deepstream.nvinferserver import release_problem, url_problem  # deferred: see above

    if server:
        why = release_problem(str(t.deepstream))
        if why:
            out.append(
                Problem(
                    "pipeline.infer_plugin",
                    "nvinferserver",
                    f"pipeline.infer_plugin=nvinferserver on {t.name}: {why}",
                    hint="use pipeline.infer_plugin=nvinfer, or a target with DeepStream 6.0 or later",
                )
            )
        if etlt_kind(cfg) == "uff":
            out.append(
                Problem(
                    "pipeline.infer_plugin",
                    "nvinferserver",
                    f"pipeline.infer_plugin=nvinferserver with model.etlt={cfg.model.etlt}, a UFF model: tao2ds "
                    "writes Triton's config.pbtxt from an ONNX graph, and Triton cannot load a .etlt",
                    hint="re-export the model as ONNX (TAO 5), or use pipeline.infer_plugin=nvinfer",
                )
            )
        from tao2ds.deepstream.triton_repo import model_name_problem  # deferred: only for nvinferserver

        why = model_name_problem(str(cfg.model.name))
        if why:
            out.append(Problem("model.name", str(cfg.model.name), f"model.name={cfg.model.name}: {why}"))
    elif url is not None:
        out.append(
            Problem(
                "pipeline.triton.url",
                url,
                f"pipeline.triton.url={url} applies to nvinferserver only, but pipeline.infer_plugin=nvinfer",
                hint="add pipeline.infer_plugin=nvinferserver, or drop pipeline.triton.url",
            )
        )
    for key, value in urls:
        why = url_problem(value)
        if why:
            out.append(
                Problem(
                    key,
                    value,
                    f"{key}={value}: gRPC mode needs the Triton server's gRPC endpoint; {why}",
                )
            )
    if str(run.backend) == "triton" and not server:
        out.append(
            Problem(
                "run.backend",
                "triton",
                "run.backend=triton sends frames to a Triton server the way nvinferserver does, but this "
                "build is for nvinfer",
                hint="add pipeline.infer_plugin=nvinferserver (and run.triton_url=host:port of the server)",
            )
        )
    return out


def release_problems(cfg: ConfigView) -> list[Problem]:
    """What the target's DeepStream release (``deepstream.releases``) lacks: the run backend's
    Python bindings and the chosen INT8 route."""
    t = cfg.target
    release = releases.get(str(t.deepstream))
    out = []
    module = (
        releases.JETSON_MODULES.get(str(t.gpu.compute_capability)) if str(t.platform) == "jetson" else None
    )
    if module is not None and t.gpu.dla_cores > module.dla_cores:
        out.append(
            Problem(
                "target.gpu.dla_cores",
                t.gpu.dla_cores,
                f"target.gpu.dla_cores={t.gpu.dla_cores}: {module.description} has "
                + (f"at most {module.dla_cores} DLA cores" if module.dla_cores else "no DLA"),
                hint=f"set target.gpu.dla_cores={module.dla_cores}",
            )
        )
    backend = str(cfg.run.backend)
    if backend == "pyds" and not release.pyds_available:
        with_pyds = [r.version for r in releases.RELEASES if r.pyds_available]
        out.append(
            Problem(
                "run.backend",
                backend,
                f"run.backend=pyds on {t.name} (DeepStream {release.version}): pyds is deprecated from DeepStream 9.0 "
                f"and no wheel is published for it (pyds ships with DeepStream {', '.join(with_pyds)})",
                hint="use run.backend=servicemaker (PyServiceMaker, shipped with DeepStream from 8.0) or deepstream-app",
            )
        )
    if backend == "servicemaker" and not release.pyservicemaker:
        with_psm = [r.version for r in releases.RELEASES if r.pyservicemaker]
        out.append(
            Problem(
                "run.backend",
                backend,
                f"run.backend=servicemaker on {t.name} (DeepStream {release.version}): PyServiceMaker ships with "
                f"DeepStream {', '.join(with_psm)} only",
                hint="use run.backend=pyds or deepstream-app, or a newer target.deepstream",
            )
        )
    if str(cfg.precision.name) == "int8":
        route = str(cfg.precision.int8_route)
        if route != "auto" and route not in release.int8_routes:
            able = [r.version for r in releases.RELEASES if route in r.int8_routes]
            out.append(
                Problem(
                    "precision.int8_route",
                    route,
                    f"precision.int8_route={route} on {t.name}: DeepStream {release.version} builds INT8 only through "
                    f"{' or '.join(release.int8_routes)}; route {route} needs DeepStream {', '.join(able)}",
                    hint="drop precision.int8_route (auto picks the release's route)",
                )
            )
        elif route != "auto":
            try:
                releases.int8_route(release, str(t.tensorrt), route)
            except CapabilityError as e:
                out.append(Problem("precision.int8_route", route, e.message, e.hint))
    return out


def _detector_problems(config: str, deepstream: str) -> list[Problem]:
    from tao2ds.deepstream.detector import detector_release_problems  # deferred: only with a detector

    try:
        found = detector_release_problems(config, deepstream)
    except ConfigError as e:
        return [
            Problem("pipeline.detector.config", config, f"pipeline.detector.config={config}: {e.message}")
        ]
    return [
        Problem(
            "pipeline.detector.config",
            config,
            f"pipeline.detector.config={config}: [{f.group}] {f.key}={f.value} {f.reason}, "
            f"but the target runs DeepStream {deepstream}",
            hint=f"point {f.key} at the DeepStream {deepstream} device's own model, or use a target "
            f"running DeepStream {f.release}",
        )
        for f in found
    ]


def problems(cfg: ConfigView) -> list[str]:
    return [str(p) for p in find_problems(cfg)]


def check_capabilities(cfg: ConfigView) -> None:
    found = find_problems(cfg)
    if not found:
        return
    head = f"target {cfg.target.name} cannot build this configuration:"
    if len(found) == 1:
        p = found[0]
        raise CapabilityError(f"{head}\n  - {p.message}", key=p.key, value=p.value, hint=p.hint)
    raise CapabilityError(
        "\n  - ".join([head, *(str(p) for p in found)]), key=found[0].key, value=found[0].value
    )
