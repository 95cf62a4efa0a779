"""Run an ONNX model in ONNX Runtime and calibrate every float tensor (network input included).

Images are streamed twice (pass 1: max|x|, pass 2: histograms over [0, max|x|]) so nothing is held in
memory across batches -- unlike ORT's HistogramCalibrater, which keeps every intermediate output.

Each pass runs its batches on a few worker threads (one per core, at most ``MAX_WORKERS``): a worker
decodes a batch (when ``batches`` offers ``loaders()``), runs it through the one shared ORT session
(concurrent ``run`` calls are supported; each uses one intra-op thread) and folds the outputs into its
own collector; the collectors are merged after the pass. Decoding, inference and numpy release the GIL,
so all cores stay busy. Max and integer counts are exact and order-free, so the result is bit-for-bit
that of one thread; at most 2 batches per worker are in flight, so memory does not grow with the set.

A Relu output is neither fetched nor binned: its range is max(max x, 0) of its input x, and when that
equals the input's range (same float32 scale) its histogram is the input's positive side, counted while
the input is binned (``AbsHistogramCollector``, ``relu_of``); otherwise it is binned from its values.

Why not fewer or faster passes: the tensors are calibrated as the graph is written (no fusions, see
``_session``); ORT's optimised CPU graph (NCHWc convolutions) is about twice as fast but its values
differ in the last bits, which moves max|x| and so every threshold. A histogram needs its range before
its first value, hence the range pass.
"""

from __future__ import annotations

import os
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import onnx
import onnxruntime as ort

from .histogram import DEFAULT_BINS, AbsHistogramCollector, AbsMaxCollector, Histogram
from .thresholds import HISTOGRAM_METHODS, METHODS, compute_amax

Batches = Callable[[], Iterable[np.ndarray]]  # may also have loaders(): one callable per batch
Progress = Callable[[int], None]

MAX_WORKERS = 8  # threads per pass; each holds a batch, its outputs and scratch (~12 MB for the sample)

_FLOAT = onnx.TensorProto.FLOAT
_CONSTANT_OPS = frozenset({"Constant"})


def _input_names(graph: onnx.GraphProto) -> list[str]:
    initializers = {t.name for t in graph.initializer}
    return [i.name for i in graph.input if i.name not in initializers]


def augmented_model_bytes(model: onnx.ModelProto) -> tuple[bytes, list[str]]:
    """Serialized copy of ``model`` whose outputs include every float32 node output; returns (bytes, names).

    ``names`` lists those tensors in graph order (original float outputs included). Graph inputs are not
    listed: the caller already has their values. Types come from ONNX shape inference; tensors whose
    type is unknown or not float32 (shapes, indices), initializers and Constant outputs are skipped.
    """
    inferred = onnx.shape_inference.infer_shapes(model)
    graph = inferred.graph
    typed = {vi.name: vi for vi in [*graph.input, *graph.value_info, *graph.output]}
    skip = {t.name for t in graph.initializer} | set(_input_names(graph))
    existing_outputs = {o.name for o in graph.output}

    names: list[str] = []
    seen: set[str] = set()
    for node in graph.node:
        if node.op_type in _CONSTANT_OPS and node.domain in ("", "ai.onnx"):
            continue
        for out in node.output:
            if not out or out in skip or out in seen:
                continue
            vi = typed.get(out)
            if vi is None or vi.type.tensor_type.elem_type != _FLOAT:
                continue
            names.append(out)
            seen.add(out)
            if out not in existing_outputs:
                graph.output.append(vi)
    return inferred.SerializeToString(), names


@dataclass
class Statistics:
    """Result of the two passes; ``histograms`` is None when the method needs only max|x|."""

    input_name: str
    tensor_names: list[str]  # input first, then graph order
    maxima: AbsMaxCollector
    histograms: AbsHistogramCollector | None
    images: int


def _relu_inputs(graph: onnx.GraphProto, tensors: list[str]) -> dict[str, str]:
    """Relu output -> input, for Relu nodes whose input and output are both calibrated tensors and
    whose input is not itself such an output (no chains: the input's values are always fetched)."""
    known = set(tensors)
    relus = {
        node.output[0]: node.input[0]
        for node in graph.node
        if node.op_type == "Relu"
        and node.domain in ("", "ai.onnx")
        and node.input[0] in known
        and node.output[0] in known
    }
    return {y: x for y, x in relus.items() if x not in relus}


def default_workers() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_WORKERS))


