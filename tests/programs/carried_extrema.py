"""Loop-carried maxima and minima, written the ways users write them.

``SEARCHED``: programs whose reverse mode reaches the extremum through its
argmax (a search loop, then the one index); ``AS_WRITTEN``: look-alikes that
must be reversed as written (the running value is read by other work, or the
value compared is carried)."""

import math


def largest_square(x):
    n = x.shape[0]
    m = x[0] * x[0]
    for i in range(1, n):
        v = x[i] * x[i]
        if v > m:
            m = v
    return m


def last_largest(x):
    m = -1e300
    for i in range(x.shape[0]):
        v = math.sin(x[i]) * x[i]
        if v >= m:
            m = v
    return m


def smallest_cost(x, c):
    best = math.inf
    for i in range(x.shape[0]):
        cost = (x[i] - c) ** 2 + 0.1 * x[i]
        if best > cost:
            best = cost
    return best


def peak_with_max(x, w):
    peak = 0.0
    for i in range(x.shape[0]):
        peak = max(peak, abs(w * x[i] - 1.0))
    return 2.0 * peak


def floor_with_min(x):
    low = x[0]
    for k in range(1, x.shape[0]):
        low = min(x[k] * x[k] - x[k], low)
    return low


def argmax_then_use(x):
    best = -math.inf
    at = 0
    for i in range(x.shape[0]):
        score = x[i] * (1.0 - 0.5 * x[i])
        if score > best:
            best = score
            at = i
    return best + x[at] ** 2


def worst_row(A, w):
    """The largest |row . w| (an L-infinity norm of A @ w): the row's dot product is an inner loop."""
    m, n = A.shape
    worst = 0.0
    for r in range(m):
        dot = 0.0
        for c in range(n):
            dot += A[r, c] * w[c]
        worst = max(worst, abs(dot))
    return worst


def nearest_centre_sum(A, w):
    """k-means' loss, the centres the rows of A shifted by w: each row's nearest centre, by an inner loop."""
    m, n = A.shape
    total = 0.0
    for r in range(m):
        best = math.inf
        for c in range(m):
            dist = 0.0
            for f in range(n):
                dist += (A[r, f] - A[c, f] * w[f] - 0.1 * c) ** 2
            best = min(best, dist)
        total += best
    return total


def sum_and_max(x):
    s = 0.0
    m = 0.0
    for i in range(x.shape[0]):
        s += x[i]
        m = max(m, math.log(abs(x[i]) + 1.0))
    return max(math.log(abs(s) + 1.0), m)


def spread(x):
    hi = -math.inf
    lo = math.inf
    for i in range(x.shape[0]):
        y = x[i] * x[i] + x[i]
        hi = max(hi, y)
        lo = min(lo, y)
    return hi - lo


def max_of_step(x, h):
    """A max over the strided indices of a range with a step."""
    m = -math.inf
    for i in range(x.shape[0] - 1, -1, -2):
        m = max(m, (x[i] - h) * x[i])
    return m


# ---- reversed as written


def drawdown(x):
    """The running peak is read by other work of the loop."""
    peak = x[0]
    dd = 0.0
    for i in range(x.shape[0]):
        peak = max(peak, x[i])
        dd += peak - x[i]
    return dd


def carried_compare(x):
    """The value compared is itself carried (a recurrence)."""
    level = 0.0
    m = 0.0
    for i in range(x.shape[0]):
        level = 0.5 * level + x[i]
        m = max(m, level)
    return m


def compared_with_margin(x):
    """The comparison reads m through another value: not the shape of an extremum."""
    m = 0.0
    for i in range(x.shape[0]):
        v = x[i] * x[i]
        limit = m + 0.1
        if v > limit:
            m = v
    return m


def rows_max_sum(A, w):
    """Sum over rows of each row's largest weighted entry: the max is carried in an
    inner loop, its operand a product (left as written: cheap to reverse)."""
    m, n = A.shape
    total = 0.0
    for r in range(m):
        top = -math.inf
        for c in range(n):
            top = max(top, A[r, c] * w[c])
        total += top
    return total


def nearest_segment_sum(A, x):
    """Each row's point (A[r, 0], A[r, 1]) at its distance to the nearest segment
    of a polyline through (x[k], 0.5 k): the min is carried in an inner loop
    whose operand costs a projection, a clip and a square root (searched)."""
    total = 0.0
    for r in range(A.shape[0]):
        px = A[r, 0]
        py = A[r, 1]
        d = math.inf
        for k in range(x.shape[0] - 1):
            ex = x[k + 1] - x[k]
            t = ((px - x[k]) * ex + (py - 0.5 * k) * 0.5) / (ex * ex + 0.25)
            t = min(max(t, 0.0), 1.0)
            dx = px - x[k] - t * ex
            dy = py - 0.5 * k - 0.5 * t
            d = min(d, math.sqrt(dx * dx + dy * dy))
        total += d * (r + 1)
    return total


def changed_between(x):
    """The value compared is changed before the branch copies it: not an extremum of one value."""
    m = 0.0
    for i in range(x.shape[0]):
        v = x[i] * x[i]
        bigger = v > m
        v = v * 0.5
        if bigger:
            m = v
    return m


# the search compares a value the operand increases with (the logarithm, square root,
# exponential or tanh is computed at the index found alone): sum_and_max above, and these


def farthest_from_origin(x):
    """The largest distance sqrt(x_i^2 + 1), from a start above some of them."""
    m = 1.2
    for i in range(x.shape[0]):
        m = max(m, math.sqrt(x[i] * x[i] + 1.0))
    return m


def smallest_exponential(x, c):
    """min(exp(c x_i)), from a start of 10."""
    m = 10.0
    for i in range(x.shape[0]):
        m = min(m, math.exp(c * x[i]))
    return m * c


def best_tanh_score(x):
    """`if v > best: best = v` on tanh scores: the first of equal scores."""
    best = -2.0
    for i in range(x.shape[0]):
        v = math.tanh(0.5 * x[i] - 0.25)
        if v > best:
            best = v
    return best * best


def last_scaled_maximum(x, c):
    """`if v >= best: best = v` on 2 x_i + 1: the last of equal values."""
    best = 0.0
    for i in range(x.shape[0]):
        v = 2.0 * x[i] + 1.0
        if v >= best:
            best = v
    return best * c


INCREASING = [sum_and_max, farthest_from_origin, smallest_exponential, best_tanh_score,
              last_scaled_maximum]

SEARCHED = [largest_square, last_largest, smallest_cost, peak_with_max, floor_with_min, argmax_then_use, worst_row,
            nearest_centre_sum, spread, max_of_step, nearest_segment_sum, *INCREASING]
AS_WRITTEN = [drawdown, carried_compare, compared_with_margin, rows_max_sum, changed_between]
