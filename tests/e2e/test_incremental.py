"""doit rebuilds exactly what an input or config change affects (issue: declarative core, item 9)."""

import os

from tests.model_factory import SEED_CLASSES, make_multitask_onnx


def test_incremental_rebuilds(seed_model, doit_run):
    onnx, classmap = seed_model
    base = [f"model.onnx={onnx}", f"model.classmap={classmap}", "model.spec=null"]
    first = doit_run("build", *base)
    t = "x86_dgpu"
    assert {
        "analyze:model",
        f"labels:{t}",
        f"nvinfer:{t}",
        f"appconfig:{t}",
        f"manifest:{t}",
    } <= doit_run.executed(first)

    assert doit_run.executed(doit_run("build", *base)) == set()

    thr = [*base, "model.classifier_threshold=0.6"]
    assert doit_run.executed(doit_run("build", *thr)) == {f"nvinfer:{t}", f"manifest:{t}", f"lock:{t}"}

    sink = [*thr, "pipeline.sinks.0.sync=true"]
    assert doit_run.executed(doit_run("build", *sink)) == {f"appconfig:{t}", f"manifest:{t}", f"lock:{t}"}

    st = os.stat(onnx)
    os.utime(onnx, (st.st_atime + 100, st.st_mtime + 100))  # touched, same bytes
    assert doit_run.executed(doit_run("build", *sink)) == set()

    # same interface, new weights: the model copy, analysis and manifest run; configs stay put
    make_multitask_onnx(
        onnx, {k: len(v) for k, v in SEED_CLASSES.items()}, order=["season", "category", "base_color"], seed=7
    )
    ran = doit_run.executed(doit_run("build", *sink))
    assert {f"stage:{t}:model", "analyze:model", f"manifest:{t}"} <= ran
    assert f"appconfig:{t}" not in ran


def test_config_error_is_one_clean_line(doit_run):
    proc = doit_run("build", "target=jetson_nano", "precision=int8", check=False)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert "tao2ds: error:" in proc.stderr and "sm_53" in proc.stderr and "fp32, fp16" in proc.stderr


def test_bad_model_input_fails_the_task_without_partial_output(tmp_path, doit_run):
    from tests.model_factory import make_classmap

    onnx = make_multitask_onnx(tmp_path / "m.onnx", {"season": 4, "category": 10, "base_color": 11})
    bad = make_classmap(tmp_path / "c.json", {**SEED_CLASSES, "season": ["Fall", "Spring"]})
    proc = doit_run("build", f"model.onnx={onnx}", f"model.classmap={bad}", "model.spec=null", check=False)
    assert proc.returncode != 0
    assert "'season/Softmax' has 4 classes but classmap task 'season' has 2" in proc.stderr
    assert "Traceback" not in proc.stderr
    leftovers = [p for p in doit_run.build.rglob("*") if p.is_file()]
    assert not any(p.name in ("model.json", "labels.txt") or p.suffix == ".tmp" for p in leftovers)
