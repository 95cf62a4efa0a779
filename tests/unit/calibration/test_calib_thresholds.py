"""Thresholds: entropy vs an independent pytorch-quantization port, real-cache bit patterns, speed, dispatch."""

from __future__ import annotations

import struct
from functools import cache

import numpy as np
import pytest
from scipy.stats import entropy as kl_divergence

from tao2ds.calibration.histogram import AbsHistogramCollector, AbsMaxCollector, Histogram
from tao2ds.calibration.thresholds import (
    METHODS,
    compute_amax,
    entropy_amax,
    entropy_divergences,
    max_amax,
    percentile_amax,
)


def reference_entropy_amax(
    calib_hist: np.ndarray,
    calib_bin_edges: np.ndarray,
    num_bits: int = 8,
    unsigned: bool = False,
    stride: int = 1,
    start_bin: int = 128,
    zero_bin_quirk: bool = True,
) -> float:
    """Independent port of pytorch-quantization ``_compute_amax_entropy`` (NVIDIA/TensorRT v8.6.1,
    tools/pytorch-quantization/pytorch_quantization/calib/histogram.py), numpy only.

    Kept: ``bins[0] = bins[1]`` (switchable), np.linspace/np.digitize level assignment, per-level
    averaging over non-zero bins via a count of digitized indices, outliers added to the last reference
    bin, scipy ``entropy`` (which normalises both), last argmin, amax = bin edge at index i. Changed:
    the per-bin Python loops are replaced by bincount (same arithmetic), and ``bins`` is a copy (the
    original mutates the caller's histogram).
    """
    bins = np.array(calib_hist, dtype=np.int64)
    if zero_bin_quirk:
        bins[0] = bins[1]
    nbins = 1 << (num_bits - 1 + int(unsigned))
    divergences = []
    for i in range(start_bin, len(bins) + 1, stride):
        space = np.linspace(0, i, num=nbins + 1)
        digitized = np.digitize(range(i), space) - 1
        digitized[bins[:i] == 0] = -1
        valid = digitized != -1
        level_counts = np.bincount(digitized[valid], weights=bins[:i][valid], minlength=nbins)
        level_sizes = np.bincount(digitized[valid], minlength=nbins)
        level_counts[level_sizes > 0] /= level_sizes[level_sizes > 0]
        new_density = np.zeros(i, dtype=np.float64)
        new_density[valid] = level_counts[digitized[valid]]
        reference_density = np.array(bins[:i], dtype=np.float64)
        reference_density[-1] += np.sum(bins[i:])
        divergences.append(kl_divergence(reference_density, new_density))
    divergences = np.array(divergences)
    last_argmin = len(divergences) - 1 - np.argmin(divergences[::-1])
    return float(calib_bin_edges[last_argmin * stride + start_bin])


def _histogram(x: np.ndarray, bins: int = 2048) -> Histogram:
    x = x.astype(np.float32)
    maxima = AbsMaxCollector()
    for chunk in np.array_split(x, 8):
        maxima.update("t", chunk)
    hist = AbsHistogramCollector(maxima.amax, bins)
    for chunk in np.array_split(x, 8):
        hist.update("t", chunk)
    return hist.histogram("t")


_N = 1_000_000
_RNG = np.random.default_rng(2024)
DISTRIBUTIONS = {
    "gaussian": _RNG.standard_normal(_N),
    "laplacian": _RNG.laplace(scale=0.7, size=_N),
    "uniform": _RNG.uniform(-3.0, 3.0, _N),
    # ReLU output: half the mass exactly at 0, plus a few large outliers
    "relu_gaussian_outliers": np.concatenate(
        [np.maximum(_RNG.standard_normal(_N), 0.0), _RNG.uniform(6.0, 20.0, 100)]
    ),
}
NO_ZERO_SPIKE = ["gaussian", "laplacian", "uniform"]


@pytest.fixture(scope="module")
def histograms() -> dict[str, Histogram]:
    return {name: _histogram(x) for name, x in DISTRIBUTIONS.items()}


def _edges(h: Histogram) -> np.ndarray:
    return np.arange(len(h.counts) + 1) * h.bin_width


@cache
def _reference(name: str, zero_bin_quirk: bool) -> float:
    h = _histogram(DISTRIBUTIONS[name])
    return reference_entropy_amax(h.counts, _edges(h), zero_bin_quirk=zero_bin_quirk)


def _rel(ours: float, ref: float) -> float:
    return abs(ours - ref) / ref


@pytest.mark.parametrize("name", NO_ZERO_SPIKE)
def test_entropy_agrees_with_pytorch_quantization(name: str, histograms: dict[str, Histogram]) -> None:
    h = histograms[name]
    ours = entropy_amax(h.counts, h.bin_width)
    ref = _reference(name, True)
    print(f"{name}: ours={ours:.6g} pytorch-quantization={ref:.6g} rel={_rel(ours, ref):.4%}")
    assert _rel(ours, ref) < 0.01


