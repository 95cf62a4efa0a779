"""Two-pass |x| histograms: exact bin count, order independence, fixed memory, edge cases."""

from __future__ import annotations

import numpy as np
import pytest

from tao2ds.calibration import native
from tao2ds.calibration.histogram import AbsHistogramCollector, AbsMaxCollector


@pytest.fixture(autouse=True, params=["C", "numpy"])
def binning(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test here runs with the C loop and with the numpy code: both must give these counts."""
    if request.param == "numpy":
        monkeypatch.setenv(native.DISABLE_ENV, "0")
        assert native.histogram_kernel() is None
    else:
        monkeypatch.delenv(native.DISABLE_ENV, raising=False)
        # scripts/setup.sh installs gcc, so the install built it; a missing build must show up here
        assert native.histogram_kernel() is not None, native.describe()
    return request.param


def _two_pass(chunks: list[np.ndarray], bins: int = 2048) -> AbsHistogramCollector:
    maxima = AbsMaxCollector()
    for c in chunks:
        maxima.update("t", c)
    hist = AbsHistogramCollector(maxima.amax, bins)
    for c in chunks:
        hist.update("t", c)
    return hist


def test_max_collector_tracks_abs_max() -> None:
    m = AbsMaxCollector()
    m.update("a", np.array([0.5, -3.0, 2.0], dtype=np.float32))
    m.update("a", np.array([1.0], dtype=np.float32))
    m.update("b", np.zeros((2, 3), dtype=np.float32))
    assert m.amax == {"a": 3.0, "b": 0.0}


def test_max_collector_rejects_non_finite() -> None:
    with pytest.raises(ValueError, match="'bad'"):
        AbsMaxCollector().update("bad", np.array([1.0, np.nan], dtype=np.float32))


def test_histogram_matches_numpy_and_puts_max_in_last_bin() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal(200_000).astype(np.float32)
    x[17] = -5.0  # the max, exactly
    h = _two_pass(np.array_split(x, 7)).histogram("t")
    assert h.counts.shape == (2048,) and h.counts.sum() == x.size
    assert h.amax == 5.0 and h.bin_width == 5.0 / 2048
    assert h.counts[-1] >= 1
    ref, _ = np.histogram(np.abs(x), bins=2048, range=(0, 5.0))
    # float32 arithmetic may move a handful of values sitting exactly on a bin edge
    assert np.abs(h.counts - ref).sum() <= 10


def test_histogram_is_independent_of_batch_order_and_chunking() -> None:
    rng = np.random.default_rng(1)
    chunks = [rng.laplace(size=(4, 3, 8, 8)).astype(np.float32) * s for s in (1, 10, 0.1, 3)]
    a = _two_pass(chunks).histogram("t")
    b = _two_pass(chunks[::-1]).histogram("t")
    c = _two_pass([np.concatenate(chunks)]).histogram("t")
    assert np.array_equal(a.counts, b.counts) and np.array_equal(a.counts, c.counts)
    assert a.bin_width == b.bin_width == c.bin_width


def test_all_zero_tensor() -> None:
    h = _two_pass([np.zeros(10, np.float32), np.zeros(5, np.float32)]).histogram("t")
    assert h.amax == 0.0 and h.bin_width == 0.0
    assert h.counts[0] == 15 and h.counts[1:].sum() == 0


def test_values_beyond_pass1_max_are_clipped_into_last_bin() -> None:
    hist = AbsHistogramCollector({"t": 1.0}, bins=8)
    hist.update("t", np.array([0.0, 0.99, 1.0, 7.0], dtype=np.float32))
    assert hist.histogram("t").counts.tolist() == [1, 0, 0, 0, 0, 0, 0, 3]


def test_unknown_tensor_is_a_clear_error() -> None:
    with pytest.raises(KeyError, match="not seen in pass 1"):
        AbsHistogramCollector({"t": 1.0}).update("other", np.ones(3, np.float32))


def test_memory_does_not_grow_with_updates() -> None:
    rng = np.random.default_rng(2)
    hist = AbsHistogramCollector({"a": 4.0, "b": 2.0})
    before = hist.nbytes
    for _ in range(200):
        hist.update("a", rng.standard_normal(1000).astype(np.float32))
        hist.update("b", rng.standard_normal(1000).astype(np.float32))
    assert hist.nbytes == before == 2 * 2048 * 8


def _reference_counts(chunks: list[np.ndarray], amax: float, bins: int = 2048) -> np.ndarray:
    """The formula as first written: min(trunc(float32(|x| * float32(bins / amax))), bins - 1)."""
    counts = np.zeros(bins, np.int64)
    for c in chunks:
        idx = np.abs(c.astype(np.float32).ravel())
        idx *= np.float32(bins / amax)
        idx = np.minimum(idx.astype(np.intp), bins - 1)
        counts += np.bincount(idx, minlength=bins)
    return counts


def test_binning_is_exactly_the_reference_formula_incl_bin_edges() -> None:
    rng = np.random.default_rng(3)
    amax = 7.3
    edges = (np.arange(2049) * (amax / 2048)).astype(np.float32)  # values on and next to bin edges
    near = np.concatenate([edges, np.nextafter(edges, 0), np.nextafter(edges, 10)])
    signed = [rng.standard_normal(5000).astype(np.float32), near, -near]
    signed = [np.clip(c, -amax, amax).astype(np.float32) for c in signed]
    hist = AbsHistogramCollector({"t": amax})
    for c in signed:
        hist.update("t", c)
    assert np.array_equal(hist.histogram("t").counts, _reference_counts(signed, amax))
    nonneg = [np.abs(c) for c in signed] + [np.array([-0.0, 0.0], np.float32)]
    fast = AbsHistogramCollector({"t": amax}, nonnegative={"t"})  # skips |x|
    for c in nonneg:
        fast.update("t", c)
    assert np.array_equal(fast.histogram("t").counts, _reference_counts(nonneg, amax))


def test_max_collector_knows_nonnegative_tensors_and_merges() -> None:
    a, b = AbsMaxCollector(), AbsMaxCollector()
    a.update("relu", np.array([0.0, 2.0], np.float32))
    a.update("conv", np.array([1.0, 3.0], np.float32))
    b.update("relu", np.array([-0.0, 5.0], np.float32))
    b.update("conv", np.array([-4.0, 1.0], np.float32))
    a.merge(b)
    assert a.amax == {"relu": 5.0, "conv": 4.0}
    assert a.nonnegative == {"relu"}


def test_histograms_merge_by_adding_counts() -> None:
    rng = np.random.default_rng(4)
    chunks = [rng.standard_normal(300).astype(np.float32) for _ in range(4)]
    whole = _two_pass(chunks)
    amax = {"t": whole.histogram("t").amax}
    left, right = AbsHistogramCollector(amax), AbsHistogramCollector(amax)
    for k, c in enumerate(chunks):
        (left if k % 2 else right).update("t", c)
    left.merge(right)
    assert np.array_equal(left.histogram("t").counts, whole.histogram("t").counts)
    with pytest.raises(ValueError, match="different ranges"):
        left.merge(AbsHistogramCollector({"t": 1.0}))


def test_binning_in_chunks_equals_the_reference_on_long_tensors() -> None:
    rng = np.random.default_rng(5)
    big = [rng.laplace(size=(3, 100_003)).astype(np.float32), np.maximum(rng.standard_normal(70_001), 0)]
    big = [b.astype(np.float32) for b in big]
    for nonneg, chunks in ((set(), big[:1]), ({"t"}, big[1:])):
        amax = float(max(np.abs(c).max() for c in chunks))
        hist = AbsHistogramCollector({"t": amax}, nonnegative=nonneg)
        for c in chunks:
            hist.update("t", c)
        assert np.array_equal(hist.histogram("t").counts, _reference_counts(chunks, amax))


def test_relu_histogram_derived_from_its_input_is_exact() -> None:
    rng = np.random.default_rng(6)
    x = [rng.laplace(size=50_000).astype(np.float32) for _ in range(3)]
    x[1][7] = 9.5  # the largest |x| is positive, so Relu keeps it: equal ranges
    x[2][:2048] = (np.arange(2048) * (9.5 / 2048)).astype(np.float32)  # bin edges
    x[2][2048:4096] = -x[2][:2048]
    y = [np.maximum(c, 0) for c in x]
    amax = {"x": 9.5, "y": 9.5}
    hist = AbsHistogramCollector(amax, relu_of={"y": "x"})
    assert hist.derived == {"y"}
    for cx, cy in zip(x, y):
        hist.update("x", cx)
        hist.update("y", cy)  # ignored: derived
    assert np.array_equal(hist.histogram("x").counts, _reference_counts(x, 9.5))
    assert np.array_equal(hist.histogram("y").counts, _reference_counts(y, 9.5))
    assert hist.nbytes == 2 * 2048 * 8
    # a negative extreme: ranges differ, so the Relu output is binned from its own values
    apart = AbsHistogramCollector({"x": 12.0, "y": 9.5}, relu_of={"y": "x"})
    assert apart.derived == frozenset()


def test_signed_binning_clips_values_beyond_the_range_like_the_plain_one() -> None:
    hist = AbsHistogramCollector({"x": 1.0, "y": 1.0}, bins=8, relu_of={"y": "x"})
    hist.update("x", np.array([0.0, -0.99, 1.0, -1.0, 7.0, -7.0, 0.5], dtype=np.float32))
    assert hist.histogram("x").counts.tolist() == [1, 0, 0, 0, 1, 0, 0, 5]
    assert hist.histogram("y").counts.tolist() == [4, 0, 0, 0, 1, 0, 0, 2]


@pytest.mark.parametrize("bins", [1, 7, 2048])
def test_c_loop_and_numpy_agree_bin_for_bin(bins: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Random, Relu-like (a spike at 0), tiny (denormal) and edge values, signed and derived Relu, in
    tensors longer than numpy's chunk and shorter than the C loop's 4 lanes: the same counts."""
    rng = np.random.default_rng(bins)
    amax = 3.7
    edges = (np.arange(bins + 1) * np.float32(amax / bins)).astype(np.float32)
    tensors = [
        rng.standard_normal(100_003).astype(np.float32),
        np.maximum(rng.standard_normal(70_001), 0).astype(np.float32),
        np.concatenate([edges, -edges, np.nextafter(edges, 0), np.nextafter(edges, 9), [-0.0, 1e-45]]),
        np.array([amax, -amax, 0.5], np.float32),
    ]
    tensors = [np.clip(t, -amax, amax).astype(np.float32) for t in tensors]
    tensors[1][:5] = amax  # its max is positive, so the Relu output's range is the input's

    def collect(kernel: bool) -> dict[str, np.ndarray]:
        if kernel:
            monkeypatch.delenv(native.DISABLE_ENV, raising=False)
        else:
            monkeypatch.setenv(native.DISABLE_ENV, "0")
        h = AbsHistogramCollector({"x": amax, "y": amax, "z": amax}, bins, {"z"}, relu_of={"y": "x"})
        for t in tensors:
            h.update("x", t)
            h.update("z", np.abs(t))
        return {n: h.histogram(n).counts for n in "xyz"}

    c, ref = collect(True), collect(False)
    for name in "xyz":
        assert np.array_equal(c[name], ref[name]), name
        assert c[name].sum() == sum(t.size for t in tensors)
