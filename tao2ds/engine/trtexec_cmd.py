"""The trtexec command line for a request, per TensorRT version, and reading its log.

Where the output order comes from (NVIDIA/TensorRT samples, read at release/8.2–8.6, 10.x):

* ``--dumpLayerInfo`` (8.2+, IEngineInspector): ``printLayerInfo`` in
  samples/common/sampleReporting.cpp logs ``Layer Information:`` and then
  ``IEngineInspector::getEngineInformation(kONELINE)``, which ends with a
  ``Bindings:`` section listing every I/O tensor name, one per line, in engine order.
  trtexec.cpp calls it also when inference is skipped: in the ``--skipInference``
  branch (8.6, 10.x), the ``--buildOnly`` branch (8.4/8.5) and, in 8.2, before the
  ``inference.skip`` return. (The ``Bindings:`` layout is from public logs of
  ``getEngineInformation``; the inspector itself is closed source.)
* when inference runs, ``setUpInference`` in samples/common/sampleInference.cpp logs one
  line per binding, in engine order. 8.x (8.2.1 L109, 8.5.2 L108):
  ``Created output binding for <name> with dimensions 1x4``; 10.x (v10.3.0 L96-125):
  ``Output binding for <name> with dimensions 1x4 is created.`` (reference
  tensorrt-tools.md, table "What trtexec prints", and finding 3). Both are read. 8.0 has
  no inspector, so there we run one short inference instead; 10.x builds use
  ``--skipInference --dumpLayerInfo`` and the ``Bindings:`` section.
"""

from __future__ import annotations

import re
from typing import Iterable

from tao2ds.core.errors import UnsupportedBuild
from tao2ds.engine.types import EngineRequest
from tao2ds.engine.versions import (
    check_precision_supported,
    has_layer_info,
    has_mem_pool_size,
    has_skip_inference,
    has_strongly_typed,
    implicit_precision_removed,
    parse_version,
)


def shape_spec(name: str, shape: tuple[int, ...]) -> str:
    return f"{name}:" + "x".join(str(d) for d in shape)


def trtexec_argv(req: EngineRequest, trt_version: str, trtexec: str = "trtexec") -> list[str]:
    """trtexec argv for ``req`` on TensorRT ``trt_version``; ValueError for what it cannot build."""
    v = parse_version(trt_version)
    check_precision_supported(v, req.precision, req.calib_cache is not None)
    if req.batch_size < 1:
        raise UnsupportedBuild(f"batch size must be ≥ 1, not {req.batch_size}")
    if req.dla_core is not None and req.precision == "fp32":
        raise UnsupportedBuild(
            "DLA runs only fp16 or int8 layers; choose precision fp16 or int8 for a DLA engine"
        )
    if req.calib_cache is not None and req.precision != "int8":
        raise UnsupportedBuild("a calibration cache is only used with precision int8")
    if req.strongly_typed and (not has_strongly_typed(v) or req.calib_cache is not None):
        raise UnsupportedBuild(
            f"a strongly typed build needs TensorRT 10.0 or newer (not {trt_version}) and a Q/DQ model, "
            "not a calibration cache"
        )

    argv = [
        trtexec,
        f"--onnx={req.onnx}",
        f"--saveEngine={req.engine_out}",
        "--minShapes=" + shape_spec(req.input_name, req.shape(req.min_batch)),
        "--optShapes=" + shape_spec(req.input_name, req.shape(req.batch_size)),
        "--maxShapes=" + shape_spec(req.input_name, req.shape(req.batch_size)),
        # Both in MiB: --workspace before 8.4; --memPoolSize's default unit is MiB (8.4–8.6 and 10.x).
        f"--memPoolSize=workspace:{req.workspace_mib}"
        if has_mem_pool_size(v)
        else f"--workspace={req.workspace_mib}",
    ]
    if req.strongly_typed:
        argv.append("--stronglyTyped")  # precision comes from the Q/DQ model's types
    elif not implicit_precision_removed(v):
        if req.precision == "fp16":
            argv.append("--fp16")
        elif req.precision == "int8":
            argv += ["--int8", "--fp16"]  # fp16 lets layers without int8 kernels fall back, as TAO does
    if req.calib_cache is not None:
        argv.append(f"--calib={req.calib_cache}")
    if req.timing_cache is not None:
        argv.append(f"--timingCacheFile={req.timing_cache}")
    if req.dla_core is not None:
        argv += [f"--useDLACore={req.dla_core}", "--allowGPUFallback"]
    if has_layer_info(v):
        argv += ["--skipInference" if has_skip_inference(v) else "--buildOnly", "--dumpLayerInfo"]
    else:
        # 8.0: no engine inspector; one inference prints the "Created ... binding" lines.
        argv += ["--iterations=1", "--warmUp=0", "--duration=0"]
    argv.append("--verbose")
    return argv


_PREFIX = re.compile(r"^\[\d\d/\d\d/\d{4}-\d\d:\d\d:\d\d\] \[[A-Z]\] ")
_CREATED_OUTPUT = (
    re.compile(r"Created output binding for (.+?) with dimensions \S+\s*$"),  # 8.x
    re.compile(r"Output binding for (.+?) with dimensions \S+ is created\.\s*$"),  # 10.x
)


def _strip_prefix(line: str) -> tuple[bool, str]:
    m = _PREFIX.match(line)
    return (True, line[m.end() :]) if m else (False, line)


def parse_trtexec_output_order(log: str, input_names: Iterable[str] = ()) -> list[str]:
    """Engine output tensor names in engine I/O order, from a trtexec log.

    Prefers the binding lines of an inference run (``Created output binding for <n> ...``
    before 10, ``Output binding for <n> ... is created.`` from 10); otherwise reads the
    ``Bindings:`` section of ``--dumpLayerInfo`` and drops ``input_names`` (that
    section lists inputs and outputs together). Returns [] if the log has neither.
    """
    lines = log.splitlines()
    created = []
    for line in lines:
        body = _strip_prefix(line.rstrip("\r"))[1]
        for pattern in _CREATED_OUTPUT:
            m = pattern.search(body)
            if m:
                created.append(m.group(1))
                break
    if created:
        return list(dict.fromkeys(created))

    inputs = set(input_names)
    names: list[str] = []
    in_bindings = False
    for line in lines:
        prefixed, body = _strip_prefix(line.rstrip("\r"))
        if in_bindings:
            if prefixed or not body.strip() or body.startswith("&&&&"):
                in_bindings = False  # the next log message or a blank line ends the section
            else:
                names.append(body.strip())
                continue
        if body.strip() == "Bindings:":
            in_bindings, names = True, []  # the last section wins (8.2 may print it twice)
    return [n for n in dict.fromkeys(names) if n not in inputs]
