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


CASES = [rolling_std, rolling_range_in_a_helper, suffix_spread, suffix_lengths, last_of_the_suffix,
         growing_prefix_variance, clipped_window_mean]
MATRIX_CASES = [pair_dists, window_rows, prefix_cummax]
