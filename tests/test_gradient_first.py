"""A first ``grad`` (or ``value_and_grad``) builds the reverse mode alone; the
other modes are built when first used, and give what a full build gives."""

import math

import numpy as np
import pytest

import nsadc
from helpers import from_threads


def hinge_pen(w, x, y, lam):
    m = 1.0 - y * (w * x)
    return max(m, 0.0) + lam * abs(w) + math.sin(w * lam)


def sum_of_hinges(w, X, y):
    s = 0.0
    for i in range(X.shape[0]):
        m = 1.0 - y[i] * (w[0] * X[i, 0] + w[1] * X[i, 1])
        s += max(m, 0.0)
    return s


POINT = (0.7, -1.3, 0.4, 0.25)


def _kernels(d):
    (k,) = d._specs.values()
    return k


def _built(k) -> set[str]:
    return set(k.__dict__) & set(type(k).LATER)


def test_a_first_grad_builds_the_reverse_mode_alone(target):
    d = nsadc.differentiate(hinge_pen, target=target)
    g = d.grad(*POINT)
    k = _kernels(d)
    assert k.more is not None and not _built(k)  # no forward, report or Clarke kernels yet
    full = nsadc.differentiate(hinge_pen, target=target)
    assert full.jvp(POINT, (1.0, 0.0, 0.0, 0.0))[1] == pytest.approx(g[0], rel=1e-14)
    assert _built(_kernels(full)) == set(type(k).LATER)  # a jvp first builds everything
    # each later mode, built on first use, agrees with the full build
    for method in ("value_and_grad", "clarke_grad"):
        assert getattr(d, method)(*POINT) == getattr(full, method)(*POINT)
    assert d.jvp(POINT, (0.0, 1.0, 0.0, 0.0)) == full.jvp(POINT, (0.0, 1.0, 0.0, 0.0))
    assert d(*POINT) == full(*POINT)
    assert k.more is None and _built(k) == set(type(k).LATER)
    value, grad, report = d.value_and_grad(*POINT, report=True)
    assert report.exact and grad == g


def test_value_and_grad_first_also_builds_the_reverse_mode_alone():
    d = nsadc.differentiate(sum_of_hinges, wrt=["w"], target="python")
    rng = np.random.default_rng(3)
    X, y, w = rng.normal(size=(20, 2)), np.sign(rng.normal(size=20)), np.array([0.3, -0.8])
    value, g = d.value_and_grad(w, X, y)
    assert not _built(_kernels(d))
    h = 1e-6
    for j in range(2):
        e = np.zeros(2)
        e[j] = h
        assert g[j] == pytest.approx((sum_of_hinges(w + e, X, y) - sum_of_hinges(w - e, X, y)) / (2 * h),
                                     rel=1e-6, abs=1e-8)
    assert d.jvp((w, X, y), (np.array([1.0, 0.0]),))[1] == pytest.approx(g[0], rel=1e-12)


def test_a_report_or_the_auto_policy_builds_everything_at_once():
    d = nsadc.differentiate(hinge_pen, target="python")
    d.value_and_grad(*POINT, report=True)
    assert _built(_kernels(d)) == set(type(_kernels(d)).LATER)
    auto = nsadc.differentiate(hinge_pen, target="python", kinks="auto")
    auto.grad(*POINT)
    assert _built(_kernels(auto)) == set(type(_kernels(auto)).LATER)


def test_threads_first_using_a_later_mode_together_build_it_once():
    d = nsadc.differentiate(hinge_pen, target="python")
    d.grad(*POINT)
    k = _kernels(d)
    out = from_threads(lambda: d.jvp(POINT, (0.0, 0.0, 0.0, 1.0)))
    assert len(set(out)) == 1
    assert k.more is None and _built(k) == set(type(k).LATER)


def test_a_missing_attribute_is_still_an_attribute_error():
    d = nsadc.differentiate(hinge_pen, target="python")
    d.grad(*POINT)
    with pytest.raises(AttributeError):
        _kernels(d).no_such_kernel
