"""A linear support-vector machine: hinge loss plus an L2 penalty, trained by
subgradient descent with nsadc's gradient.

    python examples/svm.py

max(0, 1 - y·(x·w + b)) has a kink on the margin; the min-norm policy
selects 0 there (the minimum-norm element of the Clarke set [0, 1]).
"""

import numpy as np

import nsadc


@nsadc.differentiate(wrt=("w", "b"))
def svm_loss(X, y, w, b, lam):
    n = X.shape[0]
    d = X.shape[1]
    s = 0.0
    for i in range(n):
        m = b
        for j in range(d):
            m += X[i, j] * w[j]
        s += max(0.0, 1.0 - y[i] * m)
    r = 0.0
    for j in range(d):
        r += w[j] * w[j]
    return s / n + lam * r


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
    accuracy = np.mean(np.where(X @ w + b > 0.0, 1.0, -1.0) == y)
    print(f"loss {svm_loss(X, y, w, b, lam):.4f}  training accuracy {accuracy:.3f}")
    cos = w @ truth / (np.linalg.norm(w) * np.linalg.norm(truth))
    print(f"cosine between the learned and the true direction: {cos:.3f}")
    return accuracy


if __name__ == "__main__":
    main()
