"""A local Triton Inference Server for a target's model repository, on 127.0.0.1.

The server is real: the ``tritonserver`` binary that the ``nvidia-pytriton`` wheel bundles
(installed by scripts/setup.sh into ``.venv-triton``, or the venv ``TAO2DS_TRITON_VENV`` names).
That binary has only the Python backend, so the model is served through a **stand-in**: a copy of
the build's ``triton/<model>/config.pbtxt`` with ``backend: "python"`` instead of its
``platform`` (and CPU instances), ``1/model.onnx`` (the repository's, or the target's ONNX where
the repository holds a TensorRT plan) and ``1/model.py`` (``pipelines/triton_standin_model.py``,
ONNX Runtime). Names, data types, dims, ``max_batch_size`` and the gRPC protocol are the build's.

    python -m pipelines.triton_server build/x86_dgpu [--port 8001]      # serve until Ctrl-C
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from tao2ds.artifacts.manifest import read_manifest
from tao2ds.core.errors import RunError, Tao2dsError
from tao2ds.deepstream import prototext, triton_repo

ROOT = Path(__file__).resolve().parent.parent
VENV_ENV = "TAO2DS_TRITON_VENV"
STANDIN_MODEL = Path(__file__).with_name("triton_standin_model.py")


@dataclass(frozen=True)
class TritonDist:
    """The unpacked nvidia-pytriton wheel inside a venv."""

    venv: Path
    server: Path  # tritonserver
    backends: Path  # backends/ (python)
    stub: Path  # the Python backend stub for the venv's Python
    libs: Path  # nvidia_pytriton.libs (the binaries' shared libraries)


def find_dist(venv: Optional[Path] = None) -> TritonDist:
    venv = Path(venv or os.environ.get(VENV_ENV) or ROOT / ".venv-triton")
    for site in sorted(venv.glob("lib/python3.*/site-packages")):
        dist = site / "pytriton" / "tritonserver"
        version = site.parent.name[len("python") :]
        stub = dist / "python_backend_stubs" / version / "triton_python_backend_stub"
        if (dist / "bin" / "tritonserver").is_file() and stub.is_file():
            return TritonDist(
                venv, dist / "bin" / "tritonserver", dist / "backends", stub, site / "nvidia_pytriton.libs"
            )
    raise RunError(
        f"no Triton server found in {venv}: it comes from the nvidia-pytriton wheel; run scripts/setup.sh "
        f"(it creates .venv-triton) or point {VENV_ENV} at a venv with nvidia-pytriton and onnxruntime"
    )


def standin_repo(build_dir: Path, dest: Path) -> tuple[Path, str]:
    """(repository, model name): the build's Triton repository with the model served by the stand-in."""
    manifest = read_manifest(build_dir)
    art = manifest["artifacts"]
    if not art.get("triton_model_config"):
        raise RunError(
            f"{build_dir} has no Triton model repository; build it with pipeline.infer_plugin=nvinferserver"
        )
    config_path = build_dir / art["triton_model_config"]
    model_file = build_dir / art["triton_model_file"]
    onnx = model_file if model_file.name == triton_repo.ONNX[1] else build_dir / art["onnx"]
    msg = prototext.parse(config_path.read_text(encoding="utf-8"), str(config_path))
    name = str(prototext.get(msg, "name"))
    out: prototext.Message = []
    for key, value in msg:
        if key == "platform":
            out.append(("backend", "python"))
        elif key != "instance_group":
            out.append((key, value))
    out.append(("instance_group", [("count", 1), ("kind", prototext.Enum("KIND_CPU"))]))
    model_dir = dest / name
    (model_dir / triton_repo.VERSION).mkdir(parents=True, exist_ok=True)
    header = (
        f"STAND-IN for {config_path}: Python backend running ONNX Runtime (pipelines/triton_server.py)",
    )
    (model_dir / triton_repo.CONFIG_FILE).write_text(prototext.render(out, header), encoding="utf-8")
    shutil.copyfile(onnx, model_dir / triton_repo.VERSION / triton_repo.ONNX[1])
    shutil.copyfile(STANDIN_MODEL, model_dir / triton_repo.VERSION / "model.py")
    return dest, name


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TritonServer:
    """``with TritonServer(repo) as server: server.url`` — started, ready, and stopped afterwards."""

    def __init__(
        self,
        repo: Path,
        port: Optional[int] = None,
        dist: Optional[TritonDist] = None,
        models: tuple[str, ...] = (),
        start_timeout_s: float = 60.0,
        threads: int = 0,
    ):
        self.repo, self.port = Path(repo), port or free_port()
        self.dist = dist or find_dist()
        self.models = models
        self.start_timeout_s = start_timeout_s
        self.threads = threads
        self.proc: Optional[subprocess.Popen] = None
        self.work = Path(tempfile.mkdtemp(prefix="tao2ds-triton-"))
        self.log = self.work / "tritonserver.log"

    @property
    def url(self) -> str:
        return f"127.0.0.1:{self.port}"

    def argv(self) -> list[str]:
        return [
            str(self.dist.server),
            f"--model-repository={self.repo}",
            f"--backend-directory={self.work / 'backends'}",
            "--grpc-address=127.0.0.1",
            f"--grpc-port={self.port}",
            "--allow-http=false",
            "--allow-metrics=false",
            "--allow-gpu-metrics=false",
            "--model-control-mode=explicit",
            *(f"--load-model={m}" for m in self.models or ("*",)),
            "--exit-timeout-secs=5",
        ]

    def start(self) -> "TritonServer":
        # the Python backend runs the stub beside libtriton_python.so; the stub must match the venv's Python
        shutil.copytree(self.dist.backends, self.work / "backends")
        shutil.copy2(self.dist.stub, self.work / "backends" / "python" / "triton_python_backend_stub")
        env = dict(os.environ)
        env["LD_LIBRARY_PATH"] = os.pathsep.join(
            filter(None, [str(self.dist.libs), env.get("LD_LIBRARY_PATH")])
        )
        env["PATH"] = os.pathsep.join([str(self.dist.venv / "bin"), env.get("PATH", "")])
        if self.threads:
            env["TAO2DS_STANDIN_THREADS"] = str(self.threads)
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                self.argv(), stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
            )
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        import tritonclient.grpc as grpcclient  # deferred: only when a server is started

        client = grpcclient.InferenceServerClient(self.url)
        deadline = time.monotonic() + self.start_timeout_s
        try:
            while time.monotonic() < deadline:
                if self.proc is not None and self.proc.poll() is not None:
                    raise RunError(
                        f"tritonserver exited with {self.proc.returncode} at start:\n{self.tail()}"
                    )
                try:
                    if client.is_server_ready(client_timeout=2.0):
                        return
                except Exception:  # noqa: BLE001 - not listening yet
                    pass
                time.sleep(0.2)
        finally:
            client.close()
        self.stop()
        raise RunError(f"tritonserver not ready after {self.start_timeout_s:.0f} s:\n{self.tail()}")

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        self.proc = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.work, ignore_errors=True)

    def __enter__(self) -> "TritonServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()


