"""Programs that once got a wrong derivative or crashed, kept as regression
tests (tests/test_regressions.py).  Each ``CASES`` entry names a function of
this module and the arguments to check it at; the check compares ``grad``,
``jvp`` and ``vjp`` with central differences of the plain function."""

import math

import numpy as np

_rng = np.random.default_rng(7)
_X = _rng.normal(size=(6, 3)) * 2
_x = _rng.normal(size=5)


# --- a re-run of an iteration must write again the arrays its reads see ------------------

def pair_energy(X):
    """A temporary row rewritten for every pair (read by a dot product)."""
    s = 0.0
    for i in range(X.shape[0]):
        for j in range(i):
            d = X[i] - X[j]
            s += 1.0 / np.dot(d, d)
    return s


def pair_energy_carried(X):
    s = 0.0
    for i in range(X.shape[0]):
        for j in range(i):
            d = X[i] - X[j]
            s = 0.5 * s + 1.0 / (1.0 + np.dot(d, d))
    return s


def pair_distances_guarded(X):
    s = 0.0
    for i in range(X.shape[0]):
        for j in range(X.shape[0]):
            if i != j:
                d = X[i] - X[j]
                r = math.sqrt(np.dot(d, d))
                s += max(r, 0.5) * s * 0.01 + r
    return s


def products_buffer(X):
    s = 0.0
    d = np.zeros(X.shape[1])
    for i in range(X.shape[0]):
        for j in range(X.shape[0]):
            for k in range(X.shape[1]):
                d[k] = X[i, k] * X[j, k]
            for k in range(X.shape[1]):
                s += math.sin(d[k]) * d[k]
    return s


def store_read_store(x):
    s = 0.0
    d = np.zeros(2)
    for i in range(x.shape[0]):
        d[0] = x[i]
        s += d[0] * d[0]
        d[0] = math.sin(x[i])
        s += d[0] * s * 0.1
    return s


def while_scratch(x):
    s = 0.0
    t = np.zeros(3)
    for i in range(x.shape[0]):
        k = 0
        while k < 3:
            t[0] = x[i] * (k + 1)
            s += math.tanh(t[0]) * t[0]
            k += 1
    return s


def buffer_per_sweep(x):
    s = 0.0
    buf = np.zeros(x.shape[0])
    for t in range(3):
        for j in range(x.shape[0]):
            buf[j] = x[j] * (t + 1) + s * 0.1
        for j in range(x.shape[0]):
            s += buf[j] * buf[j] * 0.1
    return s


def two_arrays_kept_whole(x, c):
    """A step reads the work array whole, then fills it from the state, then
    updates the state: both arrays are kept whole per step, and their
    blocks must come back off the tape in the opposite order (the first
    version popped the state's block into the work array and back)."""
    n = x.shape[0]
    u = x.copy()
    w = np.zeros(n)
    s = 0.0
    for t in range(3):
        tot = np.sum(w)
        for i in range(1, n):
            w[i] = max(u[i], 0.1) * c
        for i in range(1, n):
            u[i] = u[i] + w[i] * u[i]
        s += tot * tot
    return s + np.sum(u * u)


def restored_inside_a_kept_loop(b, x, n):
    """A loop that updates one element in place (restored before each re-run)
    inside a loop that keeps the array whole: the push and the pop named the
    element by different expressions (i2_plus_1, i2 + 1) and the IR verifier
    found the pop without its push."""
    z = np.zeros(len(b))
    for i2 in range(3, 0, -1):
        for i3 in range(n):
            z[i2 + 1] = max(z[i2 + 1], math.tanh(x * b[0]))
    return x + math.tanh(z[0]) + math.tanh(z[-1])


def snapshot_beside_an_element(a0, b, n):
    """One iteration clips a[n] in an inner loop (a kept whole per iteration),
    the other branch updates z[n] in place (its element pushed before the
    `if`): the forward sweep skipped z's push because a's snapshot sat in the
    same statement, and the reverse popped an empty tape (an IndexError)."""
    a = a0.copy()
    z = np.full(b.shape, -0.25)
    s = 0.0
    for i in range(b.shape[0]):
        if b[i] > 0.0:
            for j in range(3):
                if a[n] > 0.5:
                    a[n] = 0.5
                s += a[n] * b[i]
        else:
            s += math.tanh(np.sum(z) * a[1])
            z[n] = 0.5 * z[n - 1] + math.tanh(b[i] * s)
    return s + np.sum(z * z) + np.sum(a * a)


