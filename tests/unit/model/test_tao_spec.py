"""Training specs as TAO writes them, read with protobuf's text parser against TAO's schemas."""

import logging

import pytest

from tao2ds.core.errors import ModelError
from tao2ds.model.preprocess import resolve_preprocessing
from tao2ds.model.tao_spec import load_spec, parse_spec_text
from tao2ds.model.tao_spec_schema import CLASSIFICATION, MULTITASK, experiment_class
from tests.conftest import ROOT

# NVIDIA/tao_tutorials notebooks/tao_launcher_starter_kit/multitask_classification/specs/
# mclassification_spec.cfg @b7ea82a (TAO 5.0 tutorial; dataset paths shortened)
TAO5_TUTORIAL_SPEC = """
model_config {
  arch: "resnet",
  n_layers: 10
  use_batch_norm: true
  all_projections: true
  freeze_blocks: 0
  input_image_size: "3,80,60"
}
training_config {
  batch_size_per_gpu: 100
  num_epochs: 10
  checkpoint_interval: 1
  learning_rate {
    soft_start_cosine_annealing_schedule {
      min_learning_rate: 1e-6
      max_learning_rate: 1e-2
      soft_start: 0.1
    }
  }
  regularizer {
    type: L1
    weight: 9e-5
  }
  optimizer {
    sgd {
      momentum: 0.9
      nesterov: False
    }
  }
  pretrain_model_path: "/workspace/tao-experiments/pretrained_resnet10/resnet_10.hdf5"
}
dataset_config {
  train_csv_path: "/workspace/tao-experiments/data/myntradataset/train.csv"
  val_csv_path: "/workspace/tao-experiments/data/myntradataset/val.csv"
  image_directory_path: "/workspace/tao-experiments/data/myntradataset/images"
}
"""

# NVIDIA/tao_deploy nvidia_tao_deploy/cv/multitask_classification/specs/experiment_spec.txt @cfb4ecb
# (TAO Deploy's documented "multitask" spec: classification_tf1 fields; paths shortened)
TAO_DEPLOY_DOC_SPEC = """
model_config {
  arch: "resnet",
  n_layers: 18
  # Setting these parameters to true to match the template downloaded from NGC.
  use_batch_norm: true
  all_projections: true
  freeze_blocks: 0
  freeze_blocks: 1
  input_image_size: "3,80,60"
}
train_config {
  preprocess_mode: "caffe"
}
eval_config {
  eval_dataset_path: "/data/split/test"
  model_path: "/output/weights/resnet_080.tlt"
  top_k: 3
  batch_size: 256
  n_workers: 8
  enable_center_crop: True
}
"""


def test_tao5_tutorial_spec_is_a_multitask_experiment(caplog):
    with caplog.at_level(logging.WARNING, logger="tao2ds"):
        spec = parse_spec_text(TAO5_TUTORIAL_SPEC)
    assert spec.schema == MULTITASK and spec.unknown_fields == () and not caplog.records
    assert spec.input_image_size == (3, 80, 60)
    assert spec.resize_interpolation_method == "BILINEAR"  # unset: proto3 default, TAO's too
    assert spec.preprocess_mode is None and spec.image_mean is None
    assert spec.validation_set() == (
        ROOT.joinpath("/workspace/tao-experiments/data/myntradataset/val.csv"),
        ROOT.joinpath("/workspace/tao-experiments/data/myntradataset/images"),
    )


def test_the_values_are_the_protobuf_messages_values():
    """The parser fills TAO's real message types (field numbers, enums, oneofs), not a dict of strings."""
    from tao2ds.model import tao_spec

    assert (tao_spec.MULTITASK, tao_spec.CLASSIFICATION) == (MULTITASK, CLASSIFICATION)  # kept in step
    Experiment = experiment_class(MULTITASK)
    from google.protobuf import text_format

    msg = text_format.Merge(TAO5_TUTORIAL_SPEC, Experiment())
    tc = msg.training_config
    assert tc.WhichOneof("load_model") == "pretrain_model_path"
    assert tc.optimizer.WhichOneof("optimizer") == "sgd" and tc.optimizer.sgd.nesterov is False
    assert tc.regularizer.type == 1  # L1 in RegularizationType { NO_REG = 0; L1 = 1; L2 = 2; }
    assert tc.learning_rate.soft_start_cosine_annealing_schedule.max_learning_rate == pytest.approx(1e-2)
    assert Experiment.DESCRIPTOR.fields_by_name["random_seed"].number == 4
    assert list(msg.model_config.freeze_blocks) == [0]


def test_tao_deploy_doc_spec_is_recognised_as_classification_tf1(caplog):
    with caplog.at_level(logging.INFO, logger="tao2ds"):
        spec = parse_spec_text(TAO_DEPLOY_DOC_SPEC, "deploy_spec.txt")
    assert spec.schema == CLASSIFICATION and spec.unknown_fields == ()
    assert spec.preprocess_mode == "caffe" and spec.input_image_size == (3, 80, 60)
    assert spec.validation_set() is None  # eval_dataset_path is a folder tree, not TAO multitask's CSV
    assert any("classification_tf1" in r.getMessage() for r in caplog.records)
    # protobuf's own answer for TAO's multitask proto, as TAO Deploy's load_proto gives it (§4.3)
    from google.protobuf import text_format

    with pytest.raises(text_format.ParseError, match='no field named "train_config"'):
        text_format.Merge(TAO_DEPLOY_DOC_SPEC, experiment_class(MULTITASK)())


