"""Functions that write into their array arguments, through every entry
point: derivative calls leave the caller's arrays as they were (the
Jacobian drivers too, which run the function more than once), and two
arguments sharing memory where one is written are refused (Python's call
sees each write through both names; derivatives are taken per argument)."""

import numpy as np
import pytest

import nsadc


def scaled_first(x):
    x[0] *= 3.0
    return np.sum(x ** 2)


def scaled_all(x, a):
    x *= a
    return np.tanh(x) + x


def doubled_then_summed(x, y):
    x *= 2.0
    return np.sum(y ** 2)


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_jacobians_leave_the_callers_arrays_and_agree(target):
    F = nsadc.differentiate(scaled_first, target=target)
    x = np.array([1.0, 2.0, 3.0])
    want = np.array([18.0, 4.0, 6.0])
    for method in (F.grad, F.jacrev, F.jacfwd, F.jacobian):
        np.testing.assert_allclose(method(x), want)
        np.testing.assert_array_equal(x, [1.0, 2.0, 3.0])
    np.testing.assert_allclose(nsadc.jacrev(scaled_first)(x), want)
    np.testing.assert_array_equal(x, [1.0, 2.0, 3.0])

    G = nsadc.differentiate(scaled_all, wrt=["x"], target=target)
    x, a = np.array([0.1, 0.2, 0.3]), 1.5
    exact = a * (1.0 - np.tanh(a * x) ** 2) + a
    for method in (G.jacrev, G.jacfwd, G.jacobian):
        np.testing.assert_allclose(np.diag(method(x, a)), exact, rtol=1e-12)
        np.testing.assert_array_equal(x, [0.1, 0.2, 0.3])


def test_an_argument_written_and_passed_twice_is_refused():
    F = nsadc.differentiate(doubled_then_summed, target="python")
    x = np.array([1.0, 2.0])
    for call in (lambda: F.grad(x, x), lambda: F.value_and_grad(x, x), lambda: F(x, x)):
        with pytest.raises(nsadc.ArgumentError, match="share memory .* writes into 'x'"):
            call()
    assert F.grad(x, x.copy())[1].tolist() == [2.0, 4.0]
    with pytest.raises(nsadc.ArgumentError, match="share memory"):  # the repeated call's fast path too
        F.grad(x, x)
    np.testing.assert_array_equal(x, [1.0, 2.0])
