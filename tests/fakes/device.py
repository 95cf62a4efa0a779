"""Lay out an emulated builder device: a directory the fake trtexec and probe treat as a machine.

    <dir>/bin/trtexec, fake_trt_version, fake_trtexec_calls.log   the trtexec stand-in
    <dir>/bin/nvidia-smi, fake_gpu                                  dGPU (a failing stub on a Jetson)
    <dir>/root/etc/nv_tegra_release, proc/device-tree/model         Jetson only
    <dir>/root/usr/local/cuda/version.json (or version.txt)

Put ``<dir>/bin`` first on PATH and set ``TAO2DS_PROBE_ROOT=<dir>/root`` (the probe's
sysroot) — in os.environ for local builders, via sshd_config ``SetEnv`` for the ssh device.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

FAKES = Path(__file__).resolve().parent

JETSONS = {
    "nano": (
        "NVIDIA Jetson Nano Developer Kit",
        "# R32 (release), REVISION: 7.1, GCID: 29818004, BOARD: t210ref, EABI: aarch64, "
        "DATE: Sat Feb 19 17:05:08 UTC 2022",
        "10.2.300",
    ),
    "xavier": (
        "Jetson-AGX",
        "# R35 (release), REVISION: 4.1, GCID: 33958178, BOARD: t186ref, EABI: aarch64, "
        "DATE: Tue Aug  1 19:57:35 UTC 2023",
        "11.4.315",
    ),
    "orin": (
        "NVIDIA Jetson AGX Orin Developer Kit",
        "# R36 (release), REVISION: 4.0, GCID: 37537400, BOARD: generic, EABI: aarch64, "
        "DATE: Fri Sep 13 04:36:44 UTC 2024",
        "12.6.68",
    ),
}


@dataclass(frozen=True)
class FakeDevice:
    dir: Path

    @property
    def bin(self) -> Path:
        return self.dir / "bin"

    @property
    def sysroot(self) -> Path:
        return self.dir / "root"

    @property
    def home(self) -> Path:
        return self.dir / "home"

    @property
    def trtexec(self) -> Path:
        return self.bin / "trtexec"

    @property
    def path_env(self) -> str:
        return f"{self.bin}:/usr/local/bin:/usr/bin:/bin"

    def calls(self) -> list[list[str]]:
        """trtexec invocations (not --help probes), oldest first."""
        log = self.bin / "fake_trtexec_calls.log"
        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]

    def set(self, name: str, value: str | None) -> None:
        """Write (or remove) a fake_* control file next to the fakes, e.g. fake_trt_output_order."""
        path = self.bin / name
        if value is None:
            path.unlink(missing_ok=True)
        else:
            path.write_text(value + "\n")


def make_device(
    dir: Path,
    *,
    trt: str = "10.3.0",
    jetson: str | None = None,
    gpu: str = "Tesla T4, 7.5, 535.183.06",
    cuda: str = "12.6.2",
) -> FakeDevice:
    """(Re)create a dGPU device (``jetson=None``) or a Jetson (``"nano"``, ``"xavier"``, ``"orin"``)."""
    dev = FakeDevice(Path(dir))
    shutil.rmtree(dev.bin, ignore_errors=True)
    shutil.rmtree(dev.sysroot, ignore_errors=True)
    dev.bin.mkdir(parents=True)
    dev.home.mkdir(exist_ok=True)
    shutil.copy2(FAKES / "trtexec", dev.trtexec)
    dev.set("fake_trt_version", trt)
    cuda_dir = dev.sysroot / "usr/local/cuda"
    cuda_dir.mkdir(parents=True)
    if jetson is None:
        shutil.copy2(FAKES / "nvidia-smi", dev.bin / "nvidia-smi")
        dev.set("fake_gpu", gpu)
        (cuda_dir / "version.json").write_text(json.dumps({"cuda": {"name": "CUDA SDK", "version": cuda}}))
    else:
        model, release, jcuda = JETSONS[jetson]
        # JetPack 4/5 have no nvidia-smi; this stub hides any real one on the test machine.
        (dev.bin / "nvidia-smi").write_text("#!/bin/sh\necho 'nvidia-smi: command not found' >&2\nexit 127\n")
        (dev.bin / "nvidia-smi").chmod(0o755)
        (dev.sysroot / "etc").mkdir()
        (dev.sysroot / "etc/nv_tegra_release").write_text(release + "\n")
        (dev.sysroot / "proc/device-tree").mkdir(parents=True)
        (dev.sysroot / "proc/device-tree/model").write_bytes(model.encode() + b"\0")
        if jcuda.startswith("10."):
            (cuda_dir / "version.txt").write_text(f"CUDA Version {jcuda}\n")
        else:
            (cuda_dir / "version.json").write_text(
                json.dumps({"cuda": {"name": "CUDA SDK", "version": jcuda}})
            )
    return dev
