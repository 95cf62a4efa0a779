"""Build with TAO Deploy: ``multitask_classification gen_trt_engine``, where TAO Deploy lives.

TAO Deploy cannot be pip-installed as published and imports TensorRT at module level, so it runs where
NVIDIA put it (tao-tools.md §0.1, §1.1): ``engine.tao_deploy.where`` = ``local`` (on this machine's PATH),
``ssh`` (on target.host, over the ssh builder's connection) or ``docker`` (NVIDIA's TAO Deploy container,
the job folder mounted at the same path). Each build stages its inputs in one job folder and runs the
same command there, with relative paths (gen_trt_engine flags: tao-tools.md §1.2, nvidia-tao-deploy 7.3.0
``cv/multitask_classification/scripts/gen_trt_engine.py``)::

    multitask_classification gen_trt_engine -m model.etlt|model.onnx [-k KEY] -cm classmap.json
        --data_type fp16 --engine_file model.engine --min_batch_size 1 --opt_batch_size B --max_batch_size B
        --max_workspace_size <GB> --gpu_index G -r results
        [--cal_cache_file calib.cache --cal_data_file results/cal.tensorfile --batch_size 1 --batches 1]

INT8 never calibrates inside TAO Deploy (≥ 6 crashes for multitask from ONNX; 5.x samples unseeded random
images or random tensors, §1.4): tao2ds's own cache is passed as an existing ``--cal_cache_file``, which
the calibrator reads first (``TensorfileCalibrator.read_calibration_cache``). 5.x still writes a small
random tensorfile it never reads; ≥ 6 fails before that (its ``set_calibrator`` bug) and is reported so.

The key is read by the shell from standard input (``IFS= read -r``): it is in no argv tao2ds makes, no
docker or ssh command line and no log (tool output is masked). The engine is renamed to DeepStream's
auto-name afterwards (``--engine_file`` is written exactly where given, §1.2).
"""

from __future__ import annotations

import math
import os
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Optional

from tao2ds.core.errors import EngineBuildError, ProbeError, UnsupportedBuild
from tao2ds.engine.builders.ssh import REMOTE_ENGINE, SshBuilder, _stage, job_name
from tao2ds.engine.builders.trtexec import log_tail
from tao2ds.engine.probe import env_from_outputs, parse_probe_output, probe_commands, probe_script
from tao2ds.engine.types import BuilderEnv, EngineRequest, EngineResult
from tao2ds.model.etlt import mask
from tao2ds.remote.ssh import scp_argv, scp_remote, sh_command, sh_path, ssh_argv, ssh_failure

KEY_VAR = "TAO2DS_KEY"
_KEY_SLOT = "@@tao2ds-key@@"
CLASSMAP, CALIB, RESULTS = "classmap.json", "calib.cache", "results"
INT8_BUG = ("KeyError: 0", "cannot be interpreted as an integer", "stat: path should be string")


def model_name(req: EngineRequest) -> str:
    return "model.etlt" if req.model_format.startswith("etlt") else "model.onnx"


def workspace_gb(mib: int) -> int:
    """TAO Deploy's --max_workspace_size is in GB (``* 2**30``); rounded up, at least 1."""
    return max(1, math.ceil(mib / 1024))


def gen_trt_engine_argv(req: EngineRequest, command: str = "multitask_classification") -> list[str]:
    """The argv inside the job folder; ``-k`` carries a placeholder the shell fills from stdin."""
    if req.model_format == "etlt-uff":
        raise UnsupportedBuild(
            "TAO Deploy >= 6 cannot build a UFF .etlt (parse_uff_model raises NotImplementedError); "
            "use engine.builder=tao_converter or deepstream"
        )
    if req.classmap is None:
        raise UnsupportedBuild("TAO Deploy opens the classmap for every build (-cm)")
    if req.dla_core is not None:
        raise UnsupportedBuild("gen_trt_engine has no DLA option; use engine.builder=ssh or trtexec for DLA")
    if req.precision == "int8" and req.calib_cache is None:
        raise UnsupportedBuild(
            "TAO Deploy INT8 needs tao2ds's calibration cache (it must not calibrate by itself: tao-tools.md §1.4)"
        )
    argv = [command, "gen_trt_engine", "-m", model_name(req)]
    if req.model_format.startswith("etlt"):
        argv += ["-k", _KEY_SLOT]
    argv += [
        "-cm",
        CLASSMAP,
        "--data_type",
        req.precision,
        "--engine_file",
        REMOTE_ENGINE,
        "--min_batch_size",
        str(req.min_batch),
        "--opt_batch_size",
        str(req.batch_size),
        "--max_batch_size",
        str(req.batch_size),
        "--max_workspace_size",
        str(workspace_gb(req.workspace_mib)),
        "--gpu_index",
        str(req.gpu_id),
        "-r",
        RESULTS,
    ]
    if req.precision == "int8":
        argv += [
            "--cal_cache_file",
            CALIB,
            "--cal_data_file",
            f"{RESULTS}/cal.tensorfile",
            "--batch_size",
            "1",
            "--batches",
            "1",
        ]
    return argv


