"""Build on the device itself over ssh, with the device's own trtexec.

A build is four calls over one shared OpenSSH connection (ControlMaster):
probe (and create the remote directory), upload (scp), trtexec (ssh), download (scp).
The connection is closed (``ssh -O exit``) when the outermost ``with builder:`` block,
or the single probe()/build() call, ends.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tao2ds.core import fileio
from tao2ds.core.errors import EngineBuildError, ProbeError, SshError
from tao2ds.engine.builders.trtexec import check_inputs, log_tail
from tao2ds.engine.probe import env_from_outputs, parse_probe_output, probe_commands, probe_script
from tao2ds.engine.trtexec_cmd import parse_trtexec_output_order, trtexec_argv
from tao2ds.engine.types import BuilderEnv, EngineRequest, EngineResult
from tao2ds.remote.ssh import (
    SshTarget,
    control_exit_argv,
    scp_argv,
    scp_remote,
    sh_command,
    sh_path,
    ssh_argv,
    ssh_failure,
)
from tao2ds.remote.validate import check_device

# Fixed names inside the per-engine remote directory: the trtexec command line stays readable.
REMOTE_ONNX, REMOTE_CALIB, REMOTE_TIMING, REMOTE_ENGINE = (
    "model.onnx",
    "calib.cache",
    "timing.cache",
    "model.engine",
)
_WORKDIR_MARK = "@@tao2ds-workdir@@"


def job_name(engine_out: Path) -> str:
    """One remote directory per local engine path, so different engines never share files."""
    return hashlib.sha256(str(engine_out.resolve()).encode()).hexdigest()[:16]


def _stage(src: Path, dest: Path) -> None:
    try:
        os.link(src, dest)
    except OSError:
        shutil.copyfile(src, dest)


class SshBuilder:
    name = "ssh"

    def __init__(
        self,
        host: str,
        *,
        known_hosts: str | Path,
        user: str | None = None,
        port: int | None = 22,
        ssh_key: str | Path | None = None,
        remote_dir: str = "~/.cache/tao2ds/build",
        trtexec: str | None = None,
        timeout: float = 3600,
    ):
        check_device(
            host=host, user=user, port=port, ssh_key=ssh_key, remote_dir=remote_dir
        )  # before any process
        self.host, self.user, self.port = host, user, port
        self.ssh_key = Path(ssh_key) if ssh_key else None
        self.known_hosts = Path(known_hosts)
        self.remote_dir = remote_dir
        self.trtexec = trtexec
        self.timeout = timeout
        self._depth = 0
        self._cp_dir: str | None = None
        self._env: BuilderEnv | None = None
        self._workdir: str | None = None
        self._trtexec_path: str | None = None

    # --- connection session ------------------------------------------------------------------

    def __enter__(self) -> "SshBuilder":
        if self._depth == 0:
            self._cp_dir = tempfile.mkdtemp(
                prefix="t2s-", dir="/tmp"
            )  # short: unix socket paths are ≤ 104 bytes
            self._env = self._workdir = self._trtexec_path = None
        self._depth += 1
        return self

    def __exit__(self, *exc) -> None:
        self._depth -= 1
        if self._depth == 0:
            self.close()

    def close(self) -> None:
        """Stop the shared connection (if any)."""
        if self._cp_dir is None:
            return
        target = self._target()
        if any(Path(self._cp_dir).iterdir()):
            subprocess.run(
                control_exit_argv(target), stdin=subprocess.DEVNULL, capture_output=True, timeout=15
            )
        shutil.rmtree(self._cp_dir, ignore_errors=True)
        self._cp_dir = None

    def _target(self) -> SshTarget:
        cp = f"{self._cp_dir}/%C" if self._cp_dir else None
        return SshTarget(self.host, self.user, self.port, self.ssh_key, self.known_hosts, cp)

    def _run(self, argv: list[str], what: str, timeout: float = 120) -> subprocess.CompletedProcess:
        try:
            proc = subprocess.run(
                argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout
            )
        except subprocess.TimeoutExpired:
            raise SshError(
                f"{what} on {self._target().destination} timed out after {timeout:.0f} s"
            ) from None
        if proc.returncode != 0:
            raise ssh_failure(self._target(), what, proc.returncode, proc.stderr)
        return proc

    # --- builder -----------------------------------------------------------------------------

    def probe(self) -> BuilderEnv:
        with self:
            return self._probe()

    def _probe(self) -> BuilderEnv:
        """One round trip: create the remote directory, report its absolute path, probe the device."""
        if self._env is not None:
            return self._env
        self.known_hosts.parent.mkdir(parents=True, exist_ok=True)
        d = sh_path(self.remote_dir)
        script = f"mkdir -p {d} && cd {d} && echo '{_WORKDIR_MARK}' && pwd\n" + probe_script(
            self._probe_commands()
        )
        proc = self._run(ssh_argv(self._target(), "sh -c " + sh_command([script])), "probing the device")
        _, _, rest = proc.stdout.partition(_WORKDIR_MARK + "\n")
        if not rest:
            raise SshError(
                f"could not create {self.remote_dir} on {self._target().destination}: {proc.stderr.strip()}"
            )
        workdir, _, probe_out = rest.partition("\n")
        outputs = parse_probe_output(probe_out)
        try:
            env = self._env_from(outputs)
        except ProbeError as e:
            raise ProbeError(f"{self._target().destination}: {e}") from None
        self._workdir, self._trtexec_path, self._env = workdir.strip(), outputs["trtexec_path"], env
        return env

    def _probe_commands(self) -> list[tuple[str, str]]:
        """What the one probing round trip asks (subclasses add their tool's location)."""
        return probe_commands(self.trtexec)

    def _env_from(self, outputs: dict[str, str]) -> BuilderEnv:
        return env_from_outputs(outputs)

    def build(self, req: EngineRequest) -> EngineResult:
        check_inputs(req)
        with self:
            env = self._probe()
            workdir = f"{self._workdir}/{job_name(req.engine_out)}"
            use_timing = req.timing_cache is not None
            upload_timing = use_timing and req.timing_cache.is_file()
            remote_req = dataclasses.replace(
                req,
                onnx=Path(REMOTE_ONNX),
                engine_out=Path(REMOTE_ENGINE),
                calib_cache=Path(REMOTE_CALIB) if req.calib_cache is not None else None,
                timing_cache=Path(REMOTE_TIMING) if use_timing else None,
            )
            argv = trtexec_argv(remote_req, env.trt_version, self._trtexec_path or "trtexec")
            self._upload(req, workdir, upload_timing)
            log = self._run_trtexec(argv, workdir, clear_timing=use_timing and not upload_timing)
            order = parse_trtexec_output_order(log, [req.input_name])
            if not order:
                raise EngineBuildError(
                    "could not read the engine's output order from the trtexec log:\n" + log_tail(log)
                )
            self._download(req, workdir, use_timing)
        return EngineResult(engine=req.engine_out, output_order=order, env=env, log=log)

    def _upload(
        self, req: EngineRequest, workdir: str, upload_timing: bool, model_name: str = REMOTE_ONNX
    ) -> None:
        """scp -r of a staged directory: creates the job directory and copies all inputs in one call
        (the model as ``model_name``: tao-converter's job takes the .etlt under its own name)."""
        stage = Path(tempfile.mkdtemp(prefix="tao2ds-stage-"))
        try:
            job = stage / Path(workdir).name
            job.mkdir()
            _stage(req.onnx, job / model_name)
            if req.calib_cache is not None:
                _stage(req.calib_cache, job / REMOTE_CALIB)
            if upload_timing:
                _stage(req.timing_cache, job / REMOTE_TIMING)
            parent = str(Path(workdir).parent)
            self._run(
                scp_argv(self._target(), ["-r", str(job)], scp_remote(self._target(), parent + "/")),
                "uploading the model",
                timeout=self.timeout,
            )
        finally:
            shutil.rmtree(stage, ignore_errors=True)

    def _run_trtexec(self, argv: list[str], workdir: str, clear_timing: bool) -> str:
        stale = [REMOTE_ENGINE] + ([REMOTE_TIMING] if clear_timing else [])
        cmd = f"cd {sh_path(workdir)} && rm -f {' '.join(stale)} && {sh_command(argv)} 2>&1"
        try:
            proc = subprocess.run(
                ssh_argv(self._target(), cmd),
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=self.timeout,
            )
        except subprocess.TimeoutExpired:
            raise EngineBuildError(
                f"trtexec on {self.host} did not finish within {self.timeout:.0f} s"
            ) from None
        log = proc.stdout
        if proc.returncode == 255 and "&&&& RUNNING" not in log:
            raise ssh_failure(self._target(), "running trtexec", proc.returncode, proc.stderr)
        if proc.returncode != 0:
            raise EngineBuildError(
                f"trtexec on {self._target().destination} failed (exit {proc.returncode}):\n"
                + log_tail(log + proc.stderr)
            )
        return log

    def _download(self, req: EngineRequest, workdir: str, use_timing: bool) -> None:
        """One scp for the engine (and timing cache); files are renamed into place only when complete."""
        req.engine_out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{req.engine_out.name}.", dir=req.engine_out.parent))
        try:
            names = [REMOTE_ENGINE] + ([REMOTE_TIMING] if use_timing else [])
            sources = [scp_remote(self._target(), f"{workdir}/{n}") for n in names]
            self._run(
                scp_argv(self._target(), sources, str(tmp) + "/"),
                "downloading the engine",
                timeout=self.timeout,
            )
            os.replace(tmp / REMOTE_ENGINE, req.engine_out)
            if use_timing and (tmp / REMOTE_TIMING).is_file():
                fileio.write_bytes(req.timing_cache, (tmp / REMOTE_TIMING).read_bytes())
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
