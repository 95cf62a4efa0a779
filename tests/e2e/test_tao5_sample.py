"""`doit build/verify model=multitask_tao5`: the TAO 5-shaped sample end to end, validation set from its spec."""

import json
from pathlib import Path

import pytest

from pipelines.verify import validation_set
from tao2ds.core.errors import ConfigError, InputError
from tao2ds.deepstream.keyfile import read_keyfile
from tests.conftest import ROOT, DoitRun

SPEC = ROOT / "samples" / "multitask_tao5" / "spec.txt"


def test_tao5_sample_builds_and_verifies_from_its_spec(tmp_path):
    run = DoitRun(tmp_path)
    proc = run("verify", "model=multitask_tao5", "target=jetson_orin", "precision=int8")
    out = run.build / "jetson_orin"
    assert (out / "labels.txt").read_text().splitlines() == [
        "Black;Blue;Brown;Green;Grey;Navy Blue;Pink;Purple;Red;Silver;White",
        "Bags;Bottomwear;Eyewear;Fragrance;Innerwear;Jewellery;Sandal;Shoes;Topwear;Watches",
        "Fall;Spring;Summer;Winter",
    ]
    prop = dict(read_keyfile(out / "config_infer_multitask.txt")["property"])
    assert prop["output-blob-names"] == "base_color;category;season"
    assert prop["infer-dims"] == "3;80;60" and prop["offsets"] == "103.939;116.779;123.68"
    m = json.loads((out / "manifest.json").read_text())
    assert m["label_tasks"] == ["base_color", "category", "season"]
    assert m["preprocessing"]["training_spec"]["schema"] == "multitask_classification"
    report = json.loads((out / "results" / "verify" / "report.json").read_text())
    assert report["validation"]["source"] == "training spec samples/multitask_tao5/spec.txt (dataset_config)"
    assert report["onnx"]["images"] == 300
    assert all(a >= 0.95 for a in report["onnx"]["accuracy"].values()), report["onnx"]
    assert all(a >= 0.95 for a in report["qdq"]["accuracy"].values()), report["qdq"]
    assert "validation set from the training spec" in proc.stdout


def test_validation_set_sources(tmp_path):
    with pytest.raises(
        ConfigError, match=r"set model.validation.csv=<TAO multitask CSV> and model.validation"
    ):
        validation_set(None, None, None)
    with pytest.raises(ConfigError, match="model.validation.images is not set"):
        validation_set("v.csv", None, SPEC)
    assert validation_set("v.csv", "imgs", SPEC) == (Path("v.csv"), Path("imgs"), "model.validation")
    csv, images, source = validation_set(None, None, SPEC)
    assert csv.is_file() and images.is_dir() and source.startswith("training spec")
    spec = tmp_path / "spec.txt"  # a TAO container path, absent here
    spec.write_text(
        'dataset_config { val_csv_path: "/workspace/data/val.csv" image_directory_path: "/workspace/img" }'
    )
    with pytest.raises(
        InputError, match=r"model.validation is unset and the training spec .* not both here"
    ) as e:
        validation_set(None, None, spec)
    assert e.value.file == "/workspace/data/val.csv"
