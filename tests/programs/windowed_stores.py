"""Loops that add into an array in windows, written as users write pooling,
block sums and pairwise terms: the windows tile the array (TILED), do not
overlap but leave gaps or run under a branch (DISJOINT), or keep adding
(KEEP_ADDING): windows that may overlap, and a loop that can stop early,
whose reverse pops its iterations from a tape instead of running over the
range."""

import math

from arrays import a_max_pool_1d as pooled_maxima  # max() over the windows of width k, stepping by k


def triples(x):
    s = 0.0
    for b in range(0, x.shape[0] - 2, 3):
        s += abs(x[b]) * x[b + 1] - min(x[b + 2], 0.5)
    return s


def pair_maxima(x):
    total = 0.0
    for i in range(0, len(x) - 1, 2):
        total += max(x[i], x[i + 1]) ** 2
    return total


def blocks_after_a_header(x, width):
    s = 0.0
    for st in range(2, x.shape[0] - width + 1, width):
        acc = 0.0
        for t in range(st, st + width):
            acc += math.sin(x[t]) * x[t]
        s += abs(acc - 0.1)
    return s


def blocks_counted_down(x):
    s = 0.0
    for st in range(0, len(x) - 3, 4):
        for t in range(st + 3, st - 1, -1):
            s += max(x[t], -0.2) * (t - st + 1)
    return s


def windows_under_a_branch(x, k):
    s = 0.0
    for st in range(0, len(x) - k + 1, k):
        if x[st] > 0.0:
            for t in range(st, st + k):
                s += abs(x[t] - 0.3)
    return s


def every_third_pair(x):
    s = 0.0
    for i in range(0, len(x) - 2, 3):
        s += min(x[i] * x[i + 1], 0.4)
    return s


def windows_until_a_large_one(x, k):
    s = 0.0
    for st in range(0, len(x) - k + 1, k):
        m = x[st]
        for t in range(st + 1, st + k):
            m = max(m, x[t])
        if m > 2.5:
            break
        s += m * abs(m)
    return s


def sliding_maxima(x, k):
    s = 0.0
    for st in range(0, len(x) - k + 1):
        m = x[st]
        for t in range(st + 1, st + k):
            m = max(m, x[t])
        s += m * m
    return s


def overlapping_triples(x):
    s = 0.0
    for i in range(0, len(x) - 2, 2):
        s += max(x[i], x[i + 1], x[i + 2]) ** 2
    return s


def windows_wider_than_the_step(x, k):
    s = 0.0
    for st in range(0, len(x) - k, k):
        for t in range(st, st + k + 1):
            s += abs(x[t] - 0.1 * st)
    return s


def lagged_differences(x, lag):
    """Windows from x[lag - 1] on: the first must not count from the end."""
    s = 0.0
    for t in range(lag, len(x) + 1):
        s += abs(x[t - 1]) * 0.5 + max(x[t - 1], 0.1)
    return s


def wrapping_pairs(x):
    """x[i - 1] at i = 0 is x[-1], which i = n also writes: added twice."""
    s = 0.0
    for i in range(0, len(x) + 1):
        s += abs(x[i - 1] - 0.2)
    return s


def smoothed_clips(x):
    """Its reverse sweep runs t from n - 1 down to 1: x[0] alone is zeroed."""
    y = 0.0
    s = 0.0
    for t in range(1, len(x)):
        y = 0.8 * y + 0.2 * min(max(x[t], -0.5), 0.5)
        s += y * y
    return s


def running_peak_from_the_second(x):
    peak = x[1] if len(x) > 1 else 0.0
    s = 0.0
    for t in range(2, len(x)):
        peak = max(peak, x[t])
        s += (peak - x[t]) ** 2
    return s


TILED = [(pooled_maxima, (4,)), (triples, ()), (pair_maxima, ()), (blocks_after_a_header, (3,)),
         (blocks_counted_down, ()), (lagged_differences, (3,))]
DISJOINT = [(windows_under_a_branch, (3,)), (every_third_pair, ())]
KEEP_ADDING = [(sliding_maxima, (3,)), (overlapping_triples, ()), (windows_wider_than_the_step, (3,)),
               (windows_until_a_large_one, (3,)), (wrapping_pairs, ())]
# reverse sweeps whose loop counts down over part of the array: stored, the rest zeroed
COUNTED_DOWN = [(smoothed_clips, ()), (running_peak_from_the_second, ())]
# windows whose first may start below index 0: tested before the loop, stored where it passes
TESTED_HEAD = [(lagged_differences, (3,)), (lagged_differences, (0,))]
