"""Programs for the cuda target's tests: read-only array arguments."""


def weighted_abs(x, b, w, n: int):
    """Scalars differentiated, the array w only read."""
    s = 0.0
    for i in range(n):
        s += abs(x * w[i] - b) + max(w[i] * b, 0.0)
    return s


def row_fit(x, A, k: int):
    """A 2-D array read row k, its length from the shape."""
    s = 0.0
    for j in range(A.shape[1]):
        s += abs(x - A[k, j])
    return s * x


def scaled_in_place(x, w):
    """Writes into its argument: not taken on the cuda target."""
    for i in range(w.shape[0]):
        w[i] = w[i] * x
    return w[0] + x
