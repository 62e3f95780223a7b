"""Constructs that Numba users write, each checked against central finite
differences (python target; one compiled check each, marked slow):

- the special functions math.erf, erfc, lgamma, gamma (through a digamma
  helper), cbrt, asinh, acosh, atanh, exp2, log2, log10, radians, degrees;
- a quotient whose numerator is an infinite sentinel (soft-DTW borders);
- guard clauses: ``raise ValueError("...")`` and ``assert``, kept in the
  primal and in every derivative;
- ``numba.prange`` as ``range``; for loops over the elements of 1-D arrays,
  ``enumerate``, ``zip`` and ``enumerate(zip(...))``;
- the builtin ``sum()``, ``max()``, ``min()`` of a 1-D array, ``np.size``;
- module-level NumPy arrays read as constants;
- ``@njit`` / ``@njit(cache=True)`` decorated functions and helpers;
- ``X[i].dot(w)`` where only the call shows X's rank;
- ``np.full_like``, ``np.empty_like``, ``np.ones_like`` and ``dtype=np.float64``.
"""

from __future__ import annotations

import math

import numba
import numpy as np
import pytest
from numba import njit, prange

import nsadc

LOG_2PI = math.log(2.0 * math.pi)
NODES = np.array([-0.5, 0.25, 1.0])
WEIGHTS = np.array([[0.5, 1.5], [2.0, -1.0], [0.25, 0.75]])
ORDER = np.array([2, 0, 1], dtype=np.int64)
BIG = np.ones(300)
SPACED = np.linspace(0.0, 1.0, 5) * 2.0 + NODES[0]
SEGMENT = np.array([0, 0, 1, 1, 1, 2, 2, 0, 1, 2])
EDGE_FROM = np.array([0, 0, 1, 2, 1, 3, 2])
EDGE_TO = np.array([1, 2, 2, 3, 3, 4, 4])
COMPUTED = np.random.default_rng(0).normal(size=3)
LABELS = ["a", "b"]


# ---------------------------------------------------------------- finite differences


def _fd(fn, args, h=1e-6):
    """Central differences in every float scalar and float array argument."""
    out = []
    for k, a in enumerate(args):
        if isinstance(a, np.ndarray) and a.dtype.kind == "f":
            g = np.zeros(a.shape)
            for pos in np.ndindex(a.shape):
                up = [x.copy() if isinstance(x, np.ndarray) else x for x in args]
                down = [x.copy() if isinstance(x, np.ndarray) else x for x in args]
                step = h * max(1.0, abs(a[pos]))
                up[k][pos] += step
                down[k][pos] -= step
                g[pos] = (fn(*up) - fn(*down)) / (2 * step)
            out.append(g)
        elif isinstance(a, float):
            step = h * max(1.0, abs(a))
            up, down = list(args), list(args)
            up[k] += step
            down[k] -= step
            out.append((fn(*up) - fn(*down)) / (2 * step))
    return out


def check(fn, *args, target="python", rtol=1e-5, atol=1e-6):
    """grad and jvp (along a random direction) agree with finite differences."""
    py = getattr(fn, "py_func", fn)
    d = nsadc.differentiate(fn, target=target)
    expected = _fd(py, args)
    g = d.grad(*args)
    g = g if isinstance(g, tuple) else (g,)
    assert len(g) == len(expected)
    for got, want in zip(g, expected):
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)
    rng = np.random.default_rng(1)
    tangents = [rng.normal(size=np.shape(e)) if np.ndim(e) else float(rng.normal()) for e in expected]
    value, dot = d.jvp(args, tangents)
    np.testing.assert_allclose(value, py(*args), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dot, sum(float(np.sum(e * t)) for e, t in zip(expected, tangents)),
                               rtol=rtol, atol=atol * 10)
    return d


# ---------------------------------------------------------------- special functions


def specials(x, y):
    return (math.erf(x * y) + math.erfc(x - y) + math.lgamma(x + 2.0) * y + math.gamma(y)
            + math.log2(x + 3.0) * math.log10(y + 1.0) + math.radians(x) * math.degrees(y)
            + np.cbrt(x - 2.0) * math.cbrt(y) + math.asinh(x) * np.arccosh(y + 2.0) + math.atanh(0.3 * y)
            + np.exp2(x))


