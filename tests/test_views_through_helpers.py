"""Views that reach a name without the code spelling them (NumPy shares the
memory; nsadc's values are copies, so a write through one name must not be
missed through another): a helper returning a view of its argument (``return
v[1:]``, ``A[i]``, a tuple of halves) bound to a name while something writes
through either name (a wrong value before: the write was not seen), a store
into an indexed expression (``B.T[0] = v``, ``z[1:][::2] = v``,
``np.asarray(z)[0] = v``: the store landed in a copy and was lost), and a
helper writing into a row of an argument (``_clip_row(A[0])``: the caller's
array changed, where every call works on a copy of its arguments)."""

import numpy as np
import pytest

import nsadc
from helpers import check_program_gradient


def _tail(v):
    return v[1:]


def _row(A, i):
    return A[i]


def _element(v, i):
    return v[i]


def _halves(v):
    h = v.shape[0] // 2
    return v[:h], v[h:]


def tail_then_written(x):
    z = x.copy()
    t = _tail(z)
    z[1] = 10.0 * z[1]
    return np.sum(t)


def row_then_written(A):
    B = A.copy()
    r = _row(B, 0)
    B[0, 0] = 2.0 * B[0, 1]
    return np.sum(r)


def halves_then_scaled(x):
    z = x.copy()
    a, b = _halves(z)
    z *= 2.0
    return np.sum(a) + np.sum(b)


def store_through_transpose(A):
    B = A.copy()
    B.T[0] = 2.0 * B.T[0]
    return np.sum(B)


def store_through_two_slices(x):
    z = x.copy()
    z[1:][::2] = 3.0 * z[1:][::2]
    return np.sum(z)


def store_through_asarray(x):
    z = x.copy()
    np.asarray(z)[0] *= 5.0
    return np.sum(z)


X, A = np.array([0.3, -1.2, 0.7, 2.0]), np.array([[1.0, 2.0, -0.5], [3.0, 4.0, 0.25]])


@pytest.mark.parametrize("fn, args, says", [
    (tail_then_written, (X,), "_tail\\(\\) returns v\\[1:\\], a view of its argument z"),
    (row_then_written, (A,), "_row\\(\\) returns A\\[i\\], a view of its argument B"),
    (halves_then_scaled, (X,), "_halves\\(\\) returns v\\[:h\\], a view of its argument z"),
    (store_through_transpose, (A,), "assignment into B.T, a view of an array"),
    (store_through_two_slices, (X,), "assignment into z\\[1:\\], a view of an array"),
    (store_through_asarray, (X,), "assignment into np.asarray\\(z\\), a view of an array"),
], ids=lambda v: getattr(v, "__name__", ""))
def test_writes_that_a_view_would_see_are_refused(fn, args, says):
    with pytest.raises(nsadc.UnsupportedError, match=says):
        nsadc.differentiate(fn, target="python").grad(*args)


def tail_read(x):
    z = x.copy()
    t = _tail(z)
    return np.sum(t * t)


def element_then_written(x):
    z = x.copy()
    t = _element(z, 1)
    z[1] = 3.0 * z[1]
    return t + np.sum(z)


def halves_read(x):
    a, b = _halves(x * 1.0)
    return np.sum(a * b)


@pytest.mark.parametrize("fn", [tail_read, element_then_written, halves_read], ids=lambda f: f.__name__)
def test_views_nothing_writes_through_are_taken(fn):
    check_program_gradient(fn, (X,), "python")


def _clip_row(r):
    r[0] = max(r[0], 0.0)


def clipped_first_row(A):
    _clip_row(A[0])
    return np.sum(A * A)


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_a_row_a_helper_writes_leaves_the_callers_array_alone(target):
    B = np.array([[-1.0, 2.0], [3.0, 4.0]])
    d = nsadc.differentiate(clipped_first_row, target=target)
    value, g = d.value_and_grad(B)
    d.grad(B)
    d.jvp((B,), (np.ones((2, 2)),))
    np.testing.assert_array_equal(B, [[-1.0, 2.0], [3.0, 4.0]])
    assert value == pytest.approx(29.0)
    np.testing.assert_allclose(g, [[0.0, 4.0], [6.0, 8.0]])


def _return_map(eps, eps_p, alpha, sy):
    """A 1-D return mapping: the state handed back unchanged where it stays elastic."""
    sig = eps - eps_p
    f = abs(sig) - (sy + 0.5 * alpha)
    if f <= 0.0:
        return sig, eps_p, alpha
    dgam = f / 1.5
    sgn = 1.0 if sig > 0.0 else -1.0
    return sig - dgam * sgn, eps_p + dgam * sgn, alpha + dgam


def fibres(eps_hist, sy):
    eps_p = np.zeros(sy.shape[0])
    alpha = np.zeros(sy.shape[0])
    total = 0.0
    for t in range(eps_hist.shape[0]):
        for k in range(sy.shape[0]):
            # elements passed: numbers, which the helper may hand back as they came
            sig, ep_new, a_new = _return_map(eps_hist[t], eps_p[k], alpha[k], sy[k])
            eps_p[k] = ep_new
            alpha[k] = a_new
            total += sig * sig
    return total


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_elements_a_helper_returns_unchanged_are_numbers(target):
    eps_hist = np.array([0.2, 0.9, 1.4, 0.3, -0.8, -1.5, 0.1])
    check_program_gradient(fibres, (eps_hist, np.array([0.5, 0.8, 1.1])), target)
