import pytest

from tao2ds.deepstream.detector import foreign_release_paths
from tests.conftest import ROOT
from tests.unit.deepstream.conftest import needs_gi


def groups(**paths):
    return {"property": [(k.replace("_", "-"), v) for k, v in paths.items()]}


SAMPLE_ONNX = (
    "/opt/nvidia/deepstream/deepstream/samples/models/Primary_Detector/resnet18_trafficcamnet_pruned.onnx"
)


@pytest.mark.parametrize("ds,refused", [("6.0.1", True), ("6.3", True), ("7.0", True), ("7.1", False)])
def test_bundled_sample_model_only_on_71(ds, refused):
    found = foreign_release_paths(groups(onnx_file=SAMPLE_ONNX), ds)
    assert bool(found) == refused
    if refused:
        assert found[0].release == "7.1" and found[0].key == "onnx-file" and "7.1" in found[0].reason


def test_caffemodel_of_6x_refused_on_71():
    p = "/opt/nvidia/deepstream/deepstream/samples/models/Primary_Detector/resnet10.caffemodel"
    assert foreign_release_paths(groups(model_file=p), "6.3") == []
    f = foreign_release_paths(groups(model_file=p), "7.1")
    assert f and "6.0.1 and 6.3" in f[0].reason


@pytest.mark.parametrize(
    "path,ds,refused",
    [
        ("/opt/nvidia/deepstream/deepstream-7.1/samples/models/x.onnx", "6.3", True),
        (
            "/opt/nvidia/deepstream/deepstream-6.0/samples/models/x.onnx",
            "6.0.1",
            False,
        ),  # 6.0.1 installs into deepstream-6.0
        ("/opt/nvidia/deepstream/deepstream-6.3/lib/libx.so", "6.0.1", True),
        ("/opt/nvidia/deepstream/deepstream-6.3/lib/libx.so", "6.3", False),
        ("/home/me/models/resnet18_trafficcamnet_pruned.onnx", "6.3", False),  # the user's own copy
    ],
)
def test_versioned_install_paths(path, ds, refused):
    found = foreign_release_paths(groups(custom_lib_path=path, onnx_file=path), ds)
    assert bool(found) == refused
    if refused:
        assert all(f.release in path for f in found)


def test_relative_paths_are_not_judged():
    assert foreign_release_paths(groups(labelfile_path="labels.txt"), "6.0.1") == []


@needs_gi
def test_reads_the_bundled_config():
    from tao2ds.deepstream.detector import detector_release_problems

    cfg = ROOT / "samples" / "detector" / "config_infer_primary_detector.txt"
    assert detector_release_problems(cfg, "7.1") == []
    assert {f.key for f in detector_release_problems(cfg, "6.3")} == {"onnx-file"}


def test_detector_config_not_utf8_is_an_input_error(tmp_path):
    from tao2ds.config.capabilities import find_problems
    from tao2ds.config.compose import compose
    from tao2ds.core.errors import InputError

    bad = tmp_path / "det.txt"
    bad.write_bytes(b"[property]\nmodel-engine-file=caf\xe9.engine\n")
    cfg = compose(["pipeline=detect_classify", f"pipeline.detector.config={bad}"]).cfg
    with pytest.raises(InputError, match=r"det.txt: not UTF-8 text \(byte 0xe9 at offset 32, line 2\)"):
        find_problems(cfg)