def lgamma_negative(x):
    return math.lgamma(x) + math.gamma(x)


def np_angles(x):
    return np.sum(np.sin(np.radians(x)) * np.deg2rad(x) + np.degrees(x) ** 2)


@pytest.mark.parametrize("point", [(0.3, 1.7), (1.1, 0.4), (-0.7, 2.9)])
def test_special_functions(point):
    check(specials, *point)


@pytest.mark.parametrize("x", [-0.5, -1.3, -2.7, 0.2, 12.5])
def test_lgamma_gamma_negative_and_large(x):
    check(lgamma_negative, x, rtol=1e-5)


def test_np_angles():
    check(np_angles, np.array([10.0, -35.0, 80.0]))


def test_digamma_helper():
    from nsadc.rules.vector import _digamma

    euler = 0.57721566490153286
    assert _digamma(1.0) == pytest.approx(-euler, abs=1e-14)
    assert _digamma(0.5) == pytest.approx(-euler - 2 * math.log(2), abs=1e-14)
    for x in (0.01, 0.3, 2.5, 9.99, 10.0, 47.0, -0.5, -3.25):
        assert _digamma(x + 1) - _digamma(x) == pytest.approx(1 / x, rel=1e-12, abs=1e-12)
    assert math.isnan(_digamma(0.0)) and math.isnan(_digamma(-3.0))


def test_unknown_math_function_refused():
    with pytest.raises(nsadc.NsadcError, match="math.factorial"):
        nsadc.differentiate(_factorial, target="python")


def _factorial(x):
    return math.factorial(x)


# ---------------------------------------------------------------- an infinite sentinel


def soft_min_path(x, gamma):
    n = x.shape[0]
    R = np.full((2, n + 1), np.inf)
    R[0, 0] = 0.0
    for i in range(1, n + 1):
        a = -R[0, i - 1] / gamma
        b = -R[1, i - 1] / gamma
        m = max(a, b)
        R[1, i] = x[i - 1] ** 2 - gamma * (m + math.log(math.exp(a - m) + math.exp(b - m)))
        R[0, i] = R[1, i] + 1.0
    return R[1, n]


def test_infinite_numerator_gives_no_nan():
    d = check(soft_min_path, np.array([0.5, -1.2, 0.8]), 0.7)
    assert np.all(np.isfinite(d.grad(np.array([0.5, -1.2, 0.8]), 0.7)[1]))


# ---------------------------------------------------------------- guard clauses


def normal_logpdf(x, mu, sigma):
    if sigma <= 0.0:
        raise ValueError("sigma must be positive")
    z = (x - mu) / sigma
    return -0.5 * z * z - math.log(sigma) - 0.5 * LOG_2PI


def loglik(x, mu, sigma):
    s = 0.0
    for i in range(x.shape[0]):
        s += normal_logpdf(x[i], mu, sigma)
    return s


def asserted(x, s):
    assert s > 0.0, "s must be positive"
    return math.log(s) * x


def terminal_raise(x):
    if x > 0.0:
        return x * x
    raise ZeroDivisionError


def in_loop_raise(x):
    t = 0.0
    for i in range(x.shape[0]):
        if x[i] < -10.0:
            raise ValueError("an entry below -10")
        t += x[i] ** 2
    return t


def bad_fstring(x):
    if x < 0.0:
        raise ValueError(f"negative {x}")
    return x


def bad_reraise(x):
    if x < 0.0:
        raise
    return x


class MyError(Exception):
    pass


def bad_custom(x):
    if x < 0.0:
        raise MyError("negative")
    return x


def _all_modes_raise(d, args, exc, message):
    with pytest.raises(exc, match=message):
        d.grad(*args)
    with pytest.raises(exc, match=message):
        d.jvp(args, [1.0 if not isinstance(a, np.ndarray) else np.ones_like(a) for a in args[:len(d.wrt)]])
    with pytest.raises(exc, match=message):
        d(*args)


