"""`.etlt` input end to end: a UFF .etlt for DeepStream <= 7.0 (route 1: tlt-encoded-model + tlt-model-key)
and an ONNX .etlt made with NVIDIA's codec, which builds, calibrates and verifies like its ONNX.

The key must appear in the UFF build's nvinfer config and nowhere else: not in any other file under the
test's folder (build, artifact cache, doit state, bundle) nor in anything printed."""

from __future__ import annotations

import gzip
import io
import json
import os
import shutil
import tarfile
from pathlib import Path

import pytest

from tests.conftest import ROOT, DoitRun, have_gi
from tests.etlt_factory import KEY, make_etlt, make_uff_etlt, need_codec
from tests.fakes.device import FAKES, make_device
from tests.fakes.sshd import sshd  # noqa: F401  (module-scoped real OpenSSH server)
from tests.model_factory import SEED_CLASSES, make_classmap

SAMPLE = ROOT / "samples" / "multitask_sample"


def files_with(root: Path, needle: bytes) -> list[str]:
    """Every file under ``root`` (tar.gz members too) whose bytes contain ``needle``."""
    hits = []
    for p in sorted(root.rglob("*")):
        if not p.is_file():
            continue
        data = p.read_bytes()
        if needle in data:
            hits.append(str(p.relative_to(root)))
        if p.name.endswith(".tar.gz"):
            with tarfile.open(fileobj=io.BytesIO(gzip.decompress(data))) as tar:
                for m in tar.getmembers():
                    if m.isfile() and needle in tar.extractfile(m).read():
                        hits.append(f"{p.relative_to(root)}!{m.name}")
    return hits


@pytest.fixture(scope="module")
def uff(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("uff")
    etlt = make_uff_etlt(tmp / "m" / "abc.etlt")
    classmap = make_classmap(tmp / "m" / "classmap.json", SEED_CLASSES)
    run = DoitRun(tmp / "work")
    args = ("model.onnx=null", f"model.etlt={etlt}", f"model.classmap={classmap}")
    printed = []

    def doit(*a, check=True, key=KEY):
        with pytest.MonkeyPatch.context() as mp:
            if key is None:
                mp.delenv("TAO2DS_MODEL_KEY", raising=False)
            else:
                mp.setenv("TAO2DS_MODEL_KEY", key)
            proc = run(*a, *args, check=check)
        printed.append(proc.stdout + proc.stderr)
        return proc

    doit("build", "target=jetson_nano")
    doit("bundle", "target=jetson_nano")
    return run, doit, printed, tmp


def test_uff_route1_nvinfer_config(uff):
    run = uff[0]
    d = run.build / "jetson_nano"
    lines = (d / "config_infer_multitask.txt").read_text().splitlines()
    entries = dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))
    assert entries["tlt-encoded-model"] == "abc.etlt" and (d / "abc.etlt").is_file()
    assert entries["tlt-model-key"] == KEY
    assert entries["uff-input-blob-name"] == "input_1" and entries["uff-input-order"] == "0"
    assert entries["infer-dims"] == "3;80;60"
    assert entries["output-blob-names"] == "base_color/Softmax;category/Softmax;season/Softmax"
    assert entries["model-engine-file"] == "abc.etlt_b1_gpu0_fp16.engine"
    assert "onnx-file" not in entries
    if have_gi():  # and GKeyFile, nvinfer's parser, reads it
        from tao2ds.deepstream.keyfile import load_keyfile

        kf = load_keyfile("\n".join(lines), "nvinfer")
        assert kf.get_string("property", "tlt-model-key") == KEY


def test_uff_labels_are_reversed_and_the_rule_is_recorded(uff):
    d = uff[0].build / "jetson_nano"
    labels = (d / "labels.txt").read_text().splitlines()
    # NVIDIA's multi_task_labels.txt, line for line (deepstream_tao_apps, tao-tools.md §5)
    assert labels[0] == "Fall;Spring;Summer;Winter"
    assert labels[2] == "Black;Blue;Brown;Green;Grey;Navy Blue;Pink;Purple;Red;Silver;White"
    m = json.loads((d / "manifest.json").read_text())
    assert m["label_order_source"] == "uff-reversed"
    assert m["output_order"] == ["season/Softmax", "category/Softmax", "base_color/Softmax"]
    assert m["label_tasks"] == ["season", "category", "base_color"]
    assert m["artifacts"]["etlt"] == "abc.etlt" and m["artifacts"]["onnx"] is None