def _scan_until_above(v, k, c):
    t = 0.0
    for j in range(k):
        if v[j] > c:
            break
        t += abs(v[j] - c)
    return t / (1.0 + t)


def result_of_a_loop_that_stopped_first(a, b, x):
    """An inner loop's results are kept for the reverse after it: here the scan
    stops at its first element, before the statements that assign them, and
    the emitted code read names never assigned (Python raised UnboundLocalError)."""
    c = b[-1]
    w = np.zeros_like(a)
    for i in range(3, 0, -1):
        k = 0
        while k < 2 and a[i + 1] - 1.5 >= _scan_until_above(w, 2, c) or k < 1:
            k += 1
            x *= 0.5 + 0.1 * a[i]
    return c + 0.3 * x


def negative_index_aliases_a_positive_one(x, y):
    """`z[-1]` is `z[1]` of a 2-element array: the read of `z[1]` before the
    store into `z[-1]` must see the old element in the reverse's re-run (as
    two constants the indices looked distinct, and the gradient in x was off
    by the stored value)."""
    z = np.zeros(2)
    for i in range(2):
        y += x[0] * z[1]
        z[-1] = 0.5 + x[1] * i
    return y + z[1] + x[0] * z[-2]


def doubling_no_adjoint_reads(n: int, x):
    """The reverse re-runs the inner loop from an `s` nothing restores, since no
    adjoint reads it (`x` is overwritten before any use); the re-run's
    `math.exp(s)` of that stale, doubling `s` overflowed (Python raises where
    Numba returns inf). What the re-run computes that no adjoint reads goes."""
    s = 0.0
    for i in range(1, n + 1):
        k = 0
        while k < 3:
            k += 1
            s += s
            x = 2.0 * math.tanh(math.exp(s))
        s += 0.25 * k
    return (0.3 if x + x > 0.25 * n else s) + 0.3 * s + 0.3 * x


CASES = {
    "doubling_no_adjoint_reads": (3, -0.888),
    "negative_index_aliases_a_positive_one": (_x, 0.4),
    "result_of_a_loop_that_stopped_first": (np.array([-1.98, -0.69, 0.83, -1.19, 0.97]),
                                            np.array([0.37, -0.65, -0.40, -0.13, -1.21]), -0.0778),
    "pair_energy": (_X,),
    "pair_energy_carried": (_X,),
    "pair_distances_guarded": (_X[:4],),
    "products_buffer": (_X[:4],),
    "store_read_store": (_x,),
    "while_scratch": (_x,),
    "buffer_per_sweep": (_x,),
    "two_arrays_kept_whole": (_x, 0.3),
    "restored_inside_a_kept_loop": (_x, 0.7, 2),
    "snapshot_beside_an_element": (np.abs(_x) + 0.3, np.array([0.6, -0.4, 0.8, -0.9, 0.2]), 2),
}


# --- a fused accumulation loop must give back what it overwrote to earlier reverses ------

def branch_then_accumulate(x, y, z):
    """x decides a branch in a loop, then a fused loop accumulates into x."""
    for i2 in range(3):
        z -= 0.5 * math.tanh((z if x >= y else y))
    for i3 in range(3):
        x += 0.5 * math.tanh(z)
    return z + 0.1 * x + 0.1 * y


def recurrence_then_accumulate(x, y, z):
    for i2 in range(3):
        y = 0.5 * y + 0.5 * math.tanh(min(0.25 * i2, math.cos(z)))
        z -= 0.5 * math.tanh((z if x >= y else y))
    for i3 in range(3):
        x += 0.5 * math.tanh(z)
    return z + 0.1 * x + 0.1 * y


def early_exit_then_accumulate(x, y, z):
    for i1 in range(4, 0, -1):
        if np.minimum(y, x) >= z:
            break
        for i2 in range(i1):
            y = 0.5 * y + 0.5 * math.tanh(min(0.25 * i2, max(math.floor(2.0), math.asin(0.9 * math.tanh(x))),
                                               math.cos(math.atan2(z, 0.5 + z * z))))
            z -= 0.5 * math.tanh((z if x >= y else y))
    for i3 in range(3):
        x += 0.5 * math.tanh(math.expm1(math.tanh(z)))
    return math.cosh(math.tanh(math.log1p((z) ** 2 * (z) ** 2))) + 0.1 * x + 0.1 * y + 0.1 * z