def test_classification_image_mean_map_in_bgr_order():
    spec = parse_spec_text(
        'train_config { preprocess_mode: "caffe" image_mean { key: "r" value: 120.25 } '
        "image_mean { key: 'g' value: 110.5 } image_mean { key: 'b' value: 100.0 } }"
    )
    assert spec.schema == CLASSIFICATION and spec.image_mean == (100.0, 110.5, 120.25)
    pp = resolve_preprocessing({}, spec, (3, 80, 60), 1)
    assert pp.offsets == (100.0, 110.5, 120.25) and pp.source == "training spec"
    with pytest.raises(ModelError, match=r"image_mean needs keys b, g and r .* got \['b', 'x'\]"):
        parse_spec_text("train_config { image_mean { key: 'b' value: 1 } image_mean { key: 'x' value: 2 } }")


def test_non_caffe_mode_in_a_classification_spec_is_used_but_warned(caplog):
    with caplog.at_level(logging.WARNING, logger="tao2ds"):
        spec = parse_spec_text('train_config { preprocess_mode: "torch" }', "s.txt")
    assert resolve_preprocessing({}, spec, (3, 80, 60), 1).mode == "torch"
    assert any("always train with caffe" in r.getMessage() for r in caplog.records)


def test_unknown_fields_are_a_warning_naming_them(caplog):
    text = (
        "random_seed: 1\n"
        "model_config {\n"
        '  input_image_size: "3,80,60"\n'
        "  colour_space: RGB\n"
        "  augment { flip: true rotate { max: 10 } }\n"
        "}\n"
        "export_config { int8: true }\n"
    )
    with caplog.at_level(logging.WARNING, logger="tao2ds"):
        spec = parse_spec_text(text, "my_spec.txt")
    assert spec.schema == MULTITASK and spec.input_image_size == (3, 80, 60)
    assert spec.unknown_fields == (
        "model_config.colour_space (line 4)",
        "model_config.augment (line 5)",
        "export_config (line 7)",
    )
    (record,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    msg = record.getMessage()
    assert msg.startswith(
        "my_spec.txt: field(s) that the TAO multitask_classification Experiment does not have"
    )
    assert "model_config.colour_space (line 4), model_config.augment (line 5), export_config (line 7)" in msg
    assert "flip" not in msg and "rotate" not in msg  # nested inside a skipped field: not reported again


def test_ill_typed_values_fail_with_line_and_column():
    with pytest.raises(
        ModelError, match=r"^s\.txt:2:13: not a TAO training spec: Couldn.t parse integer: \"ten\""
    ):
        parse_spec_text('model_config {\n  n_layers: "ten"\n}\n', "s.txt")
    with pytest.raises(
        ModelError,
        match=r"^s\.txt:1:39: not a TAO training spec: Enum type \"RegularizationType\" has no value named L3",
    ):
        parse_spec_text("training_config { regularizer { type: L3 } }", "s.txt")
    with pytest.raises(ModelError, match=r"input_image_size '80x60' is not 'C,H,W'"):
        parse_spec_text('model_config { input_image_size: "80x60" }')


def test_a_field_given_twice_keeps_the_last_value_like_tao():
    spec = parse_spec_text('model_config { input_image_size: "3,80,60" input_image_size: "3,64,64" }')
    assert spec.input_image_size == (3, 64, 64)


def test_bicubic_interpolation_is_recorded():
    spec = parse_spec_text(
        'model_config { input_image_size: "3,80,60" resize_interpolation_method: BICUBIC }'
    )
    assert spec.resize_interpolation_method == "BICUBIC"
    pp = resolve_preprocessing({}, spec, (3, 80, 60), 1)
    assert pp.training_spec == {
        "schema": MULTITASK,
        "input_image_size": [3, 80, 60],
        "resize_interpolation_method": "BICUBIC",
        "preprocess_mode": None,
    }


def test_relative_dataset_paths_are_relative_to_the_spec_file(tmp_path):
    d = tmp_path / "specs"
    d.mkdir()
    (d / "spec.txt").write_text(
        'dataset_config { val_csv_path: "../data/val.csv" image_directory_path: "/abs/images" }'
    )
    spec = load_spec(d / "spec.txt")
    assert spec.validation_set() == (d / "../data/val.csv", ROOT.joinpath("/abs/images"))
    assert parse_spec_text('dataset_config { val_csv_path: "v.csv" }').validation_set() is None


@pytest.mark.parametrize("sample", ["multitask_sample", "multitask_tao5"])
def test_shipped_sample_specs_are_clean_multitask_experiments(sample, caplog):
    path = ROOT / "samples" / sample / "spec.txt"
    with caplog.at_level(logging.WARNING, logger="tao2ds"):
        spec = load_spec(path)
    assert spec.schema == MULTITASK and spec.unknown_fields == () and not caplog.records
    assert spec.input_image_size == (3, 80, 60)


def test_tao5_sample_spec_names_the_shipped_validation_set():
    path = ROOT / "samples" / "multitask_tao5" / "spec.txt"
    csv, images = load_spec(path).validation_set()
    assert csv.resolve() == (ROOT / "samples/multitask_sample/validation/labels.csv").resolve()
    assert images.resolve() == (ROOT / "samples/multitask_sample/validation/images").resolve()
    assert csv.is_file() and images.is_dir()


def test_missing_and_binary_spec_files(tmp_path):
    with pytest.raises(ModelError, match="training spec not found"):
        load_spec(tmp_path / "nope.txt")
    (tmp_path / "b.txt").write_bytes(b"\xff\xfe\x00model")
    with pytest.raises(ModelError, match="not UTF-8 text"):
        load_spec(tmp_path / "b.txt")
