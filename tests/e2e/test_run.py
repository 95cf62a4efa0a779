"""doit launch / verify on the bundled sample through the CPU reference pipeline (issue: run what was built)."""

import csv
import hashlib
import json
import os
import stat
from pathlib import Path

import pytest

from tests.conftest import ROOT, have_gi

pytestmark = pytest.mark.skipif(not have_gi(), reason="GStreamer/PyGObject not installed (scripts/setup.sh)")
SAMPLE = ROOT / "samples" / "multitask_sample"


@pytest.fixture(scope="module")
def sample_build(tmp_path_factory):
    from tests.conftest import DoitRun

    run = DoitRun(tmp_path_factory.mktemp("run"))
    run("build")
    return run


def test_launch_reference_writes_results_matching_the_video_truth(sample_build):
    proc = sample_build("launch")
    assert "backend reference" in proc.stdout and "frames/s" in proc.stdout
    out = sample_build.build / "x86_dgpu" / "results" / "reference"
    records = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    truth = {int(r["frame"]): r for r in csv.DictReader(open(SAMPLE / "video" / "truth.csv"))}
    assert [r["frame"] for r in records] == sorted(truth)
    for task in ("season", "category", "base_color"):
        hits = sum((r["tasks"][task] or {}).get("label") == truth[r["frame"]][task] for r in records)
        assert hits / len(records) >= 0.95, task
    summary = json.loads((out / "summary.json").read_text())
    assert summary["frames"] == len(truth) and summary["interrupted"] is False
    assert sum(summary["label_counts"]["season"].values()) == len(truth)
    png = (out / "contact_sheet.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000


def test_verify_passes_on_sample(sample_build):
    proc = sample_build("verify")
    report = json.loads((sample_build.build / "x86_dgpu" / "results" / "verify" / "report.json").read_text())
    assert all(a >= 0.95 for a in report["onnx"]["accuracy"].values()), proc.stdout
    assert report["onnx"]["images"] == 300


@pytest.mark.parametrize(
    "mistake",
    [
        "model.preprocessing.model_color_format=0",  # RGB where the model was trained on BGR
        "model.preprocessing.offsets=[0.0,0.0,0.0]",  # mean not subtracted
        "model.preprocessing.mode=torch",  # wrong preprocessing family
    ],
)
def test_verify_catches_config_mistakes(tmp_path, mistake):
    from tests.conftest import DoitRun

    run = DoitRun(tmp_path)
    proc = run("verify", mistake, check=False)
    assert proc.returncode != 0
    assert "accuracy below the floor" in proc.stderr


def test_verify_catches_swapped_label_lines(tmp_path):
    from pipelines.verify import verify
    from tao2ds.core.errors import StaleBuildError, VerifyFailed
    from tests.conftest import DoitRun

    run = DoitRun(tmp_path)
    run("build")
    labels = run.build / "x86_dgpu" / "labels.txt"
    lines = labels.read_text().splitlines()
    labels.write_text("\n".join(reversed(lines)) + "\n")  # classmap order instead of output order
    args = (
        run.build / "x86_dgpu",
        SAMPLE / "validation" / "labels.csv",
        SAMPLE / "validation" / "images",
        0.95,
    )
    with pytest.raises(StaleBuildError, match="output labels.txt edited"):
        verify(*args)  # a hand edit is refused before anything runs
    manifest = run.build / "x86_dgpu" / "manifest.json"  # as if the builder itself had written them so
    m = json.loads(manifest.read_text())
    m["outputs"]["labels.txt"] = hashlib.sha256(labels.read_bytes()).hexdigest()
    manifest.write_text(json.dumps(m))
    with pytest.raises(VerifyFailed):
        verify(*args)


def test_missing_and_unplayable_sources(tmp_path):
    from tests.conftest import DoitRun

    run = DoitRun(tmp_path)
    proc = run("build", f"pipeline.sources.0.uri={tmp_path}/nope.mp4", check=False)
    assert (
        proc.returncode != 0
        and "nope.mp4: file not found" in proc.stderr
        and "pipeline.sources[0].uri" in proc.stderr
    )
    bogus = tmp_path / "bogus.mp4"
    bogus.write_bytes(b"this is not a video" * 100)
    proc = run("launch", f"pipeline.sources.0.uri={bogus}", check=False)
    assert proc.returncode != 0 and "cannot decode it" in proc.stderr and "Traceback" not in proc.stderr


def test_stale_build_refuses_to_run(tmp_path, sample_build):
    import shutil

    from pipelines import reference
    from tao2ds.core.errors import StaleBuildError

    build = sample_build.build / "x86_dgpu"
    manifest = json.loads((build / "manifest.json").read_text())
    changed = json.loads(json.dumps(manifest["config"]))
    changed["model"]["classifier_threshold"] = 0.9
    with pytest.raises(StaleBuildError, match=r"classifier_threshold: 0.5 → 0.9"):
        reference.run(build, config=changed)
    copy = tmp_path / "x86_dgpu"
    shutil.copytree(build, copy)
    m = json.loads((copy / "manifest.json").read_text())
    m["inputs"][next(iter(m["inputs"]))] = "0" * 64
    (copy / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(StaleBuildError, match=r"input \S+ changed"):
        reference.run(copy)


def test_ctrl_c_keeps_results_written_so_far(sample_build, monkeypatch):
    from pipelines import frames, reference

    real = frames.decode

    def interrupted(*a, **k):
        for n, f in enumerate(real(*a, **k)):
            if n == 25:
                raise KeyboardInterrupt
            yield f

    monkeypatch.setattr(frames, "decode", interrupted)
    build = sample_build.build / "x86_dgpu"
    summary = reference.run(build, out_dir=build / "results" / "ctrlc")
    assert summary["interrupted"] is True and summary["frames"] == 25
    lines = (build / "results" / "ctrlc" / "results.jsonl").read_text().splitlines()
    assert len(lines) == 25 and json.loads(lines[-1])["frame"] == 24


def test_deepstream_app_backend_runs_the_binary_with_the_main_config(tmp_path, sample_build, monkeypatch):
    from pipelines import launch

    fake = tmp_path / "bin" / "deepstream-app"
    fake.parent.mkdir()
    fake.write_text(
        '#!/bin/sh\n[ "$1" = -c ] && [ -f "$2" ] || { echo bad args >&2; exit 2; }\n'
        'echo "**PERF:  29.50 (29.10)"\necho "**PERF:  30.00 (29.80)"\n'
    )
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    build = sample_build.build / "x86_dgpu"
    target = json.loads((build / "manifest.json").read_text())["config"]["target"]
    summary = launch.run_deepstream_app(build, target)
    assert summary["exit_code"] == 0 and summary["fps"] == 29.8 and summary["where"] == "local"
    assert launch.choose_backend("auto")[0] == "deepstream-app"


def test_pyds_app_is_python36_compatible_and_reads_label_info():
    import ast

    from pipelines import pyds_app

    ast.parse(Path(pyds_app.__file__).read_text(), feature_version=(3, 6))
    tasks = ["season", "category", "base_color"]

    class Node:
        def __init__(self, items):
            self.data, self.next = items[0], (Node(items[1:]) if len(items) > 1 else None)

    def glist(items):
        return Node(items) if items else None

    class Cast:
        @staticmethod
        def cast(x):
            return x

    class NS:
        def __init__(self, **kw):
            self.__dict__.update(kw)

    fake_pyds = NS(NvDsFrameMeta=Cast, NvDsObjectMeta=Cast, NvDsClassifierMeta=Cast, NvDsLabelInfo=Cast)
    labels = [
        NS(label_id=2, result_label="Navy Blue", result_class_id=5, result_prob=0.91),
        NS(label_id=0, result_label="Fall", result_class_id=0, result_prob=0.8),
    ]
    cm = NS(unique_component_id=1, label_info_list=glist(labels))
    obj = NS(
        class_id=-1,
        unique_component_id=1,
        object_id=0,
        classifier_meta_list=glist([cm]),
        rect_params=NS(left=0, top=0, width=240, height=320),
    )
    frame = NS(pad_index=0, frame_num=7, buf_pts=700_000_000, obj_meta_list=glist([obj]))
    batch = NS(frame_meta_list=glist([frame]))
    recs = pyds_app.classifier_records(batch, fake_pyds, 1, tasks, ["file:///x.mp4"], True)
    assert recs == [
        {
            "source": 0,
            "uri": "file:///x.mp4",
            "frame": 7,
            "timestamp": 0.7,
            "object": None,
            "tasks": {
                "season": {"label": "Fall", "class_id": 0, "prob": 0.8},
                "category": None,
                "base_color": {"label": "Navy Blue", "class_id": 5, "prob": 0.91},
            },
        }
    ]