def clip_then_accumulate_nest(a, B, w, idx):
    """w read by a loop's test, then a fused double loop adds to w."""
    z = a.copy()
    t5 = ((a[-1] / (2.0 + math.sin((z[0] / (2.0 + math.sin(w)))))) / (2.0 + w * w))
    for i6 in range(len(a)):
        a[i6] = min(max(a[i6], -1.0), 1.0)
    for i7 in range(len(a)):
        if np.clip((0.1 * i7 if i7 == 1 else -0.7), 0.0, 0.5) >= min(
                math.cosh(w), (1.5 + math.sin(t5)) ** (math.tanh(1.5)), max(w, B[idx[i7], -1], t5)):
            t5 *= math.cos(math.sinh(-0.4))
        t5 += 0.5 * math.tanh(math.fabs(w))
    for i8 in range(1, len(a)):
        for i9 in range(1, len(a)):
            w += min(max(3.0, -1.0), 1.0)
    return (B[-1, -1] % 2.0) + 0.2 * w + 0.2 * t5 + 0.1 * a[0] + 0.2 * a[-1] + 0.1 * z[0] + 0.1 * z[-1] \
        + 0.2 * B[-1, 0] + 0.1 * a[idx[0]]


_point = (-0.21936114325937384, 0.13665532970699257, 0.6660219450760025)
CASES.update({
    "branch_then_accumulate": _point,
    "recurrence_then_accumulate": _point,
    "early_exit_then_accumulate": _point,
    "clip_then_accumulate_nest": (
        np.array([0.766971262863775, -0.21922821453042163]),
        np.array([[0.19664657450622824, -1.6943192141569297, 0.4682619736555891],
                  [1.7316856164705694, 0.06741195478519746, -1.6155608919858233]]),
        1.0814284495245605, np.array([0, 1])),
})


# --- an element of an array that carries no derivative ------------------------------------

def select_zeros_element(a, B, w):
    """A conditional expression between an argument's element and a local zeros array's."""
    z = np.zeros(len(a))
    w += (0.3 - (B[0, 0] if w <= a[-1] else z[-1]))
    return w + 0.2 * a[0] + 0.1 * a[-1] + 0.1 * z[0] + 0.1 * z[-1] + 0.1 * B[-1, 0]


def residual_from_data(w, y):
    """r starts as an element of y (not differentiated), then takes w's derivative."""
    r = y[0]
    r -= w[0]
    return r * r


def residuals_from_data(w, y):
    s = 0.0
    for i in range(len(w)):
        r = y[i]
        r -= w[i] * 2.0
        s += abs(r)
    return s


CASES.update({
    "select_zeros_element": (np.array([0.77, -0.22]), np.array([[0.2, -1.7, 0.5], [1.7, 0.07, -1.6]]), 0.3),
    "residual_from_data": (np.array([0.5, -1.0]), np.array([2.0, 3.0])),
    "residuals_from_data": (_x, _x[::-1] * 0.3 + 0.1),
})
# arguments to differentiate, where not every float argument
WRT = {"residual_from_data": (0,), "residuals_from_data": (0,)}


# --- a test with one outcome: numba prunes the other branch; so must nsadc ---------------

def _squash_once(p):
    if 3.0 > 1.5:
        t1 = (math.log(1.0 + (p) ** 2 * (p) ** 2) - 1.5)
    else:
        p = ((1.5 + math.sin(math.tanh((p / (2.0 + -0.4 * -0.4))))) ** (math.tanh(math.exp(math.tanh(p))))
             - math.copysign(p, (+p)))
    return p


def constant_test_in_helper(a, w):
    t3 = w
    if (1.5 + math.sin(math.tanh((a[0] * t3)))) ** (math.tanh(math.hypot(0.75, 1.5))) > w:
        t4 = (1.5 + math.sin(a[-1])) ** (math.tanh(max(a[0], 0.0)))
    elif (a[0] if (t3 > w) and (a[0] >= w) else w) > math.atan2(
            (w if not (a[0] >= w) else w), 0.5 + (w / (0.5 + t3 * t3)) * (w / (0.5 + t3 * t3))):
        k6 = 0
        while k6 < 5 and (a[-1] < t3 < w):
            t3 += math.tanh(_squash_once(t3))
    return np.clip(((1.5 + math.sin(a[-1])) ** (math.tanh(t3)) + (a[0] / (2.0 + math.sin(t3)))), -1.0, 1.0) \
        + 0.1 * w + 0.2 * t3 + 0.2 * a[0] + -0.3 * a[-1]


