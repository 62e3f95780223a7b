"""Arrays read and then overwritten in the same loop iteration
(nsadc/transforms/reverse_plan.py).  Gradient-descent steps inside the
function: each iteration of the top-level loop keeps the whole array on a
tape; the reverse restores it and replays the iteration's stores before
reversing them (snapshots).  x[i] = f(x[i]) in a loop body, straight or under
`if`s: the reverse pops the element back before re-running the iteration
(restored; under an `if` the element is pushed before the `if`)."""

import math

import numpy as np
import pytest

import nsadc
from test_arrays import fd_gradient


def descent(x0, A, k: int):
    """The step reads every element of x (A @ x) before the update writes x."""
    x = x0.copy()
    for t in range(k):
        g = np.tanh(A @ x)
        x -= 0.1 * g
    return np.sum(x ** 2)


def descent_loops(x0, A, k: int):
    """The same in loops, the update nonlinear in g and x read again after it."""
    x = x0.copy()
    g = np.empty(A.shape[0])
    s = 0.0
    for t in range(k):
        for i in range(A.shape[0]):
            z = 0.0
            for j in range(A.shape[1]):
                z += A[i, j] * x[j]
            g[i] = z
        for i in range(x.shape[0]):
            x[i] = x[i] - 0.1 * math.sin(g[i])
        for i in range(x.shape[0]):
            s += abs(x[i]) * (t + 1)
    return s + np.sum(x * x)


def inplace_elementwise(x0):
    """x[i] = f(x[i]): the reverse pops x[i] back before re-running the iteration."""
    x = x0.copy()
    for i in range(x.shape[0]):
        x[i] = math.sin(x[i]) * 2.0
    return np.sum(x * x)


def inplace_relu_then_read(x0, w):
    """The element is read again after the update in the same iteration."""
    x = x0.copy()
    s = 0.0
    for i in range(x.shape[0]):
        x[i] = max(x[i] * w, 0.0)
        s += math.exp(-x[i]) * (i + 1)
    return s + np.sum(x)


def smoothing(x, k: int):
    """Neighbours read (a whole-array snapshot per step), then an in-place
    elementwise update inside the step (an element popped back per update)."""
    y = x.copy()
    for t in range(k):
        s = 0.0
        for i in range(1, y.shape[0] - 1):
            s += y[i - 1] * y[i + 1]
        for i in range(y.shape[0]):
            y[i] = math.tanh(y[i] + 0.1 * s)
    return np.sum(y * y)


def guarded_update(x0):
    """The update runs in one branch only: the element is pushed before the
    `if`, whichever way it goes, and popped back before the re-run."""
    x = x0.copy()
    for i in range(x.shape[0]):
        if x[i] > 0.0:
            x[i] = math.sin(x[i])
    return np.sum(x * x)


def clamp_then_read(x0, lo):
    """A clamp in place, the element read again after it."""
    x = x0.copy()
    s = 0.0
    for i in range(x.shape[0]):
        if x[i] < lo:
            x[i] = lo
        s += x[i] * x[i] * (i + 1)
    return s


def clip_two_branches(x0):
    """`if` / `elif`: two stores into the same element, one per branch."""
    x = x0.copy()
    for i in range(x.shape[0]):
        if x[i] < -1.0:
            x[i] = -1.0
        elif x[i] > 1.0:
            x[i] = 1.0 + 0.5 * x[i]
    return np.sum(x * x)


def update_in_nested_else(x0, w):
    x = x0.copy()
    s = 0.0
    for i in range(x.shape[0]):
        if x[i] * w > 0.5:
            s += x[i]
        else:
            if x[i] < 0.0:
                x[i] = x[i] * w
    return s + np.sum(x * x)


def guarded_steps(x0, k: int):
    """The guarded loop inside a loop: re-running a step runs it forwards,
    and that run must push the element before the `if` too."""
    x = x0.copy()
    for t in range(k):
        for i in range(x.shape[0]):
            if x[i] > 0.1:
                x[i] = math.sin(x[i]) + 0.05 * t
    return np.sum(x * x)


