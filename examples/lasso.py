"""LASSO by proximal gradient (ISTA), with the smooth part's gradient from
nsadc, checked against the subgradient optimality condition; then the whole
objective differentiated at the solution, where |w_j| sits at its kink for
every zero coefficient.

    python examples/lasso.py
"""

import numpy as np

import nsadc


@nsadc.differentiate(wrt="w")
def least_squares(X, y, w):
    n = X.shape[0]
    d = X.shape[1]
    s = 0.0
    for i in range(n):
        r = -y[i]
        for j in range(d):
            r += X[i, j] * w[j]
        s += r * r
    return 0.5 * s / n


@nsadc.differentiate(wrt="w")
def lasso(X, y, w, lam):
    d = w.shape[0]
    penalty = 0.0
    for j in range(d):
        penalty += abs(w[j])
    return least_squares(X, y, w) + lam * penalty  # inlined: nsadc differentiates through it


def main(steps: int = 500, seed: int = 0):
    rng = np.random.default_rng(seed)
    n, d, lam = 200, 10, 0.1
    truth = np.zeros(d)
    truth[:3] = (1.5, -2.0, 1.0)
    X = rng.standard_normal((n, d))
    y = X @ truth + 0.05 * rng.standard_normal(n)
    step = 1.0 / np.linalg.eigvalsh(X.T @ X / n).max()
    w = np.zeros(d)
    for _ in range(steps):
        z = w - step * least_squares.grad(X, y, w)
        w = np.sign(z) * np.maximum(np.abs(z) - step * lam, 0.0)  # soft thresholding
    g = least_squares.grad(X, y, w)
    # optimality: -g_j = lam·sign(w_j) where w_j != 0, |g_j| <= lam where w_j == 0
    nonzero = w != 0.0
    print("coefficients:", np.round(w, 3))
    print(f"stationarity on the support: {np.max(np.abs(g[nonzero] + lam * np.sign(w[nonzero]))):.2e}")
    print(f"max |g_j| off the support: {np.max(np.abs(g[~nonzero]), initial=0.0):.3f} (<= lam = {lam})")
    full, rep = lasso.grad(X, y, w, lam, report=True)
    print(f"lasso gradient at the solution met {len(rep.kinks)} kink site(s) (abs at w_j == 0): "
          f"exact = {rep.exact}")
    return w, g


if __name__ == "__main__":
    main()
