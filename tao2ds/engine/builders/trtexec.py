"""Build with the local trtexec (TensorRT's command-line builder) in a subprocess."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from tao2ds.core.errors import EngineBuildError, ProbeError

if TYPE_CHECKING:
    from tao2ds.engine.types import BuilderEnv, EngineRequest, EngineResult

JETSON_TRTEXEC = Path("/usr/src/tensorrt/bin/trtexec")  # where JetPack and the TensorRT debs put it


def find_trtexec() -> Path | None:
    found = shutil.which("trtexec")
    if found:
        return Path(found)
    return JETSON_TRTEXEC if os.access(JETSON_TRTEXEC, os.X_OK) else None


def log_tail(log: str, lines: int = 40) -> str:
    """The end of a build log, where trtexec reports what went wrong."""
    return "\n".join(log.rstrip().splitlines()[-lines:])


def check_inputs(req: EngineRequest) -> None:
    """Fail before the build on missing inputs; trtexec would otherwise e.g. calibrate on random data."""
    if not req.onnx.is_file():
        raise EngineBuildError(f"ONNX model not found: {req.onnx}")
    if req.calib_cache is not None and not req.calib_cache.is_file():
        raise EngineBuildError(f"INT8 calibration cache not found: {req.calib_cache}")


class TrtexecBuilder:
    name = "trtexec"

    def __init__(self, trtexec_path: str | Path | None = None, timeout: float = 3600):
        self.trtexec = Path(trtexec_path) if trtexec_path else find_trtexec()
        self.timeout = timeout
        self._env: BuilderEnv | None = None

    def probe(self) -> BuilderEnv:
        if self.trtexec is None:
            raise ProbeError("trtexec not found on PATH or at /usr/src/tensorrt/bin/trtexec")
        if self._env is None:
            # deferred, as below: a no-op run only asks find_trtexec() whether there is one
            from tao2ds.engine.probe import env_from_outputs, probe_commands, run_local_probe

            self._env = env_from_outputs(run_local_probe(probe_commands(str(self.trtexec))))
        return self._env

    def build(self, req: EngineRequest) -> EngineResult:
        from tao2ds.engine.trtexec_cmd import parse_trtexec_output_order, trtexec_argv  # deferred: as probe
        from tao2ds.engine.types import EngineResult

        env = self.probe()
        check_inputs(req)
        req.engine_out.parent.mkdir(parents=True, exist_ok=True)
        if req.timing_cache is not None:
            req.timing_cache.parent.mkdir(parents=True, exist_ok=True)
        # trtexec writes a temp name beside the target; only a finished engine is renamed into place.
        tmp = req.engine_out.with_name(f".{req.engine_out.name}.{os.getpid()}.tmp")
        # trtexec rewrites --timingCacheFile in place; it works on a copy so that an interrupted build
        # never leaves a half-written cache (and the run's undo journal keeps the old one intact)
        tmp_tc = None
        if req.timing_cache is not None:
            tmp_tc = req.timing_cache.with_name(f".{req.timing_cache.name}.{os.getpid()}.tmp")
            if req.timing_cache.is_file():
                shutil.copyfile(req.timing_cache, tmp_tc)
        run_req = dataclasses.replace(req, engine_out=tmp, timing_cache=tmp_tc)
        argv = trtexec_argv(run_req, env.trt_version, str(self.trtexec))
        try:
            proc = subprocess.run(
                argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=self.timeout
            )
            log = proc.stdout
            if proc.returncode != 0 or not tmp.is_file():
                raise EngineBuildError(
                    f"trtexec failed (exit {proc.returncode}) building {req.engine_out}:\n" + log_tail(log)
                )
            order = parse_trtexec_output_order(log, [req.input_name])
            if not order:
                raise EngineBuildError(
                    "could not read the engine's output order from the trtexec log "
                    "(no 'Bindings:' / 'Created output binding' lines):\n" + log_tail(log)
                )
            os.replace(tmp, req.engine_out)
            if tmp_tc is not None and tmp_tc.is_file():
                os.replace(tmp_tc, req.timing_cache)
        finally:
            tmp.unlink(missing_ok=True)
            if tmp_tc is not None:
                tmp_tc.unlink(missing_ok=True)
        return EngineResult(engine=req.engine_out, output_order=order, env=env, log=log)
