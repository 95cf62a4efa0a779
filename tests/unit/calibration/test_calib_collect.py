"""Collecting ranges with ONNX Runtime: every float tensor, two-pass order independence, fixed memory."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest

from tao2ds.calibration.collect import augmented_model_bytes, collect_ranges, collect_statistics
from tests.unit.calibration.calib_helpers import TENSORS, build_tiny_model, make_batches, replayable


def test_augmented_model_exposes_every_float_tensor() -> None:
    model = build_tiny_model()
    data, names = augmented_model_bytes(model)
    assert names == TENSORS[1:]  # graph order; the input is fed, not fetched
    augmented = onnx.load_from_string(data)
    assert [o.name for o in augmented.graph.output] == ["probs", *TENSORS[1:-1]]
    assert len(model.graph.output) == 1  # the caller's model is not modified


def test_augmented_model_skips_non_float_and_constant_tensors() -> None:
    model = build_tiny_model()
    g = model.graph
    g.node.extend(
        [
            onnx.helper.make_node("Shape", ["probs"], ["probs_shape"]),  # int64
            onnx.helper.make_node("Constant", [], ["const"], value_float=2.0),
            onnx.helper.make_node("Mul", ["probs", "const"], ["probs2"]),
        ]
    )
    g.output.append(onnx.helper.make_tensor_value_info("probs2", onnx.TensorProto.FLOAT, None))
    _, names = augmented_model_bytes(model)
    assert "probs_shape" not in names and "const" not in names
    assert names[-1] == "probs2"


def test_collect_ranges_covers_input_and_all_tensors(tiny_model_path: Path) -> None:
    batches = make_batches(5)
    done: list[int] = []
    amax = collect_ranges(tiny_model_path, replayable(batches), progress=done.append)
    assert list(amax) == TENSORS
    assert all(np.isfinite(v) and v > 0 for v in amax.values())
    assert done == [4] * 10  # two passes of 5 batches of 4 images
    # entropy never exceeds max|x| by more than half a bin
    maxima = collect_ranges(tiny_model_path, replayable(batches), "max")
    for name in TENSORS:
        assert amax[name] <= maxima[name] * (1 + 0.5 / 2048) + 1e-6


def test_batch_order_does_not_change_ranges(tiny_model_path: Path) -> None:
    batches = make_batches(6)
    order = [3, 0, 5, 1, 4, 2]
    for method in ("entropy", "percentile", "max"):
        a = collect_ranges(tiny_model_path, replayable(batches), method)
        b = collect_ranges(tiny_model_path, replayable([batches[i] for i in order]), method)
        assert a == b, method


def test_max_needs_only_one_pass(tiny_model_path: Path) -> None:
    calls = 0

    def batches():
        nonlocal calls
        calls += 1
        return iter(make_batches(2))

    collect_ranges(tiny_model_path, batches, "max")
    assert calls == 1
    calls = 0
    collect_ranges(tiny_model_path, batches, "entropy")
    assert calls == 2


def test_collector_memory_is_independent_of_number_of_batches(tiny_model_path: Path) -> None:
    few = collect_statistics(tiny_model_path, replayable(make_batches(2)))
    many = collect_statistics(tiny_model_path, replayable(make_batches(12)))
    assert few.histograms is not None and many.histograms is not None
    assert few.images == 8 and many.images == 48
    assert few.histograms.nbytes == many.histograms.nbytes == len(TENSORS) * 2048 * 8
    for name in TENSORS:
        assert many.histograms.histogram(name).counts.shape == (2048,)
    assert len(many.maxima.amax) == len(TENSORS)


def test_histograms_count_every_element(tiny_model_path: Path) -> None:
    stats = collect_statistics(tiny_model_path, replayable(make_batches(3)))
    assert stats.histograms is not None
    assert stats.histograms.histogram("input_1").counts.sum() == 12 * 3 * 16 * 12
    assert stats.histograms.histogram("probs").counts.sum() == 12 * 5


def test_inconsistent_batches_are_rejected(tiny_model_path: Path) -> None:
    calls = iter([make_batches(3), make_batches(2)])
    with pytest.raises(ValueError, match="same data"):
        collect_ranges(tiny_model_path, lambda: iter(next(calls)))


def test_errors(tiny_model_path: Path) -> None:
    with pytest.raises(ValueError, match="entropy, max, percentile"):
        collect_ranges(tiny_model_path, replayable(make_batches(1)), "kl")
    with pytest.raises(ValueError, match="no calibration images"):
        collect_ranges(tiny_model_path, replayable([]))


def test_default_entropy_flattens_the_relu_zero_spike(tiny_model_path: Path) -> None:
    batches = replayable(make_batches(6))
    default = collect_ranges(tiny_model_path, batches)
    published = collect_ranges(tiny_model_path, batches, flatten_zero_bin=False)
    maxima = collect_ranges(tiny_model_path, batches, "max")
    # Without flattening, half the ReLU output sits in bin 0 and entropy picks a much narrower window.
    assert published["relu_out"] < 0.6 * default["relu_out"]
    assert default["relu_out"] > 0.5 * maxima["relu_out"]
    assert default["input_1"] == pytest.approx(published["input_1"], rel=0.01)  # no zero spike there


class _Loaders:
    """A batch source with loaders(), like model.imageset.ImageBatches; counts calls per thread."""

    def __init__(self, batches: list[np.ndarray], fail_at: int | None = None):
        self.batches, self.fail_at = batches, fail_at
        self.threads: set[str] = set()

    def _load(self, k: int) -> np.ndarray:
        import threading

        self.threads.add(threading.current_thread().name)
        if k == self.fail_at:
            raise RuntimeError(f"batch {k} is broken")
        return self.batches[k]

    def loaders(self):
        return [lambda k=k: self._load(k) for k in range(len(self.batches))]

    def __call__(self):
        return (self._load(k) for k in range(len(self.batches)))


@pytest.mark.parametrize("method", ["entropy", "percentile", "max"])
def test_any_number_of_workers_gives_identical_ranges(tiny_model_path: Path, method: str) -> None:
    batches = make_batches(9)
    one = collect_ranges(tiny_model_path, replayable(batches), method, workers=1)
    source = _Loaders(batches)
    three = collect_ranges(tiny_model_path, source, method, workers=3)
    assert three == one  # exact equality, same order
    assert list(three) == TENSORS
    assert len(source.threads) > 1 and all(t.startswith("calibrate") for t in source.threads)


def test_a_failing_batch_stops_the_pass_with_its_error(tiny_model_path: Path) -> None:
    with pytest.raises(RuntimeError, match="batch 4 is broken"):
        collect_ranges(tiny_model_path, _Loaders(make_batches(12), fail_at=4), workers=3)


def test_relu_outputs_derived_from_their_inputs_equal_direct_statistics(tiny_model_path: Path) -> None:
    """relu_out is neither fetched nor binned; its range and histogram equal those of its own values."""
    from tao2ds.calibration.collect import _session
    from tao2ds.calibration.histogram import AbsHistogramCollector, AbsMaxCollector

    batches = make_batches(5)
    for b in batches:
        b[0, :, 0, 0] = 400.0  # a large positive input: conv_out's largest |x| is positive
    stats = collect_statistics(tiny_model_path, replayable(batches), workers=2)
    assert stats.histograms is not None and stats.histograms.derived == {"relu_out"}
    data, names = augmented_model_bytes(onnx.load(str(tiny_model_path)))
    session = _session(data, None)  # the graph as written, like the calibrator
    outputs = [dict(zip(["input_1", *names], [b, *session.run(names, {"input_1": b})])) for b in batches]
    direct = AbsMaxCollector()
    for out in outputs:
        for name, value in out.items():
            direct.update(name, value)
    assert stats.maxima.amax == direct.amax and list(stats.maxima.amax) == TENSORS
    plain = AbsHistogramCollector(direct.amax)
    for out in outputs:
        for name, value in out.items():
            plain.update(name, value)
    for name in TENSORS:
        assert np.array_equal(stats.histograms.histogram(name).counts, plain.histogram(name).counts), name


def test_bound_outputs_equal_plain_runs_across_batch_sizes(tiny_model_path: Path) -> None:
    """ORT writes into arrays each thread reuses; a batch of another size rebinds, values never differ."""
    from tao2ds.calibration.collect import _BoundRun, _session

    data, names = augmented_model_bytes(onnx.load(tiny_model_path))
    session = _session(data, None, 2)
    input_name = session.get_inputs()[0].name
    run = _BoundRun(session, input_name, names)
    rng = np.random.default_rng(4)
    seen: list[int] = []
    for n in (4, 4, 3, 4, 4):
        x = rng.standard_normal((n, *session.get_inputs()[0].shape[1:])).astype(np.float32)
        got = run(x)
        expected = session.run(names, {input_name: x})
        assert [g.shape[0] for g in got] == [n] * len(names)
        assert all(np.array_equal(g, e) for g, e in zip(got, expected))
        seen.append(id(got[0]))
    assert seen[1] == seen[0] and seen[4] == seen[3]  # the same array, refilled
