"""A one-hidden-layer ReLU network trained by mini-batch SGD, with the gradient
from nsadc.  The loss is written as a Numba user writes it: loops over the
samples of the batch, one hidden unit at a time.

    python examples/relu_mlp_sgd.py

At a ReLU kink (a pre-activation exactly 0) the gradient takes the policy's
selection (min-norm: 0); the kink report says whether a step met one.
"""

import numpy as np

import nsadc


@nsadc.differentiate(wrt=("W1", "b1", "w2", "b2"))
def mlp_loss(X, y, W1, b1, w2, b2):
    n = X.shape[0]
    d = X.shape[1]
    h = W1.shape[1]
    loss = 0.0
    for i in range(n):
        out = b2
        for k in range(h):
            z = b1[k]
            for j in range(d):
                z += X[i, j] * W1[j, k]
            out += max(z, 0.0) * w2[k]  # ReLU: its kink z == 0 is an explicit selection
        loss += (out - y[i]) ** 2
    return loss / n


def main(steps: int = 200, batch: int = 64, lr: float = 0.05, seed: int = 0):
    rng = np.random.default_rng(seed)
    n, d, h = 2048, 4, 16
    X = rng.standard_normal((n, d))
    y = np.abs(X[:, 0]) - 0.5 * np.maximum(X[:, 1], 0.0) + 0.1 * rng.standard_normal(n)
    W1 = rng.standard_normal((d, h)) / np.sqrt(d)
    b1 = np.zeros(h)
    w2 = rng.standard_normal(h) / np.sqrt(h)
    b2 = 0.0
    print(f"initial loss {mlp_loss(X, y, W1, b1, w2, b2):.4f}")
    kinks_met = 0
    for step in range(steps):
        idx = rng.choice(n, batch, replace=False)
        (gW1, gb1, gw2, gb2), rep = mlp_loss.grad(X[idx], y[idx], W1, b1, w2, b2, report=True)
        kinks_met += not rep.exact
        W1 -= lr * gW1
        b1 -= lr * gb1
        w2 -= lr * gw2
        b2 -= lr * gb2
        if (step + 1) % 50 == 0:
            print(f"step {step + 1:4d}  loss {mlp_loss(X, y, W1, b1, w2, b2):.4f}")
    print(f"steps that met a ReLU kink exactly: {kinks_met} of {steps}")
    return mlp_loss(X, y, W1, b1, w2, b2)


if __name__ == "__main__":
    main()