def constant_after_swap(a, B, w, idx):
    z = np.zeros(len(a))
    t1 = -0.4
    t1, w = w, t1
    if 0.3 > w:
        k2 = 0
    elif (t1 / (2.0 + math.sin(w))) < a[0]:
        w += min(max(math.copysign(w, (B[0, 0] / (2.0 + math.sin(z[0])))), -1.0), 1.0)
    return ((max(w, t1) % 2.0) + ((B[0, -1] % 0.7) if (w if 3.0 < z[0] else w) <= w else t1)) + 0.1 * w \
        + -0.3 * t1 + -0.3 * a[0] + -0.3 * a[-1] + 0.1 * z[0] + 0.1 * z[-1] + 0.1 * B[-1, 0] + 0.1 * a[idx[0]]


def _early_square(p):
    if (0.75) ** 3 > 0.3:
        p = (p - p)
    else:
        if min(p, -0.4) > p:
            return 3.0
    return (p) ** 2


def constant_test_early_return(a, w, idx):
    for i8 in range(len(a) - 1, -1, -1):
        w -= 0.5 * math.tanh(_early_square(math.tanh(_early_square(p=w))))
    return a[-1] + 0.1 * w + -0.3 * a[0] + 0.1 * a[-1] + 0.2 * a[idx[0]]


_a2 = np.array([0.766971262863775, -0.21922821453042163])
CASES.update({
    "constant_test_in_helper": (_a2, 0.3),
    "constant_after_swap": (_a2, np.array([[0.2, -1.7, 0.5], [1.7, 0.07, -1.6]]), 0.9, np.array([0, 1])),
    "constant_test_early_return": (_a2, 0.3, np.array([0, 1])),
})


# --- an int argument in integer arithmetic is an int ----------------------------------------

def grid_energy(x, n):
    """n + 1 grid points: n takes part in an array size and a range() bound."""
    a = np.zeros(n + 1)
    s = 0.0
    for i in range(n + 1):
        a[i] = x * i
        s += a[i] * a[i]
    return s


def last_of_prefix(x, m):
    return x[m - 1] * x[2 * m - 1]


CASES.update({"grid_energy": (0.7, 4), "last_of_prefix": (_x, 2)})


# --- which reads a re-run must see again: element by element, needed values only ---------

def reset_then_accumulate(X):
    """d[0] is reset, then accumulated in an inner loop: the re-run replays it."""
    d = np.zeros(2)
    s = 1.0
    for i in range(X.shape[0]):
        d[0] = 0.5
        for j in range(X.shape[1]):
            d[0] += X[i, j]
        s += math.sin(d[0]) * s
    return s


def linear_state_space(A, x0):
    """x[i, t + 1] += A[i, j] * x[j, t]: the read and the store differ in t."""
    T = 5
    n = x0.shape[0]
    x = np.zeros((n, T + 1))
    for i in range(n):
        x[i, 0] = x0[i]
    for t in range(T):
        for i in range(n):
            for j in range(n):
                x[i, t + 1] += A[i, j] * x[j, t]
    s = 0.0
    for i in range(n):
        s += abs(x[i, T])
    return s


CASES.update({
    "reset_then_accumulate": (_X[:4],),
    "linear_state_space": (_X[:3] * 0.25, _x[:3]),
})


# --- found by the differential fuzzer (tools/fuzz), minimized ------------------------------

def load_overwrites_tested_value(X, y):
    """v5 decides a branch in a loop, then takes an element of X: restored for the reverse."""
    v5 = y
    s7 = 0.0
    for i6 in range(1):
        v5 += 0.5
    for i8 in range(1):
        s7 = 0.5 if v5 <= 2.0 else X[0, 0]
    v5 = X[0, 0]
    return s7


def load_overwrites_param(x, y, a):
    z3 = a.copy()
    for i5 in range(1):
        z3[1] = 0.5 if y >= 0.5 else x
    y = a[1]
    return z3[1] + y * x


def row_copy_beside_in_place_clip(n: int, y, a, X):
    """Two arrays taped in one loop (a clipped in place, a row copy): one tape each."""
    for i3 in range(4 - 1, 0, -1):
        for i4 in range(1):
            if a[i4] > 0.5:
                a[i4] = 0.5
        d5 = X[n]
        y += np.dot(d5, d5)
    return y


