"""Reductions of int and bool arrays are ints, as in NumPy: ``np.sum(ids)`` of
int64 ids beyond 2**53 is exact (it was added up in float64: a wrong value),
``np.min(times)`` of int64 timestamps keeps its low digits (a wrong value on
cpu), a count ``np.sum(mask)`` / ``np.count_nonzero(mask)`` or a label
maximum ``np.max(labels) + 1`` serves as a loop bound, an index or a size (a
float there crashed), and a mask of more than 127 entries counts past int8; along an axis too
(``np.sum(ids, axis=0)``, ``np.max(L, axis=0)`` as indices).
Also ``img.astype(np.float64) / 255.0`` is an array (its name was taken for
a number: an array came back where NumPy gives a number)."""

import numpy as np
import pytest

import nsadc
from tests.helpers import load_function

TARGETS = ["python", pytest.param("cpu", marks=pytest.mark.slow)]

PROGRAMS = """
def sum_mod(w, ids):
    return w * (np.sum(ids) % 1000)

def since_start(w, times):
    t0 = np.min(times)
    return w * (times[1] - t0) + w * (np.max(times) - times[0])

def counted(x, mask):
    s = 0.0
    for i in range(np.sum(mask)):
        s += x[i]
    n = np.count_nonzero(mask)
    return s + x[n - 1] * np.count_nonzero(x > 1.5)

def classes(x, labels):
    K = np.max(labels) + 1
    c = np.zeros(K)
    for i in range(labels.shape[0]):
        c[labels[i]] += x[i]
    return np.sum(c * c) + x[labels.max()] + x[labels.min()] + np.mean(labels) * x[0]

def many_true(x, mask):
    return x[0] * np.sum(mask) + x[1] * np.sum(mask * 1)

def pixels(w, img):
    return w * (np.sum(img) + np.max(img) + 1)

def along_axes(x, L):
    c = np.sum(L, axis=1)
    m = np.max(L, axis=0)
    return x[c[0] % 3] + x[m[1]] * 2.0

def ids_along_axis(w, ids):
    s = np.sum(ids, axis=0)
    return w * (s[0] % 1000)

def scaled(w, img):
    x = img.astype(np.float64) / 255.0
    s = 0.0
    for i in range(w.shape[0]):
        s += x[i] * w[i]
    return s + np.sum(x * w)
"""

X = np.array([1.0, 2.0, 3.0])
CASES = [
    ("sum_mod", (1.0, np.array([2**55 + 1, 2**55 + 2, 2**55 + 3], dtype=np.int64)), 910.0),
    ("since_start", (1.0, np.array([1_700_000_000_000_000_000, 1_700_000_000_000_000_123], dtype=np.int64)), 246.0),
    ("counted", (X, np.array([True, False, True])), 3.0 + 4.0),
    ("classes", (X, np.array([0, 2, 1])), 14.0 + 3.0 + 1.0 + 1.0),
    ("many_true", (X, np.ones(300, bool)), 900.0),
    ("pixels", (1.0, np.full(300, 255, np.uint8)), 300 * 255 + 256.0),
    ("along_axes", (X, np.array([[0, 2, 1], [1, 1, 2]])), 7.0),
    ("ids_along_axis", (1.0, np.array([[2**55 + 1], [2**55 + 2], [2**55 + 3]], dtype=np.int64)), 910.0),
    ("scaled", (np.array([0.5, -1.0, 2.0]), np.array([200, 10, 130], dtype=np.uint8)), 2 * (100 - 10 + 260) / 255),
]


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("name, args, value", CASES, ids=[c[0] for c in CASES])
def test_int_reductions_are_exact_ints(tmp_path, target, name, args, value):
    f = load_function(tmp_path, PROGRAMS, name)
    assert f(*args) == pytest.approx(value, rel=1e-15)
    d = nsadc.differentiate(f, target=target)
    assert d(*args) == pytest.approx(value, rel=1e-15)
    g, report = d.grad(*args, report=True)
    assert report.exact  # an int conversion of an int is no kink
    if name in ("sum_mod", "since_start", "pixels", "ids_along_axis"):
        assert g == pytest.approx(value)  # value = w * (an int) at w = 1
    elif name == "scaled":
        np.testing.assert_allclose(g, 2.0 * args[1].astype(np.float64) / 255.0)
    else:
        h = 1e-6
        fd = [(f(X + h * e, args[1]) - f(X - h * e, args[1])) / (2 * h) for e in np.eye(3)]
        np.testing.assert_allclose(g, fd, atol=1e-6)