def test_key_is_only_in_the_nvinfer_config(uff):
    run, _, printed, tmp = uff
    hits = sorted(files_with(tmp, KEY.encode()))
    assert hits == [
        "work/build/jetson_nano.tar.gz!jetson_nano/config_infer_multitask.txt",
        "work/build/jetson_nano/config_infer_multitask.txt",
    ]
    assert printed and not any(KEY in text for text in printed)
    assert not files_with(ROOT / ".tao2ds", KEY.encode())  # the project's compose cache and known_hosts
    readme = tarfile.open(
        fileobj=io.BytesIO(gzip.decompress((run.build / "jetson_nano.tar.gz").read_bytes()))
    )
    text = readme.extractfile("jetson_nano/README.txt").read().decode()
    assert "tlt-model-key" in text and "plain text" in text


def test_uff_refused_on_deepstream_71(uff):
    proc = uff[1]("build", "target=jetson_orin", check=False)
    assert proc.returncode == 2
    out = proc.stdout + proc.stderr
    assert "holds a UFF model" in out and "DeepStream 7.1" in out and "TensorRT 10.3.0" in out
    assert "Traceback" not in out


def test_uff_int8_and_onnx_builders_refused(uff):
    proc = uff[1]("build", "target=jetson_xavier", "precision=int8", "engine.builder=trtexec", check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 2 and "precision=int8 with a UFF .etlt" in out
    assert "engine.builder=trtexec cannot build a UFF .etlt" in out


def test_uff_int8_through_taos_calibration_cache(uff):
    """A UFF .etlt's only INT8 route: the cache TAO's export wrote, rewritten for the target's TensorRT."""
    run, doit, _, tmp = uff
    cache = tmp / "tao_export.cache"
    cache.write_text("TRT-7103-EntropyCalibration2\ninput_1: 3c010204\nconv1/convolution: 3d000000\n")
    doit("build", "target=jetson_xavier", "precision=int8", f"model.calibration_cache={cache}")
    d = run.build / "jetson_xavier"
    assert (d / "calibration.cache").read_text() == cache.read_text().replace("TRT-7103-", "TRT-8502-")
    config = (d / "config_infer_multitask.txt").read_text()
    assert "int8-calib-file=calibration.cache" in config and "network-mode=1" in config
    m = json.loads((d / "manifest.json").read_text())
    assert m["artifacts"]["qdq_onnx"] is None and m["calibration"]["graph_checked"] is False
    assert not list(d.glob("*.onnx"))


def test_missing_key_is_a_clear_error(uff):
    proc = uff[1]("build", "target=jetson_xavier", check=False, key=None)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "TAO2DS_MODEL_KEY is not set" in out and "Traceback" not in out


def test_a_new_key_rewrites_the_config(uff):
    run, doit = uff[0], uff[1]
    doit("build", "target=jetson_nano", key="another-key-42")
    text = (run.build / "jetson_nano" / "config_infer_multitask.txt").read_text()
    assert "tlt-model-key=another-key-42" in text
    doit("build", "target=jetson_nano")  # back, for the module's other tests
    assert f"tlt-model-key={KEY}" in (run.build / "jetson_nano" / "config_infer_multitask.txt").read_text()


# --- ONNX payload ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def onnx_etlt(tmp_path_factory):
    need_codec()
    tmp = tmp_path_factory.mktemp("onnx-etlt")
    etlt = make_etlt(SAMPLE / "model.onnx", tmp / "m" / "multitask.etlt")
    return tmp, etlt


@pytest.mark.skipif(not have_gi(), reason="GStreamer/PyGObject not installed (scripts/setup.sh)")
def test_onnx_etlt_builds_calibrates_and_verifies_like_its_onnx(onnx_etlt):
    tmp, etlt = onnx_etlt
    keyfile = tmp / "key.txt"
    keyfile.write_text(KEY + "\n")
    run = DoitRun(tmp / "work")
    model = ("model.onnx=null", f"model.etlt={etlt}", f"model.key_file={keyfile}")
    int8 = (
        "target=jetson_orin",
        "precision=int8",
        "calibration.batches=1",
    )  # one batch: the test is the route
    printed = [run("build", *model, *int8), run("verify", *model)]  # verify: fp16 on x86_dgpu, all 300 images
    d = run.build / "jetson_orin"
    assert (d / "multitask.onnx").read_bytes() == (SAMPLE / "model.onnx").read_bytes()
    nv = (d / "config_infer_multitask.txt").read_text()
    assert "onnx-file=multitask.onnx" in nv and "tlt-model-key" not in nv
    assert "int8-calib-file=calibration.cache" in nv
    report = json.loads((run.build / "x86_dgpu" / "results" / "verify" / "report.json").read_text())
    assert all(a >= 0.95 for a in report["onnx"]["accuracy"].values()), report
    assert report["onnx"]["images"] == 300

    plain = DoitRun(tmp / "plain")
    plain("build", *int8)
    p = plain.build / "jetson_orin"
    for name in ("labels.txt", "calibration.cache"):
        assert (d / name).read_bytes() == (p / name).read_bytes(), name
    m = json.loads((d / "manifest.json").read_text())
    assert str(etlt) in m["inputs"] and str(keyfile) not in m["inputs"]
    assert files_with(tmp, KEY.encode()) == ["key.txt"]
    assert not any(KEY in (proc.stdout + proc.stderr) for proc in printed)


def test_onnx_etlt_wrong_key(onnx_etlt, tmp_path):
    tmp, etlt = onnx_etlt
    run = DoitRun(tmp_path)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TAO2DS_MODEL_KEY", "wrong-key-0000")
        proc = run("build", "model.onnx=null", f"model.etlt={etlt}", check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "wrong key or not a TAO .etlt" in out
    assert "wrong-key-0000" not in out and "Traceback" not in out
    assert not os.path.exists(run.build / "_common" / "decrypted.onnx")


# --- engine.builder=tao_converter through doit, on the real loopback sshd ---------------------------


def test_doit_build_with_tao_converter_on_the_nano(sshd, tmp_path):  # noqa: F811
    dev = make_device(sshd.device.dir, trt="8.2.1", jetson="nano")
    shutil.copy2(FAKES / "tao-converter", dev.bin / "tao-converter")
    dev.set("fake_tao_converter_version", "v3.21.11_trt8.0_aarch64")
    dev.set("fake_tao_key", KEY)
    etlt = make_uff_etlt(tmp_path / "m" / "abc.etlt")
    classmap = make_classmap(tmp_path / "m" / "classmap.json", SEED_CLASSES)
    run = DoitRun(tmp_path / "work")
    args = [
        "target=jetson_nano",
        "model.onnx=null",
        f"model.etlt={etlt}",
        f"model.classmap={classmap}",
        "engine.builder=tao_converter",
        *sshd.target_overrides(),
    ]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TAO2DS_MODEL_KEY", KEY)
        first = run("build", *args)
        second = run("build", *args)
    d = run.build / "jetson_nano"
    engine = d / "abc.etlt_b1_gpu0_fp16.engine"
    assert json.loads(engine.read_bytes().split(b"\n", 1)[1])["tool"] == "tao-converter"
    side = json.loads((d / (engine.name + ".json")).read_text())
    assert side["env"]["trt_version"] == "8.2.1" and side["output_order"] == []
    m = json.loads((d / "manifest.json").read_text())
    assert m["artifacts"]["engine"] == engine.name and m["label_order_source"] == "uff-reversed"
    assert (d / "labels.txt").read_text().startswith("Fall;Spring;Summer;Winter\n")
    conv_calls = (dev.bin / "fake_tao_converter_calls.log").read_text().splitlines()
    assert len(conv_calls) == 1 and run.executed(second) <= {"nvinfer:jetson_nano"}  # engine not rebuilt
    assert sorted(files_with(tmp_path, KEY.encode())) == ["work/build/jetson_nano/config_infer_multitask.txt"]
    assert not any(KEY in p.stdout + p.stderr for p in (first, second)) and KEY not in sshd.log
    assert not any(KEY in line for line in conv_calls)
