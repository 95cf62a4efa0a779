"""run.backend=servicemaker: the PyServiceMaker app, on a DeepStream 9.x build (jetson_thor), against
stand-ins that follow PyServiceMaker's documented API (NVIDIA/DeepStream v9.1.0
skills/deepstream-dev/references/service_maker_api.md; DS 9.2 API reference for get_label_info).

Stand-in objects use ``__slots__``, so reading an attribute the real API does not have (pyds'
``frame_num``, ``buf_pts``, ``label_info_list`` …) fails the test; ``*_items`` are one-shot
iterators as in the real bindings (not lists: ``len()`` fails)."""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

import pytest
import yaml

from pipelines import servicemaker_app as app_mod


@pytest.fixture(scope="module")
def thor_run(tmp_path_factory):
    from tests.conftest import DoitRun

    run = DoitRun(tmp_path_factory.mktemp("thor"))
    run("build", "target=jetson_thor")
    return run


@pytest.fixture(scope="module")
def thor_build(thor_run):
    return thor_run.build / "jetson_thor"


from tests.fakes.pyservicemaker import (  # noqa: E402
    BatchMetadata,
    ClassifierMetadata91,
    ClassifierMetadata92,
    FrameMetadata,
    LabelInfo,
    ObjectMetadata,
    Pipeline,
    Rect,
)


@pytest.fixture
def fake_psm(monkeypatch):
    import tests.fakes.pyservicemaker as mod

    monkeypatch.setitem(sys.modules, "pyservicemaker", mod)
    monkeypatch.setattr(Pipeline, "batches", [])
    return mod


def _frame(n, labels, tasks, uid, api=ClassifierMetadata92, picks=None):
    picks = picks or {t: 0 for t in tasks}
    infos = [
        LabelInfo(labels[i][picks[t]], picks[t], 0.5 + i / 10, i, len(labels[i]))
        for i, t in enumerate(tasks)
        if picks.get(t) is not None
    ]
    obj = ObjectMetadata(-1, 0xFFFFFFFFFFFFFFFF, Rect(0, 0, 240, 320), [api(uid, infos)])
    return FrameMetadata(n, 0, n * 40_000_000, [obj])


# --- tests -------------------------------------------------------------------------------------


def test_thor_build_shows_the_derived_versions(thor_build):
    t = yaml.safe_load((thor_build / "config.yaml").read_text())["target"]
    assert (t["deepstream"], t["tensorrt"], t["cuda"], t["jetpack"], t["python"]) == (
        "9.2",
        "10.16.1.7",
        "13.2",
        "7.2",
        "3.12",
    )
    nvinfer = (thor_build / "config_infer_multitask.txt").read_text()
    assert "strongly-typed" not in nvinfer  # fp16: no Q/DQ model


def test_app_parses_for_python_312():
    ast.parse(Path(app_mod.__file__).read_text(), feature_version=(3, 12))


def test_records_from_label_info_92(thor_build):
    manifest, app, labels, secondary, uid, uris = app_mod.load_build(str(thor_build))
    tasks = manifest["label_tasks"]
    batch = BatchMetadata([_frame(7, labels, tasks, uid, picks={tasks[0]: 1, tasks[1]: None, tasks[2]: 2})])
    recs = app_mod.classifier_records(batch, uid, tasks, labels, uris, not secondary)
    assert len(recs) == 1 and recs[0]["frame"] == 7 and recs[0]["timestamp"] == 0.28
    assert recs[0]["object"] is None and recs[0]["uri"] == uris[0]
    got = recs[0]["tasks"]
    assert got[tasks[0]] == {"label": labels[0][1], "class_id": 1, "prob": 0.5}
    assert got[tasks[1]] is None  # below the threshold: nvinfer attached no label for that output
    assert got[tasks[2]] == {"label": labels[2][2], "class_id": 2, "prob": 0.7}


def test_records_from_label_strings_91_find_the_task_by_label(thor_build):
    manifest, app, labels, secondary, uid, uris = app_mod.load_build(str(thor_build))
    tasks = manifest["label_tasks"]
    batch = BatchMetadata(
        [
            _frame(
                3,
                labels,
                tasks,
                uid,
                api=ClassifierMetadata91,
                picks={tasks[0]: None, tasks[1]: 4, tasks[2]: 0},
            )
        ]
    )
    (rec,) = app_mod.classifier_records(batch, uid, tasks, labels, uris, True)
    assert rec["tasks"][tasks[0]] is None
    assert rec["tasks"][tasks[1]] == {"label": labels[1][4], "class_id": 4, "prob": None}
    assert rec["tasks"][tasks[2]] == {"label": labels[2][0], "class_id": 0, "prob": None}


def test_other_components_are_ignored(thor_build):
    manifest, app, labels, secondary, uid, uris = app_mod.load_build(str(thor_build))
    tasks = manifest["label_tasks"]
    other = FrameMetadata(
        1, 0, 0, [ObjectMetadata(2, 5, Rect(1, 2, 3, 4), [ClassifierMetadata92(uid + 7, [])])]
    )
    assert app_mod.classifier_records(BatchMetadata([other]), uid, tasks, labels, uris, True) == []


