"""A stand-in ``tensorrt`` Python module that records every call, per API generation.

``make_fake_tensorrt("8.2.1.8")`` has the 8.2 API (``max_workspace_size``, bindings API,
no memory pools); ``"8.5.2"`` adds memory pools and the I/O-tensor API; ``"10.3.0.26"``
drops ``max_workspace_size`` and the bindings API; ``"11.1.0"`` drops FP16/INT8 flags and
calibrators. Using an attribute the emulated version lacks raises AttributeError, as the
real bindings do. Inject it with ``monkeypatch.setitem(sys.modules, "tensorrt", fake)``.

Strict where the real module is (reference /work/shared/reference/tensorrt-tools.md, findings 1, 2, 18):

* INT8 calibration cache: the builder reuses the calibrator's ``read_calibration_cache`` result only if
  its first line is exactly ``TRT-<NV_TENSORRT_VERSION>-EntropyCalibration2`` for the emulated version
  (NV_TENSORRT_VERSION = MAJOR*1000+MINOR*100+PATCH below 10, NvInferRuntimeCommon.h 8.2.1 L86-87;
  MAJOR*10000+MINOR*100+PATCH from 10, NvInferRuntimeBase.h v10.3.0 L89-93). Otherwise it ignores the
  cache and calibrates, i.e. calls ``get_batch`` (samples/sampleINT8/README.md 8.2.1 L144: a cache is
  used only if "compatible with calibrator type ... and TensorRT version"). ``reject_calibration_cache``
  rejects even a matching cache.
* timing cache: with ``timing_cache_mismatch=True`` every non-empty cache counts as made on another
  device: ``set_timing_cache(..., ignore_mismatch=False)`` reports an error, returns False and leaves the
  config without a timing cache, so ``get_timing_cache()`` gives None (NvInfer.h 8.2.1 L8384-8421,
  v10.3.0 L9249-9289). An empty cache (``create_timing_cache(b"")``) is always accepted.
"""

from __future__ import annotations

import enum
import json
import types
from typing import Any


def _v(text: str) -> tuple[int, int, int]:
    p = (text.split(".") + ["0", "0"])[:3]
    return int(p[0]), int(p[1]), int(p[2])


class _Sev(enum.IntEnum):
    INTERNAL_ERROR = 0
    ERROR = 1
    WARNING = 2
    INFO = 3
    VERBOSE = 4


class NetworkDefinitionCreationFlag(enum.IntEnum):
    EXPLICIT_BATCH = 0
    STRONGLY_TYPED = 5


class MemoryPoolType(enum.Enum):
    WORKSPACE = 0
    DLA_MANAGED_SRAM = 1


class DeviceType(enum.Enum):
    GPU = 0
    DLA = 1


class TensorIOMode(enum.Enum):
    NONE = 0
    INPUT = 1
    OUTPUT = 2


def nv_tensorrt_version(v: tuple[int, int, int]) -> int:
    """NV_TENSORRT_VERSION of a release: the number TensorRT writes into a calibration cache header."""
    return v[0] * 1000 + v[1] * 100 + v[2] if v[0] < 10 else v[0] * 10000 + v[1] * 100 + v[2]


