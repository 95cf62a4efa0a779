import numpy as np
import pytest

from tao2ds.core.errors import ModelError
from tao2ds.model.preprocess import Preprocessing, preprocess_frame, resolve_preprocessing, spec_input_size
from tao2ds.model.tao_spec import parse_spec_text

MULTITASK_SPEC = """
random_seed: 42
model_config {
  arch: "resnet"
  n_layers: 10
  input_image_size: "3,80,60"   # C,H,W
}
training_config { batch_size_per_gpu: 32 num_epochs: 10 }
dataset_config { train_csv_path: "/data/train.csv" image_directory_path: "/data/images" }
"""
CAFFE_MEAN_SPEC = """
train_config {
  preprocess_mode: "caffe"
  image_mean { key: 'b' value: 100.0 }
  image_mean { key: 'g' value: 110.5 }
  image_mean { key: 'r' value: 120.25 }
}
"""


def resolve(spec_text=None, override=None, dims=(3, 80, 60)):
    spec = parse_spec_text(spec_text) if spec_text else None
    return resolve_preprocessing(override or {}, spec, dims, 1)


def test_spec_input_size_from_the_multitask_spec():
    spec = parse_spec_text(MULTITASK_SPEC)
    assert spec.schema == "multitask_classification" and spec_input_size(spec) == (3, 80, 60)


def test_multitask_defaults_to_caffe_with_imagenet_bgr_mean():
    pp = resolve(MULTITASK_SPEC)
    assert (pp.mode, pp.net_scale_factor, pp.offsets, pp.model_color_format) == (
        "caffe",
        1.0,
        (103.939, 116.779, 123.68),
        1,
    )
    assert "default" in pp.source


def test_caffe_image_mean_from_spec_in_bgr_order():
    pp = resolve(CAFFE_MEAN_SPEC)
    assert (
        pp.offsets == (100.0, 110.5, 120.25) and pp.model_color_format == 1 and pp.source == "training spec"
    )


@pytest.mark.parametrize(
    "mode,scale,offsets,color",
    [
        ("torch", 0.017507, (123.675, 116.28, 103.53), 0),
        ("tf", 0.0078, (127.5, 127.5, 127.5), 0),
    ],
)
def test_seed_table_modes(mode, scale, offsets, color):
    pp = resolve(f'train_config {{ preprocess_mode: "{mode}" }}')
    assert (pp.net_scale_factor, pp.offsets, pp.model_color_format) == (scale, offsets, color)


def test_explicit_override_wins():
    pp = resolve(CAFFE_MEAN_SPEC, {"mode": "torch"})
    assert pp.mode == "torch" and pp.offsets == (123.675, 116.28, 103.53)
    pp = resolve(MULTITASK_SPEC, {"offsets": [1.0, 2.0, 3.0], "net_scale_factor": 0.5})
    assert pp.offsets == (1.0, 2.0, 3.0) and pp.net_scale_factor == 0.5 and pp.model_color_format == 1


def test_image_mean_with_non_caffe_mode_is_an_error():
    with pytest.raises(ModelError, match="caffe preprocessing only"):
        resolve(
            'train_config { preprocess_mode: "tf" image_mean { key: "b" value: 1 } image_mean { key: "g" value: 1 } image_mean { key: "r" value: 1 } }'
        )


def test_color_format_must_fit_channels():
    with pytest.raises(ModelError, match="does not fit a 3-channel input"):
        resolve(None, {"model_color_format": 2})


def test_malformed_spec_names_line():
    with pytest.raises(ModelError, match=r"^spec:2:\d+: not a TAO training spec: Expected \"}\""):
        parse_spec_text("model_config {\n arch: 'x'\n")


def test_preprocess_frame_matches_nvinfer_formula():
    rng = np.random.default_rng(1)
    frame = rng.integers(0, 256, (80, 60, 3), dtype=np.uint8)  # already at infer-dims: resize is identity
    pp = Preprocessing("caffe", 1.0, (103.939, 116.779, 123.68), 1, (3, 80, 60), 1, "test")
    x = preprocess_frame(frame, pp)
    assert x.shape == (3, 80, 60) and x.dtype == np.float32
    expect_b = frame[:, :, 2].astype(np.float32) - 103.939
    np.testing.assert_allclose(x[0], expect_b, rtol=0, atol=1e-4)
    pp_rgb = Preprocessing("torch", 0.017507, (123.675, 116.28, 103.53), 0, (3, 80, 60), 1, "test")
    x = preprocess_frame(frame, pp_rgb)
    np.testing.assert_allclose(x[0], 0.017507 * (frame[:, :, 0].astype(np.float32) - 123.675), atol=1e-4)


def test_preprocess_frame_resizes_to_infer_dims():
    frame = np.zeros((320, 240, 3), np.uint8)
    frame[:160] = 255
    x = preprocess_frame(frame, Preprocessing("tf", 0.0078, (127.5,) * 3, 0, (3, 80, 60), 1, "t"))
    assert x.shape == (3, 80, 60)
    assert x[0, 0, 0] == pytest.approx(0.0078 * 127.5) and x[0, -1, 0] == pytest.approx(-0.0078 * 127.5)


@pytest.mark.parametrize("color", [0, 1, 2])
@pytest.mark.parametrize("scaling_filter", [0, 1, 3])
def test_preprocess_batch_is_bit_identical_to_frame_by_frame(color, scaling_filter):
    from tao2ds.model.preprocess import preprocess_batch

    rng = np.random.default_rng(color * 10 + scaling_filter)
    frames = [rng.integers(0, 256, (90 + k, 120 - k, 3), dtype=np.uint8) for k in range(5)]
    mode, scale, offsets = (
        ("caffe", 1.0, (103.939, 116.779, 123.68))
        if color != 0
        else ("torch", 0.017507, (123.675, 116.28, 103.53))
    )
    if color == 2:
        offsets = (128.0,)
    pp = Preprocessing(mode, scale, offsets, color, (1 if color == 2 else 3, 80, 60), scaling_filter, "t")
    batch = preprocess_batch(frames, pp)
    ref = np.stack([preprocess_frame(f, pp) for f in frames])
    assert batch.dtype == np.float32 and batch.flags.c_contiguous and batch.shape == ref.shape
    assert np.array_equal(batch.view(np.uint32), ref.view(np.uint32))  # same bits, not just close
