/* Pass 2 of calibration: |x| histograms over [0, amax] in one pass over a float32 tensor.
 *
 * Why C: numpy needs four passes for it (abs, multiply, cast to an index, bincount) and its bincount
 * stalls on repeated bins; on the bundled sample that was ~4 ns a value, this loop ~1 ns. Neither
 * fast-histogram (binning in float64) nor OpenCV's calcHist was faster than bincount (measured: 2.1 and
 * 3.4 ns a value). numba would be, but its import alone costs ~0.3 s, more than it saves on a small set.
 *
 * The bin of x is exactly that of the numpy reference (histogram.py):
 *     k = min(trunc(float32(|x| * scale)), bins - 1)
 * float32 multiply (C evaluates float * float in float on SSE and NEON: FLT_EVAL_METHOD 0; built
 * without -ffast-math), truncation toward zero, and whatever is >= bins (|x| == amax gives exactly
 * bins) in the last bin. NaN compares false, so it lands in the last bin too; it is also counted, and
 * the caller refuses a tensor that had any. Counts go to four interleaved sub-histograms
 * (runs of equal values would otherwise wait on each other's increments) and are added at the end.
 *
 * Loaded with ctypes (no Python headers needed; ctypes drops the GIL during the call), see native.py.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define LANES 4
#define SPAN ((int64_t)1 << 30) /* values per round: keeps every uint32 sub-count below 2^32 */

static inline int64_t bin_of(float f, float limit, int64_t last, int64_t *nan) {
    if (f < limit) return (int64_t)f; /* f >= 0 here: truncation */
    if (f != f) ++*nan;
    return last;
}

/* counts[k] += number of values of x in bin k; positive (may be NULL) also counts, for k >= 1, the
 * values x > 0 (the histogram of max(x, 0) without its bin 0, which the caller derives). Returns the
 * number of NaN values, or -1 if memory for the sub-histograms ran out.
 *
 * With positive, each lane holds 2 * bins counts: values with x < 0 in the upper half, the others in
 * the lower one, so that each value is still one increment; the halves are added up at the end. */
int64_t tao2ds_histogram(const float *x, int64_t n, float scale, int64_t bins, int64_t *counts,
                         int64_t *positive) {
    const float limit = (float)bins;
    const int64_t last = bins - 1, width = positive ? 2 * bins : bins;
    int64_t nan = 0;
    uint32_t *sub = calloc((size_t)(LANES * width), sizeof *sub);
    if (!sub) return -1;
    for (int64_t start = 0; start < n; start += SPAN) {
        const int64_t end = n - start > SPAN ? start + SPAN : n;
        int64_t i = start;
        if (positive) {
            for (; i + LANES <= end; i += LANES)
                for (int j = 0; j < LANES; j++) {
                    const float f = x[i + j] * scale;
                    sub[j * width + (f < 0.0f) * bins + bin_of(fabsf(f), limit, last, &nan)]++;
                }
            for (; i < end; i++) {
                const float f = x[i] * scale;
                sub[(f < 0.0f) * bins + bin_of(fabsf(f), limit, last, &nan)]++;
            }
        } else {
            for (; i + LANES <= end; i += LANES)
                for (int j = 0; j < LANES; j++) sub[j * width + bin_of(fabsf(x[i + j] * scale), limit, last, &nan)]++;
            for (; i < end; i++) sub[bin_of(fabsf(x[i] * scale), limit, last, &nan)]++;
        }
        for (int j = 0; j < LANES; j++) {
            uint32_t *lane = sub + j * width;
            for (int64_t k = 0; k < bins; k++) {
                counts[k] += lane[k];
                if (positive) {
                    counts[k] += lane[bins + k];
                    if (k) positive[k] += lane[k];
                }
            }
        }
        memset(sub, 0, (size_t)(LANES * width) * sizeof *sub);
    }
    free(sub);
    return nan;
}