def test_guard_clause_raise():
    x = np.array([0.3, -1.2, 2.0])
    d = check(loglik, x, 0.4, 1.3)
    _all_modes_raise(d, (x, 0.4, -1.0), ValueError, "sigma must be positive")
    assert "raise ValueError(" in d.source("reverse")


def test_assert_and_terminal_raise():
    d = check(asserted, 1.5, 2.0)
    _all_modes_raise(d, (1.5, -2.0), AssertionError, "s must be positive")
    d = check(terminal_raise, 1.5)
    _all_modes_raise(d, (-1.5,), ZeroDivisionError, None)
    d = check(in_loop_raise, np.array([0.5, 2.0]))
    with pytest.raises(ValueError, match="below -10"):
        d.grad(np.array([0.5, -20.0]))


@pytest.mark.parametrize("fn, words", [(bad_fstring, "string literal"), (bad_reraise, "bare `raise`"),
                                       (bad_custom, "MyError is not a builtin exception")])
def test_raise_refusals_are_located(fn, words):
    with pytest.raises(nsadc.NsadcError, match=words) as info:
        nsadc.differentiate(fn, target="python")
    text = str(info.value)
    assert "test_numba_idioms.py:" in text and "hint:" in text


# ---------------------------------------------------------------- loops


_prange = numba.prange


@njit(parallel=True)
def parallel_sum(x, w):
    s = 0.0
    for i in prange(x.shape[0]):
        s += w * x[i] ** 2
    for i in numba.prange(x.shape[0]):
        s += math.sin(x[i])
    for i in _prange(x.shape[0]):
        s += x[i] * w
    return s


def over_elements(x, y):
    s = 0.0
    for v in x:
        s += v ** 3
    for i, v in enumerate(y):
        s += i * v * v
    for p, q in zip(x, y):
        s += p * q
    for k, (p, q) in enumerate(zip(y, x)):
        s += k * p - q * q
    return s


def over_rows(X):
    s = 0.0
    for row in X:
        s += row[0]
    return s


def test_prange_as_range():
    check(parallel_sum, np.array([0.5, -1.0, 2.0]), 1.5)


def test_for_over_elements_enumerate_zip():
    check(over_elements, np.array([1.0, 2.0, -3.0]), np.array([0.5, -1.0, 2.0, 7.0]))


def test_for_over_rows_refused():
    with pytest.raises(nsadc.NsadcError, match="elements of a 1-D array") as info:
        nsadc.differentiate(over_rows, target="python").grad(np.ones((2, 2)))
    assert "range(X.shape[0])" in str(info.value)


def over_elements_rebound(x):
    y = x.copy()
    s = 0.0
    for v in y:
        y = y * 0.5
        s += v
    return s


def over_elements_scaled_in_place(x):
    """y *= c writes into the array the loop runs over: each element is read
    after the earlier iterations scaled it, as in Python."""
    y = x.copy()
    s = 0.0
    for i, v in enumerate(y):
        y *= 0.9
        s += v * x[i]
    return s


def observed_path(logE, trans):
    """An index table written in the function (NumPy makes np.array([0, 2, 1])
    an int array): it indexes other arrays."""
    obs = np.array([0, 2, 1, 1, 0])
    s = logE[obs[0]]
    for t in range(1, obs.shape[0]):
        s = max(s + trans, logE[obs[t]]) + 0.1 * logE[obs[t - 1]]
    return s


def test_a_listed_int_table_indexes():
    check(observed_path, np.array([0.3, -1.2, 0.8]), 0.4)


def test_for_over_elements_of_a_name_bound_anew_in_the_loop_is_refused():
    """Python's iterator keeps the array it started on; reading by index would
    read the new one (a wrong value): refused, with the copy to write."""
    with pytest.raises(nsadc.NsadcError, match="bound to a new array inside the loop") as info:
        nsadc.differentiate(over_elements_rebound, target="python").grad(np.ones(3))
    assert "y_0 = y.copy()" in str(info.value) and "test_numba_idioms.py:" in str(info.value)
    check(over_elements_scaled_in_place, np.array([1.0, -2.0, 0.5]))


# ---------------------------------------------------------------- sum(), np.size


