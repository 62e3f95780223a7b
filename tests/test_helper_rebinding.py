"""A helper that binds its array parameter anew (``z = z - np.max(z)`` in a
softmax, ``v = v * (r / n)`` under an ``if`` in a norm clip, ``v = 0.5 * v``
in a loop) works on its own copy of the argument, as Python's local name
does: the caller's array keeps its values.  A second name for a parameter
(``p = v``) reads the argument, also where the caller passed an expression.  A name that takes a helper's
array in each branch of an ``if`` is one array, which each path fills.
Checked against central differences, on ``python`` and (slow) ``cpu``."""

from __future__ import annotations

import numpy as np
import pytest

import nsadc
from helpers import load_function
from test_regressions import check

PROGRAMS = '''
import math
import numpy as np


def softmax(z):
    z = z - np.max(z)
    e = np.exp(z)
    return e / np.sum(e)


def clip_norm(v, r):
    n = np.sqrt(np.sum(v * v))
    if n > r:
        v = v * (r / n)
    return v


def damp(v, k):
    for i in range(k):
        v = 0.5 * v + np.abs(v)
    return v


def drop_first(v):
    v = v[1:]
    return np.sum(np.abs(v))


def center(A):
    A = A - np.sum(A, axis=0) / A.shape[0]
    return np.sum(np.abs(A))


def halve_until(v, tol):
    while np.max(np.abs(v)) > tol:
        v = v * 0.5
    return v


def softmax_rows(X, w):
    total = 0.0
    for i in range(X.shape[0]):
        p = softmax(X[i] * w)
        total += -math.log(p[0])
    return total


def clipped_rows(X, r):
    total = 0.0
    for i in range(X.shape[0]):
        u = clip_norm(X[i], r)
        total += np.sum(u * u * u)
    return total


def caller_reads_its_array_after(w, r):
    u = clip_norm(w, r)
    return np.sum(u * w) + np.sum(damp(w, 3))


def shorter_copy(w):
    return drop_first(w) * 2.0 + np.sum(w * w)


def centered_twice(X):
    return center(X * 1.5) + center(X)


def halved(w):
    u = halve_until(w, 0.3)
    return np.sum(u * u) + np.sum(w)


def _second_name(v):
    p = v
    return p


def _second_name_rebound(v):
    w = v
    w = w * 2.0
    return w


def _second_name_written(v):
    w = v
    w[0] = 1.0
    return np.sum(w * v)


def second_names_of_an_expression(y):
    # the helper's second name for the caller's y * 2.0 (it was read as a name never assigned)
    return np.sum(_second_name(y * 2.0) ** 2) + np.sum(_second_name_rebound(y[1:] * 2.0)) \
        + _second_name_written(y * 3.0)


def _zero_first(v):
    v = v.copy()
    v[0] = 0.0
    return v


def _centered_clipped(v):
    v = v - np.mean(v)
    for i in range(v.shape[0]):
        if v[i] > 1.0:
            v[i] = 1.0
    return np.sum(v * v)


def copied_first_then_written(w):
    # the helper's first word on v makes it a new array: its writes never reach w
    u = _zero_first(w)
    return np.sum(u * u) + np.sum(w) + _centered_clipped(w * 2.0)


def softmax_either_way(w, flag):
    if flag > 0:
        u = softmax(w)
    else:
        u = softmax(-w)
    return np.sum(u * w)
'''

_rng = np.random.default_rng(11)
w, X = _rng.normal(size=5), _rng.normal(size=(3, 5))
CASES = {
    "softmax_rows": (X, w), "clipped_rows": (X, 1.0), "caller_reads_its_array_after": (w, 1.0),
    "caller_reads_its_array_after_unclipped": (w, 10.0), "shorter_copy": (w,), "centered_twice": (X,),
    "halved": (w,), "softmax_either_way": (w, 1.0), "softmax_either_way_else": (w, -1.0),
    "second_names_of_an_expression": (w,), "copied_first_then_written": (w,),
}


def _program(tmp_path, case):
    name = next(n for n in sorted(CASES, key=len, reverse=True) if case.startswith(n) and n in PROGRAMS)
    return load_function(tmp_path, PROGRAMS, name)


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
@pytest.mark.parametrize("case", sorted(CASES))
def test_a_helper_binding_its_array_parameter_anew(tmp_path, case, target):
    check(_program(tmp_path, case), CASES[case], target)