def shell_script(argv: list[str], with_key: bool) -> str:
    """``IFS= read -r TAO2DS_KEY && exec <argv>`` with ``-k "$TAO2DS_KEY"``; no key inside."""
    cmd = sh_command(argv).replace(shlex.quote(_KEY_SLOT), f'"${KEY_VAR}"')
    return (f"IFS= read -r {KEY_VAR} && " if with_key else "") + f"exec {cmd} 2>&1"


def stage_job(req: EngineRequest, job: Path) -> None:
    job.mkdir(parents=True, exist_ok=True)
    _stage(req.onnx, job / model_name(req))
    _stage(req.classmap, job / CLASSMAP)
    if req.calib_cache is not None:
        _stage(req.calib_cache, job / CALIB)
    (job / RESULTS).mkdir(exist_ok=True)


def check_result(proc_rc: int, log: str, req: EngineRequest, where: str) -> None:
    if proc_rc == 0:
        return
    if req.precision == "int8" and any(s in log for s in INT8_BUG):
        raise EngineBuildError(
            f"TAO Deploy on {where} crashed setting up INT8 calibration (exit {proc_rc}): TAO Deploy >= 6 cannot "
            "calibrate multitask models from ONNX, even with an existing cache (its set_calibrator indexes a dict "
            "as a list; tao-tools.md §1.4). Use TAO Deploy 5.x, or build INT8 with engine.builder=trtexec/ssh "
            "and tao2ds's cache.\n" + log_tail(log)
        )
    raise EngineBuildError(f"TAO Deploy gen_trt_engine on {where} failed (exit {proc_rc}):\n" + log_tail(log))


def _probe_extra(command: str) -> list[tuple[str, str]]:
    return [
        ("tao_deploy_path", f"command -v {shlex.quote(command)}"),
        ("tensorrt_python", "python3 -c 'import tensorrt; print(tensorrt.__version__)'"),
    ]


def env_from_probe(outputs: dict[str, str], command: str, where: str) -> BuilderEnv:
    if not outputs.get("tao_deploy_path"):
        raise ProbeError(
            f"{command} (TAO Deploy) not found {where}; TAO Deploy runs in NVIDIA's container "
            "(engine.tao_deploy.where=docker) or where its wheel was installed by hand"
        )
    trt = outputs.get("tensorrt_python", "").strip()
    if not outputs.get("trtexec_banner") and trt:
        return env_from_outputs(outputs, trt_version=trt)
    return env_from_outputs(outputs)


