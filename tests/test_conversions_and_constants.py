"""Conversions, module constants and refusals of idioms from control and
finance code: ``x0.astype(np.float64)`` of float32 data is a float64 copy
(it stayed float32: a wrong value); a module array spelled with a constant
twice (``np.array([DT, DT])``) is frozen like any other (it was refused as
"computed when the module is imported"); ``y.copy() + h0`` bound to a name a
loop rebinds keeps its rank ("sum() of a scalar"); an unsupported call
indexed directly (``np.convolve(a, k)[-1]``) is refused as that call, where
it is written (an ``ArgumentError`` without a location blamed the
argument)."""

import re

import numpy as np
import pytest

import nsadc
from nsadc.errors import UnsupportedError
from tests.helpers import check_program_gradient, load_function

TARGETS = ["python", pytest.param("cpu", marks=pytest.mark.slow)]


@pytest.mark.parametrize("target", TARGETS)
def test_astype_float64_of_float32_data_is_a_float64_copy(tmp_path, target):
    f = load_function(tmp_path, """
        def f(x0, eps):
            x = x0.astype(np.float64)
            x[0] += eps
            return np.sum(x) + np.sum(x0)
        """, "f")
    x0 = np.array([1.0, 0.0], np.float32)
    d = nsadc.differentiate(f, target=target)
    assert d(x0.copy(), 1e-9) == f(x0.copy(), 1e-9) == 2.000000001
    gx, geps = d.grad(x0.copy(), 1e-9)
    np.testing.assert_allclose(gx, [2.0, 2.0])
    assert geps == 1.0
    x1 = np.array([1.0, 0.0])
    assert d(x1, 1e-9) == f(x1.copy(), 1e-9)
    assert np.array_equal(x1, [1.0, 0.0])  # a copy: the argument keeps its values


@pytest.mark.parametrize("target", TARGETS)
def test_module_arrays_spelled_with_a_constant_twice(tmp_path, target):
    f = load_function(tmp_path, """
        DT = 0.1
        G = 9.81
        C = np.array([DT, DT])
        B = np.array([0.5 * DT * DT, DT, G * DT])

        def f(x):
            return np.sum(C * x[:2]) + np.sum(B * x)
        """, "f")
    x = np.array([1.0, 2.0, 3.0])
    d = nsadc.differentiate(f, target=target)
    assert d(x) == pytest.approx(f(x))
    np.testing.assert_allclose(d.grad(x), [0.1 + 0.005, 0.1 + 0.1, 0.981])


def test_a_copy_plus_a_number_rebound_in_a_loop_keeps_its_rank(tmp_path):
    f = load_function(tmp_path, """
        def f(y, h0):
            py = y.copy() + h0
            for t in range(3):
                py = py * 0.5
            return np.sum(py)
        """, "f")
    gy, gh = nsadc.differentiate(f, target="python").grad(np.array([1.0, 2.0]), 0.3)
    np.testing.assert_allclose(gy, [0.125, 0.125])
    assert gh == pytest.approx(0.25)


@pytest.mark.parametrize("body, says", [
    ("return np.cross(1.0 + r, r)[-1]", "np.cross() is not supported"),
    ("return divmod(r[0], 7.0)[1]", "the builtin divmod() is not supported"),
])
def test_an_unsupported_call_indexed_directly_is_refused_as_that_call(tmp_path, body, says):
    f = load_function(tmp_path, f"""
        def f(r):
            {body}
        """, "f")
    with pytest.raises(UnsupportedError, match=re.escape(says)) as err:
        nsadc.differentiate(f, target="python").grad(np.array([0.1, -0.05]))
    assert "f_mod.py:6:" in str(err.value)


@pytest.mark.parametrize("branch", ["np.copy(x)", "x.copy()"])
def test_a_copy_as_a_branch_of_a_conditional_expression(tmp_path, branch):
    # (it was taken for a number: "one branch of this conditional expression is an array and the other a scalar")
    f = load_function(tmp_path, f"""
        def f(x, c):
            m = np.abs(x) if c > 0.0 else {branch}
            r = {branch} if c > 0.0 else np.maximum.accumulate(x)
            return np.sum(m * c) + np.sum(np.copy(x) * c) + np.sum(r)
        """, "f")
    x = np.array([1.0, -3.0, 2.0, 1.5])
    d = nsadc.differentiate(f, target="python")
    for c in (1.0, -1.0):
        assert d(x, c) == pytest.approx(f(x, c))
        gx, gc = d.grad(x, c)
        m = np.abs(x) if c > 0 else x
        running = 1.0 if c > 0 else np.array([2.0, 0.0, 2.0, 0.0])  # of r: x itself, or its running max
        np.testing.assert_allclose(gx, (np.sign(x) if c > 0 else 1.0) * c + c + running)
        assert gc == pytest.approx(np.sum(m) + np.sum(x))


@pytest.mark.parametrize("target", TARGETS)
def test_module_tuples_of_numbers_indexed_measured_and_looped_over(tmp_path, target):
    text = """
        COEFS = (0.5, 0.25, 0.125)
        IDX = (2, 0, 1)
        NODES = (-1.0, 0.0, 1.0)

        def f(x):
            s = 0.0
            for k in range(len(COEFS)):
                s += COEFS[k] * x[IDX[k]] ** 2
            for c in NODES:
                s += abs(x[0] - c)
            return s

        def repeated(x):
            return x[0] * COEFS * 2
        """
    f = load_function(tmp_path, text, "f")
    x = np.array([0.3, -0.7, 1.2])
    d = nsadc.differentiate(f, target=target)
    assert d(x) == pytest.approx(f(x))
    np.testing.assert_allclose(d.grad(x), [0.25 * 0.6 + 1.0, 0.125 * 2 * -0.7, 0.5 * 2 * 1.2])
    repeated = load_function(tmp_path, text, "repeated")  # a tuple times 2 repeats it: refused
    with pytest.raises(UnsupportedError, match="'COEFS' is a module-level tuple of numbers, which nsadc reads "
                       r"only as COEFS\[k\]"):
        nsadc.differentiate(repeated, target="python")(x)


@pytest.mark.parametrize("target", TARGETS)
def test_module_lists_of_filter_coefficients(tmp_path, target):
    """A list of coefficients is read as a tuple is (Numba itself refuses global
    lists): indexed, measured, looped over (also by enumerate / zip); NumPy
    arithmetic on the whole list is refused with the array to write instead."""
    text = """
        import numpy as np
        B = [0.25, 0.5, 0.25]
        A = [1.0, -0.3]

        def filtered(x):
            s = 0.0
            prev = 0.0
            for n in range(x.shape[0]):
                acc = 0.0
                for k in range(len(B)):
                    if n - k >= 0:
                        acc += B[k] * x[n - k]
                prev = A[0] * acc - A[1] * prev
                s += max(prev, 0.0)
            for c in B:
                s += c * x[0]
            for k, c in enumerate(B):
                s += c * x[k] * x[k]
            for c, v in zip(A, x):
                s += abs(c - v)
            return s

        def scaled(x):
            return np.sum(x * B)
        """
    f = load_function(tmp_path, text, "filtered")
    x = np.random.default_rng(4).normal(size=7)
    check_program_gradient(f, (x,), target)
    scaled = load_function(tmp_path, text, "scaled")
    with pytest.raises(UnsupportedError, match=r"'B' is a module-level list .*\n.*\n.*\n.*B = np.array"):
        nsadc.differentiate(scaled, target="python")(x)