def update_then_update(x0):
    """Two stores into x[i] in one iteration, one of them under an `if`."""
    x = x0.copy()
    for i in range(x.shape[0]):
        if x[i] > 0.0:
            x[i] = x[i] * 2.0
        x[i] = x[i] + 1.0
    return np.sum(x * x)


def scale_then_floor(x0, a):
    """x[i] stored twice straight in the body, read between the stores."""
    x = x0.copy()
    for i in range(x.shape[0]):
        x[i] = x[i] * a
        x[i] = max(x[i], 0.1) + 0.5 * x[i]
    return np.sum(x * x)


def set_then_update(x0, a):
    """The first store comes before any read of the element."""
    x = x0.copy()
    for i in range(x.shape[0]):
        x[i] = x0[i] * a
        if x[i] > 0.2:
            x[i] = math.sqrt(x[i])
    return np.sum(x * x)


def scatter(x0, c):
    """x[i] and x[i + 1] in one iteration: two elements, both put back."""
    x = x0.copy()
    for i in range(x.shape[0] - 1):
        t = c * x[i]
        x[i] -= t
        x[i + 1] += t
    return np.sum(x * x)


CASES = [(descent, [0, 1]), (descent_loops, [0, 1])]


def _args(seed):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(5), 0.4 * rng.standard_normal((5, 5)), 4


@pytest.mark.parametrize("fn, positions", CASES)
def test_descent_steps_inside_the_function_are_differentiated(fn, positions):
    x0, A, k = _args(3)
    before = (x0.copy(), A.copy())
    d = nsadc.differentiate(fn, target="python")
    for got, want in zip(d.grad(x0, A, k), fd_gradient(fn, (x0, A, k), positions)):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-9)
    assert d(x0, A, k) == pytest.approx(fn(x0.copy(), A, k), rel=1e-12)
    np.testing.assert_array_equal(x0, before[0])  # the caller's arrays are untouched
    np.testing.assert_array_equal(A, before[1])


@pytest.mark.parametrize("fn, positions", CASES)
def test_forward_mode_agrees(fn, positions):
    x0, A, k = _args(4)
    d = nsadc.differentiate(fn, target="python")
    gx, gA = d.grad(x0, A, k)
    dx, dA = np.linspace(-1.0, 1.0, 5), np.ones((5, 5)) * 0.3
    _, dot = d.jvp((x0, A, k), (dx, dA))
    assert dot == pytest.approx(np.sum(gx * dx) + np.sum(gA * dA), rel=1e-10)


def test_the_emitted_reverse_keeps_the_array_whole_per_iteration():
    x0, A, k = _args(5)
    text = nsadc.differentiate(descent_loops, target="python").source("reverse", x0, A, k)
    assert "x: read, then overwritten, in each iteration: kept whole" in text
    assert "n_array_tape -= x.size" in text


@pytest.mark.parametrize("fn, args", [
    (inplace_elementwise, (np.array([0.3, -0.5, 1.1, 0.7]),)),
    (inplace_relu_then_read, (np.array([0.3, -0.5, 1.1, 0.7]), 1.3)),
    (smoothing, (np.array([0.3, -0.5, 1.1, 0.7, -0.2]), 3)),
])
def test_in_place_elementwise_updates_in_loops(fn, args):
    """Was refused ('read here and overwritten later in the same loop')."""
    _check_in_place(fn, args)


def _check_in_place(fn, args):
    """Gradient against finite differences, the caller's array untouched,
    the value, and forward mode along a direction against the gradient."""
    x_before = args[0].copy()
    d = nsadc.differentiate(fn, target="python")
    positions = [k for k, a in enumerate(args) if isinstance(a, (float, np.ndarray))]
    got = d.grad(*args)
    got = got if isinstance(got, tuple) else (got,)
    for g, w in zip(got, fd_gradient(fn, args, positions)):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-9)
    np.testing.assert_array_equal(args[0], x_before)
    assert d(*args) == pytest.approx(fn(*args), rel=1e-12)
    direction = [np.linspace(-1.0, 1.0, a.size) if isinstance(a, np.ndarray) else 0.5 for a in args
                 if isinstance(a, (float, np.ndarray))]
    _, dot = d.jvp(args, tuple(direction))
    assert dot == pytest.approx(sum(float(np.sum(g * v)) for g, v in zip(got, direction)), rel=1e-10)


