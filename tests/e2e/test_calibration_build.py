"""INT8 calibration as a build step: real images, guards, incremental, cache per target, Q/DQ accuracy."""

import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from tao2ds.calibration.cache_format import CalibrationCache
from tests.conftest import ROOT, DoitRun

SAMPLE = ROOT / "samples" / "multitask_sample"


@pytest.fixture
def images(tmp_path):
    d = tmp_path / "cal"
    shutil.copytree(SAMPLE / "calibration", d)
    return d


def build(run, *args, check=True):
    return run(
        "build", "target=jetson_orin", "precision=int8", f"cache.dir={run.tmp / 'cache'}", *args, check=check
    )


def test_cache_and_qdq_from_real_images(tmp_path, images):
    run = DoitRun(tmp_path)
    build(run, f"calibration.images={images}")
    out = run.build / "jetson_orin"
    cache = CalibrationCache.parse((out / "calibration.cache").read_text())
    assert cache.header == "TRT-100300-EntropyCalibration2"
    amax = cache.amax()
    # caffe preprocessing: B - 103.939 reaches 255 - 103.939 = 151.06; entropy keeps the whole range here
    assert list(amax)[0] == "input_1" and 140 < amax["input_1"] < 152
    assert len(amax) > 10
    m = json.loads((out / "manifest.json").read_text())
    assert (
        m["artifacts"]["calibration_cache"] == "calibration.cache"
        and m["artifacts"]["qdq_onnx"] == "model.qdq.onnx"
    )
    nv = (out / "config_infer_multitask.txt").read_text()
    assert "int8-calib-file=calibration.cache" in nv and "network-mode=1" in nv


def test_qdq_model_agrees_with_fp32_on_the_validation_set(tmp_path):
    run = DoitRun(tmp_path)
    run("verify", "target=jetson_orin", "precision=int8")
    report = json.loads((run.build / "jetson_orin" / "results" / "verify" / "report.json").read_text())
    assert all(v >= 0.99 for v in report["qdq"]["top1_agreement_with_fp32"].values()), report["qdq"]


def test_targets_differ_only_in_the_header(tmp_path):
    run = DoitRun(tmp_path)
    run("build", "targets=jetson_xavier,jetson_orin,x86_dgpu", "precision=int8")
    texts = {
        t: (run.build / t / "calibration.cache").read_text().split("\n", 1)
        for t in ("jetson_xavier", "jetson_orin", "x86_dgpu")
    }
    assert texts["jetson_xavier"][0] == "TRT-8502-EntropyCalibration2"
    assert texts["jetson_xavier"][1] == texts["jetson_orin"][1] == texts["x86_dgpu"][1]


def test_incremental_calibration(tmp_path, images):
    run = DoitRun(tmp_path)
    base = [f"calibration.images={images}"]
    build(run, *base)
    ran = run.executed(build(run, *base, "model.classifier_threshold=0.6", "pipeline.sinks.0.sync=true"))
    assert "calibrate:scales" not in ran and "calibcache:jetson_orin:cache" not in ran
    img = cv2.imread(str(images / "cal_0007.jpg"))
    cv2.imwrite(str(images / "cal_0007.jpg"), 255 - img)  # new content, same name
    ran = run.executed(build(run, *base, "model.classifier_threshold=0.6", "pipeline.sinks.0.sync=true"))
    assert {"calibrate:scales", "calibrate:qdq"} <= ran
    ran = run.executed(
        build(
            run,
            *base,
            "model.classifier_threshold=0.6",
            "pipeline.sinks.0.sync=true",
            "calibration.method=max",
        )
    )
    assert "calibrate:scales" in ran
    ran = run.executed(
        build(
            run,
            *base,
            "model.classifier_threshold=0.6",
            "pipeline.sinks.0.sync=true",
            "calibration.method=max",
            "calibration.batch_size=4",
        )
    )
    assert "calibrate:scales" in ran


