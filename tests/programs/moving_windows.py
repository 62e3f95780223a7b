"""Arrays made inside a loop from a slice whose length moves with the loop,
written as users write rolling statistics and suffix sums.  Each is as long
as the slice this iteration: its .shape, .size, len(), negative indices and
the statistics that divide by its size must all see that length."""

import numpy as np


def rolling_std(ret, window):
    n = ret.shape[0]
    s = 0.0
    for t in range(window, n):
        hist = ret[t - window:t]
        s += np.std(hist) * ret[t]
    return s


def rolling_range_in_a_helper(ret, window):
    n = ret.shape[0]
    s = 0.0
    for t in range(window, n):
        s += _spread(ret[t - window:t]) * ret[t]
    return s


def _spread(h):
    return np.max(h) - np.min(h)


def suffix_spread(ret, window):
    s = 0.0
    for i in range(ret.shape[0] - 1):
        d = ret[i + 1:] - ret[i]
        s += np.std(d) + np.mean(d) * window
    return s


def suffix_lengths(ret, window):
    s = 0.0
    for i in range(ret.shape[0] - 1):
        d = ret[i + 1:] * 2.0
        s += d.shape[0] * ret[i] + d.size * window * ret[i] + len(d) * abs(ret[i])
    return s


def last_of_the_suffix(ret, window):
    s = 0.0
    for i in range(ret.shape[0] - 1):
        d = ret[i + 1:] * 2.0
        s += _last(d) * window
    return s


def _last(h):
    return h[h.shape[0] - 1] + h[-1]


def growing_prefix_variance(ret, window):
    s = 0.0
    for t in range(2, ret.shape[0]):
        seen = ret[:t]
        s += np.var(seen) * window + max(seen[-1], seen[0])
    return s


def clipped_window_mean(ret, window):
    """At t < window the window is x[t - window:t], negative start counted
    from the end, as NumPy does (empty here, whose mean is not taken)."""
    n = ret.shape[0]
    s = 0.0
    for t in range(1, n):
        lo = max(t - window, 0)
        w = np.abs(ret[lo:t])
        s += np.sum(w) / w.shape[0] * ret[t]
    return s


def pair_dists(Z, w):
    s = 0.0
    for i in range(Z.shape[0] - 1):
        D = Z[i + 1:, :] - Z[i]
        d = np.sqrt(np.sum(D * D, axis=1) + 1e-3)
        s += np.sum(np.maximum(w - d, 0.0)) / D.shape[0] + D.size * 0.01 * Z[i, 0]
    return s

def window_rows(Z, w):
    s = 0.0
    for t in range(w, Z.shape[0]):
        block = Z[t - w:t]
        s += np.max(np.abs(block)) * Z[t, 1] + np.mean(block) + block[-1, 0]
    return s

def prefix_cummax(Z, w):
    s = 0.0
    for t in range(1, Z.shape[0]):
        col = Z[:t, 0]
        s += np.max(col) * w + np.std(col) + len(col) * Z[t, 1]
    return s



def cumsum_prefix(ret, window):
    s = 0.0
    for t in range(1, ret.shape[0]):
        c = np.cumsum(ret[:t])
        s += c[-1] * c[0] + np.max(c) * window
    return s


def norm_suffix(ret, window):
    s = 0.0
    for i in range(ret.shape[0] - 1):
        tail = ret[i:]
        s += np.linalg.norm(tail) * window - np.min(tail) + tail.shape[0] * ret[i]
    return s


def argmax_window(ret, window):
    s = 0.0
    for t in range(window, ret.shape[0]):
        seg = ret[t - window:t]
        k = np.argmax(seg)
        s += seg[k] * ret[t] + k
    return s


def where_window(ret, window):
    s = 0.0
    for t in range(window, ret.shape[0]):
        seg = ret[t - window:t]
        s += np.sum(np.where(seg > 0.0, seg, 0.1 * seg)) + seg.size
    return s


def prod_window(ret, window):
    s = 0.0
    for t in range(window, ret.shape[0]):
        seg = 1.0 + 0.1 * ret[t - window:t]
        s += np.prod(seg) + seg.size * ret[t]
    return s


def clip_window(ret, window):
    s = 0.0
    for t in range(window, ret.shape[0]):
        seg = np.clip(ret[t - window:t], -0.5, 0.5)
        s += np.sum(seg * seg) * len(seg) + seg[-1]
    return s


def dot_prefix(ret, window):
    s = 0.0
    y = ret * 0.5 + 1.0
    for t in range(1, ret.shape[0]):
        s += np.dot(ret[:t], y[:t]) / t + np.mean(ret[:t] * y[:t]) * window
    return s


def suffix_sorted_max(ret, window):
    s = 0.0
    for i in range(ret.shape[0] - 1):
        tail = ret[i + 1:]
        s += np.max(tail) - np.min(tail) + np.sum(tail > ret[i]) * 0.1 * window
    return s


def matrix_suffix_mean(Z, w):
    s = 0.0
    for i in range(Z.shape[0] - 1):
        B = Z[i + 1:]
        m = np.mean(B, axis=0)
        s += np.sum(m * Z[i]) + B.shape[0] * B.shape[1] * 0.01 * Z[i, 0] + np.mean(B)
    return s


def derived_from_the_window(ret, window):
    s = 0.0
    for t in range(window, len(ret)):
        h = ret[t - window:t]
        r = h * 2.0 - 0.1
        s += np.dot(r, h) + np.sum(np.maximum(r, h))
    return s


def two_arrays_of_a_prefix(ret, window):
    s = 0.0
    for t in range(1, len(ret)):
        a = ret[:t] * 1.5
        b = np.abs(ret[:t])
        s += np.sum(a * b) * window
    return s


def a_slice_of_a_slice(ret, window):
    r = ret[1:][::-1]
    return np.sum(r * ret[:-1] ** 2) * window + np.sum(np.abs(ret[2:][1:]))


CASES = [rolling_std, rolling_range_in_a_helper, suffix_spread, suffix_lengths, last_of_the_suffix,
         growing_prefix_variance, clipped_window_mean, cumsum_prefix, norm_suffix, argmax_window, where_window,
         prod_window, clip_window, dot_prefix, suffix_sorted_max, derived_from_the_window, two_arrays_of_a_prefix,
         a_slice_of_a_slice]
MATRIX_CASES = [pair_dists, window_rows, prefix_cummax, matrix_suffix_mean]