def test_the_updated_element_is_popped_back_before_the_re_run():
    text = nsadc.differentiate(inplace_elementwise, target="python").source(
        "reverse", np.array([0.3, -0.5]))
    rerun = text.split("for i in range(n - 1, -1, -1):")[1]
    assert rerun.lstrip().startswith("n_x_elements -= 1\n        x[i] = x_elements[n_x_elements]")
    assert "_reserve" not in text  # the element tape is sized at entry: one entry per element


GUARDED = [
    (guarded_update, (np.array([0.3, -0.5, 1.1, 0.7, -0.2]),)),
    (clamp_then_read, (np.array([0.3, -0.5, 1.1, 0.7, -0.2]), 0.1)),
    (clip_two_branches, (np.array([-2.0, -0.5, 0.3, 1.5, 0.9]),)),
    (update_in_nested_else, (np.array([0.3, -0.5, 1.1, 0.7, -0.2]), 1.3)),
    (guarded_steps, (np.array([0.3, -0.5, 1.1, 0.7, -0.2]), 3)),
    (update_then_update, (np.array([0.3, -0.5, 1.1, 0.7, -0.2]),)),
    (scale_then_floor, (np.array([0.3, -0.5, 1.1, 0.7, -0.2]), 1.3)),
    (set_then_update, (np.array([0.3, -0.5, 1.1, 0.7, -0.2]), 1.3)),
]


@pytest.mark.parametrize("fn, args", GUARDED)
def test_in_place_updates_under_an_if(fn, args):
    """Were refused ('read here and overwritten later in the same loop')."""
    _check_in_place(fn, args)


def test_the_element_is_pushed_before_the_if_whichever_way_it_goes():
    text = nsadc.differentiate(guarded_update, target="python").source("reverse", np.array([0.3, -0.5]))
    forward = text.split("# reverse sweep")[0]
    assert "x_elements[n_x_elements] = x[i]\n        n_x_elements += 1\n        if x_i_gt_0:" in forward
    assert "_reserve" not in text  # still one entry per element, sized at entry


def test_stores_into_two_elements_put_both_back():
    _check_in_place(scatter, (np.array([0.3, -0.5, 1.1, 0.7]), 0.3))
    text = nsadc.differentiate(scatter, target="python").source("reverse", np.array([0.3, -0.5]), 0.3)
    forward = text.split("# reverse sweep")[0]
    assert forward.count("x_elements[n_x_elements] = x[") == 2  # each element once, before the first store


def test_two_stores_push_the_element_once():
    text = nsadc.differentiate(scale_then_floor, target="python").source("reverse", np.array([0.3, -0.5]), 1.3)
    forward = text.split("# reverse sweep")[0]
    assert forward.count("x_elements[n_x_elements] = x[i]") == 1


@pytest.mark.slow
@pytest.mark.parametrize("fn, args", GUARDED)
def test_in_place_updates_under_an_if_compiled(fn, args):
    got, want = nsadc.differentiate(fn).grad(*args), nsadc.differentiate(fn, target="python").grad(*args)
    for g, w in zip(got if isinstance(got, tuple) else (got,), want if isinstance(want, tuple) else (want,)):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)


@pytest.mark.slow
def test_in_place_updates_compiled():
    x = np.random.default_rng(7).standard_normal(6)
    for fn, args in [(inplace_relu_then_read, (x, 1.3)), (smoothing, (x, 3))]:
        got, want = nsadc.differentiate(fn).grad(*args), nsadc.differentiate(fn, target="python").grad(*args)
        for g, w in zip(got if isinstance(got, tuple) else (got,), want if isinstance(want, tuple) else (want,)):
            np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)


@pytest.mark.slow
@pytest.mark.parametrize("fn, positions", CASES)
def test_descent_compiled(fn, positions):
    x0, A, k = _args(6)
    got = nsadc.differentiate(fn).grad(x0, A, k)
    want = nsadc.differentiate(fn, target="python").grad(x0, A, k)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)
