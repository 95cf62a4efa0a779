"""Build with NVIDIA's tao-converter on the Jetson itself, over the ssh builder's connection.

tao-converter decrypts a TAO ``.etlt`` with its key and builds the engine with the device's TensorRT.
It is closed, NGC-only and frozen: the last builds are for TensorRT 8.6 (``v5.1.0_jp6.0_aarch64``), so
it serves Jetson targets up to JetPack 6.0 (tao-tools.md §2.3–§2.4; config/capabilities.py refuses the
rest). Its flags (tao-tools.md §2.1, NVIDIA's published usage block, the same in every build the TAO docs
list from 3.21.08 on)::

    tao-converter [-h] -k <key> -d <input dims> -o <outputs> [-c <cal cache>] [-e <engine>] [-b <cal batch>]
                  [-m <max batch>] [-t <type>] [-w <workspace bytes>] [-i <order>] [-p <profile>] [-s] [-u <DLA>]
                  input_file

A UFF ``.etlt`` takes ``-d C,H,W -o <task>/Softmax,… -m <batch>`` (NVIDIA's multitask example:
``-k nvidia_tlt -d 3,80,60 -o base_color/Softmax,category/Softmax,season/Softmax -t fp16 -m 16 -e model.plan``,
tao-toolkit-triton-apps scripts/download_and_convert.sh @9a30f96); an ONNX ``.etlt`` (dynamic batch)
takes ``-p <input>,1xCxHxW,BxCxHxW,BxCxHxW`` instead. ``-w`` is in bytes.

The key travels on ssh's standard input and is read by the remote shell (``IFS= read -r``), so it is in
no local process list, no ssh command line and no log: only in tao-converter's own argv on the device,
which is how the tool takes it. Everything the tool prints is masked before it is shown.
"""

from __future__ import annotations

import shlex
import subprocess

from tao2ds.core.errors import EngineBuildError, ProbeError, UnsupportedBuild
from tao2ds.engine.builders.ssh import REMOTE_CALIB, REMOTE_ENGINE, SshBuilder, job_name
from tao2ds.engine.builders.trtexec import log_tail
from tao2ds.engine.probe import env_from_outputs
from tao2ds.engine.types import BuilderEnv, EngineRequest, EngineResult
from tao2ds.engine.versions import parse_version
from tao2ds.model.etlt import mask
from tao2ds.remote.ssh import sh_command, sh_path, ssh_argv, ssh_failure

REMOTE_MODEL = "model.etlt"
KEY_VAR = "TAO2DS_KEY"
_KEY_SLOT = "@@tao2ds-key@@"  # replaced by "$TAO2DS_KEY" in the remote command (never the key itself)
LAST_TENSORRT = (8, 6)


def converter_argv(req: EngineRequest, converter: str, key_arg: str) -> list[str]:
    """tao-converter's argv for ``req`` (paths as they are on the device). ``key_arg`` is what goes after
    ``-k``: a placeholder when the command is composed for the remote shell."""
    if req.model_format not in ("etlt-uff", "etlt-onnx"):
        raise UnsupportedBuild(
            "tao-converter builds TAO .etlt files only; give model.etlt, or build an ONNX with "
            "engine.builder=ssh (the device's trtexec)"
        )
    if req.dla_core is not None and req.precision == "fp32":
        raise UnsupportedBuild("DLA runs only fp16 or int8 layers; choose precision fp16 or int8")
    if req.calib_cache is not None and req.precision != "int8":
        raise UnsupportedBuild("a calibration cache is only used with precision int8")
    if req.precision == "int8" and req.calib_cache is None:
        raise UnsupportedBuild(
            "tao-converter INT8 needs a calibration cache (-c); tao2ds writes one for ONNX models"
        )
    c, h, w = req.input_chw
    argv = [converter, "-k", key_arg]
    if req.model_format == "etlt-uff":
        if not req.output_names:
            raise UnsupportedBuild("a UFF .etlt needs its output node names (-o)")
        argv += ["-d", f"{c},{h},{w}", "-o", ",".join(req.output_names), "-m", str(req.batch_size)]
    else:
        shape = lambda b: f"{b}x{c}x{h}x{w}"  # noqa: E731
        argv += [
            "-p",
            f"{req.input_name},{shape(req.min_batch)},{shape(req.batch_size)},{shape(req.batch_size)}",
        ]
    argv += ["-t", req.precision, "-w", str(req.workspace_mib * 2**20), "-e", REMOTE_ENGINE]
    if req.calib_cache is not None:
        argv += ["-c", REMOTE_CALIB]
    if req.dla_core is not None:
        argv += ["-u", str(req.dla_core)]
    argv.append(REMOTE_MODEL)
    return argv


