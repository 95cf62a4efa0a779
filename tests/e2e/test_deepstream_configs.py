"""Generated configs, read back with GLib's GKeyFile (the parser nvinfer and deepstream-app use)."""

from pathlib import Path

import pytest

from tao2ds.deepstream.keyfile import load_keyfile
from tests.conftest import have_gi

pytestmark = pytest.mark.skipif(
    not have_gi(), reason="PyGObject/GLib not installed (scripts/setup.sh installs it)"
)

TARGETS = ["jetson_nano", "jetson_xavier", "jetson_orin", "x86_dgpu"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from tests.conftest import DoitRun
    from tests.model_factory import SEED_CLASSES, make_classmap, make_multitask_onnx

    tmp = tmp_path_factory.mktemp("cfg")
    onnx = make_multitask_onnx(
        tmp / "m" / "multi_task.onnx",
        {k: len(v) for k, v in SEED_CLASSES.items()},
        order=["season", "category", "base_color"],
    )
    classmap = make_classmap(tmp / "m" / "classmap.json", SEED_CLASSES)
    run = DoitRun(tmp)
    run(
        "build",
        f"targets={','.join(TARGETS)}",
        f"model.onnx={onnx}",
        f"model.classmap={classmap}",
        "model.spec=null",
        "model.classifier_threshold=0.6",
        "pipeline.sinks.1.kind=rtsp",
    )
    return run.build


def has_key(kf, group: str, key: str) -> bool:
    return key in kf.get_keys(group)[0]


def keyfile(path: Path):
    text = path.read_text()
    for n, line in enumerate(text.splitlines(), 1):
        assert line == line.rstrip(), f"{path.name}:{n} has trailing blanks"
        assert "#" not in line or line.startswith("#"), f"{path.name}:{n} has an inline comment"
    assert "\r" not in text
    return load_keyfile(text, str(path))


@pytest.mark.parametrize("target", TARGETS)
def test_nvinfer_config_values(built, target):
    d = built / target
    kf = keyfile(d / "config_infer_multitask.txt")
    g = "property"
    assert kf.get_integer_list(g, "infer-dims") == [3, 80, 60]
    assert kf.get_double(g, "net-scale-factor") == 1.0
    assert kf.get_double_list(g, "offsets") == [103.939, 116.779, 123.68]
    assert kf.get_integer(g, "model-color-format") == 1
    assert kf.get_integer(g, "network-mode") == 2
    assert kf.get_integer(g, "network-type") == 1
    assert kf.get_integer(g, "process-mode") == 1
    assert kf.get_integer(g, "gie-unique-id") == 1
    assert kf.get_integer(g, "batch-size") == 1
    assert kf.get_double(g, "classifier-threshold") == 0.6
    assert kf.get_string_list(g, "output-blob-names") == [
        "season/Softmax",
        "category/Softmax",
        "base_color/Softmax",
    ]
    assert kf.get_string(g, "model-engine-file") == "multi_task.onnx_b1_gpu0_fp16.engine"
    assert not has_key(kf, g, "int8-calib-file")
    for key in ("labelfile-path", "onnx-file"):  # relative to the config's directory, and present
        rel = kf.get_string(g, key)
        assert not Path(rel).is_absolute() and (d / rel).is_file()
    assert kf.get_integer(g, "scaling-compute-hw") == 1
    labels = (d / kf.get_string(g, "labelfile-path")).read_text()
    assert labels.splitlines()[0] == "Fall;Spring;Summer;Winter"


@pytest.mark.parametrize("target,display_ok", [(t, True) for t in TARGETS])
def test_app_config_values(built, target, display_ok):
    d = built / target
    kf = keyfile(d / "deepstream_app.txt")
    groups, _ = kf.get_groups()
    assert groups[:4] == ["application", "tiled-display", "source0", "streammux"]
    for g in groups:  # deepstream-app skips a group whose 'enable' is not an integer
        if has_key(kf, g, "enable"):
            assert kf.get_value(g, "enable") in ("0", "1")
            kf.get_integer(g, "enable")
    assert kf.get_integer("primary-gie", "enable") == 1
    cfg = kf.get_string("primary-gie", "config-file")
    assert (d / cfg).is_file()
    assert kf.get_integer("source0", "type") == 3
    uri = kf.get_string("source0", "uri")
    assert uri.startswith("file://") and (d / uri[len("file://") :]).is_file()
    assert kf.get_integer("sink0", "type") == 1
    assert kf.get_integer("sink1", "type") == 4  # rtsp
    assert kf.get_integer("sink1", "rtsp-port") == 8554
    assert has_key(kf, "source0", "cudadec-memtype") == (target == "x86_dgpu")


def test_manifest_records_label_tasks_and_hashes(built):
    import json

    m = json.loads((built / "jetson_orin" / "manifest.json").read_text())
    assert m["label_tasks"] == ["season", "category", "base_color"]
    assert m["artifacts"]["labels"] == "labels.txt" and m["artifacts"]["engine"] is None
    assert m["config"]["target"]["name"] == "jetson_orin"
    assert all(len(h) == 64 for h in m["inputs"].values())
    assert (built / "jetson_orin" / "config.yaml").read_text().startswith("model:")


def test_detect_classify_secondary_gie(tmp_path):
    import json

    from tests.conftest import DoitRun

    run = DoitRun(tmp_path)
    run("launch", "target=jetson_orin", "pipeline=detect_classify")
    d = run.build / "jetson_orin"
    nv = keyfile(d / "config_infer_multitask.txt")
    assert nv.get_integer("property", "process-mode") == 2
    assert nv.get_integer("property", "gie-unique-id") == 2
    assert nv.get_integer("property", "operate-on-gie-id") == 1
    assert nv.get_integer_list("property", "operate-on-class-ids") == [0]
    assert not has_key(nv, "property", "interval")
    app = keyfile(d / "deepstream_app.txt")
    assert app.get_integer("secondary-gie0", "operate-on-gie-id") == 1
    assert app.get_string("secondary-gie0", "config-file") == "config_infer_multitask.txt"
    assert app.get_integer("tracker", "enable") == 1
    assert (
        app.get_string("tracker", "ll-config-file") == "tracker_config.yml"
    )  # the steps write it (report: D3)
    det = keyfile(d / app.get_string("primary-gie", "config-file"))
    assert det.get_string("property", "labelfile-path") == "labels_trafficcamnet.txt"
    assert (d / "detector" / "labels_trafficcamnet.txt").is_file()
    assert det.get_string("property", "onnx-file").startswith("/opt/nvidia/deepstream/")
    records = [
        json.loads(x) for x in (d / "results" / "reference" / "results.jsonl").read_text().splitlines()
    ]
    assert len(records) == 120 and all(r["object"]["class_id"] == 0 for r in records)  # class 3 skipped


def test_doit_clean_removes_targets(tmp_path):
    from tests.conftest import DoitRun

    run = DoitRun(tmp_path)
    run("build")
    assert (run.build / "x86_dgpu" / "labels.txt").is_file()
    run("clean")
    assert not (run.build / "x86_dgpu" / "labels.txt").exists()
    info = run("info", "nvinfer:x86_dgpu", check=False)
    assert "config_infer_multitask.txt" in info.stdout


def test_dla_int8_config_and_engine_name(tmp_path):
    from tests.conftest import DoitRun

    run = DoitRun(tmp_path)
    run("build", "target=jetson_xavier", "precision=int8", "engine.dla_core=1", "model.batch_size=4")
    nv = keyfile(run.build / "jetson_xavier" / "config_infer_multitask.txt")
    assert (
        nv.get_boolean("property", "enable-dla") is True and nv.get_integer("property", "use-dla-core") == 1
    )
    assert nv.get_string("property", "model-engine-file") == "model.onnx_b4_dla1_int8.engine"
    assert nv.get_string("property", "int8-calib-file") == "calibration.cache"
    assert nv.get_integer("property", "network-mode") == 1 and nv.get_integer("property", "batch-size") == 4
    assert (run.build / "jetson_xavier" / "calibration.cache").read_text().startswith("TRT-8502-")


def test_variants_deepstream_would_reject_are_fixed(tmp_path):
    """Several sources (tiler turned on, grid sized to fit), two RTSP sinks (distinct ports), a
    tiny threshold (written positionally, read back exactly by GKeyFile)."""
    from tests.conftest import DoitRun

    run = DoitRun(tmp_path)
    sample = "samples/multitask_sample/video/sample.mp4"
    run(
        "build",
        "target=jetson_orin",
        f"pipeline.sources=[{{uri:{sample},num_sources:2}},{{uri:'rtsp://127.0.0.1:1/x'}}]",
        "pipeline.sinks=[{kind:rtsp},{kind:rtsp},{kind:file}]",
        "model.classifier_threshold=1e-05",
    )
    d = run.build / "jetson_orin"
    app = keyfile(d / "deepstream_app.txt")
    assert app.get_integer("tiled-display", "enable") == 1
    assert (app.get_integer("tiled-display", "rows"), app.get_integer("tiled-display", "columns")) == (2, 2)
    assert app.get_integer("streammux", "batch-size") == 3
    assert [app.get_integer(f"sink{n}", "rtsp-port") for n in (0, 1)] == [8554, 8555]
    assert [app.get_integer(f"sink{n}", "udp-port") for n in (0, 1)] == [5400, 5401]
    nv = (d / "config_infer_multitask.txt").read_text()
    assert "classifier-threshold=0.00001\n" in nv
    assert keyfile(d / "config_infer_multitask.txt").get_double("property", "classifier-threshold") == 1e-05


@pytest.mark.parametrize(
    "overrides,expect",
    [
        (
            ["target=jetson_xavier", "pipeline=detect_classify"],
            "Primary_Detector sample model of DeepStream 7.1",
        ),
        (["target=jetson_orin", "engine.gpu_id=1"], "single integrated GPU"),
        (
            ["pipeline.sinks=[{kind:rtsp,udp_port:6000},{kind:rtsp,udp_port:6000}]"],
            "pipeline.sinks[1].udp_port=6000",
        ),
        (
            [
                "pipeline.sources=[{uri:samples/multitask_sample/video/sample.mp4},{uri:'rtsp://127.0.0.1:1/x'}]",
                "pipeline.tiled_display.enable=false",
            ],
            "pipeline.tiled_display.enable=false with 2 sources",
        ),
    ],
)
def test_variants_refused_before_any_work(tmp_path, overrides, expect):
    from tests.conftest import DoitRun

    run = DoitRun(tmp_path)
    proc = run("build", *overrides, check=False)
    assert proc.returncode != 0 and expect in proc.stderr
    assert not run.build.exists() or not any(run.build.rglob("deepstream_app.txt"))