@pytest.mark.parametrize("name", list(DISTRIBUTIONS))
def test_entropy_agrees_with_reference_without_zero_bin_quirk(
    name: str, histograms: dict[str, Histogram]
) -> None:
    h = histograms[name]
    ours = entropy_amax(h.counts, h.bin_width)
    ref = _reference(name, False)
    print(f"{name}: ours={ours:.6g} reference(no bins[0]=bins[1])={ref:.6g} rel={_rel(ours, ref):.4%}")
    assert _rel(ours, ref) < 0.01


@pytest.mark.parametrize("name", list(DISTRIBUTIONS))
def test_flatten_zero_bin_matches_pytorch_quantization(name: str, histograms: dict[str, Histogram]) -> None:
    h = histograms[name]
    ours = entropy_amax(h.counts, h.bin_width, flatten_zero_bin=True)
    ref = _reference(name, True)
    print(f"{name}: ours(flatten)={ours:.6g} pytorch-quantization={ref:.6g} rel={_rel(ours, ref):.4%}")
    assert _rel(ours, ref) < 0.01


def test_zero_spike_is_where_the_published_method_and_pytorch_quantization_part(
    histograms: dict[str, Histogram],
) -> None:
    # Documented divergence: bins[0] = bins[1] hides the ReLU zero spike, which otherwise drives the
    # published method to clip much harder. Pin it so a change of behaviour is noticed.
    h = histograms["relu_gaussian_outliers"]
    published = entropy_amax(h.counts, h.bin_width)
    pytorch_q = _reference("relu_gaussian_outliers", True)
    assert published < 0.5 * pytorch_q


def test_vectorised_divergences_match_direct_kl() -> None:
    h = _histogram(DISTRIBUTIONS["relu_gaussian_outliers"][::10])
    c = h.counts
    candidates, kl = entropy_divergences(c)
    for i, value in zip(candidates[::37], kl[::37]):
        p = c[:i].astype(np.float64)
        p[-1] += c[i:].sum()
        level = (np.arange(i) * 128) // i
        level_sum = np.bincount(level, weights=c[:i], minlength=128)
        level_nz = np.bincount(level, weights=(c[:i] > 0), minlength=128)
        q = np.where(c[:i] > 0, level_sum[level] / np.maximum(level_nz[level], 1), 0.0)
        assert value == pytest.approx(kl_divergence(p, q), rel=1e-9, abs=1e-12)


@pytest.mark.parametrize(
    ("top", "expected_hex"),
    [
        (1.0, "3c010a14"),  # detectnet_v2 cal.bin input_1 (TRT 7.0), [0,1]-scaled images
        (255.0, "4000890a"),  # a public TRT-8510 cache, MNIST model input x in [0, 255]
    ],
)
def test_unclipped_threshold_reproduces_real_cache_bits(top: float, expected_hex: str) -> None:
    # With no clipping (m = 2048) TensorRT writes (2048 + 0.5) * max/2048 / 127, bit for bit.
    x = np.linspace(0.0, top, 100_001, dtype=np.float32)
    h = _histogram(x)
    amax = entropy_amax(h.counts, h.bin_width)
    assert amax == pytest.approx(top * 2048.5 / 2048, rel=1e-12)
    assert struct.pack(">f", amax / 127).hex() == expected_hex


def test_entropy_edge_cases() -> None:
    assert entropy_amax(np.zeros(2048, np.int64), 0.1) == 0.0
    assert entropy_amax(np.r_[10, np.zeros(2047, np.int64)], 0.0) == 0.0  # all-zero tensor
    single = np.zeros(2048, np.int64)
    single[-1] = 5  # all mass at max: nothing can be clipped
    assert entropy_amax(single, 1.0) == 2048.5
    with pytest.raises(ValueError, match="start_bin"):
        entropy_amax(np.ones(64, np.int64), 1.0)


def test_percentile_and_max() -> None:
    counts = np.zeros(100, np.int64)
    counts[:10] = 1000
    counts[50] = 1
    assert percentile_amax(counts, 0.5, 100.0) == pytest.approx(25.5)  # upper edge of bin 50
    assert percentile_amax(counts, 0.5, 99.9) == pytest.approx(5.0)  # upper edge of bin 9
    assert percentile_amax(np.zeros(10), 0.5) == 0.0
    with pytest.raises(ValueError):
        percentile_amax(counts, 0.5, 101.0)
    assert max_amax(3.25) == 3.25
    with pytest.raises(ValueError):
        max_amax(float("nan"))


def test_compute_amax_dispatch() -> None:
    h = _histogram(DISTRIBUTIONS["laplacian"][:100_000])
    kwargs = dict(amax=h.amax, counts=h.counts, bin_width=h.bin_width)
    assert compute_amax("max", amax=h.amax) == h.amax
    assert compute_amax("entropy", **kwargs) == entropy_amax(h.counts, h.bin_width)
    assert compute_amax("percentile", percentile=99.0, **kwargs) == percentile_amax(
        h.counts, h.bin_width, 99.0
    )
    assert METHODS == ("entropy", "max", "percentile")
    with pytest.raises(ValueError, match="entropy, max, percentile"):
        compute_amax("minmax", amax=1.0)
    with pytest.raises(ValueError, match="needs a histogram"):
        compute_amax("entropy", amax=1.0)
