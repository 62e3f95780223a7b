"""The hinge-loss SVM of examples/svm.py, written with whole-array NumPy, and
a robust regression with a Huber loss and a max-norm term.

    python examples/svm_vectorized.py

nsadc lowers each whole-array expression to loops over its elements, so the
kinks of np.maximum, np.where and np.max are explicit selections in the
derivative code (print svm_loss.source("reverse", X, y, w, b, lam) to read it).
The gradients are checked against the loop-written SVM.
"""

import numpy as np

import nsadc
from svm import svm_loss as svm_loss_loops


@nsadc.differentiate(wrt=("w", "b"))
def svm_loss(X, y, w, b, lam):
    margins = 1.0 - y * (X @ w + b)
    return np.mean(np.maximum(margins, 0.0)) + lam * np.sum(w ** 2)


@nsadc.differentiate(wrt="w")
def robust_fit(A, t, w, delta, mu):
    r = A @ w - t
    a = np.abs(r)
    huber = np.where(a <= delta, 0.5 * r ** 2, delta * (a - 0.5 * delta))
    return np.mean(huber) + mu * np.max(np.abs(w))


def main(steps: int = 300, seed: int = 0):
    rng = np.random.default_rng(seed)
    n, d = 1000, 5
    truth = rng.standard_normal(d)
    X = rng.standard_normal((n, d))
    y = np.where(X @ truth + 0.3 > 0.0, 1.0, -1.0)
    w, b, lam = np.zeros(d), 0.0, 1e-3
    for step in range(steps):
        gw, gb = svm_loss.grad(X, y, w, b, lam)
        lr = 0.5 / np.sqrt(step + 1)
        w -= lr * gw
        b -= lr * gb
    gw, gb = svm_loss.grad(X, y, w, b, lam)
    gw_loops, gb_loops = svm_loss_loops.grad(X, y, w, b, lam)
    agree = max(np.max(np.abs(gw - gw_loops)), abs(gb - gb_loops))
    accuracy = np.mean(np.where(X @ w + b > 0.0, 1.0, -1.0) == y)
    print(f"SVM: loss {svm_loss(X, y, w, b, lam):.4f}  training accuracy {accuracy:.3f}  "
          f"(gradient agrees with the loop-written one to {agree:.1e})")

    # robust regression with outliers: Huber loss plus a max-norm penalty
    A = rng.standard_normal((200, 4))
    t = A @ np.array([1.0, -2.0, 0.5, 0.0]) + 0.05 * rng.standard_normal(200)
    t[:10] += 20.0  # outliers
    w = np.zeros(4)
    for step in range(500):
        w -= 0.2 * robust_fit.grad(A, t, w, 1.0, 1e-3)
    value, g, report = robust_fit.value_and_grad(A, t, w, 1.0, 1e-3, report=True)
    print(f"robust fit: w = {np.round(w, 2)}  loss {value:.4f}  kink met at the end: {not report.exact}")
    return accuracy, agree


if __name__ == "__main__":
    main()