def remote_command(workdir: str, argv: list[str]) -> str:
    """``cd`` to the job, read the key from stdin into a shell variable, run the converter with it."""
    cmd = sh_command(argv).replace(shlex.quote(_KEY_SLOT), f'"${KEY_VAR}"')
    return f"cd {sh_path(workdir)} && rm -f {REMOTE_ENGINE} && IFS= read -r {KEY_VAR} && {cmd} 2>&1"


class TaoConverterBuilder(SshBuilder):
    name = "tao_converter"

    def __init__(self, host: str, *, converter: str | None = None, **kwargs):
        super().__init__(host, **kwargs)
        self.converter = converter
        self._converter_path: str | None = None

    def _probe_commands(self) -> list[tuple[str, str]]:
        if self.converter:
            find = f'C={shlex.quote(self.converter)}; test -x "$C" || C='
        else:
            find = 'C=$(command -v tao-converter) || C=; if [ -z "$C" ] && [ -x "$HOME/tao-converter" ]; then C="$HOME/tao-converter"; fi'
        return [
            *super()._probe_commands(),
            ("tao_converter_path", f'{find}; echo "$C"'),
            # JetPack's TensorRT package, when trtexec is not installed (e.g. 8.5.2.2-1+cuda11.4)
            ("tensorrt_deb", "dpkg-query -W -f='${Version}\\n' tensorrt libnvinfer8 2>/dev/null | head -n 1"),
        ]

    def _env_from(self, outputs: dict[str, str]) -> BuilderEnv:
        path = outputs.get("tao_converter_path", "").strip()
        if not path:
            where = self.converter or "PATH or ~/tao-converter"
            raise ProbeError(
                f"tao-converter not found on the device ({where}); download the build for its JetPack from NGC "
                "(nvidia/tao/tao-converter) or set engine.tao_converter.path"
            )
        self._converter_path = path
        deb = outputs.get("tensorrt_deb", "").strip()
        if not outputs.get("trtexec_banner") and deb:
            return env_from_outputs(outputs, trt_version=deb.split("-")[0])
        return env_from_outputs(outputs)

    def build(self, req: EngineRequest) -> EngineResult:
        if not req.onnx.is_file():
            raise EngineBuildError(f".etlt model not found: {req.onnx}")
        if req.calib_cache is not None and not req.calib_cache.is_file():
            raise EngineBuildError(f"INT8 calibration cache not found: {req.calib_cache}")
        if not req.key:
            raise EngineBuildError("tao-converter needs the .etlt key (model.key_env / model.key_file)")
        with self:
            env = self._probe()
            if parse_version(env.trt_version)[:2] > LAST_TENSORRT:
                raise UnsupportedBuild(
                    f"the device runs TensorRT {env.trt_version}; no tao-converter exists for TensorRT >= 9"
                )
            workdir = f"{self._workdir}/{job_name(req.engine_out)}"
            argv = converter_argv(req, self._converter_path or "tao-converter", _KEY_SLOT)
            self._upload(req, workdir, upload_timing=False, model_name=REMOTE_MODEL)
            log = self._convert(argv, workdir, req.key)
            self._download(req, workdir, use_timing=False)
        # tao-converter prints no binding list: the label order comes from the model's rule (UFF: reversed)
        return EngineResult(engine=req.engine_out, output_order=[], env=env, log=log)

    def _convert(self, argv: list[str], workdir: str, key: str) -> str:
        try:
            proc = subprocess.run(
                ssh_argv(self._target(), remote_command(workdir, argv)),
                input=key + "\n",
                capture_output=True,
                text=True,
                timeout=self.timeout,
            )
        except subprocess.TimeoutExpired:
            raise EngineBuildError(
                f"tao-converter on {self.host} did not finish within {self.timeout:.0f} s"
            ) from None
        log = mask(proc.stdout, [key])
        if proc.returncode == 255:
            raise ssh_failure(
                self._target(), "running tao-converter", proc.returncode, mask(proc.stderr, [key])
            )
        if proc.returncode != 0:
            raise EngineBuildError(
                f"tao-converter on {self._target().destination} failed (exit {proc.returncode}):\n"
                + log_tail(log + mask(proc.stderr, [key]))
            )
        return log
