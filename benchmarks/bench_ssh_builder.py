"""What the ssh builder adds over running trtexec directly on the device, per engine build.

    .venv/bin/python benchmarks/bench_ssh_builder.py

Starts a real OpenSSH server on 127.0.0.1 (the tests' fixture) whose "device" runs the trtexec
stand-in, then times (a) the stand-in run directly with the same arguments, as a user on the device
would, and (b) SshBuilder.build: probe, upload, remote trtexec, download, over one shared connection.
Goal (issue: engines per target): under 1 s added per build.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tao2ds.engine.builders.ssh import SshBuilder  # noqa: E402
from tao2ds.engine.trtexec_cmd import trtexec_argv  # noqa: E402
from tao2ds.engine.types import EngineRequest  # noqa: E402
from tests.fakes.device import make_device  # noqa: E402
from tests.fakes.sshd import start_sshd  # noqa: E402

RUNS = 7


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="tao2ds-bench-ssh-"))
    server = start_sshd(tmp / "sshd")
    try:
        device = make_device(server.device.dir, trt="10.3.0", jetson="orin")
        onnx = ROOT / "samples" / "multitask_sample" / "model.onnx"

        def request(out: Path) -> EngineRequest:
            return EngineRequest(
                onnx=onnx,
                engine_out=out,
                precision="fp16",
                input_name="input_1",
                input_chw=(3, 80, 60),
                batch_size=1,
                workspace_mib=1024,
                timing_cache=out.with_suffix(".timing"),
            )

        env = {**os.environ, "PATH": device.path_env, "TAO2DS_PROBE_ROOT": str(device.sysroot)}
        direct = []
        for i in range(RUNS):
            argv = trtexec_argv(request(tmp / f"direct{i}.engine"), "10.3.0", str(device.trtexec))
            t0 = time.perf_counter()
            subprocess.run(argv, env=env, check=True, capture_output=True)
            direct.append(time.perf_counter() - t0)

        builder = SshBuilder(**server.builder_kwargs())
        via_ssh = []
        for i in range(RUNS):
            t0 = time.perf_counter()
            builder.build(request(tmp / f"ssh{i}.engine"))  # its own connection each time: the worst case
            via_ssh.append(time.perf_counter() - t0)
        d, s = statistics.median(direct), statistics.median(via_ssh)
        print(f"trtexec stand-in run directly on the device: {d * 1000:7.1f} ms (median of {RUNS})")
        print(f"SshBuilder.build (probe, upload, run, download): {s * 1000:7.1f} ms (median of {RUNS})")
        print(f"added by the ssh builder: {(s - d) * 1000:.0f} ms per build (goal < 1000 ms)")
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