def test_main_builds_the_pipeline_and_writes_results(thor_build, fake_psm, tmp_path):
    manifest, app, labels, secondary, uid, uris = app_mod.load_build(str(thor_build))
    tasks = manifest["label_tasks"]
    Pipeline.batches = [BatchMetadata([_frame(n, labels, tasks, uid)]) for n in range(5)]
    out = tmp_path / "out"
    assert app_mod.main([str(thor_build), "--out", str(out), "--max-frames", "4"]) == 0
    p = Pipeline.last
    assert p.elements["mux"][0] == "nvstreammux" and p.elements["mux"][1]["batch-size"] == len(uris)
    assert p.elements["pgie"] == (
        "nvinfer",
        {"config-file-path": str(thor_build / "config_infer_multitask.txt")},
    )
    assert p.elements["src_0"] == ("uridecodebin", {"uri": uris[0]})
    assert (("src_0", "mux"), ("", "sink_%u")) in p.links
    assert ("mux", "pgie", "osd", "sink") in p.links
    assert [e for e, _ in p.probes] == ["osd"]
    lines = [json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()]
    assert [r["frame"] for r in lines] == [0, 1, 2, 3]  # --max-frames 4
    summary = json.loads((out / "summary.json").read_text())
    assert (
        summary["backend"] == "servicemaker" and summary["frames"] == 4 and summary["target"] == "jetson_thor"
    )
    assert summary["label_counts"][tasks[0]] == {labels[0][0]: 4}


@pytest.mark.parametrize(
    "overrides,says,possible",
    [
        (
            ["target=jetson_thor", "run.backend=pyds"],
            (
                "pyds is deprecated from DeepStream 9.0 and no wheel is published for it (pyds ships with "
                "DeepStream 6.0.1, 6.1, 6.1.1, 6.2, 6.3, 6.4, 7.0, 7.1, 8.0)",
                "hint: use run.backend=servicemaker",
            ),
            "target.deepstream=8.0",
        ),
        (
            ["target=jetson_orin", "run.backend=servicemaker"],
            ("PyServiceMaker ships with DeepStream 8.0, 9.0, 9.1, 9.2",),
            "target.deepstream=9.1",
        ),
        (
            ["target=jetson_orin", "precision=int8", "precision.int8_route=qdq"],
            ("route qdq needs DeepStream 9.0, 9.1, 9.2",),
            "target.deepstream=9.1",
        ),
    ],
)
def test_release_capabilities_are_refused_naming_what_is_possible(overrides, says, possible):
    from tao2ds.config.capabilities import check_capabilities
    from tao2ds.config.compose import compose
    from tao2ds.core.errors import CapabilityError

    with pytest.raises(CapabilityError) as e:
        check_capabilities(compose(overrides).cfg)
    for fragment in says:
        assert fragment in str(e.value)
    check_capabilities(compose([*overrides, possible]).cfg)  # the release it names can


def test_the_bundle_ships_the_app_the_release_can_run(thor_run, tmp_path):
    import tarfile

    thor_run("bundle", "target=jetson_thor")
    with tarfile.open(thor_run.build / "jetson_thor.tar.gz") as tar:
        names = {n.split("/", 1)[-1] for n in tar.getnames()}
        readme = tar.extractfile("jetson_thor/README.txt").read().decode()
        app = tar.extractfile("jetson_thor/servicemaker_app.py").read()
    assert "servicemaker_app.py" in names and "pyds_app.py" not in names  # DeepStream 9.2: no pyds
    assert "python3 servicemaker_app.py ." in readme and "pyds" not in readme
    assert app == Path(app_mod.__file__).read_bytes()


def test_launch_runs_the_app_where_pyservicemaker_imports(thor_build, monkeypatch, tmp_path):
    """pipelines.launch runs servicemaker_app.py as the device would (a subprocess with its own
    Python), here against the stand-in package, and returns the summary it wrote."""
    from pipelines import launch

    fakes = Path(__file__).resolve().parents[1] / "fakes"
    manifest, app, labels, secondary, uid, uris = app_mod.load_build(str(thor_build))
    frames = [
        [
            {
                "frame": n,
                "pad": 0,
                "pts": n * 40_000_000,
                "objects": [
                    {
                        "class_id": -1,
                        "uid": uid,
                        "labels": [
                            [labels[i][n % len(labels[i])], n % len(labels[i]), 0.9, i, len(labels[i])]
                            for i in range(len(labels))
                        ],
                    }
                ],
            }
        ]
        for n in range(6)
    ]
    batches = tmp_path / "batches.json"
    batches.write_text(json.dumps(frames))
    monkeypatch.setenv("FAKE_PSM_BATCHES", str(batches))
    monkeypatch.setenv("PYTHONPATH", str(fakes))
    monkeypatch.syspath_prepend(str(fakes))
    target = yaml.safe_load((thor_build / "config.yaml").read_text())["target"]
    summary = launch.run_servicemaker(thor_build, target, max_frames=None)
    assert summary["backend"] == "servicemaker" and summary["frames"] == 6 and not summary["interrupted"]
    lines = (thor_build / "results" / "servicemaker" / "results.jsonl").read_text().splitlines()
    assert [json.loads(x)["tasks"][manifest["label_tasks"][0]]["label"] for x in lines] == [
        labels[0][n % len(labels[0])] for n in range(6)
    ]
