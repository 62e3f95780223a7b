"""Running extremes with np.maximum.accumulate / np.minimum.accumulate,
written as users write drawdowns and envelopes."""

import numpy as np

def cummax_gap(x, k):
    m = np.maximum.accumulate(x)
    return np.sum((m - x) ** 2) * k

def drawdown_prices(r, k):
    wealth = np.cumsum(r) + 10.0
    peak = np.maximum.accumulate(wealth)
    return np.max(1.0 - wealth / peak) + k * np.mean(peak)

def running_min_cols(A, k):
    lo = np.minimum.accumulate(A)
    hi = np.maximum.accumulate(A, axis=1)
    return np.sum(lo * A) + np.sum(hi) * k


CASES = [cummax_gap, drawdown_prices, running_min_cols]