@pytest.mark.parametrize(
    "damage,expect",
    [
        (lambda d: [p.unlink() for p in d.iterdir()], "contains no images"),
        (lambda d: (d / "notes.txt").write_text("x"), "notes.txt: not an image file"),
        (
            lambda d: (d / "cal_0003.jpg").write_bytes(b"not a jpeg at all"),
            "cal_0003.jpg: unreadable or not an image",
        ),
        (
            lambda d: cv2.imwrite(str(d / "cal_0004.png"), np.zeros((120, 90), np.uint8)),
            "cal_0004.png: grayscale image",
        ),
        (
            lambda d: cv2.imwrite(str(d / "cal_0005.png"), np.zeros((120, 90, 4), np.uint8)),
            "cal_0005.png: has an alpha channel",
        ),
        (
            lambda d: cv2.imwrite(str(d / "cal_0006.png"), np.zeros((40, 30, 3), np.uint8)),
            "cal_0006.png: 30x40 is smaller than the network input 60x80",
        ),
    ],
)
def test_bad_image_sets_fail_naming_the_file(tmp_path, images, damage, expect):
    damage(images)
    run = DoitRun(tmp_path)
    proc = build(run, f"calibration.images={images}", check=False)
    assert proc.returncode != 0 and expect in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (run.build / "_common" / "calibration.json").exists()


def test_too_few_images_for_batches(tmp_path, images):
    run = DoitRun(tmp_path)
    proc = build(
        run,
        f"calibration.images={images}",
        "calibration.batch_size=16",
        "calibration.batches=20",
        check=False,
    )
    assert proc.returncode != 0 and "200 images, but calibration needs at least 320" in proc.stderr


def test_list_file_and_missing_folder(tmp_path, images):
    lst = tmp_path / "list.txt"
    lst.write_text("# calibration subset\n" + "\n".join(f"cal/cal_{i:04d}.jpg" for i in range(16)) + "\n")
    run = DoitRun(tmp_path)
    build(run, f"calibration.images={lst}")
    assert json.loads((run.build / "_common" / "calibration.json").read_text())["num_images"] == 16
    proc = build(run, f"calibration.images={tmp_path / 'nowhere'}", check=False)
    assert proc.returncode != 0 and "no such directory or list file" in proc.stderr


def test_every_file_of_the_set_is_checked(tmp_path, images):
    """A corrupt JPEG outside the batches used is still an error naming it (issue 10, item 3)."""
    (images / "cal_0150.jpg").write_bytes(b"\xff\xd8\xff not really a jpeg")
    run = DoitRun(tmp_path)
    proc = build(run, f"calibration.images={images}", "calibration.batches=2", check=False)
    assert proc.returncode != 0 and "cal_0150.jpg: unreadable or not an image" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (run.build / "_common" / "calibration.json").exists()


def test_key_covers_every_image_of_the_set(tmp_path, images):
    """Only 16 of 200 images are used, but a change to any of them (content or name) recalibrates."""
    run = DoitRun(tmp_path)
    base = [f"calibration.images={images}", "calibration.batches=2"]
    build(run, *base)
    assert "calibrate:scales" not in run.executed(build(run, *base))
    img = cv2.imread(str(images / "cal_0150.jpg"))
    cv2.imwrite(str(images / "cal_0150.jpg"), 255 - img)  # new content outside the batches used
    assert "calibrate:scales" in run.executed(build(run, *base))
    (images / "cal_0151.jpg").rename(images / "cal_9151.jpg")  # a new name outside the batches used
    assert "calibrate:scales" in run.executed(build(run, *base))
    assert "calibrate:scales" in run.executed(
        build(run, f"calibration.images={images}", "calibration.batches=3")
    )


def test_list_file_order_is_keyed(tmp_path, images):
    lst = tmp_path / "list.txt"
    names = [f"cal/cal_{i:04d}.jpg" for i in range(32)]
    lst.write_text("\n".join(names) + "\n")
    run = DoitRun(tmp_path)
    base = [f"calibration.images={lst}", "calibration.batches=2"]
    build(run, *base)
    lst.write_text("\n".join(reversed(names)) + "\n")  # same files, other 16 used
    assert "calibrate:scales" in run.executed(build(run, *base))
    used = json.loads((run.build / "_common" / "calibration.json").read_text())["images"]
    assert sorted(Path(p).name for p in used) == [f"cal_{i:04d}.jpg" for i in range(16, 32)]
