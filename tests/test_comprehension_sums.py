"""``sum()``, ``max()`` and ``min()`` of a generator expression or a list
comprehension are the loop they stand for, written before the statement
holding them: filters, nested
``for`` clauses, ``zip`` / ``enumerate``, a start value, a count used as an
index, a name the comprehension shadows, sums inside loops and helpers;
``max`` shares a tie as ``max`` does and raises where no term is met.
Where Python evaluates the sum only sometimes (a conditional expression) it
is refused with its location.  Checked against central differences."""

from __future__ import annotations

import numpy as np
import pytest

import nsadc
from helpers import load_function
from test_regressions import check

PROGRAMS = '''
import math
import numpy as np


def weighted_abs(w, x):
    n = x.shape[0]
    return sum(w[i] * abs(x[i]) for i in range(n))


def positive_squares(x):
    return sum(v * v for v in x if v > 0.1) + 1.0


def count_as_index(x):
    k = sum(1 for v in x if v > 0)
    return x[k] * 2.0


def listed_norm(x):
    return math.sqrt(sum([v ** 2 for v in x]))


def nested_relu(A):
    return sum(sum(max(A[i, j], 0.0) for j in range(A.shape[1])) for i in range(A.shape[0]))


def pair_gaps(x):
    n = x.shape[0]
    return sum(abs(x[i] - x[j]) for i in range(n) for j in range(i + 1, n))


def shadowed(x):
    i = 2
    s = sum(x[i] * x[i] for i in range(x.shape[0]))
    return s + x[i]


def rows_hinge(X, w):
    total = 0.0
    for r in range(X.shape[0]):
        m = sum(X[r, j] * w[j] for j in range(w.shape[0]))
        total += max(m, 0.0)
    return total


def started(x):
    return sum((v * v for v in x), 0.5)


def _decay(v):
    return sum(math.exp(-abs(t)) for t in v)


def in_a_helper(x):
    return _decay(x) * 2.0


def in_a_test(x, c):
    if sum(abs(v) for v in x) > c:
        return c
    return x[0] * x[1]


def zipped(x, y):
    return sum(abs(a - b) for a, b in zip(x, y))


def enumerated(x):
    return sum(k * v * v for k, v in enumerate(x))


def inf_norm(x):
    return max(abs(v) for v in x)


def worst_and_best(x, y):
    return max([abs(x[i] - y[i]) for i in range(x.shape[0]) if y[i] > -5.0]) + min(v * v for v in x)


def last_positive_index(x):
    k = max(i for i in range(x.shape[0]) if x[i] > 0)
    return x[k] * 3.0


def max_of_nothing(x):
    return max(v for v in x if v > 100.0)


def _double_in_place(v):
    v *= 2.0
    return 0.0


def after_a_write(x):
    return _double_in_place(x) + sum(v for v in x)


def only_sometimes(x, c):
    return sum(x[i] for i in range(2)) if c > 0 else 0.0
'''

_rng = np.random.default_rng(5)
x, w, A, X = _rng.normal(size=6), _rng.normal(size=6), _rng.normal(size=(3, 4)), _rng.normal(size=(4, 6))
CASES = {
    "weighted_abs": (w, x), "positive_squares": (x,), "count_as_index": (x,), "listed_norm": (x,),
    "nested_relu": (A,), "pair_gaps": (x,), "shadowed": (x,), "rows_hinge": (X, w), "started": (x,),
    "in_a_helper": (x,), "in_a_test": (x, 1.0), "in_a_test_not_taken": (x, 100.0), "zipped": (x, w[::-1].copy()),
    "enumerated": (x,), "inf_norm": (x,), "worst_and_best": (x, w), "last_positive_index": (x,),
}


def _program(tmp_path, case):
    name = case.removesuffix("_not_taken")
    return load_function(tmp_path, PROGRAMS, name)


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
@pytest.mark.parametrize("case", sorted(CASES))
def test_a_sum_of_a_comprehension(tmp_path, case, target):
    check(_program(tmp_path, case), CASES[case], target)


def test_the_loop_reads_as_written(tmp_path):
    src = nsadc.differentiate(_program(tmp_path, "weighted_abs"), target="python").source("reverse", w, x)
    assert "for i in range(n):" in src and "total += w_i * abs_x_i" in src
    # a name the function uses elsewhere: the comprehension's variable is another
    src = nsadc.differentiate(_program(tmp_path, "shadowed"), target="python").source("reverse", x)
    assert "i = 2" in src and "for i_2 in range(n):" in src


def test_max_at_a_tie_shares_and_of_no_terms_raises(tmp_path):
    d = nsadc.differentiate(_program(tmp_path, "inf_norm"), target="python")
    np.testing.assert_array_equal(d.grad(np.array([1.0, -2.0, 2.0])), [0.0, -0.5, 0.5])
    with pytest.raises(ValueError, match=r"max\(\) arg is an empty sequence"):
        nsadc.differentiate(_program(tmp_path, "max_of_nothing"), target="python").grad(x)


def test_a_sum_python_evaluates_only_sometimes_is_refused(tmp_path):
    fn = _program(tmp_path, "only_sometimes")
    with pytest.raises(nsadc.NsadcError, match=r"_mod\.py:\d+:12: sum\(\) of a generator expression is "
                       r"supported only where the statement always evaluates it(.|\n)*statement of its own"):
        nsadc.differentiate(fn, target="python").grad(x, 1.0)


def test_a_sum_beside_a_call_writing_an_array_is_refused(tmp_path):
    # computed first, the sum would miss the doubling Python's order puts before it (a wrong value)
    fn = _program(tmp_path, "after_a_write")
    with pytest.raises(nsadc.NsadcError, match=r"calls nothing that writes into an array"):
        nsadc.differentiate(fn, target="python").grad(x.copy())