def test_the_callers_array_keeps_its_values(tmp_path):
    fn = _program(tmp_path, "caller_reads_its_array_after")
    x = w.copy()
    value, _ = nsadc.differentiate(fn, target="python").value_and_grad(x, 1.0)
    np.testing.assert_array_equal(x, w)
    assert value == pytest.approx(fn(w.copy(), 1.0), rel=1e-13)


REFUSED = '''
import numpy as np


def clip_norm(v, r):
    n = np.sqrt(np.sum(v * v))
    if n > r:
        v = v * (r / n)
    return v


def tail(v):
    v = v[1:]
    return v


def zero_first(b):
    b[0] = 0.0


def both(a, b):
    b[0] = 0.0
    a = a * 2.0
    return np.sum(a)


def wrapped(v):
    return clip_norm(v, 10.0)


def result_written(x):
    u = clip_norm(x, 10.0)  # Python's u is x itself where the norm is below 10
    u *= 2.0
    return np.sum(x)


def argument_written_after(x):
    u = clip_norm(x, 10.0)
    x[0] = 5.0
    return np.sum(u)


def view_written(x):
    u = tail(x)
    u[0] = 9.0
    return np.sum(x)


def result_handed_to_a_writer(x):
    zero_first(clip_norm(x, 10.0))
    return np.sum(x)


def through_a_wrapper(x):
    u = wrapped(x)
    u[0] = 1.0
    return np.sum(x)


def one_array_twice(x):
    y = x.copy()
    return both(y, y)


def _pick(v, c):
    return v if c > 0.0 else v * 2.0


def _pick_by_name(v, c):
    w = v if c > 0.0 else v * 2.0
    return w


def _everything(v):
    return v[...]


def picked_then_written(x):
    u = _pick(x, 1.0)  # u is x itself
    u[0] = 0.0
    return np.sum(x * x)


def picked_by_name_then_written(x):
    u = _pick_by_name(x, 1.0)
    u[0] = 0.0
    return np.sum(x * x)


def ellipsis_view_written(x):
    u = _everything(x)
    u[0] = 0.0
    return np.sum(x * x)


def transposed_inline_written(x):
    A = np.outer(x, x)
    B = np.transpose(A)
    B[0, 1] = 0.0
    return np.sum(A * A)


def _wrapped_by_name(v):
    u = clip_norm(v, 10.0)
    return u


def through_a_name_a_wrapper_returns(x):
    w = _wrapped_by_name(x)
    w[0] = 5.0
    return np.sum(x * x)
'''


@pytest.mark.parametrize("name, message", [
    ("result_written", r"clip_norm\(\) may return its parameter 'v' unchanged or as a view of it, .* writes into u"),
    ("argument_written_after", r"clip_norm\(\) may return .* writes into x"),
    ("view_written", r"tail\(\) may return its parameter 'v' unchanged or as a view of it"),
    ("result_handed_to_a_writer", r"clip_norm\(\) may return .* hands the result on"),
    ("through_a_wrapper", r"clip_norm\(\) may return .* hands the result on"),
    ("picked_then_written", r"_pick\(\) returns v, a view of its argument x or the argument itself"),
    ("picked_by_name_then_written", r"_pick_by_name\(\) returns v, a view of its argument x or the argument"),
    ("ellipsis_view_written", r"_everything\(\) returns v\[\.\.\.\], a view of its argument x"),
    ("transposed_inline_written", r"B = A.T would make B a view of A"),
    ("through_a_name_a_wrapper_returns", r"clip_norm\(\) may return .* hands the result on"),
    ("one_array_twice", r"y is passed to both\(\) as 'a', which both\(\) binds anew, and as 'b', which it writes"),
])
def test_where_python_would_share_the_array_it_is_refused(tmp_path, name, message):
    # the helper's copy would hide a write NumPy shows through the shared memory (a wrong value)
    fn = load_function(tmp_path, REFUSED, name)
    with pytest.raises(nsadc.NsadcError, match=message):
        nsadc.differentiate(fn, target="python").grad(np.array([1.0, 2.0, 3.0]))