class LocalStandin:
    """A TritonServer for a build's repository (stand-in model), with its temporary repository."""

    def __init__(self, build_dir: Path):
        self.tmp = Path(tempfile.mkdtemp(prefix="tao2ds-standin-"))
        repo, self.model = standin_repo(build_dir, self.tmp)
        self.server = TritonServer(repo, models=(self.model,))

    def start(self) -> "LocalStandin":
        try:
            self.server.start()
        except BaseException:
            self.close()
            raise
        return self

    @property
    def url(self) -> str:
        return self.server.url

    def close(self) -> None:
        self.server.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("build_dir", type=Path)
    ap.add_argument("--port", type=int, default=8001)
    a = ap.parse_args(argv)

    def terminated(signum, frame):  # `kill`/`timeout` stop the server too (it runs in its own session)
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminated)
    try:
        with tempfile.TemporaryDirectory(prefix="tao2ds-standin-") as tmp:
            repo, name = standin_repo(a.build_dir, Path(tmp))
            with TritonServer(repo, a.port, models=(name,)) as server:
                print(f"Triton serving {name} (stand-in) at {server.url}; Ctrl-C stops it", flush=True)
                while server.proc is not None and server.proc.poll() is None:
                    time.sleep(0.5)
                print(server.tail(), file=sys.stderr)
                return 1
    except KeyboardInterrupt:
        return 130
    except Tao2dsError as e:
        print(f"tao2ds: error: {e}", file=sys.stderr)
        return e.exit_code


if __name__ == "__main__":
    sys.exit(main())
