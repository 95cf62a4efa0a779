"""Preprocessing: from the training spec to nvinfer's keys, and the one function that applies it.

Calibration, the CPU reference runner and ``doit verify`` all call ``preprocess_frame`` with the
values read back from the generated nvinfer config, so what we measure is what nvinfer will do:
scale to infer-dims with the configured filter, reorder channels, ``y = net-scale-factor*(x - offsets)``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Mapping, Optional, Sequence

from tao2ds.core.errors import ModelError
from tao2ds.model.tao_spec import TrainingSpec

IMAGENET_BGR_MEAN = (103.939, 116.779, 123.68)
# The seed's table (shared/seed/README.md §6): mode -> (net-scale-factor, offsets, model-color-format)
MODES: dict[str, tuple[float, tuple[float, float, float], int]] = {
    "caffe": (1.0, IMAGENET_BGR_MEAN, 1),
    "torch": (0.017507, (123.675, 116.28, 103.53), 0),
    "tf": (0.0078, (127.5, 127.5, 127.5), 0),
}
COLOR_FORMATS = {0: "RGB", 1: "BGR", 2: "GRAY"}


@dataclass(frozen=True)
class Preprocessing:
    mode: Optional[str]
    net_scale_factor: float
    offsets: tuple[float, ...]
    model_color_format: int
    infer_dims: tuple[int, int, int]  # C, H, W
    scaling_filter: int
    source: str  # where the values came from, for the manifest and error messages
    # what the training spec said (tao_spec.TrainingSpec.summary()), recorded for people; None without one
    training_spec: Optional[dict] = field(default=None, compare=False, hash=False)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["offsets"] = list(self.offsets)
        d["infer_dims"] = list(self.infer_dims)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Preprocessing":
        return cls(**{**d, "offsets": tuple(d["offsets"]), "infer_dims": tuple(d["infer_dims"])})


def _spec_mode(spec: TrainingSpec | None) -> tuple[str | None, tuple[float, ...] | None]:
    """A classification_tf1 spec's train_config.preprocess_mode and image_mean (B, G, R); a multitask
    spec has neither (TAO multitask always trains caffe, reference tao-tools.md §4.3)."""
    if spec is None:
        return None, None
    return spec.preprocess_mode, spec.image_mean


def resolve_preprocessing(
    override: Mapping[str, Any],
    spec: TrainingSpec | None,
    infer_dims: Sequence[int],
    scaling_filter: int,
) -> Preprocessing:
    """Spec's mode (multitask TAO models default to caffe), then explicit overrides win."""
    spec_mode, spec_mean = _spec_mode(spec)
    mode = override.get("mode") or spec_mode or "caffe"
    if mode not in MODES:
        raise ModelError(f"preprocessing mode '{mode}' is not one of {', '.join(MODES)}")
    source = (
        "model.preprocessing"
        if override.get("mode")
        else ("training spec" if spec_mode else "default: TAO multitask trains with caffe")
    )
    scale, offsets, color = MODES[mode]
    # the spec's image_mean belongs to the spec's mode; an override to another mode drops it
    mean = override.get("image_mean") or (spec_mean if mode == (spec_mode or "caffe") else None)
    if mean is not None:
        if mode != "caffe":
            raise ModelError(f"image_mean applies to caffe preprocessing only, but the mode is '{mode}'")
        if len(mean) != 3:
            raise ModelError(f"image_mean needs 3 values (B;G;R), got {list(mean)}")
        offsets = tuple(float(m) for m in mean)
    explicit = {
        k: override.get(k)
        for k in ("net_scale_factor", "offsets", "model_color_format")
        if override.get(k) is not None
    }
    if explicit:
        source += " + explicit " + ", ".join(sorted(explicit))
    color = int(explicit.get("model_color_format", color))
    if color not in COLOR_FORMATS:
        raise ModelError(f"model_color_format={color}: valid values are 0 (RGB), 1 (BGR), 2 (GRAY)")
    offsets = tuple(float(o) for o in explicit.get("offsets", offsets))
    channels = int(infer_dims[0])
    if channels != (1 if color == 2 else 3):
        raise ModelError(
            f"model_color_format={color} ({COLOR_FORMATS[color]}) does not fit a {channels}-channel input"
        )
    if len(offsets) not in (0, channels):
        raise ModelError(f"offsets has {len(offsets)} values; the input has {channels} channels")
    return Preprocessing(
        mode=mode,
        net_scale_factor=float(explicit.get("net_scale_factor", scale)),
        offsets=offsets,
        model_color_format=color,
        infer_dims=(channels, int(infer_dims[1]), int(infer_dims[2])),
        scaling_filter=int(scaling_filter),
        source=source,
        training_spec=spec.summary() if spec else None,
    )


