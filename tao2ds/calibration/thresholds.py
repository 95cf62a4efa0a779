"""From one |x| histogram (or max|x|) to the amax of a symmetric int8 range.

``entropy`` follows TensorRT's published EntropyCalibration2 method (GTC 2017 S7310, Migacz): choose the
clipping threshold whose int8-quantized distribution diverges least (KL) from the original one.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

METHODS = ("entropy", "max", "percentile")
HISTOGRAM_METHODS = frozenset({"entropy", "percentile"})

# Divergences closer than this (nats) to the minimum count as ties; they are floating-point noise of
# the closed-form sums below. Ties resolve to the largest threshold, as pytorch-quantization does.
_TIE_TOLERANCE = 1e-12


def _xlogx(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return x * np.log(np.where(x > 0, x, 1.0))


@lru_cache(maxsize=8)
def _level_bounds(nbins: int, levels: int, start_bin: int) -> tuple[np.ndarray, np.ndarray]:
    """Candidates i (shape [K]) and, per candidate, the first bin of each level and the end ([K, L+1]):
    level k = bins [ceil(k*i/L), ceil((k+1)*i/L)). The same for every tensor of a run: computed once."""
    i = np.arange(start_bin, nbins + 1, dtype=np.int64)
    k = np.arange(levels + 1, dtype=np.int64)
    bounds = (k[None, :] * i[:, None] + levels - 1) // levels
    i.flags.writeable = bounds.flags.writeable = False  # shared between calls
    return i, bounds


def entropy_divergences(
    counts: np.ndarray, num_quantized_bins: int = 128, start_bin: int = 128
) -> tuple[np.ndarray, np.ndarray]:
    """KL(P||Q) for every candidate i in ``range(start_bin, len(counts) + 1)``; returns (i values, KL).

    For candidate i: P = counts[:i] with the outlier mass sum(counts[i:]) added to P[i-1]; Q = counts[:i]
    merged into ``num_quantized_bins`` levels (bin j -> level floor(j*levels/i), the proportional split
    pytorch-quantization uses) and spread evenly over the non-zero bins of each level (zero bins stay 0).
    Both are normalised. KL is infinite when P[i-1] > 0 but Q[i-1] = 0 (empty bin i-1 with outliers).

    Vectorised over all candidates with prefix sums: per level we only need its count sum L and its
    number of non-zero bins N, and sum_j p_j log q_j collapses to a sum over levels. Exact integer prefix
    sums keep this equal to the direct per-bin formula up to ~1e-14.
    """
    c = np.asarray(counts)
    if c.ndim != 1:
        raise ValueError("counts must be 1-D")
    if np.any(c < 0):
        raise ValueError("counts must be non-negative")
    c = np.rint(c).astype(np.int64)
    nbins, levels = len(c), int(num_quantized_bins)
    if levels < 1:
        raise ValueError(f"num_quantized_bins must be >= 1, got {num_quantized_bins}")
    if not 1 <= start_bin <= nbins:
        raise ValueError(f"start_bin must be in [1, {nbins}], got {start_bin}")
    total = int(c.sum())
    if total == 0:
        raise ValueError("empty histogram")

    cum = np.concatenate(([0], np.cumsum(c)))  # int64, exact
    cum_nz = np.concatenate(([0], np.cumsum(c > 0)))
    cum_xlogx = np.concatenate(([0.0], np.cumsum(_xlogx(c))))

    i, bounds = _level_bounds(nbins, levels, start_bin)
    # one gather per prefix sum, then the differences (4x faster than gathering each side); exact ints
    level_sum = np.diff(np.take(cum, bounds), axis=1).astype(np.float64)  # [K, L]
    level_nz = np.diff(np.take(cum_nz, bounds), axis=1).astype(np.float64)

    kept = cum[i].astype(np.float64)  # sum(counts[:i]) = total mass of Q before normalising
    outliers = float(total) - kept
    last = c[i - 1].astype(np.float64)
    last_level = ((i - 1) * levels) // i

    # sum_j P_j log P_j (P unnormalised, total mass = total)
    p_log_p = cum_xlogx[i - 1] + _xlogx(last + outliers)
    # sum_j P_j log Qraw_j, Qraw_j = L_k / N_k on non-zero bins of level k
    has = level_nz > 0
    log_q_level = np.where(
        has, np.log(np.where(has, level_sum, 1.0)) - np.log(np.where(has, level_nz, 1.0)), 0.0
    )
    p_log_q = (level_sum * log_q_level).sum(axis=1)
    p_log_q += outliers * np.take_along_axis(log_q_level, last_level[:, None], axis=1)[:, 0]

    with np.errstate(divide="ignore"):
        kl = (p_log_p - p_log_q) / total + np.log(kept / total)
    kl = np.where((last == 0) & (outliers > 0), np.inf, kl)
    return i, np.maximum(kl, 0.0)


def entropy_amax(
    counts: np.ndarray,
    bin_width: float,
    num_quantized_bins: int = 128,
    start_bin: int = 128,
    flatten_zero_bin: bool = False,
) -> float:
    """Threshold minimising KL(P||Q) over candidates i = start_bin..len(counts) (see entropy_divergences).

    Index convention: m is the chosen *number of kept bins* i (P = counts[:m]), and the threshold is the
    published ``(m + 0.5) * bin_width`` taken literally, i.e. half a bin beyond the kept range
    [0, m*bin_width); with m = len(counts) it exceeds max|x| by half a bin and is not clamped. Real caches
    agree bit-exactly: [0, 1] inputs give 2048.5/2048 (TRT 7.0, ``3c010a14``) or 2047.5/2048 (``3c00f9f4``).
    pytorch-quantization returns the edge m*bin_width instead (0.5/m <= 0.4% lower).
    Ties (within 1e-12 nats) pick the largest m, like pytorch-quantization. Empty histogram -> 0.0.

    ``flatten_zero_bin`` applies pytorch-quantization's ``bins[0] = bins[1]`` first. It is not in the
    published method, but it changes the result a lot for tensors with a spike at 0 (ReLU outputs): the
    spike makes wide windows look costly, so the plain method clips much harder there.
    """
    if float(np.sum(counts)) == 0.0 or bin_width == 0.0:
        return 0.0
    if flatten_zero_bin and len(counts) > 1:
        counts = np.array(counts, copy=True)
        counts[0] = counts[1]
    candidates, kl = entropy_divergences(counts, num_quantized_bins, start_bin)
    best = np.flatnonzero(kl <= kl.min() + _TIE_TOLERANCE)[-1]
    return float((candidates[best] + 0.5) * bin_width)


def max_amax(amax: float) -> float:
    """``max`` calibration: the observed max|x| itself (what MinMax calibrators use)."""
    amax = float(amax)
    if not (np.isfinite(amax) and amax >= 0):
        raise ValueError(f"amax must be finite and >= 0, got {amax}")
    return amax


def percentile_amax(counts: np.ndarray, bin_width: float, percentile: float = 99.99) -> float:
    """Upper edge of the first bin at which the cumulative share of |x| reaches ``percentile`` %.

    The upper edge (not the lower one pytorch-quantization returns) guarantees at least ``percentile`` %
    of the values lie within [-amax, amax]. Empty histogram -> 0.0.
    """
    if not 0.0 <= percentile <= 100.0:
        raise ValueError(f"percentile must be in [0, 100], got {percentile}")
    cum = np.cumsum(np.asarray(counts, dtype=np.float64))
    if len(cum) == 0 or cum[-1] == 0 or bin_width == 0.0:
        return 0.0
    idx = int(np.searchsorted(cum, cum[-1] * percentile / 100.0, side="left"))
    return float((min(idx, len(cum) - 1) + 1) * bin_width)


def compute_amax(
    method: str,
    *,
    amax: float,
    counts: np.ndarray | None = None,
    bin_width: float | None = None,
    percentile: float = 99.99,
    num_quantized_bins: int = 128,
    start_bin: int = 128,
    flatten_zero_bin: bool = False,
) -> float:
    """Dispatch to one method; ``amax`` is max|x| (always known), histogram needed for entropy/percentile."""
    if method not in METHODS:
        raise ValueError(f"unknown calibration method {method!r}; choose one of {', '.join(METHODS)}")
    if method == "max":
        return max_amax(amax)
    if counts is None or bin_width is None:
        raise ValueError(f"method {method!r} needs a histogram (counts and bin_width)")
    if method == "percentile":
        return percentile_amax(counts, bin_width, percentile)
    return entropy_amax(counts, bin_width, num_quantized_bins, start_bin, flatten_zero_bin)
