"""Issue 10: hostile or careless inputs get one clean error and the documented exit code, never a
traceback (README "Failure behaviour"). Each case runs doit as a user would, in a subprocess."""

import resource
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

SAMPLE = ROOT / "samples" / "multitask_sample"


def doit(
    tmp: Path, *args: str, cwd: Path = ROOT, task: str = "build", preexec_fn=None, options=()
) -> subprocess.CompletedProcess:
    """`doit run <task> args` (or `doit list args` for task="list"); build.dir and cache.dir
    default into ``tmp`` unless given."""
    defaults = (("build.dir", "build"), ("cache.dir", "cache"))
    extra = [f"{k}={tmp / v}" for k, v in defaults if not any(a.startswith(k + "=") for a in args)]
    head = ["list"] if task == "list" else ["run"]
    cmd = [sys.executable, "-m", "doit", *head, "--db-file", str(tmp / "doit.db"), *options]
    cmd += [*([] if task == "list" else [task]), *args, *extra]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300, preexec_fn=preexec_fn)


def error_of(proc: subprocess.CompletedProcess) -> str:
    """The one error paragraph; fails the test on a traceback or an internal error."""
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr + proc.stdout
    assert "internal error" not in proc.stderr, proc.stderr
    lines = proc.stderr.splitlines()
    start = [i for i, line in enumerate(lines) if line.startswith("tao2ds: error: ")]
    assert len(start) == 1, proc.stderr
    para = [lines[start[0]]]
    para += [line for line in lines[start[0] + 1 :] if line.startswith("  ")][: len(lines)]
    return "\n".join(para)


@pytest.mark.parametrize("parallel", [[], ["-n", "2"]], ids=["serial", "parallel"])
def test_non_utf8_classmap_found_by_a_step_exits_3(tmp_path, parallel):
    """The step's error code, also when the step failed in a ``-n`` worker process."""
    bad = tmp_path / "classmap.json"
    bad.write_bytes((SAMPLE / "classmap.json").read_bytes().replace(b'"Fall"', b'"F\xe4ll"'))
    proc = doit(tmp_path, f"model.classmap={bad}", options=parallel)
    assert proc.returncode == 3
    assert error_of(proc).startswith(f"tao2ds: error: {bad}: not UTF-8 text (byte 0xe4 at offset ")
    assert "hint: save the file as UTF-8" in error_of(proc)


def test_target_name_that_escapes_build_dir_exits_2_and_writes_nothing(tmp_path):
    proc = doit(tmp_path, "target.name=../../escaped")
    assert proc.returncode == 2
    assert error_of(proc).startswith(
        "tao2ds: error: target.name='../../escaped': a target's name must be a plain identifier"
    )
    assert not (tmp_path / "escaped").exists() and not (tmp_path.parent / "escaped").exists()
    assert not (tmp_path / "build").exists()


@pytest.mark.parametrize(
    "override,expect",
    [
        ("build.dir=.", f"tao2ds: error: build.dir=. is the project folder ({ROOT})"),
        ("build.dir=", "tao2ds: error: build.dir is empty: targets would be written into the project itself"),
        (
            "cache.remote=s3://bucket/tao2ds",
            "tao2ds: error: cache.remote=s3://bucket/tao2ds: the 's3' protocol",
        ),
        ("run.max_frames=-1", "  - run.max_frames=-1: must be >= 1 or null"),
        ("run.backend=deepstream_app", None),
    ],
)
def test_config_refusals_exit_2(tmp_path, override, expect):
    proc = doit(tmp_path, override, task="list")
    if expect is None:  # accepted
        assert proc.returncode == 0, proc.stderr
        return
    assert proc.returncode == 2, proc.stderr
    assert expect in error_of(proc)


def test_corrupt_state_db_is_moved_aside_and_the_build_goes_on(tmp_path):
    assert doit(tmp_path).returncode == 0
    labels = (tmp_path / "build" / "x86_dgpu" / "labels.txt").read_bytes()
    (tmp_path / "doit.db").write_bytes(b"\0garbage\0" * 100)
    proc = doit(tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert f"{tmp_path / 'doit.db'} is corrupt (file is not a database); moved it to " in proc.stderr
    assert (tmp_path / "doit.db.corrupt").read_bytes() == b"\0garbage\0" * 100
    assert (tmp_path / "build" / "x86_dgpu" / "labels.txt").read_bytes() == labels
    assert doit(tmp_path, task="list").returncode == 0


def test_write_that_does_not_fit_is_one_error_and_leaves_no_partial_file(tmp_path):
    """A file size limit (ulimit -f) below the model's size: the kernel's EFBIG, as a full disk's
    ENOSPC would be, while the model is staged."""

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))

    proc = doit(tmp_path, preexec_fn=limit)
    assert proc.returncode == 1
    target = tmp_path / "build" / "x86_dgpu"
    big = [target / "model.onnx", target / "media" / "sample.mp4"]  # whichever doit stages first
    err = error_of(proc)
    [failed] = [f for f in big if err.startswith(f"tao2ds: error: cannot write {f}: ")]
    assert err == (
        f"tao2ds: error: cannot write {failed}: File too large (EFBIG); nothing was written (an earlier "
        "version of the file, if any, is unchanged)\n"
        "  hint: the file size limit (ulimit -f) or the file system's is too small for this file"
    )
    assert not failed.exists()
    assert not [p for p in (tmp_path / "build").rglob("*") if p.name.endswith(".tmp")]


def test_info_on_an_unknown_task_is_doits_message_not_a_traceback(tmp_path):
    cmd = [sys.executable, "-m", "doit", "info", "--db-file", str(tmp_path / "db"), "nosuchtask"]
    proc = subprocess.run(cmd + [f"build.dir={tmp_path}/b"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 3 and "Traceback" not in proc.stderr, proc.stderr
    assert (
        'ERROR: command `info` invalid parameter: "nosuchtask". Must be a task, or a target.' in proc.stderr
    )
