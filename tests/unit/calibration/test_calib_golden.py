"""Calibration results are bit-for-bit those of the reference implementation on the bundled sample.

The golden files in ``data/`` were written by the two-pass implementation as of commit d963f3e (before
the calibration speed-up), with ``python -m tests.unit.calibration.test_calib_golden --write`` run on
that commit. Any later optimisation (threads, fused passes, other binning code) must reproduce them
exactly: the same cache bytes and the same float64 amax, not merely close values. Since the C binning
loop (native.py) and the pixels kept between passes (ImageBatches), the cases run through both binnings.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tao2ds.calibration import native
from tao2ds.core import fileio
from tao2ds.model.imageset import list_images, select_for_calibration
from tao2ds.model.preprocess import resolve_preprocessing
from tao2ds.steps.calibration import run_calibration, write_calibration_cache

ROOT = Path(__file__).resolve().parents[3]
SAMPLE = ROOT / "samples" / "multitask_sample"
DATA = Path(__file__).resolve().parent / "data"
TRT = "10.3.0"

# case -> (method, preprocessing override, scaling filter, batch size)
CASES = {
    "entropy_caffe_b8": ("entropy", {}, 1, 8),  # the sample build's settings
    "percentile_caffe_b8": ("percentile", {}, 1, 8),
    "max_caffe_b8": ("max", {}, 1, 8),
    "entropy_torch_cubic_b6": ("entropy", {"mode": "torch"}, 3, 6),  # RGB, another filter, 33 batches
}


def _calibrate(case: str, tmp: Path) -> tuple[dict[str, str], bytes]:
    """(amax as float.hex per tensor, cache bytes) of one case, through the step functions."""
    method, override, scaling_filter, batch = CASES[case]
    pp = resolve_preprocessing(override, None, (3, 80, 60), scaling_filter)
    pp_json = tmp / f"{case}.pp.json"
    fileio.write_json(pp_json, pp.to_dict())
    images = select_for_calibration(list_images(SAMPLE / "calibration"), batch, None, "sample")
    out = tmp / f"{case}.json"
    run_calibration(
        SAMPLE / "model.onnx", images, pp_json, method, 99.99, batch, out, tmp / f"{case}.hist.json"
    )
    cache = tmp / f"{case}.cache"
    write_calibration_cache(out, TRT, cache)
    amax = {name: float(v).hex() for name, v in fileio.read_json(out)["amax"]}
    return amax, cache.read_bytes()


@pytest.mark.parametrize(
    "case, binning",
    [(case, "C") for case in CASES] + [("entropy_caffe_b8", "numpy"), ("entropy_torch_cubic_b6", "numpy")],
)
def test_same_cache_bytes_and_amax_bits_as_before(
    case: str, binning: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the C binning loop (built by the install) and with the numpy code it replaces."""
    if binning == "numpy":
        monkeypatch.setenv(native.DISABLE_ENV, "0")
    else:
        assert native.histogram_kernel() is not None, native.describe()
    golden_amax = json.loads((DATA / "golden_amax.json").read_text())[case]
    golden_cache = (DATA / f"golden_{case}.cache").read_bytes()
    amax, cache = _calibrate(case, tmp_path)
    assert list(amax) == list(golden_amax)
    differing = {n: (amax[n], golden_amax[n]) for n in amax if amax[n] != golden_amax[n]}
    assert not differing, differing
    assert cache == golden_cache


def _write_golden() -> None:
    import tempfile

    DATA.mkdir(exist_ok=True)
    result = {}
    with tempfile.TemporaryDirectory() as tmp:
        for case in CASES:
            amax, cache = _calibrate(case, Path(tmp))
            result[case] = amax
            (DATA / f"golden_{case}.cache").write_bytes(cache)
    (DATA / "golden_amax.json").write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        _write_golden()
    else:
        raise SystemExit("usage: python -m tests.unit.calibration.test_calib_golden --write")
