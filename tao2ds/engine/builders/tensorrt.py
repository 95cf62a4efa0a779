"""Build in-process through the ``tensorrt`` Python module (8.0 … 10.x APIs).

The module is imported lazily with importlib so that machines without TensorRT can
still import tao2ds, and so tests can put a stand-in into sys.modules.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType
from typing import Any

from tao2ds.core import fileio, log
from tao2ds.core.errors import CalibrationCacheRejected, EngineBuildError, ProbeError
from tao2ds.engine.builders.trtexec import check_inputs
from tao2ds.engine.probe import env_from_outputs, probe_commands, run_local_probe
from tao2ds.engine.types import BuilderEnv, EngineRequest, EngineResult
from tao2ds.engine.versions import (
    check_precision_supported,
    has_io_tensor_api,
    has_mem_pool_size,
    has_strongly_typed,
    needs_explicit_batch_flag,
    parse_version,
)

logger = log.get(__name__)


def import_tensorrt() -> ModuleType:
    try:
        return importlib.import_module("tensorrt")
    except ImportError as e:
        raise ProbeError(f"the tensorrt Python module is not importable: {e}") from None


def make_logger(trt: ModuleType, lines: list[str]) -> Any:
    """A TensorRT logger that keeps every message (≥ INFO) for EngineResult.log."""
    names = {}
    for name in ("INTERNAL_ERROR", "ERROR", "WARNING", "INFO", "VERBOSE"):
        sev = getattr(trt.Logger, name, None)
        if sev is not None:
            names[sev] = name[0] if name != "INTERNAL_ERROR" else "F"

    class _Logger(trt.ILogger):
        def __init__(self):
            trt.ILogger.__init__(self)

        def log(self, severity, msg):
            if severity != getattr(trt.Logger, "VERBOSE", object()):
                lines.append(f"[{names.get(severity, '?')}] [TRT] {msg}")

    return _Logger()


def make_cache_only_calibrator(trt: ModuleType, cache: bytes, batch_size: int) -> Any:
    """An entropy calibrator that only hands TensorRT the cache and never calibrates.

    TensorRT calls get_batch only when it rejected the cache (other version or algorithm);
    that is recorded so the build can fail with a clear message instead of calibrating on nothing.
    """

    class CacheOnlyCalibrator(trt.IInt8EntropyCalibrator2):
        def __init__(self):
            trt.IInt8EntropyCalibrator2.__init__(self)
            self.asked_for_batches = False

        def get_batch_size(self):
            return batch_size

        def get_batch(self, names):
            self.asked_for_batches = True
            return None  # "no more data": TensorRT must not calibrate on anything

        def read_calibration_cache(self):
            return cache

        def write_calibration_cache(self, data):
            return None  # the cache is an input here, never rewritten

    return CacheOnlyCalibrator()


def _parse_onnx(trt: ModuleType, network: Any, logger: Any, data: bytes, onnx_path: str) -> Any:
    """Parse the ONNX into ``network``; the parser is returned because it owns the weights."""
    parser = trt.OnnxParser(network, logger)
    if not parser.parse(data):
        errors = [str(parser.get_error(i)) for i in range(parser.num_errors)]
        raise EngineBuildError(
            f"TensorRT could not parse {onnx_path}:\n  " + "\n  ".join(errors or ["(no details)"])
        )
    return parser


def engine_output_order(trt: ModuleType, engine: Any, v: tuple[int, int, int]) -> list[str]:
    """Output names in engine I/O order: the I/O-tensor API from 8.5, bindings before."""
    if has_io_tensor_api(v):
        return [
            name
            for name in (engine.get_tensor_name(i) for i in range(engine.num_io_tensors))
            if engine.get_tensor_mode(name) == trt.TensorIOMode.OUTPUT
        ]
    return [engine.get_binding_name(i) for i in range(engine.num_bindings) if not engine.binding_is_input(i)]


def use_timing_cache(config: Any, path: Path) -> bool:
    """Give the builder the timing cache in ``path``; True if TensorRT took a cache (old or fresh).

    ``IBuilderConfig.set_timing_cache(cache, ignore_mismatch=False)`` returns False ("a failure will be
    reported") when the cache was made on a device whose CUDA properties differ from this one
    (NVIDIA/TensorRT include/NvInfer.h 8.2.1 L8384-8421, v10.3.0 L9249-9289; the Python binding returns
    that bool, python/src/infer/pyCore.cpp 8.2.1 L803-807). ``create_timing_cache(b"")`` makes an empty
    cache. So: on False, warn and start from an empty cache, as NVIDIA's Polygraphy guards its own
    timing-cache use (tools/Polygraphy/polygraphy/backend/trt/config.py v10.3.0 L404-427).
    """
    old = path.read_bytes() if path.is_file() else b""
    if config.set_timing_cache(config.create_timing_cache(old), ignore_mismatch=False):
        return True
    if old:
        logger.warning(
            "TensorRT refused the timing cache %s (set_timing_cache returned False: it was "
            "made on a GPU whose CUDA device properties differ from this one); building with an "
            "empty timing cache instead, and %s will be replaced by this GPU's cache",
            path,
            path,
        )
        if config.set_timing_cache(config.create_timing_cache(b""), ignore_mismatch=False):
            return True
    logger.warning(
        "TensorRT refused an empty timing cache too; building without one and leaving %s unchanged", path
    )
    return False


def save_timing_cache(config: Any, path: Path) -> None:
    """Write the builder's timing cache back to ``path`` (only called when TensorRT accepted a cache).

    ``get_timing_cache()`` can return None; Polygraphy checks for that before serializing
    (tools/Polygraphy/polygraphy/backend/trt/loader.py v10.3.0 L588-615), and so do we.
    """
    cache = config.get_timing_cache()
    if cache is None:
        logger.warning("TensorRT returned no timing cache after the build; %s is left unchanged", path)
        return
    fileio.write_bytes(path, bytes(cache.serialize()))


class TensorRTBuilder:
    name = "tensorrt"

    def __init__(self):
        self._env: BuilderEnv | None = None

    def probe(self) -> BuilderEnv:
        if self._env is None:
            trt = import_tensorrt()
            outputs = run_local_probe([c for c in probe_commands() if not c[0].startswith("trtexec")])
            self._env = env_from_outputs(outputs, trt_version=str(trt.__version__))
        return self._env

    def build(self, req: EngineRequest) -> EngineResult:
        env = self.probe()
        trt = import_tensorrt()
        v = parse_version(env.trt_version)
        try:
            check_precision_supported(v, req.precision, req.calib_cache is not None)
        except ValueError as e:
            raise EngineBuildError(str(e)) from None
        check_inputs(req)
        log: list[str] = []
        logger = make_logger(trt, log)

        builder = trt.Builder(logger)
        flags = (
            1 << int(trt.NetworkDefinitionCreationFlag.EXPLICIT_BATCH) if needs_explicit_batch_flag(v) else 0
        )
        if req.strongly_typed:
            if not has_strongly_typed(v) or req.calib_cache is not None:
                raise EngineBuildError(
                    f"a strongly typed build needs TensorRT 10.0 or newer (not {env.trt_version}) and a Q/DQ model"
                )
            flags |= 1 << int(trt.NetworkDefinitionCreationFlag.STRONGLY_TYPED)
        network = builder.create_network(flags)
        config = builder.create_builder_config()
        parser = _parse_onnx(trt, network, logger, req.onnx.read_bytes(), str(req.onnx))  # noqa: F841 (keeps weights alive)

        workspace = req.workspace_mib << 20
        if has_mem_pool_size(v):
            config.set_memory_pool_limit(trt.MemoryPoolType.WORKSPACE, workspace)
        else:
            config.max_workspace_size = workspace

        profile = builder.create_optimization_profile()
        profile.set_shape(
            req.input_name, req.shape(req.min_batch), req.shape(req.batch_size), req.shape(req.batch_size)
        )
        config.add_optimization_profile(profile)

        calibrator = None
        if req.precision in ("fp16", "int8") and not req.strongly_typed:
            config.set_flag(trt.BuilderFlag.FP16)
        if req.precision == "int8" and not req.strongly_typed:
            config.set_flag(trt.BuilderFlag.INT8)
            if req.calib_cache is not None:
                calibrator = make_cache_only_calibrator(trt, req.calib_cache.read_bytes(), req.batch_size)
                config.int8_calibrator = calibrator
                config.set_calibration_profile(profile)

        if req.dla_core is not None:
            config.default_device_type = trt.DeviceType.DLA
            config.DLA_core = req.dla_core
            config.set_flag(trt.BuilderFlag.GPU_FALLBACK)

        timing_cache_set = req.timing_cache is not None and use_timing_cache(config, req.timing_cache)

        serialized = builder.build_serialized_network(network, config)
        if calibrator is not None and calibrator.asked_for_batches:
            raise CalibrationCacheRejected(
                f"TensorRT {env.trt_version} did not accept the INT8 calibration cache {req.calib_cache} and asked "
                "for calibration images. A cache only works with the TensorRT version (and calibrator) that wrote "
                "it: regenerate it for this TensorRT version."
            )
        if serialized is None:
            raise EngineBuildError(f"TensorRT failed to build {req.engine_out}:\n" + "\n".join(log[-40:]))
        data = bytes(serialized)

        engine = trt.Runtime(logger).deserialize_cuda_engine(data)
        if engine is None:
            raise EngineBuildError(
                "TensorRT could not load the engine it just built:\n" + "\n".join(log[-40:])
            )
        order = engine_output_order(trt, engine, v)

        fileio.write_bytes(req.engine_out, data)
        if timing_cache_set:
            save_timing_cache(config, req.timing_cache)
        return EngineResult(engine=req.engine_out, output_order=order, env=env, log="\n".join(log))
