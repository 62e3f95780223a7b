"""Per-sample models written as users write them: a loop over samples whose
iterations share only the loss and work arrays (activations, scores).
Shared by the tests of the sample loops' fusion, the layers' reverse and the
values kept for a reverse."""

import math

import numpy as np


def two_layers(X, y, W1, W2, w3):
    """Two ReLU layers (the second leaky), the first one's activations read by the second."""
    n, d = X.shape
    h1 = W1.shape[1]
    h2 = W2.shape[1]
    a1 = np.empty(h1)
    a2 = np.empty(h2)
    loss = 0.0
    for i in range(n):
        for k in range(h1):
            z = 0.0
            for j in range(d):
                z += X[i, j] * W1[j, k]
            a1[k] = max(z, 0.0)
        for k in range(h2):
            z = 0.0
            for j in range(h1):
                z += a1[j] * W2[j, k]
            a2[k] = max(z, 0.05 * z)
        out = 0.0
        for k in range(h2):
            out += a2[k] * w3[k]
        loss += (out - y[i]) ** 2
    return loss / n


def softmax_scores(X, labels, W):
    """Cross-entropy of a linear softmax: scores into a work array, the max
    subtracted, then read at a label (an index from data)."""
    n, d = X.shape
    c = W.shape[1]
    z = np.empty(c)
    loss = 0.0
    for i in range(n):
        for k in range(c):
            s = 0.0
            for j in range(d):
                s += X[i, j] * W[j, k]
            z[k] = s
        m = z[0]
        for k in range(1, c):
            m = max(m, z[k])
        se = 0.0
        for k in range(c):
            se += math.exp(z[k] - m)
        loss += m + math.log(se) - z[labels[i]]
    return loss / n
