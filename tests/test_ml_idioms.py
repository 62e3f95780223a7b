"""Idioms of machine-learning code written from scratch that were refused
or wrong: ``m = v = np.zeros(d)`` (one array under two names; the compiled
primal returned an array and the gradient crashed), ``np.full`` inside a
loop (refused as a shape not known before the loop), a name bound to an
expression of scalar-guessed arguments then indexed (``d = a - b; r =
np.maximum(0, d); r[0]``: refused at decoration, the call decides), and the
vectorized multiclass hinge (``c = S[np.arange(n), y]; S - c[:, None]``:
the pair of index arrays was taken for a row of a 3-D ``S``)."""

import numpy as np
import pytest

import nsadc

from helpers import check_program_gradient


def adam_unrolled(g0, lr, steps):
    w = g0.copy()
    m = v = np.zeros(g0.shape[0])
    for t in range(steps):
        g = 2.0 * w + np.abs(w - 0.3)
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        w = w - lr * m / (np.sqrt(v) + 1e-8)
    return np.sum(w * w)


def both_names_read(x):
    a = b = x * 2.0
    return np.sum(a * b) + np.max(a * x)


def written_through_one_name(x):
    m = v = np.zeros(x.shape[0])
    m[0] = x[0] * 2.0
    return np.sum(v * x)


def bag_max(E, w):
    total = 0.0
    for b in range(E.shape[0]):
        v = np.full(E.shape[1], -np.inf)
        v = np.maximum(v, E[b])
        v = np.maximum(v, 0.5 * E[b] + 0.1)
        total += np.dot(v, w)
    return total


def relu_pair(a, b):
    d = a - b
    r = np.maximum(0, d)
    return r[0] + r.sum()


def multiclass_hinge(S, y):
    n, k = S.shape
    c = S[np.arange(n), y]
    M = np.maximum(0.0, S - c[:, None] + 1.0)
    return np.sum(M) - n


rng = np.random.default_rng(0)
X = rng.standard_normal(5)
CASES = [(adam_unrolled, (X, 0.05, 4)), (both_names_read, (X,)), (bag_max, (rng.standard_normal((6, 3)), X[:3])),
         (relu_pair, (X, rng.standard_normal(5))),
         (multiclass_hinge, (rng.standard_normal((5, 3)), rng.integers(0, 3, 5)))]


@pytest.mark.parametrize("fn, args", CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_value_and_gradient(fn, args):
    check_program_gradient(fn, args, "python")


def test_an_array_written_through_one_of_two_names_is_refused():
    with pytest.raises(nsadc.NsadcError, match=r"test_ml_idioms.py:\d+:\d+: v = m would make v a second name"):
        nsadc.differentiate(written_through_one_name, target="python").grad(X)


def test_the_primal_of_two_names_is_a_number():
    value = nsadc.differentiate(adam_unrolled, target="python")(X, 0.05, 4)
    assert np.ndim(value) == 0 and value == pytest.approx(adam_unrolled(X, 0.05, 4))


@pytest.mark.slow
@pytest.mark.parametrize("fn, args", CASES[:3], ids=lambda v: getattr(v, "__name__", ""))
def test_compiled(fn, args):
    check_program_gradient(fn, args, "cpu")


def positive_part_of_transpose(A):
    B = A.T  # read only, never written through either name: a copy reads the same values
    s = 0.0
    for i in range(B.shape[0]):
        for j in range(B.shape[1]):
            s += max(B[i, j], 0.0) * (i + 1)
    return s


def test_a_transpose_named_and_only_read():
    check_program_gradient(positive_part_of_transpose, (np.array([[0.5, -1.0, 2.0], [1.5, 0.3, -0.2]]),), "python")