def builtin_sum(x):
    d = len(x)
    return -20.0 * math.exp(-0.2 * math.sqrt(sum(x ** 2) / d)) - math.exp(sum(np.cos(x)) / d) + np.size(x) \
        + max(x) - min(x * x)


def builtin_sum_2d(X):
    n, m = X.shape
    return sum(X)


def test_builtin_sum_and_size():
    check(builtin_sum, np.array([0.3, -1.1, 0.7, 2.0]))


def test_builtin_sum_of_2d_refused():
    with pytest.raises(nsadc.NsadcError, match="np.sum"):
        nsadc.differentiate(builtin_sum_2d, target="python")


# ---------------------------------------------------------------- module constants


def quadrature(a, b):
    half = 0.5 * (b - a)
    s = 0.0
    for k in range(NODES.shape[0]):
        t = 0.5 * (a + b) + half * NODES[k]
        s += WEIGHTS[k, 0] * math.exp(-t * t) + WEIGHTS[ORDER[k], 1] * t
    return half * s + np.sum(NODES * a)


def spaced(x):
    s = 0.0
    for k in range(SPACED.shape[0]):
        s += SPACED[k] * x * x
    return s


def computed(x):
    return x * COMPUTED[0]


def test_module_arrays_spelled_out_or_computed():
    check(spaced, 0.7)
    with pytest.raises(nsadc.NsadcError, match="computed when the module is imported") as info:
        nsadc.differentiate(computed, target="python")
    assert "hint: pass it as an argument" in str(info.value)


def too_big(x):
    return x * BIG[0]


def not_numbers(x):
    return x * LABELS[0]


def test_module_arrays_are_constants():
    d = check(quadrature, -0.3, 1.2)
    assert d.wrt == ["a", "b"]


def segment_max(x):
    """Module index tables scattering in place: their entries are constants,
    so the element a store overwrote is known again in the reverse sweep."""
    m = np.full(3, -1e9)
    for i in range(SEGMENT.shape[0]):
        m[SEGMENT[i]] = max(m[SEGMENT[i]], x[i])
    return m[0] * m[1] + m[2]


def shortest_path(w):
    dist = np.full(5, 1e9)
    dist[0] = 0.0
    for sweep in range(4):
        for e in range(EDGE_FROM.shape[0]):
            a = EDGE_FROM[e]
            b = EDGE_TO[e]
            if dist[a] + w[e] < dist[b]:
                dist[b] = dist[a] + w[e]
    return dist[4] + 0.5 * dist[3]


def test_module_index_tables_in_scatters():
    rng = np.random.default_rng(2)
    check(segment_max, rng.normal(size=10))
    check(shortest_path, 0.5 + rng.random(7))


def test_module_arrays_refused_with_reason():
    with pytest.raises(nsadc.NsadcError, match="module-level array of shape") as info:
        nsadc.differentiate(too_big, target="python")
    assert "hint: pass it as an argument" in str(info.value)
    with pytest.raises(nsadc.NsadcError, match="'LABELS'"):
        nsadc.differentiate(not_numbers, target="python")


# ---------------------------------------------------------------- decorated functions, methods


@njit(cache=True)
def _log1pexp(z):
    if z > 0.0:
        return z + math.log1p(math.exp(-z))
    return math.log1p(math.exp(z))


@njit
def logistic(w, X, y):
    loss = 0.0
    for i in range(X.shape[0]):
        loss += _log1pexp(-y[i] * X[i].dot(w))
    return loss + 0.5 * w.dot(w)