def spec_input_size(spec: TrainingSpec | None) -> tuple[int, int, int] | None:
    return spec.input_image_size if spec else None


# --- applying it -------------------------------------------------------------------------------


def _interpolation(scaling_filter: int) -> int:
    import cv2  # deferred: OpenCV is slow to import and a no-op build needs none

    # nvinfer scaling-filter: 0 nearest, 1 bilinear, 2-5 higher-order (GPU cubic / VIC 5-tap ...),
    # 6 the platform default (bilinear is our closest stand-in)
    return {0: cv2.INTER_NEAREST, 1: cv2.INTER_LINEAR, 6: cv2.INTER_LINEAR}.get(
        scaling_filter, cv2.INTER_CUBIC
    )


def preprocess_frame(rgb, pp: Preprocessing):
    """RGB uint8 H×W×3 frame → C×H×W float32 network input, as nvinfer computes it."""
    import cv2
    import numpy as np  # deferred: not needed to plan a build

    _, h, w = pp.infer_dims
    resized = cv2.resize(rgb, (w, h), interpolation=_interpolation(pp.scaling_filter))
    if pp.model_color_format == 1:
        resized = resized[:, :, ::-1]
    elif pp.model_color_format == 2:
        resized = cv2.cvtColor(resized, cv2.COLOR_RGB2GRAY)[:, :, None]
    x = resized.astype(np.float32)
    if pp.offsets:
        x -= np.asarray(pp.offsets, dtype=np.float32)
    x *= np.float32(pp.net_scale_factor)
    return np.ascontiguousarray(x.transpose(2, 0, 1))


def preprocess_batch(frames, pp: Preprocessing):
    """Several RGB uint8 frames → N×C×H×W float32, bit for bit ``np.stack([preprocess_frame(f, pp) ...])``.

    Faster for a batch: the channel reorder and the move to C×H×W happen on the uint8 pixels, and the
    float work (the same float32 subtraction and multiplication per element) runs once over the batch.
    """
    return normalize_pixels(batch_pixels(frames, pp), pp)


def batch_pixels(frames, pp: Preprocessing):
    """The uint8 half of ``preprocess_batch``: frames resized, in the model's colour order, N×C×H×W.

    A quarter of the size of the float input, and all of the decoding work that precedes it: calibration
    keeps these between its two passes (imageset.ImageBatches) and runs only ``normalize_pixels`` again.
    """
    import cv2
    import numpy as np  # deferred: not needed to plan a build

    _, h, w = pp.infer_dims
    interpolation = _interpolation(pp.scaling_filter)
    resized = np.stack([cv2.resize(f, (w, h), interpolation=interpolation) for f in frames])  # N×H×W×3
    if pp.model_color_format == 1:
        return np.ascontiguousarray(resized.transpose(0, 3, 1, 2)[:, ::-1])  # BGR planes
    if pp.model_color_format == 2:
        return np.stack([cv2.cvtColor(r, cv2.COLOR_RGB2GRAY) for r in resized])[:, None]
    return np.ascontiguousarray(resized.transpose(0, 3, 1, 2))


def normalize_pixels(pixels, pp: Preprocessing):
    """The float half of ``preprocess_batch``: (pixels - offsets) × net-scale-factor in float32, N×C×H×W."""
    import numpy as np  # deferred: not needed to plan a build

    x = pixels.astype(np.float32, order="C")  # contiguous N×C×H×W
    if pp.offsets:
        x -= np.asarray(pp.offsets, dtype=np.float32)[None, :, None, None]
    x *= np.float32(pp.net_scale_factor)
    return x
