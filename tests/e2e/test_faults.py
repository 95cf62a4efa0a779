"""Fault suite (issue 10): failures, interruptions, tampering and concurrency, each followed by the
check that matters — the previous build is byte-for-byte as it was, and a later undisturbed run
produces byte-identical outputs to a build that was never disturbed.

Every run here is a real ``doit`` subprocess on the bundled sample; engines come from the trtexec
stand-in (tests/fakes/trtexec) run as the local builder, slowed down where a test must interrupt it.
"""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.fakes.device import make_device

SAMPLE = ROOT / "samples" / "multitask_sample"


class Project:
    """One build directory + doit state DB, and a local dGPU "device" whose trtexec is the stand-in."""

    def __init__(self, tmp: Path, name: str = "p"):
        self.dir = tmp / name
        self.dir.mkdir(parents=True, exist_ok=True)
        self.build = self.dir / "build"
        self.device = make_device(tmp / "device", trt="10.16.0.72")  # x86_dgpu's default release (9.2)

    def env(self) -> dict[str, str]:
        return dict(
            os.environ,
            PATH=f"{self.device.bin}:{os.environ['PATH']}",
            TAO2DS_PROBE_ROOT=str(self.device.sysroot),
            PYTHONUNBUFFERED="1",
        )

    def argv(self, *args: str) -> list[str]:
        return [
            sys.executable,
            "-m",
            "doit",
            "run",
            "--db-file",
            str(self.dir / "doit.db"),
            *args,
            "engine.builder=trtexec",
            f"build.dir={self.build}",
            f"cache.dir={self.dir / 'cache'}",
        ]

    def run(self, *args: str, check: bool = True, **kw) -> subprocess.CompletedProcess:
        proc = subprocess.run(
            self.argv(*args), cwd=ROOT, env=self.env(), capture_output=True, text=True, timeout=300, **kw
        )
        if check and proc.returncode != 0:
            raise AssertionError(
                f"doit {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
            )
        return proc

    def start(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen(
            self.argv(*args),
            cwd=ROOT,
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )


def snapshot(build: Path) -> dict[str, str]:
    """Every file under the build directory with its hash (the lock file only coordinates runs)."""
    return {
        p.relative_to(build).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(build.rglob("*"))
        if p.is_file() and p.name != ".tao2ds.lock"
    }


def outputs(build: Path) -> dict[str, str]:
    """What a build produced: the snapshot without TensorRT's timing cache, which accumulates the
    timings of every build that used it (a builder's cache, not an artifact: never in a manifest)."""
    return {k: v for k, v in snapshot(build).items() if not k.endswith("/timing.cache")}


def wait_for_line(proc: subprocess.Popen, prefix: str, timeout: float = 120) -> None:
    end = time.monotonic() + timeout
    for line in proc.stdout:
        if line.startswith(prefix):
            return
        if time.monotonic() > end:
            break
    proc.kill()
    raise AssertionError(f"the run never printed {prefix!r}; stderr:\n{proc.stderr.read()}")


def assert_clean_failure(rc: int, stderr: str) -> None:
    assert rc != 0
    assert "Traceback" not in stderr, stderr


INT8 = ("precision=int8",)


@pytest.fixture
def reference(tmp_path):
    """Undisturbed builds to compare against, made on demand and keyed by their arguments."""
    made: dict[tuple, dict[str, str]] = {}

    def of(*args: str) -> dict[str, str]:
        if args not in made:
            p = Project(tmp_path, f"ref{len(made)}")
            p.run("build", *args)
            made[args] = outputs(p.build)
        return made[args]

    return of


def test_failed_run_leaves_previous_build_byte_for_byte(tmp_path):
    p = Project(tmp_path)
    p.run("build")
    before = snapshot(p.build)
    trunc = tmp_path / "trunc.onnx"
    trunc.write_bytes((SAMPLE / "model.onnx").read_bytes()[:5000])
    failed = p.run("build", f"model.onnx={trunc}", check=False)
    assert_clean_failure(failed.returncode, failed.stderr)
    assert "trunc.onnx is not a readable ONNX model" in failed.stderr
    assert snapshot(p.build) == before  # no trunc.onnx staged, nothing rewritten
    assert not (p.build / ".tao2ds-journal").exists()


def test_failure_late_in_the_run_undoes_what_the_run_wrote(tmp_path):
    """The engine build fails (trtexec runs out of memory) after the nvinfer config was already
    rewritten with the new threshold: the run's writes are undone."""
    p = Project(tmp_path)
    p.run("build")
    before = snapshot(p.build)
    p.device.set(
        "fake_build_error", "Requested amount of GPU memory (4294967296 bytes) could not be allocated"
    )
    failed = p.run("build", "model.classifier_threshold=0.7", "engine.workspace_mib=2048", check=False)
    assert_clean_failure(failed.returncode, failed.stderr)
    assert "nvinfer:x86_dgpu" in failed.stdout and "could not be allocated" in failed.stderr
    assert "left as before the run" in failed.stderr
    assert snapshot(p.build) == before
    assert "threshold=0.5" in (p.build / "x86_dgpu" / "config_infer_multitask.txt").read_text().replace(
        " ", ""
    )


def test_switching_models_leaves_only_the_new_one(tmp_path, reference):
    p = Project(tmp_path)
    p.run("build")
    other = tmp_path / "m" / "other.onnx"
    other.parent.mkdir()
    shutil.copy(SAMPLE / "model.onnx", other)
    p.run("build", f"model.onnx={other}")
    folder = p.build / "x86_dgpu"
    assert (folder / "other.onnx").is_file() and not (folder / "model.onnx").exists()
    # back again: byte-identical to a build that never saw the other model
    p.run("build")
    assert outputs(p.build) == reference()


def test_sigint_during_calibration(tmp_path, reference):
    p = Project(tmp_path)
    p.run("build")
    before = snapshot(p.build)
    proc = p.start("build", *INT8)
    wait_for_line(proc, ".  calibrate:")
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert_clean_failure(proc.returncode, err)
    assert snapshot(p.build) == before
    p.run("build", *INT8)
    assert outputs(p.build) == reference(*INT8)


def test_sigterm_during_engine_build(tmp_path, reference):
    p = Project(tmp_path)
    p.run("build")
    before = snapshot(p.build)
    p.device.set("fake_build_seconds", "30")
    proc = p.start("build", "model.classifier_threshold=0.7", "engine.workspace_mib=2048")
    wait_for_line(proc, ".  engine:")
    time.sleep(1.0)  # inside trtexec's build
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert time.monotonic() - started < 20  # the stand-in was killed, not waited for
    assert_clean_failure(proc.returncode, err)
    assert snapshot(p.build) == before  # no half engine, no temp files, old engine kept
    p.device.set("fake_build_seconds", None)
    p.run("build", "model.classifier_threshold=0.7", "engine.workspace_mib=2048")
    assert outputs(p.build) == reference("model.classifier_threshold=0.7", "engine.workspace_mib=2048")


def test_sigkill_is_undone_by_the_next_run(tmp_path, reference):
    p = Project(tmp_path)
    p.run("build")
    before = snapshot(p.build)
    other = tmp_path / "m" / "other.onnx"
    other.parent.mkdir()
    shutil.copy(SAMPLE / "model.onnx", other)
    p.device.set("fake_build_seconds", "30")
    proc = p.start("build", f"model.onnx={other}", "engine.workspace_mib=2048")  # a new engine to build
    wait_for_line(proc, ".  engine:")
    time.sleep(1.0)
    proc.kill()  # no chance to clean up: the journal is left behind
    proc.communicate(timeout=60)
    subprocess.run(["pkill", "-f", str(p.device.trtexec)], check=False)
    assert (p.build / ".tao2ds-journal").is_dir()
    p.device.set("fake_build_seconds", None)
    again = p.run("build")
    assert "was killed before it finished" in again.stderr
    assert snapshot(p.build) == before
    assert outputs(p.build) == reference()


def test_every_corrupted_output_is_rebuilt(tmp_path, reference):
    p = Project(tmp_path)
    p.run("build", *INT8)
    good = snapshot(p.build)
    assert any(name.endswith(".engine") for name in good)
    for rel in outputs(p.build):  # every artifact, record and manifest (not TensorRT's timing cache)
        path = p.build / rel
        path.write_bytes(path.read_bytes()[: max(1, path.stat().st_size // 2)] + b"\x00garbage")
        again = p.run("build", *INT8)
        assert "Traceback" not in again.stderr
        assert snapshot(p.build) == good, f"after corrupting {rel}"
    assert outputs(p.build) == reference(*INT8)


def test_full_disk_fails_cleanly_and_changes_nothing(tmp_path):
    """RLIMIT_FSIZE stands in for a full disk (no tmpfs mounts here): writes past it fail with EFBIG."""
    p = Project(tmp_path)
    p.run("build")
    before = snapshot(p.build)
    limit = 64 * 1024  # the staged video and model are larger than this

    def small_files():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    other = tmp_path / "m" / "other.onnx"
    other.parent.mkdir()
    shutil.copy(SAMPLE / "model.onnx", other)
    failed = p.run("build", f"model.onnx={other}", check=False, preexec_fn=small_files)
    assert_clean_failure(failed.returncode, failed.stderr)
    assert "other.onnx" in failed.stderr
    assert snapshot(p.build) == before
    assert not [f for f in (p.build / "x86_dgpu").iterdir() if f.name.endswith(".tmp")]


def test_two_builds_at_once(tmp_path, reference):
    p = Project(tmp_path)
    p.run("build")
    first = p.start("build", "model.classifier_threshold=0.6")
    second = p.start("build", "model.classifier_threshold=0.7")
    out1, err1 = first.communicate(timeout=300)
    out2, err2 = second.communicate(timeout=300)
    assert first.returncode == 0 and second.returncode == 0, err1 + err2
    assert "another tao2ds run" in err1 + err2  # one waited for the other
    p.run("build", "model.classifier_threshold=0.7")
    assert outputs(p.build) == reference("model.classifier_threshold=0.7")
