"""A 2-D array rebound in a loop from its own elements (``E = E - c * E``,
weight decay ``W = W - lr * (G + lam * W)``, ``W = W * decay``): filled in
place, each element would be read and overwritten inside the loop nest,
whose reverse cannot re-read the old values, so the new values go through a
work array first.  A rebinding that only adds to the array (``W = W - lr *
G``) still fills it in place.  Gradients against central differences on both
targets."""

import numpy as np
import pytest

import nsadc
from test_regressions import check


def decayed_steps(E, target):
    for step in range(3):
        r = np.sum(np.tanh(E), axis=0) - target
        E = E - 0.1 * np.sum(r * r) * E
    return np.sum(np.abs(np.sum(E, axis=0) - target))


def weight_decay(W, X, y, lr, lam):
    for step in range(4):
        r = X @ W - y
        G = X.T @ r / X.shape[0]
        W = W - lr * (G + lam * W)
    return np.sum(np.abs(X @ W - y))


def shrunk(W, decay):
    for step in range(3):
        W = np.maximum(W * decay, 0.1 * W)
    return np.sum(W * W)


def plain_step(W, X, y, lr):
    for step in range(4):
        G = X.T @ (X @ W - y)
        W = W - lr * G
    return np.sum((X @ W - y) ** 2)


RNG = np.random.default_rng(11)
CASES = [
    (decayed_steps, (RNG.normal(size=(4, 2)), RNG.normal(size=2))),
    (weight_decay, (RNG.normal(size=(3, 2)), RNG.normal(size=(6, 3)), RNG.normal(size=(6, 2)), 0.1, 0.3)),
    (shrunk, (RNG.normal(size=(3, 3)), 0.9)),
    (plain_step, (RNG.normal(size=(3, 2)), RNG.normal(size=(6, 3)), RNG.normal(size=(6, 2)), 0.05)),
]


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
@pytest.mark.parametrize("fn, args", CASES, ids=[c[0].__name__ for c in CASES])
def test_rebound_matrices_match_central_differences(fn, args, target):
    check(fn, args, target)


def test_only_a_rebinding_that_reads_its_own_elements_takes_a_work_array():
    src = nsadc.differentiate(weight_decay, target="python").source("reverse", *CASES[1][1])
    assert "W_new" in src
    src = nsadc.differentiate(plain_step, target="python").source("reverse", *CASES[3][1])
    assert "W_new" not in src