def _session(model_bytes: bytes, providers: list[str] | None, workers: int = 1) -> ort.InferenceSession:
    options = ort.SessionOptions()
    # No fusions: calibrate the graph as written (TensorRT's EntropyCalibration2 also calibrates before
    # fusion), and fused nodes could not expose their intermediate tensors anyway.
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    if workers > 1:
        # Parallel over batches instead of inside each op: one intra-op thread per concurrent run()
        # (the values do not depend on the thread count: ORT splits no reduction across threads).
        options.intra_op_num_threads = 1
    return ort.InferenceSession(model_bytes, options, providers=providers or ["CPUExecutionProvider"])


class _BoundRun:
    """``session.run`` into output arrays that each thread reuses (ORT's IOBinding).

    A plain ``run`` allocates and fills fresh arrays for every fetched tensor of every batch (~5 MB a
    batch on the sample); binding them once per thread saves ~10% of a pass. The arrays returned are
    overwritten by the thread's next call, so the caller must be done with them by then (``_run_pass``
    folds them into its collector first). A thread falls back to plain runs if a batch's outputs ever
    change shape for the same input shape (data-dependent shapes), where a bound array cannot be reused.
    """

    def __init__(self, session: ort.InferenceSession, input_name: str, output_names: list[str]):
        self.session, self.input_name, self.output_names = session, input_name, output_names
        self._local = threading.local()

    def __call__(self, x: np.ndarray) -> list[np.ndarray]:
        state = getattr(self._local, "state", None)
        if state is not None and state[0] == x.shape:
            _, io, outputs = state
            io.bind_cpu_input(self.input_name, x)
            try:
                self.session.run_with_iobinding(io)
                return outputs
            except Exception:  # noqa: BLE001 - a shape ORT cannot write into the bound arrays
                self._local.state = ("plain", None, None)
        outputs = self.session.run(self.output_names, {self.input_name: x})
        if state is None or state[0] != "plain":
            io = self.session.io_binding()
            for name, out in zip(self.output_names, outputs):
                io.bind_output(name, "cpu", 0, out.dtype, list(out.shape), out.ctypes.data)
            self._local.state = (x.shape, io, outputs)
        return outputs


def _jobs(batches: Batches) -> Iterator[Callable[[], np.ndarray]]:
    """One callable per batch: the source's own loaders (decoded on the workers) or its arrays."""
    loaders = getattr(batches, "loaders", None)
    if loaders is not None:
        yield from loaders()
    else:
        for batch in batches():
            yield lambda batch=batch: batch


def _run_pass(
    session: ort.InferenceSession,
    input_name: str,
    output_names: list[str],
    batches: Batches,
    collectors: list,
    progress: Progress | None,
) -> int:
    """Run every batch and fold it into one of ``collectors`` (one per worker); returns the image count."""
    free: queue.SimpleQueue = queue.SimpleQueue()
    for c in collectors:
        free.put(c)

    run = _BoundRun(session, input_name, output_names)

    def work(load: Callable[[], np.ndarray]) -> int:
        x = np.ascontiguousarray(load(), dtype=np.float32)
        outputs = run(x)
        c = free.get()
        try:
            c.update(input_name, x)
            for name, value in zip(output_names, outputs):
                c.update(name, value)
        finally:
            free.put(c)
        return len(x)

    images = 0

    def finish(f: Future) -> None:
        nonlocal images
        n = f.result()  # in submission order: the first failing batch is the one reported
        images += n
        if progress is not None:
            progress(n)

    workers = len(collectors)
    if workers == 1:
        for load in _jobs(batches):
            f: Future = Future()
            f.set_result(work(load))
            finish(f)
        return images
    pending: deque[Future] = deque()
    pool = ThreadPoolExecutor(workers, thread_name_prefix="calibrate")
    try:
        for load in _jobs(batches):
            pending.append(pool.submit(work, load))
            if len(pending) >= 2 * workers:
                finish(pending.popleft())
        while pending:
            finish(pending.popleft())
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return images