class TaoDeployBuilder:
    """where=local or docker (where=ssh is :class:`TaoDeploySshBuilder`)."""

    name = "tao_deploy"

    def __init__(
        self,
        where: str = "local",
        command: str = "multitask_classification",
        image: Optional[str] = None,
        docker: str = "docker",
        gpu_id: int = 0,
        timeout: float = 3600,
    ):
        if where not in ("local", "docker"):
            raise UnsupportedBuild(f"TaoDeployBuilder runs local or docker, not {where!r}")
        if where == "docker" and (not image or image.startswith("-") or any(c.isspace() for c in image)):
            raise UnsupportedBuild(
                f"engine.tao_deploy.image={image!r}: where=docker needs a container image name (no blanks, "
                "not starting with '-')"
            )
        self.where, self.command, self.image, self.docker = where, command, image, docker
        self.gpu_id, self.timeout = gpu_id, timeout
        self._env: Optional[BuilderEnv] = None

    @property
    def place(self) -> str:
        return f"in {self.image}" if self.where == "docker" else "on this machine"

    def wrap(self, script: str, job: Optional[Path], interactive: bool) -> list[str]:
        """The argv that runs ``script`` with sh where TAO Deploy lives (docker: job mounted at its own path)."""
        if self.where == "local":
            return ["sh", "-c", script]
        argv = [self.docker, "run", "--rm"]
        if interactive:
            argv.append("-i")  # the key comes on stdin
        argv += ["--gpus", f"device={self.gpu_id}"]
        if job is not None:
            argv += ["-v", f"{job}:{job}", "-w", str(job)]
        return [*argv, str(self.image), "sh", "-c", script]

    def probe(self) -> BuilderEnv:
        if self._env is None:
            script = probe_script([*probe_commands(None), *_probe_extra(self.command)])
            try:
                proc = subprocess.run(
                    self.wrap(script, None, False),
                    capture_output=True,
                    text=True,
                    timeout=600,
                    stdin=subprocess.DEVNULL,
                )
            except (OSError, subprocess.TimeoutExpired) as e:
                raise ProbeError(f"cannot probe TAO Deploy {self.place}: {e}") from None
            if self.where == "docker" and proc.returncode != 0 and "tao2ds-probe" not in proc.stdout:
                raise ProbeError(f"docker could not run {self.image}: {proc.stderr.strip()[-500:]}")
            self._env = env_from_probe(parse_probe_output(proc.stdout), self.command, self.place)
        return self._env

    def build(self, req: EngineRequest) -> EngineResult:
        env = self.probe()
        argv = gen_trt_engine_argv(req, self.command)
        req.engine_out.parent.mkdir(parents=True, exist_ok=True)
        job = Path(tempfile.mkdtemp(prefix=f".{req.engine_out.name}.", dir=req.engine_out.parent)).resolve()
        try:
            stage_job(req, job)
            with_key = req.model_format.startswith("etlt")
            try:
                proc = subprocess.run(
                    self.wrap(shell_script(argv, with_key), job, with_key),
                    cwd=job,
                    input=(req.key + "\n") if with_key and req.key else "",
                    capture_output=True,
                    text=True,
                    timeout=self.timeout,
                )
            except subprocess.TimeoutExpired:
                raise EngineBuildError(f"TAO Deploy did not finish within {self.timeout:.0f} s") from None
            log = mask(proc.stdout + proc.stderr, [req.key])
            check_result(proc.returncode, log, req, self.place)
            if not (job / REMOTE_ENGINE).is_file():
                raise EngineBuildError("TAO Deploy reported success but wrote no engine:\n" + log_tail(log))
            os.replace(job / REMOTE_ENGINE, req.engine_out)  # DeepStream's auto-name
        finally:
            shutil.rmtree(job, ignore_errors=True)
        return EngineResult(engine=req.engine_out, output_order=[], env=env, log=log)


class TaoDeploySshBuilder(SshBuilder):
    """TAO Deploy on the device (where=ssh): the ssh builder's connection, upload and download."""

    name = "tao_deploy"

    def __init__(self, host: str, *, command: str = "multitask_classification", **kwargs):
        super().__init__(host, **kwargs)
        self.command = command

    def _probe_commands(self) -> list[tuple[str, str]]:
        return [*super()._probe_commands(), *_probe_extra(self.command)]

    def _env_from(self, outputs: dict[str, str]) -> BuilderEnv:
        return env_from_probe(outputs, self.command, "on the device")

    def build(self, req: EngineRequest) -> EngineResult:
        argv = gen_trt_engine_argv(req, self.command)
        with self:
            env = self._probe()
            workdir = f"{self._workdir}/{job_name(req.engine_out)}"
            stage = Path(tempfile.mkdtemp(prefix="tao2ds-stage-"))
            try:
                stage_job(req, stage / Path(workdir).name)
                self._run(
                    scp_argv(
                        self._target(),
                        ["-r", str(stage / Path(workdir).name)],
                        scp_remote(self._target(), str(Path(workdir).parent) + "/"),
                    ),
                    "uploading the model",
                    timeout=self.timeout,
                )
            finally:
                shutil.rmtree(stage, ignore_errors=True)
            with_key = req.model_format.startswith("etlt")
            cmd = f"cd {sh_path(workdir)} && rm -f {REMOTE_ENGINE} && " + shell_script(argv, with_key)
            try:
                proc = subprocess.run(
                    ssh_argv(self._target(), cmd),
                    input=(req.key + "\n") if with_key and req.key else "",
                    capture_output=True,
                    text=True,
                    timeout=self.timeout,
                )
            except subprocess.TimeoutExpired:
                raise EngineBuildError(
                    f"TAO Deploy on {self.host} did not finish within {self.timeout:.0f} s"
                ) from None
            log = mask(proc.stdout, [req.key])
            if proc.returncode == 255:
                raise ssh_failure(self._target(), "running TAO Deploy", 255, mask(proc.stderr, [req.key]))
            check_result(proc.returncode, log + mask(proc.stderr, [req.key]), req, self._target().destination)
            self._download(req, workdir, use_timing=False)
        return EngineResult(engine=req.engine_out, output_order=[], env=env, log=log)