def accumulator_beside_in_place_clip(X, a, n: int):
    z1 = np.zeros_like(a)
    s4 = 0.0
    for i3 in range(n):
        z1[n - 1] += X[1, 0]
        for i5 in range(1):
            s4 += np.minimum(0.5, z1[n - 1]) * X[1, 0]
            if a[n] > 0.5:
                a[n] = 0.5
    return s4


def replayed_stores_in_taped_loop(a, x, n: int):
    """A loop whose result is taped still runs in the re-run when it writes a kept array."""
    z2 = a.copy()
    for i3 in range(1):
        for i4 in range(1, n + 1):
            z2[i4 + 1] = z2[i4 + 1] + 0.5
            x = math.sin(z2[n - 1])
        for i5 in range(len(a)):
            z2[-1] = x
    return x


_X5 = np.array([[1.26, -1.77, -1.30, -0.62, 0.61], [1.56, 1.46, 0.73, -1.47, 0.38],
                [-1.55, -0.88, 0.21, -0.32, 0.04], [0.18, -1.06, -1.43, -1.24, 1.07]])
_a5 = np.array([0.25, 0.22, -0.88, -0.33, 0.14])
CASES.update({
    "load_overwrites_tested_value": (_X5, 1.76),
    "load_overwrites_param": (-0.45, 0.69, _a5),
    "row_copy_beside_in_place_clip": (2, -1.12, _a5 * 3.0, _X5),
    "accumulator_beside_in_place_clip": (_X5, _a5 * 3.0, 2),
    "replayed_stores_in_taped_loop": (np.array([-1.0, 0.5, 0.0, -1.5, 0.0]), -0.5, 3),
})


# --- reversed(range(...)) ------------------------------------------------------------------

def countdown_by_two(a, n: int):
    s = 0.0
    for i in reversed(range(0, n, 2)):
        s = 0.5 * s + math.tanh(a[i] * (i + 1))
    return s


def countdown_negative_step(a, n: int):
    s = 0.0
    for i in reversed(range(n - 1, -1, -3)):
        s = 0.3 * s + a[i] * i
    return s


CASES.update({"countdown_by_two": (_x, 5), "countdown_negative_step": (_x, 5)})


# --- a loop with nothing to differentiate overwrites what an earlier reverse reads --------

def later_loop_overwrites_scalar(b):
    v4 = 0.5
    s7 = 0.0
    for i6 in range(1):
        s7 += math.hypot(max(b[0], s7), v4)
    for i8 in range(1):
        v4 = 1.0
    return s7


def later_while_overwrites_scalar(b, n: int):
    v4 = 0.5
    s7 = 0.0
    for i6 in range(2):
        s7 = 0.5 * s7 + math.hypot(max(b[0], s7), v4)
    k = 0
    while k < n:
        v4 = 1.0 + k
        k += 1
    return s7 + b[1]


def inner_loop_overwrites_scalar(b):
    v = 0.5
    s = 0.0
    for t in range(3):
        for i in range(2):
            s = 0.5 * s + math.hypot(max(b[0], s), v)
        for j in range(1):
            v = 1.0 + t
    return s + b[1]


CASES.update({
    "later_loop_overwrites_scalar": (np.array([0.8, 0.1]),),
    "later_while_overwrites_scalar": (np.array([0.8, 0.1]), 3),
    "inner_loop_overwrites_scalar": (np.array([0.8, 0.1]),),
})


# --- the standard deviation of equal entries (no spread) is a kink, not sqrt(0) -------------

def std_of_a_constant_array(y, n: int, x: float, a):
    """np.std of an all-zero array: sqrt's derivative at 0 times a zero tangent was NaN in
    forward and Clarke mode."""
    z3 = np.zeros_like(a)
    k4 = 0
    while k4 < 3:
        k4 += 1
        k5 = 0
        while k5 < n and (a[-1] ** 2) <= 1.0:
            k5 += 1
            y = 0.5 * y + np.std(z3)
    x, y = y, x
    for i6 in range(n):
        for i7 in range(1, n + 1):
            x += 2.0 * math.tanh(((0.2 * np.dot(a, a)) if i6 % 2 == 0 else (x * y)))
        z3[-1] = 0.5 * z3[-1] + math.tanh(y)
    return y + math.tanh(x) + 0.3 * y + 0.3 * math.tanh(z3[0]) + 0.2 * math.tanh(z3[-1]) + 0.1 * a[-1]


