"""The one-hidden-layer ReLU network of examples/relu_mlp_sgd.py, written with
whole-array NumPy, trained by mini-batch SGD and certified.

    python examples/relu_mlp_vectorized.py

nsadc lowers ``np.maximum(X @ W1 + b1, 0.0)`` to loops over its elements, so
the ReLU's kink (a pre-activation exactly 0) is an explicit selection in the
derivative code (min-norm: 0).  The certificate is made for the arrays' ranks,
given with ``ranks=`` or taken from a call already made:

    mlp_loss.certificate(ranks={"X": 2, "y": 1, "W1": 2, "b1": 1, "w2": 1})
    nsadc certify examples/relu_mlp_vectorized.py:mlp_loss --wrt W1,b1,w2,b2 --ranks X=2,y=1,W1=2,b1=1,w2=1

Both print the same certificate: `certified`, one obligation for the
np.maximum of line 27.  The gradients are checked against the loop-written
network.
"""

import numpy as np

import nsadc
from relu_mlp_sgd import mlp_loss as mlp_loss_loops


@nsadc.differentiate(wrt=("W1", "b1", "w2", "b2"))
def mlp_loss(X, y, W1, b1, w2, b2):
    H = np.maximum(X @ W1 + b1, 0.0)  # ReLU
    r = H @ w2 + b2 - y
    return np.mean(r ** 2)


RANKS = {"X": 2, "y": 1, "W1": 2, "b1": 1, "w2": 1}


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
    for step in range(steps):
        idx = rng.choice(n, batch, replace=False)
        gW1, gb1, gw2, gb2 = mlp_loss.grad(X[idx], y[idx], W1, b1, w2, b2)
        W1 -= lr * gW1
        b1 -= lr * gb1
        w2 -= lr * gw2
        b2 -= lr * gb2
    g = mlp_loss.grad(X[:256], y[:256], W1, b1, w2, b2)
    g_loops = mlp_loss_loops.grad(X[:256], y[:256], W1, b1, w2, b2)
    agree = max(float(np.max(np.abs(np.asarray(a) - np.asarray(b)))) for a, b in zip(g, g_loops))
    loss = mlp_loss(X, y, W1, b1, w2, b2)
    print(f"final loss {loss:.4f} (gradient agrees with the loop-written one to {agree:.1e})")
    cert = mlp_loss.certificate(ranks=RANKS)
    print(cert.summary())
    return loss, agree


if __name__ == "__main__":
    main()