def test_njit_decorated_with_njit_helper_and_row_dot():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(6, 3))
    d = nsadc.differentiate(logistic, wrt="w", target="python")
    w, y = rng.normal(size=3), np.sign(rng.normal(size=6))
    np.testing.assert_allclose(d.grad(w, X, y), _fd(lambda w_: logistic.py_func(w_, X, y), (w,))[0],
                               rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------- allocation idioms


def like_allocations(x, c):
    a = np.full_like(x, c)
    b = np.empty_like(x)
    o = np.ones_like(x)
    z = np.zeros(x.shape[0], dtype=np.float64)
    for i in range(x.shape[0]):
        b[i] = a[i] * x[i] + o[i]
        z[i] = b[i] ** 2
    return np.sum(z)


def bad_dtype(x):
    a = np.zeros(x.shape[0], dtype=np.complex128)
    return x[0] + a[0].real


def test_like_allocations_and_dtype():
    check(like_allocations, np.array([0.5, -1.5, 2.0]), 0.7)


def test_other_dtypes_refused():
    with pytest.raises(nsadc.NsadcError, match="dtype"):
        nsadc.differentiate(bad_dtype, target="python")


# ---------------------------------------------------------------- smaller idioms


def symmetric_fill(X):
    n = X.shape[0]
    D = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            D[i, j] = D[j, i] = (X[i] - X[j]) ** 2
    return np.sum(D * D)


def positional_dtype(x):
    a = np.empty(x.shape[0], np.float64)
    b = np.full(x.shape[0], 2.0, np.float64)
    for i in range(x.shape[0]):
        a[i] = x[i] * b[i]
    return np.sum(a * a)


def clamp_log(x, base):
    eps = np.finfo(np.float64).eps
    return math.log(max(x, eps), base) + math.log(x * x + np.finfo(np.float64).tiny)


def nan_guard(x):
    s = 0.0
    for i in range(x.shape[0]):
        if math.isnan(x[i]) or np.isinf(x[i]) or not np.isfinite(x[i]):
            continue
        s += np.float64(x[i]) ** 2 * np.int64(i)
    return s


def test_chained_subscript_assignment():
    check(symmetric_fill, np.array([0.0, 1.0, 3.0, -0.5]))


def test_positional_dtype():
    check(positional_dtype, np.array([0.5, -1.0, 2.0]))


def test_finfo_and_log_base():
    check(clamp_log, 1.7, 3.0)


def test_nan_tests_and_casts():
    check(nan_guard, np.array([0.5, -1.0, 2.0]))
    d = nsadc.differentiate(nan_guard, target="python")
    np.testing.assert_allclose(d.grad(np.array([0.5, np.nan, 2.0, np.inf])), [0.0, 0.0, 8.0, 0.0])


def ufunc_scalars(x, y):
    return np.square(x - y) + np.logaddexp(x, 2.0 * y) + np.sum(np.square(np.array([x, y])))


def methods_on_expressions(x):
    return np.abs(x).sum() + np.sqrt((x ** 2).sum()) + (x * x).mean()


def interp_loss(x, xp, fp):
    s = 0.0
    for i in range(x.shape[0]):
        s += np.interp(x[i], xp, fp) ** 2
    return s + np.interp(x[0], xp, fp, left=-1.0, right=7.0)


def bucket(x, xp, fp):
    k = np.searchsorted(xp, x) - 1
    j = np.searchsorted(xp, x, side="right")
    return x * fp[k] + fp[j - 1]


GRID = np.array([0.0, 1.0, 2.5, 3.0, 4.5])
VALUES = np.array([1.0, -1.0, 2.0, 0.5, 3.0])


def test_ufunc_scalars():
    check(ufunc_scalars, 0.3, -0.8)


def test_methods_on_expressions():
    check(methods_on_expressions, np.array([0.5, -1.5, 2.0]))


def test_np_interp_of_a_number():
    x = np.array([-0.5, 0.3, 1.7, 2.6, 3.9, 5.0])
    check(interp_loss, x, GRID.copy(), VALUES.copy())
    d = nsadc.differentiate(interp_loss, target="python")
    _, rep = d.grad(np.array([1.0]), GRID, VALUES, report=True)
    assert not rep.exact  # x on a knot: a branch of the bisection is met


def test_np_searchsorted():
    check(bucket, 1.7, GRID.copy(), VALUES.copy())


def searchsorted_of_array(x, xp):
    return np.sum(np.searchsorted(xp, x) * x)


def test_np_searchsorted_of_an_array_refused():
    with pytest.raises(nsadc.NsadcError, match="array of points") as info:
        nsadc.differentiate(searchsorted_of_array, target="python").grad(np.array([0.5, 1.0]), GRID)
    assert "for loop" in str(info.value)


def statistics(x, w):
    z = (x - np.mean(x)) / np.std(x)
    d = np.diff(x * w)
    return np.sum(z * w) + x.var() + np.var(x * w, ddof=1) + np.sum(d * d) + np.trapezoid(x * x, w) \
        + np.trapezoid(x, dx=0.5)


def row_std(X):
    n, m = X.shape
    s = 0.0
    for i in range(n):
        s += X[i].std()
    return s


def conversions(x, w):
    x = np.asarray(x)
    y = np.ascontiguousarray(x, dtype=np.float64)
    z = (x * w).astype(np.float64)
    z[0] = 0.0
    s = 0.0
    for i in range(y.shape[0]):
        s += y[i] * z[i]
    return s


def bad_astype(x):
    return np.sum(x.astype(np.int64))


def test_asarray_astype():
    check(conversions, np.array([0.5, -1.0, 2.0]), 1.5)
    with pytest.raises(nsadc.NsadcError, match="dtype np.int64"):
        nsadc.differentiate(bad_astype, target="python").grad(np.array([0.5, 1.0]))


def test_statistics_written_out():
    rng = np.random.default_rng(3)
    check(statistics, rng.normal(size=6), np.cumsum(rng.uniform(0.5, 1.0, size=6)))
    check(row_std, rng.normal(size=(3, 4)))


def axis_std(X):
    return np.sum(np.std(X, axis=0))


def test_statistics_along_an_axis():
    check(axis_std, np.random.default_rng(4).normal(size=(2, 3)))


@njit
def _standardized(x, loc, scale):
    return (x - loc) / scale


@njit
def _logpdf(x, loc, scale):
    z = _standardized(x, loc, scale)
    r = np.empty_like(z)
    for i in range(len(z)):
        r[i] = -0.5 * z[i] * z[i]
    return r - math.log(scale)


@njit
def passed_on(x, loc, scale):
    return -np.sum(_logpdf(x, loc, scale))


def test_arrays_only_passed_to_helpers_take_the_call_ranks():
    check(passed_on, np.array([0.3, -1.2, 2.0]), 0.2, 1.4)


# ---------------------------------------------------------------- compiled (slow)


@pytest.mark.slow
@pytest.mark.parametrize("fn, args", [
    (specials, (0.3, 1.7)),
    (lgamma_negative, (-1.3,)),
    (soft_min_path, (np.array([0.5, -1.2, 0.8]), 0.7)),
    (loglik, (np.array([0.3, -1.2, 2.0]), 0.4, 1.3)),
    (parallel_sum, (np.array([0.5, -1.0, 2.0]), 1.5)),
    (over_elements, (np.array([1.0, 2.0, -3.0]), np.array([0.5, -1.0, 2.0, 7.0]))),
    (builtin_sum, (np.array([0.3, -1.1, 0.7, 2.0]),)),
    (quadrature, (-0.3, 1.2)),
    (like_allocations, (np.array([0.5, -1.5, 2.0]), 0.7)),
    (symmetric_fill, (np.array([0.0, 1.0, 3.0, -0.5]),)),
    (positional_dtype, (np.array([0.5, -1.0, 2.0]),)),
    (clamp_log, (1.7, 3.0)),
    (nan_guard, (np.array([0.5, -1.0, 2.0]),)),
    (ufunc_scalars, (0.3, -0.8)),
    (methods_on_expressions, (np.array([0.5, -1.5, 2.0]),)),
    (interp_loss, (np.array([-0.5, 0.3, 1.7, 2.6, 3.9, 5.0]), GRID.copy(), VALUES.copy())),
    (bucket, (1.7, GRID.copy(), VALUES.copy())),
    (statistics, (np.array([0.3, -1.0, 2.0, 0.7]), np.array([0.5, 1.0, 2.0, 2.5]))),
    (conversions, (np.array([0.5, -1.0, 2.0]), 1.5)),
    (passed_on, (np.array([0.3, -1.2, 2.0]), 0.2, 1.4)),
])
def test_compiled(fn, args):
    check(fn, *args, target="cpu")


@pytest.mark.slow
def test_compiled_guard_raises():
    d = nsadc.differentiate(loglik, target="cpu")
    _all_modes_raise(d, (np.array([0.3, -1.2]), 0.4, -1.0), ValueError, "sigma must be positive")
