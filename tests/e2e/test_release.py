"""Reproducible releases: byte-identical outputs and bundles from clean clones, locked rebuilds,
parallel builds (issue: reproducible multi-target releases)."""

import json
import tarfile

import pytest

from tao2ds.deepstream.keyfile import load_keyfile
from tests.conftest import DoitRun, clone_project, have_gi

INT8 = ["targets=jetson_xavier,jetson_orin", "precision=int8", "cache.dir=null"]


@pytest.fixture(scope="module")
def two_clones(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("clones")
    runs = [DoitRun(tmp / n, clone_project(tmp / n / "repo")) for n in ("a", "b")]
    for run in runs:
        run("build", *INT8)
        run("bundle", *INT8)
    return runs


def test_outputs_are_byte_identical_across_clean_clones(two_clones):
    a, b = two_clones
    for target in ("jetson_xavier", "jetson_orin"):
        lock_a = json.loads((a.build / target / "build.lock").read_text())
        for rel in (
            "labels.txt",
            "config_infer_multitask.txt",
            "deepstream_app.txt",
            "calibration.cache",
            "model.qdq.onnx",
            "manifest.json",
            "config.yaml",
            "build.lock",
        ):
            assert (a.build / target / rel).read_bytes() == (b.build / target / rel).read_bytes(), rel
        assert {"labels.txt", "calibration.cache", "model.qdq.onnx", "manifest.json"} <= set(
            lock_a["outputs"]
        )


def test_bundles_are_byte_identical_and_self_contained(two_clones, tmp_path):
    a, b = two_clones
    for target in ("jetson_xavier", "jetson_orin"):
        assert (a.build / f"{target}.tar.gz").read_bytes() == (b.build / f"{target}.tar.gz").read_bytes()
    with tarfile.open(a.build / "jetson_orin.tar.gz") as tar:
        names = tar.getnames()
        assert names == sorted(names, key=lambda n: (n.count("/") > 0, n)) or names[0] == "jetson_orin"
        assert all(m.mtime == 946684800 and m.uid == 0 and m.uname == "" for m in tar.getmembers())
        tar.extractall(tmp_path / "device")
    root = tmp_path / "device" / "jetson_orin"
    for name in ("start.sh", "README.txt", "pyds_app.py", "build.lock", "calibration.cache", "labels.txt"):
        assert (root / name).is_file(), name
    if have_gi():  # every file deepstream-app and nvinfer would open, relative to the unpacked folder
        app = load_keyfile((root / "deepstream_app.txt").read_text())
        nv_rel = app.get_string("primary-gie", "config-file")
        assert (root / app.get_string("source0", "uri")[len("file://") :]).is_file()
        nv = load_keyfile((root / nv_rel).read_text())
        for key in ("labelfile-path", "onnx-file", "int8-calib-file"):
            assert (root / nv.get_string("property", key)).is_file(), key


def test_locked_rebuild_reproduces_and_fails_loudly(two_clones, tmp_path):
    a, b = two_clones
    lock = a.build / "jetson_orin" / "build.lock"
    fresh = DoitRun(tmp_path / "c", clone_project(tmp_path / "c" / "repo"))
    proc = fresh("build", f"lock={lock}", "cache.dir=null")
    assert "rebuilt exactly as" in proc.stdout + proc.stderr
    tampered = json.loads(lock.read_text())
    tampered["outputs"]["labels.txt"] = "0" * 64
    bad = tmp_path / "bad.lock"
    bad.write_text(json.dumps(tampered))
    proc = fresh("build", f"lock={bad}", "cache.dir=null", check=False)
    assert proc.returncode != 0 and "output labels.txt differs from the lock" in proc.stderr
    (fresh.project / "samples/multitask_sample/classmap.json").write_text('{"tasks": []}')
    proc = fresh("build", f"lock={lock}", check=False)
    assert proc.returncode != 0 and "input samples/multitask_sample/classmap.json differs" in proc.stderr
    proc = fresh("build", f"lock={lock}", "model.batch_size=2", check=False)
    assert proc.returncode != 0 and "drop model.batch_size=2" in proc.stderr


def test_parallel_build_of_all_targets_matches_serial(tmp_path):
    serial, parallel = DoitRun(tmp_path / "s"), DoitRun(tmp_path / "p")
    serial("build", "targets=all", "cache.dir=null")
    parallel("-n", "2", "build", "targets=all", "cache.dir=null")
    for target in ("jetson_nano", "jetson_xavier", "jetson_orin", "x86_dgpu"):
        for rel in ("labels.txt", "config_infer_multitask.txt", "deepstream_app.txt"):
            assert (serial.build / target / rel).read_bytes() == (parallel.build / target / rel).read_bytes()
        locks = [
            json.loads((r.build / target / "build.lock").read_text())["outputs"] for r in (serial, parallel)
        ]
        for lock in locks:  # these two record the (different, absolute) build.dir of each run
            lock.pop("manifest.json")
            lock.pop("config.yaml")
        assert locks[0] == locks[1]
