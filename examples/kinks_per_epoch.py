"""How often does training meet a ReLU kink exactly?  SGD on a small ReLU
network in float64 and in float32, counting the kinks met per epoch.

A kink is met when a pre-activation is exactly 0: AD then returns the policy's
selection (min-norm: relu'(0) = 0), an element of the Clarke set but maybe not
the gradient.  In exact arithmetic this has probability zero; in floating point
it happens, and more often in lower precision (Bolte & Pauwels, "A
mathematical model for automatic differentiation in machine learning",
NeurIPS 2020).  Sparse inputs make it visible: a sample whose features feeding
a unit are all 0 puts that unit's pre-activation at its bias, and a bias that
starts at 0 stays there until the unit learns.

    python examples/kinks_per_epoch.py
"""

import numpy as np

import nsadc


@nsadc.differentiate(wrt=("W1", "b1", "w2"))
def loss(X, y, W1, b1, w2):
    n = X.shape[0]
    d = X.shape[1]
    h = W1.shape[1]
    s = 0.0
    for i in range(n):
        out = 0.0
        for k in range(h):
            z = b1[k]
            for j in range(d):
                z += X[i, j] * W1[j, k]
            out += max(z, 0.0) * w2[k]
        s += (out - y[i]) ** 2
    return s / n


def data(n: int = 512, d: int = 12, seed: int = 0):
    """Sparse binary features (most are 0), a target from a few of them."""
    rng = np.random.default_rng(seed)
    X = (rng.random((n, d)) < 0.15).astype(np.float64)
    y = X[:, 0] - 0.5 * X[:, 1] + 0.25 * X[:, 2] * X[:, 3]
    return X, y


def train(dtype, epochs: int = 6, batch: int = 32, lr: float = 0.1, h: int = 8, seed: int = 1):
    """SGD in ``dtype`` (data, weights and gradients); per epoch, the loss and
    the number of (sample, unit) pre-activations met exactly at 0."""
    X, y = data()
    X, y = X.astype(dtype), y.astype(dtype)
    rng = np.random.default_rng(seed)
    W1 = (rng.standard_normal((X.shape[1], h)) / np.sqrt(X.shape[1])).astype(dtype)
    b1 = np.zeros(h, dtype)
    w2 = (rng.standard_normal(h) / np.sqrt(h)).astype(dtype)
    per_epoch = []
    for epoch in range(epochs):
        met = 0
        for start in range(0, X.shape[0], batch):
            Xb, yb = X[start:start + batch], y[start:start + batch]
            (gW1, gb1, gw2), rep = loss.grad(Xb, yb, W1, b1, w2, report=True)
            met += sum(k.count for k in rep.kinks)
            W1 -= dtype(lr) * gW1
            b1 -= dtype(lr) * gb1
            w2 -= dtype(lr) * gw2
        per_epoch.append((float(loss(X, y, W1, b1, w2)), met))
    return per_epoch


def main(epochs: int = 6, verbose: bool = True):
    results = {name: train(dtype, epochs) for name, dtype in (("float64", np.float64), ("float32", np.float32))}
    if verbose:
        print("epoch   loss (float64)  kinks met   loss (float32)  kinks met")
        for e in range(epochs):
            (l64, k64), (l32, k32) = results["float64"][e], results["float32"][e]
            print(f"{e + 1:5d}   {l64:14.5f}  {k64:9d}   {l32:14.5f}  {k32:9d}")
    return results


if __name__ == "__main__":
    main()
