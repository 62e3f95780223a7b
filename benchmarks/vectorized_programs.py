"""The array benchmark programs of array_programs.py, written with whole-array
NumPy the way a NumPy user writes them (same names, arguments and values).

Every function also runs under ``numba.njit``."""

import numpy as np


def mlp_loss(X, y, W1, b1, w2, b2):
    """Mean squared loss of a one-hidden-layer ReLU network over the samples of X."""
    hidden = np.maximum(X @ W1 + b1, 0.0)
    return np.mean((hidden @ w2 + b2 - y) ** 2)


def svm_hinge(X, y, w, b, lam):
    """Mean hinge loss of a linear classifier plus an L2 penalty."""
    return np.mean(np.maximum(0.0, 1.0 - y * (X @ w + b))) + lam * np.sum(w * w)


def lasso(X, y, w, lam):
    """Half mean squared residual of a linear model plus an L1 penalty."""
    return 0.5 * np.mean((X @ w - y) ** 2) + lam * np.sum(np.abs(w))


def l1_regression(A, b, x):
    """Sum of absolute residuals of A x - b."""
    return np.sum(np.abs(A @ x - b))


def max_pool_1d(x, k: int):
    """Sum of squared maxima over the non-overlapping windows of width k (a trailing partial window is dropped)."""
    n = x.shape[0]
    return np.sum(np.max(x[:n - n % k].reshape(-1, k), axis=1) ** 2)