CASES.update({"std_of_a_constant_array": (-0.63, 3, 0.51, np.array([0.28, -1.32, 0.2, -0.49, 0.38]))})


def overwritten_by_a_taped_loop(n: int, x):
    """The loop over k6 leaves a taped result; in the re-run it does not run, but what
    it overwrites (s4, read by the reverse of the loop before it) is still kept."""
    s4 = 0.0
    for i3 in range(1, n + 1):
        for i5 in range(3):
            x = max(x * 0.9, 0.4 / (2.0 + (s4 + x) * (s4 + x)))
        for k6 in range(2):
            s4 -= 0.3
        s4 = 0.5 * s4 - 0.7
    return s4 + 0.3 * x


CASES.update({"overwritten_by_a_taped_loop": (2, -1.0345903576549516)})


def clip_then_clip_again_kept_whole(a, n: int):
    """A later loop keeps a whole (a snapshot) and clips it in place again: its forward
    sweep must not push the elements as well (they were never popped, and the earlier
    loop's reverse popped them instead of its own)."""
    s5 = 0.0
    for i4 in range(len(a)):
        if a[i4] > 1.0:
            a[i4] = 1.0
        s5 += a[0]
    s9 = 0.0
    for i8 in range(2):
        for i11 in range(1, n + 1):
            if a[i11] > 0.5:
                a[i11] = 0.5
        s9 += np.sum(a)
    return s5 + s9


CASES.update({"clip_then_clip_again_kept_whole": (np.array([1.37, 0.37, -1.43, 1.43, -1.25]), 3)})


def early_return_in_a_rerun_loop(a, X, b, y, x, n: int):
    """The returned value is set in a loop the reverse sweep re-runs (an early return):
    the value is kept as the forward sweep left it (it came back as the re-run's)."""
    for i1 in range(3):
        d2 = X[i1] - X[n]
        x += 1.0 / (0.5 + np.dot(d2, d2))
        for i3 in range(len(a)):
            y, x = x, y
            if not ((y if not (2 == 2) else a[n + 1]) >= math.expm1((0.25 * n))):
                return y
            d4 = X[n] - X[i1]
            v5 = math.sqrt(1.0 + np.dot(d4, d4))
        if (i1 % 2 == 0 and 3.0 > 1.5):
            break
    return min(np.clip(x, -2.0, 1.0), np.minimum(X[n - 1, n + 1], b[n])) + 0.3 * x + 0.3 * y + 0.1 * b[n - 1]


CASES.update({"early_return_in_a_rerun_loop": (
    np.array([-0.53, -0.42, -0.5, 1.18, -1.89]),
    np.array([[-0.61, -0.29, 1.79, 1.67, -0.36], [-0.64, -0.76, -1.78, 1.08, 1.62],
              [-1.43, -1.85, -1.35, -0.8, -1.24], [-1.96, -0.13, -0.03, -1.84, -1.86]]),
    np.array([-1.88, 0.37, -0.11, -0.21, -1.09]), -0.8, 1.6, 3)})


def _clipped_row(v, lam):
    return np.clip(v, -lam, lam)


def helper_array_into_rows(Y, lam):
    """A helper's array, stored into a row slice: the argument's rank is a guess
    until the call (was: the guess's lowering, a 0.0 for the helper's array,
    was kept for the call; value and gradient 0)."""
    m = Y.shape[0]
    P = np.zeros_like(Y)
    for i in range(m):
        P[i, :] = _clipped_row(Y[i, :], lam)
    return np.sum(P * P)


def _leapfrog(x, v, dt):
    a = -np.sign(x) * np.minimum(np.abs(x), 1.0)
    v2 = v + dt * a
    x2 = x + dt * v2
    return x2, v2


def helper_arrays_each_step(x0, v0, dt):
    """x, v = step(x, v) in a loop (was: the names took the first step's arrays,
    so every step started from x0; value and gradient of one step)."""
    x = x0.copy()
    v = v0.copy()
    for k in range(5):
        x, v = _leapfrog(x, v, dt)
    return np.sum(x * x) + np.sum(np.abs(v))


CASES.update({
    "helper_array_into_rows": (np.array([[0.3, -1.2, 0.8, 0.1], [1.7, -0.1, 0.55, -0.7], [0.05, 0.9, -1.4, 0.2]]), 0.5),
    "helper_arrays_each_step": (np.array([0.3, -1.2, 2.0]), np.array([0.1, 0.2, -0.4]), 0.1),
})