def collect_statistics(
    onnx_path: str | os.PathLike,
    batches: Batches,
    *,
    histograms: bool = True,
    bins: int = DEFAULT_BINS,
    progress: Progress | None = None,
    providers: list[str] | None = None,
    workers: int | None = None,
) -> Statistics:
    """Pass 1 (max|x|) and, if ``histograms``, pass 2 (|x| histograms); ``batches()`` is called once per pass.

    ``workers`` threads per pass (default: one per core, at most MAX_WORKERS); any number gives the
    same result.
    """
    model = onnx.load(os.fspath(onnx_path))
    inputs = _input_names(model.graph)
    if len(inputs) != 1:
        raise ValueError(f"expected a model with exactly one input, got {inputs}")
    input_name = inputs[0]
    input_type = next(i for i in model.graph.input if i.name == input_name).type.tensor_type.elem_type
    if input_type != _FLOAT:
        raise ValueError(f"model input {input_name!r} is not float32; cannot calibrate it")
    model_bytes, output_names = augmented_model_bytes(model)
    workers = default_workers() if workers is None else max(1, int(workers))
    session = _session(model_bytes, providers, workers)

    tensor_names = [input_name, *output_names]
    relus = _relu_inputs(model.graph, tensor_names)  # Relu outputs: range from their input's signed max
    per_worker = [AbsMaxCollector() for _ in range(workers)]
    fetched = [n for n in output_names if n not in relus]
    images = _run_pass(session, input_name, fetched, batches, per_worker, progress)
    if images == 0:
        raise ValueError("no calibration images: batches() yielded nothing")
    maxima = AbsMaxCollector()
    for c in per_worker:
        maxima.merge(c)
    for y, x in relus.items():
        maxima.add_relu(y, x)
    maxima.reorder(tensor_names)

    hist = None
    if histograms:
        amax, nonneg = maxima.amax, maxima.nonnegative
        parts = [AbsHistogramCollector(amax, bins, nonneg, relus) for _ in range(workers)]
        needed = [n for n in output_names if n not in parts[0].derived]  # derived ones are not fetched
        again = _run_pass(session, input_name, needed, batches, parts, progress)
        hist = parts[0]
        for c in parts[1:]:
            hist.merge(c)
        if again != images:
            raise ValueError(
                f"batches() yielded {images} images in pass 1 but {again} in pass 2; "
                "it must return the same data on every call"
            )
    return Statistics(input_name, tensor_names, maxima, hist, images)


MIN_SAMPLES_PER_BIN = 16  # below this many values per histogram bin, histogram methods fall back to max


def collect_ranges(
    onnx_path: str | os.PathLike,
    batches: Batches,
    method: str = "entropy",
    *,
    bins: int = DEFAULT_BINS,
    percentile: float = 99.99,
    flatten_zero_bin: bool = True,
    progress: Progress | None = None,
    providers: list[str] | None = None,
    on_histogram: Callable[[str, Histogram], None] | None = None,
    workers: int | None = None,
) -> dict[str, float]:
    """Per-tensor amax (input first, then graph order) for every float tensor of the model.

    ``batches`` must return a fresh iterable of NCHW float arrays on each call (it is called twice for
    histogram methods, once for ``max``). ``progress(n)`` is called after every batch with the number of
    images in it (an increment, e.g. ``tqdm.update``); a full run covers 2x the images for entropy and
    percentile, 1x for max.

    ``flatten_zero_bin`` (entropy only, on by default) sets bin 0 to bin 1's count before the search, as
    NVIDIA's pytorch-quantization does. The literal published method lets the ReLU zero spike pick the
    narrowest window: on the bundled sample it clipped ReLU outputs to ~1/8 of their range and top-1
    agreement of the Q/DQ model fell to 55-72%; with flattening it is 100%. TensorRT's own caches do not
    show that collapse (a ReLU output's range exceeds its Conv input's), so flattening is also the closer
    guess of what TensorRT does. Pass False for the method as published.

    ``on_histogram(name, histogram)`` is called with every tensor's |x| histogram (histogram methods
    only), for plotting; it does not change the result.
    """
    if method not in METHODS:
        raise ValueError(f"unknown calibration method {method!r}; choose one of {', '.join(METHODS)}")
    stats = collect_statistics(
        onnx_path,
        batches,
        histograms=method in HISTOGRAM_METHODS,
        bins=bins,
        progress=progress,
        providers=providers,
        workers=workers,
    )
    maxima = stats.maxima.amax

    def threshold(name: str) -> float:
        h = hists[name]
        if h is None or h.counts.sum() < MIN_SAMPLES_PER_BIN * bins:
            # Too few values to fill the histogram (e.g. a classifier head's logits: classes x images):
            # a KL search over a sparse histogram clips far inside the data, so keep the observed range.
            return compute_amax("max", amax=maxima[name])
        return compute_amax(
            method,
            amax=h.amax,
            counts=h.counts,
            bin_width=h.bin_width,
            percentile=percentile,
            flatten_zero_bin=flatten_zero_bin,
        )

    hists = {
        name: stats.histograms.histogram(name) if stats.histograms is not None else None
        for name in stats.tensor_names
    }
    if on_histogram is not None:
        for name, h in hists.items():
            if h is not None:
                on_histogram(name, h)
    # Each search is a pure function of its histogram (numpy drops the GIL in its array work): run them
    # on the pass's threads; map() keeps the input-first graph order.
    with ThreadPoolExecutor(workers or default_workers(), thread_name_prefix="threshold") as pool:
        return dict(zip(stats.tensor_names, pool.map(threshold, stats.tensor_names)))