def make_fake_tensorrt(
    version: str,
    *,
    reject_calibration_cache: bool = False,
    parser_errors: tuple[str, ...] = (),
    reversed_outputs: bool = False,
    timing_cache_mismatch: bool = False,
) -> types.ModuleType:
    v = _v(version)
    cache_header = f"TRT-{nv_tensorrt_version(v)}-EntropyCalibration2".encode()
    calls: list[tuple] = []
    rec = calls.append
    mod = types.ModuleType("tensorrt")
    mod.__version__ = version
    mod.calls = calls

    flag_names = ["GPU_FALLBACK", "REFIT", "DEBUG"] + (["FP16", "INT8"] if v[0] < 11 else [])
    mod.BuilderFlag = enum.Enum("BuilderFlag", flag_names)
    mod.NetworkDefinitionCreationFlag = NetworkDefinitionCreationFlag
    mod.DeviceType = DeviceType
    if v >= (8, 4, 0):
        mod.MemoryPoolType = MemoryPoolType
    if v >= (8, 5, 0):
        mod.TensorIOMode = TensorIOMode

    class ILogger:
        def __init__(self):
            rec(("ILogger.__init__",))

    class Logger(ILogger):
        INTERNAL_ERROR, ERROR, WARNING, INFO, VERBOSE = (
            _Sev.INTERNAL_ERROR,
            _Sev.ERROR,
            _Sev.WARNING,
            _Sev.INFO,
            _Sev.VERBOSE,
        )

        def __init__(self, severity=_Sev.WARNING):
            pass

    mod.ILogger, mod.Logger = ILogger, Logger

    def _say(logger, sev, msg):
        if hasattr(logger, "log"):
            logger.log(sev, msg)

    class Network:
        def __init__(self, flags):
            self.flags = flags
            self.inputs: list[str] = []
            self.outputs: list[str] = []

    class ParserError:
        def __init__(self, text):
            self.text = text

        def __str__(self):
            return f"In node -1 (parseGraph): INVALID_GRAPH: {self.text}"

    class OnnxParser:
        def __init__(self, network, logger):
            rec(("OnnxParser",))
            self.network, self.logger = network, logger
            self.errors: list[ParserError] = []

        def parse(self, data, path=None):
            rec(("parse", len(data)))
            import onnx

            if parser_errors:
                self.errors = [ParserError(e) for e in parser_errors]
                return False
            if v[0] < 10 and not self.network.flags & 1:
                self.errors = [ParserError("Network must have explicit batch dimension (EXPLICIT_BATCH)")]
                return False
            model = onnx.load_from_string(bytes(data))
            inits = {i.name for i in model.graph.initializer}
            self.network.inputs = [i.name for i in model.graph.input if i.name not in inits]
            self.network.outputs = [o.name for o in model.graph.output]
            return True

        @property
        def num_errors(self):
            return len(self.errors)

        def get_error(self, i):
            return self.errors[i]

    mod.OnnxParser = OnnxParser

    class Profile:
        def __init__(self):
            self.shapes = {}

        def set_shape(self, name, min, opt, max):
            rec(("set_shape", name, tuple(min), tuple(opt), tuple(max)))
            self.shapes[name] = (tuple(min), tuple(opt), tuple(max))

    class TimingCache:
        def __init__(self, data: bytes):
            self.data = bytes(data)

        def serialize(self):
            rec(("timing_cache.serialize",))
            return memoryview(self.data + f"+entry:{version}\n".encode())

    unavailable = set()
    if v < (8, 4, 0):
        unavailable.add("set_memory_pool_limit")
    if v >= (10, 0, 0):
        unavailable.add("max_workspace_size")
    if v[0] >= 11:
        unavailable |= {"int8_calibrator", "set_calibration_profile"}

    class Config:
        def __init__(self, logger):
            object.__setattr__(self, "logger", logger)
            object.__setattr__(self, "profiles", [])
            object.__setattr__(self, "flags", set())
            object.__setattr__(self, "timing_cache", None)
            object.__setattr__(self, "int8_calibrator", None)

        def __getattribute__(self, name):
            if name in unavailable:
                raise AttributeError(f"'tensorrt.IBuilderConfig' object has no attribute '{name}'")
            return object.__getattribute__(self, name)

        def __setattr__(self, name, value):
            if name in unavailable:
                raise AttributeError(f"'tensorrt.IBuilderConfig' object has no attribute '{name}'")
            shown = (
                value.name
                if isinstance(value, enum.Enum)
                else (type(value).__mro__[1].__name__ if name == "int8_calibrator" else value)
            )
            rec((f"config.{name}", shown))
            object.__setattr__(self, name, value)

        def set_memory_pool_limit(self, pool, size):
            rec(("set_memory_pool_limit", pool.name, size))

        def set_flag(self, flag):
            rec(("set_flag", flag.name))
            self.flags.add(flag.name)

        def add_optimization_profile(self, profile):
            rec(("add_optimization_profile",))
            self.profiles.append(profile)
            return len(self.profiles) - 1

        def set_calibration_profile(self, profile):
            rec(("set_calibration_profile", profile is self.profiles[0]))

        def create_timing_cache(self, data):
            rec(("create_timing_cache", bytes(data)))
            return TimingCache(data)

        def set_timing_cache(self, cache, ignore_mismatch):
            rec(("set_timing_cache", ignore_mismatch))
            if timing_cache_mismatch and cache.data and not ignore_mismatch:
                _say(
                    self.logger,
                    _Sev.ERROR,
                    "Timing cache was created on a device with different CUDA "
                    "device properties (stand-in message).",
                )
                object.__setattr__(self, "timing_cache", None)
                return False
            object.__setattr__(self, "timing_cache", cache)
            return True

        def get_timing_cache(self):
            rec(("get_timing_cache",))
            return self.timing_cache

    class Builder:
        def __init__(self, logger):
            rec(("Builder",))
            self.logger = logger

        def create_network(self, flags=0):
            rec(("create_network", flags))
            return Network(flags)

        def create_builder_config(self):
            rec(("create_builder_config",))
            return Config(self.logger)

        def create_optimization_profile(self):
            rec(("create_optimization_profile",))
            return Profile()

        def build_serialized_network(self, network, config):
            rec(("build_serialized_network",))
            cal = config.int8_calibrator if "int8_calibrator" not in unavailable else None
            if cal is not None:
                cache = cal.read_calibration_cache()
                rec(("calibrator.read_calibration_cache", len(cache or b"")))
                first_line = bytes(cache or b"").split(b"\n", 1)[0]
                if reject_calibration_cache or first_line != cache_header:
                    _say(
                        self.logger,
                        _Sev.WARNING,
                        "Calibration table does not match calibrator algorithm type.",
                    )
                    if cal.get_batch(network.inputs) is None:
                        _say(
                            self.logger,
                            _Sev.ERROR,
                            "Calibration failure occurred with no scaling factors detected.",
                        )
                        return None
            _say(self.logger, _Sev.INFO, f"Engine built with flags {sorted(config.flags)}")
            outs = network.outputs[::-1] if reversed_outputs else network.outputs
            io = [(n, True) for n in network.inputs] + [(n, False) for n in outs]
            return memoryview(b"FAKE-TRT-PY-ENGINE " + json.dumps({"io": io, "trt": version}).encode())

    class Engine:
        def __init__(self, io):
            self.io = io

        def __getattribute__(self, name):
            if name in ("num_bindings", "get_binding_name", "binding_is_input") and v[0] >= 10:
                raise AttributeError(f"'tensorrt.ICudaEngine' object has no attribute '{name}'")
            if name in ("num_io_tensors", "get_tensor_name", "get_tensor_mode") and v < (8, 5, 0):
                raise AttributeError(f"'tensorrt.ICudaEngine' object has no attribute '{name}'")
            return object.__getattribute__(self, name)

        @property
        def num_io_tensors(self):
            rec(("engine.num_io_tensors",))
            return len(self.io)

        def get_tensor_name(self, i):
            rec(("engine.get_tensor_name", i))
            return self.io[i][0]

        def get_tensor_mode(self, name):
            rec(("engine.get_tensor_mode", name))
            return TensorIOMode.INPUT if dict(self.io)[name] else TensorIOMode.OUTPUT

        @property
        def num_bindings(self):
            rec(("engine.num_bindings",))
            return len(self.io)

        def get_binding_name(self, i):
            rec(("engine.get_binding_name", i))
            return self.io[i][0]

        def binding_is_input(self, i):
            rec(("engine.binding_is_input", i))
            return self.io[i][1]

    class Runtime:
        def __init__(self, logger):
            rec(("Runtime",))

        def deserialize_cuda_engine(self, data):
            rec(("deserialize_cuda_engine",))
            raw = bytes(data)
            assert raw.startswith(b"FAKE-TRT-PY-ENGINE ")
            return Engine([tuple(x) for x in json.loads(raw.split(b" ", 1)[1])["io"]])

    mod.Builder, mod.Runtime = Builder, Runtime

    if v[0] < 11:

        class IInt8EntropyCalibrator2:
            def __init__(self):
                rec(("IInt8EntropyCalibrator2.__init__",))

            def get_algorithm(self):
                return "ENTROPY_CALIBRATION_2"

        mod.IInt8EntropyCalibrator2 = IInt8EntropyCalibrator2
    return mod


def call_names(mod: Any) -> list[str]:
    return [c[0] for c in mod.calls]
