"""A sweep builds every combination once into its own folder, in parallel, and a second run builds
nothing; `doit verify` over a sweep verifies each combination (issue 14, item 1)."""

import json

from tests.conftest import DoitRun

SWEEP = ["targets=jetson_orin,x86_dgpu", "precision=fp16,int8"]
FOLDERS = {f"{t}__{p}": (t, p) for t in ("jetson_orin", "x86_dgpu") for p in ("fp16", "int8")}


def _keys(text: str) -> dict:
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line and not line.startswith("#"))


def test_two_by_two_sweep_builds_four_folders_in_parallel_then_nothing(tmp_path):
    run = DoitRun(tmp_path)
    first = run("-n", "2", "build", *SWEEP)
    assert {p.name for p in run.build.iterdir() if not p.name.startswith(".")} == {"_common", *FOLDERS}
    ran = run.executed(first)
    # target-independent work once for the four combinations
    common = [
        t
        for t in first.stdout.splitlines()
        if t.startswith((".  analyze:", ".  preprocess:", ".  calibrate:"))
    ]
    assert sorted(common) == [
        ".  analyze:model",
        ".  calibrate:qdq",
        ".  calibrate:scales",
        ".  preprocess:model",
    ]
    assert {f"manifest:{f}" for f in FOLDERS} <= ran
    configs = set()
    for folder, (target, precision) in FOLDERS.items():
        d = run.build / folder
        m = json.loads((d / "manifest.json").read_text())
        assert (m["target"], m["precision"]) == (target, precision)
        assert m["config"]["target"]["name"] == target and m["config"]["precision"]["name"] == precision
        keys = _keys((d / "config_infer_multitask.txt").read_text())
        configs.add((d / "config.yaml").read_text())
        assert keys["network-mode"] == {"fp16": "2", "int8": "1"}[precision]
        assert (keys.get("int8-calib-file") == "calibration.cache") == (precision == "int8")
        assert (d / "calibration.cache").is_file() == (precision == "int8")
        assert (d / "deepstream_app.txt").is_file() and (d / "build.lock").is_file()
    assert len(configs) == 4  # four distinct recorded configs

    assert run.executed(run("-n", "2", "build", *SWEEP)) == set()

    # a new value adds its combinations; the others stay up to date
    more = run.executed(run("build", *SWEEP, "model.classifier_threshold=0.5,0.7"))
    assert not any(t.startswith(("analyze:", "calibrate:")) for t in more)
    assert {p.name for p in run.build.iterdir() if not p.name.startswith(".")} >= {
        f"{f}__classifier_threshold-{v}" for f in FOLDERS for v in ("0.5", "0.7")
    }


def test_verify_over_a_sweep_verifies_each_combination(tmp_path):
    run = DoitRun(tmp_path)
    proc = run("verify", "model.classifier_threshold=0.5,0.7")
    for v in ("0.5", "0.7"):
        folder = run.build / f"x86_dgpu__classifier_threshold-{v}"
        report = json.loads((folder / "results" / "verify" / "report.json").read_text())
        assert report["target"] == "x86_dgpu" and all(a >= 0.95 for a in report["onnx"]["accuracy"].values())
        assert f"verify:x86_dgpu__classifier_threshold-{v}" in proc.stdout


def test_invalid_combinations_stop_the_run_unless_the_user_consents(tmp_path):
    run = DoitRun(tmp_path)
    args = [
        "targets=jetson_xavier,x86_dgpu",
        "precision=fp16,fp32",
        "pipeline.sinks.0.kind=drm",
    ]  # DRM: Jetson only
    proc = run("build", *args, check=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert (
        "2 of 4 sweep combinations cannot be built" in proc.stderr
        and "build.skip_invalid=true" in proc.stderr
    )
    assert not run.build.exists()
    proc = run("build", *args, "build.skip_invalid=true", check=False)
    assert proc.returncode == 0, proc.stderr
    assert "skipping 2 of 4 sweep combinations" in proc.stderr
    assert {p.name for p in run.build.iterdir() if not p.name.startswith(".")} == {
        "_common",
        "jetson_xavier__fp16",
        "jetson_xavier__fp32",
    }


def test_sweeping_the_model_does_each_models_common_work_once(tmp_path, seed_model):
    from tests.model_factory import SEED_CLASSES, make_multitask_onnx

    onnx, classmap = seed_model
    other = make_multitask_onnx(
        tmp_path / "other" / "model.onnx",
        {k: len(v) for k, v in SEED_CLASSES.items()},
        order=["base_color", "season", "category"],  # another graph: its own analysis and labels
    )
    run = DoitRun(tmp_path / "run")
    args = ["build", f"model.onnx={onnx},{other}", f"model.classmap={classmap}", "model.spec=null"]
    ran = run.executed(run(*args))
    assert len([t for t in ran if t.startswith("analyze:model__")]) == 2
    commons = sorted(p for p in run.build.iterdir() if p.name.startswith("_common__"))
    assert len(commons) == 2 and all((c / "model.json").is_file() for c in commons)
    folders = sorted(p for p in run.build.iterdir() if p.name.startswith("x86_dgpu__onnx-"))
    labels = {f.name: (f / "labels.txt").read_text().splitlines()[0].split(";")[0] for f in folders}
    assert len(folders) == 2 and set(labels.values()) == {"Fall", "Black"}, (
        labels
    )  # season first vs base_color first
    assert run.executed(run(*args)) == set()
