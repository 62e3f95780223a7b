"""Array programs in the loop style, written as a Numba user writes them.

Explicit loops over float arrays, element reads and writes, scalar ``abs`` /
``max`` / ``min`` at the kinks, allocation once at the top of the function and
a float return.  Every ``a_*`` function also runs unchanged in plain Python
(and under ``numba.njit``); tests/test_arrays.py differentiates them with
nsadc and compares with finite differences.

The ``bad_*`` functions at the end are refused by nsadc.  Each offending line
ends with a comment ``<- refused: NAME @TOKEN``: NAME is the refused function,
TOKEN the text the caret of the located error points at.
"""

import math

import numpy as np


# ------------------------------------------------------------ helpers (inlined)


def _dot(a, b, n):
    s = 0.0
    for i in range(n):
        s += a[i] * b[i]
    return s


def _affine_relu(x, w, out, shift):
    # writes into out; returns nothing useful (a float, as nsadc wants)
    for i in range(x.shape[0]):
        out[i] = max(w[i] * x[i] + shift, 0.0)
    return 0.0


def _row_abs(A, x, i):
    r = 0.0
    for j in range(A.shape[1]):
        r += A[i, j] * x[j]
    return abs(r)


def _clip_into(out, x, lo, hi):
    # writes into out and returns nothing, as a Numba helper usually does;
    # a bare return ends it early
    for i in range(x.shape[0]):
        if x[i] > 50.0:
            return
        out[i] = min(max(x[i], lo), hi)


def _sin_row(Z, x, k):
    for j in range(x.shape[0]):
        Z[k, j] = math.sin((k + 1) * x[j]) * x[j]


def _sin_rows(Z, x):
    for k in range(Z.shape[0]):
        _sin_row(Z, x, k)


def _square_sum(x):
    r = 0.0
    for i in range(x.shape[0]):
        r += x[i] * x[i]
    return r


# ------------------------------------------------------------ programs


def a_dot_tanh(x, y):
    """A dot product, then a smooth nonlinearity of it."""
    s = 0.0
    for i in range(x.shape[0]):
        s += x[i] * y[i]
    return math.tanh(s) + 0.5 * s * s


def a_matvec_abs_max(A, x):
    """|A x| summed, plus a hinge on each product."""
    n, m = A.shape
    s = 0.0
    for i in range(n):
        r = 0.0
        for j in range(m):
            r += A[i, j] * x[j]
        s += abs(r) + max(r - 0.25, 0.0) * r
    return s


def a_mlp_loss(X, y, W1, b1, w2, b2):
    """Mean squared loss of a one-hidden-layer ReLU network, per sample, with
    the hidden activations in a scratch array reused by every sample."""
    n = X.shape[0]
    d = X.shape[1]
    h = W1.shape[1]
    act = np.zeros(h)
    loss = 0.0
    for i in range(n):
        for k in range(h):
            z = b1[k]
            for j in range(d):
                z += X[i, j] * W1[j, k]
            act[k] = max(z, 0.0)
        out = b2
        for k in range(h):
            out += act[k] * w2[k]
        loss += (out - y[i]) ** 2
    return loss / n


def a_svm_hinge(X, y, w, b, lam):
    """Mean hinge loss of a linear classifier plus an L2 penalty."""
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


def a_lasso(X, y, w, lam):
    """Half mean squared residual plus an L1 penalty."""
    n, d = X.shape
    s = 0.0
    for i in range(n):
        r = 0.0
        for j in range(d):
            r += X[i, j] * w[j]
        s += (r - y[i]) ** 2
    p = 0.0
    for j in range(d):
        p += abs(w[j])
    return 0.5 * s / n + lam * p


def a_max_pool_1d(x, k):
    """Sum of squared maxima over non-overlapping windows of width k."""
    n = len(x)
    s = 0.0
    for st in range(0, n - k + 1, k):
        m = x[st]
        for t in range(st + 1, st + k):
            m = max(m, x[t])
        s += m * m
    return s


def a_l1_regression(A, b, x):
    """Sum of absolute residuals of A x - b, accumulated into np.zeros."""
    m = A.shape[0]
    n = A.shape[1]
    r = np.zeros(m)
    for i in range(m):
        for j in range(n):
            r[i] += A[i, j] * x[j]
    s = 0.0
    for i in range(m):
        s += abs(r[i] - b[i])
    return s


def a_cumsum_nonlinear(x):
    """Cumulative sum into np.empty, then a nonlinear use of it."""
    n = x.size
    c = np.empty(n)
    c[0] = x[0]
    for i in range(1, n):
        c[i] = c[i - 1] + x[i]
    s = 0.0
    for i in range(n):
        s += math.sin(c[i]) * c[i]
    return s


def a_recurrence(x, a):
    """z[i] = tanh(a z[i-1] + x[i]) into np.empty, one store per element."""
    n = x.shape[0]
    z = np.empty(n)
    for i in range(n):
        prev = 0.0
        if i > 0:
            prev = z[i - 1]
        z[i] = math.tanh(a * prev + x[i])
    s = 0.0
    for i in range(n):
        s += z[i] * z[i] * (i + 1)
    return s


def a_recurrence_direct(x, a):
    """The same recurrence as written most often: z[0] first, then z[i] from z[i-1]."""
    n = x.shape[0]
    z = np.zeros_like(x)
    z[0] = math.tanh(x[0])
    for i in range(1, n):
        z[i] = math.tanh(a * z[i - 1] + x[i])
    s = 0.0
    for i in range(n):
        s += z[i] * z[i] * (i + 1)
    return s


def a_stencil_2d(U, c):
    """A 5-point Laplacian into a zeros array, then |.| and a square of it."""
    n, m = U.shape
    V = np.zeros((n, m))
    for i in range(1, n - 1):
        for j in range(1, m - 1):
            V[i, j] = U[i - 1, j] + U[i + 1, j] + U[i, j - 1] + U[i, j + 1] - 4.0 * U[i, j]
    s = 0.0
    for i in range(n):
        for j in range(m):
            s += c * V[i, j] * V[i, j] + 0.1 * U[i, j] * U[i, j]
    for i in range(1, n - 1):
        for j in range(1, m - 1):
            s += abs(V[i, j])
    return s


def a_while_break(x, limit):
    """Accumulate squares until the running sum passes ``limit`` (data-dependent stop)."""
    n = len(x)
    s = 0.0
    i = 0
    while i < n:
        s += x[i] * x[i]
        if s > limit:
            break
        i += 1
    return s * (i + 1) + math.exp(-s)


def a_helper_writes(x, w):
    """A helper (inlined) writes max(w x + shift, 0) into an output array."""
    n = x.shape[0]
    out = np.zeros(n)
    t = _affine_relu(x, w, out, 0.1)
    s = t
    for i in range(n):
        s += out[i] * out[i] + out[i] * x[i]
    return s


def a_helper_statement(x, w):
    """The helper called as a statement, as a Numba user writes it."""
    n = x.shape[0]
    out = np.zeros(n)
    _affine_relu(x, w, out, 0.1)
    s = 0.0
    for i in range(n):
        s += out[i] * out[i] + out[i] * x[i]
    return s


def a_helper_no_return(x, lo, hi):
    """A helper with no return statement, called as a statement, fills an array."""
    out = np.zeros_like(x)
    _clip_into(out, x, lo, hi)
    s = 0.0
    for i in range(x.shape[0]):
        s += out[i] * x[i] + math.exp(out[i])
    return s


def a_helper_statement_rows(x):
    """Helper statements inside a loop and nested in another helper, writing
    the rows of a matrix."""
    n = x.shape[0]
    Z = np.zeros((3, n))
    for k in range(2):
        _sin_row(Z, x, k)
    W = np.zeros((2, n))
    _sin_rows(W, x)
    s = 0.0
    for j in range(n):
        s += Z[0, j] * Z[1, j] + W[1, j] * x[j] + Z[2, j]
    return s


def a_int_factor(x, w):
    """An int array used only as a factor: only the call's dtype says it is ints."""
    s = 0.0
    for i in range(x.shape[0]):
        s += w[i] * math.sin(x[i]) + 0.5 * x[i] * x[i]
    return s


def a_inplace_scale(x):
    """Writes into its input: x[i] = 2 x[i] in a loop of its own, then a
    later loop reads x nonlinearly."""
    n = x.shape[0]
    for i in range(n):
        x[i] = 2.0 * x[i]
    s = 0.0
    for i in range(n):
        s += math.sin(x[i]) * x[i]
    return s


def a_inplace_relu_under_if(x):
    """Writes into its input under an `if`: the element is taped before the
    `if`, whichever way it goes (was refused as bad_inplace_relu)."""
    n = x.shape[0]
    for i in range(n):
        if x[i] < 1.0:
            x[i] = max(x[i], 0.0)
    s = 0.0
    for i in range(n):
        s += x[i] * x[i]
    return s


def a_augmented_store(A, x):
    """+=, -=, *= and /= into a zeros array, then nonlinear reads of it."""
    n, m = A.shape
    z = np.zeros(n)
    for i in range(n):
        for j in range(m):
            z[i] += A[i, j] * x[j]
        z[i] -= x[i % m]
        z[i] *= 1.5
        z[i] /= 2.0
    s = 0.0
    for i in range(n):
        s += z[i] * abs(z[i]) + math.cos(z[i])
    return s


def a_branching(x, y):
    """Branches on array values."""
    s = 0.0
    for i in range(x.shape[0]):
        if x[i] > y[i]:
            s += x[i] * y[i]
        elif x[i] < -y[i]:
            s -= x[i] * x[i]
        else:
            s += math.exp(y[i]) * 0.5
    return s


def a_mixed_scalars(x, a, b, k, flag: bool):
    """Scalar float, int and bool arguments with an array."""
    s = b
    for t in range(k):
        for i in range(x.shape[0]):
            s += a * x[i] * x[i] / (t + 1)
    if flag:
        s = s * a
    return s + min(a, b) * x[0]


def a_gather(x, idx, w):
    """Gather through an int array of indices (with repeats)."""
    s = 0.0
    for k in range(idx.shape[0]):
        v = x[idx[k]]
        s += w[k] * v * v + abs(v - w[k])
    return s


def a_weighted_l1_f32(x, w):
    """Used with float32 arrays: a weighted L1 norm plus a smooth part."""
    s = 0.0
    for i in range(len(x)):
        s += w[i] * abs(x[i]) + 0.5 * x[i] * x[i] * w[i]
    return s


def a_logsumexp(x):
    """log(sum exp(x)), stabilised by the running max (smooth overall)."""
    n = x.shape[0]
    m = x[0]
    for i in range(1, n):
        m = max(m, x[i])
    s = 0.0
    for i in range(n):
        s += math.exp(x[i] - m)
    return m + math.log(s)


def a_huber(r, delta):
    """Huber loss: branch on |r[i]|."""
    s = 0.0
    for i in range(r.size):
        a = abs(r[i])
        if a <= delta:
            s += 0.5 * r[i] * r[i]
        else:
            s += delta * (a - 0.5 * delta)
    return s


def a_tensor3(T, x, y, z):
    """A rank-3 contraction with a ReLU on each product."""
    n0, n1, n2 = T.shape
    s = 0.0
    for i in range(n0):
        for j in range(n1):
            for k in range(n2):
                s += max(T[i, j, k] * x[i] * y[j] * z[k], 0.0)
    return s + T.ndim * 0.0


def a_full_ones(x):
    """np.full / np.ones / np.ones_like / np.empty_like / np.zeros((n,)) allocations."""
    n = len(x)
    f = np.full(n, 0.5)
    o = np.ones(n)
    ol = np.ones_like(x)
    e = np.empty_like(x)
    z = np.zeros((n,))
    for i in range(n):
        z[i] += x[i] + f[i]
    for i in range(n):
        e[i] = z[i] * x[i] * (o[i] + ol[i])
    s = 0.0
    for i in range(n):
        s += math.sin(e[i]) + z[i] * z[i]
    return s


def a_copy(x, w):
    """x.copy() and np.copy(w), written into, then read nonlinearly."""
    n = len(x)
    y = x.copy()
    c = np.copy(w)
    c[0] += 0.0 * w[0]
    for i in range(n):
        y[i] += 0.5
        c[i] *= 2.0
    s = 0.0
    for i in range(n):
        s += math.sin(y[i] * c[i]) + y[i] * y[i]
    return s


def a_continue_clip(x, lo, hi):
    """continue on negative entries, np.clip and min on the rest."""
    s = 0.0
    for i in range(x.shape[0]):
        if x[i] < 0.0:
            continue
        s += np.clip(x[i], lo, hi) * x[i] + min(x[i], 1.0)
    return s


def a_early_return(x, cap):
    """Returns from inside the loop when an entry passes cap."""
    s = 0.0
    for i in range(x.shape[0]):
        if x[i] > cap:
            return s + x[i] * x[i]
        s += math.sin(x[i])
    return s


def a_helper_calls_indexed(A, x, y):
    """As a_helper_calls, but the caller itself indexes A with two indices."""
    n = A.shape[0]
    s = 0.1 * A[0, 0]
    for i in range(n):
        s += _row_abs(A, x, i)
    return s + _dot(x, y, x.shape[0]) ** 2


def a_helper_calls(A, x, y):
    """Helpers that read arrays and return floats (inlined)."""
    n = A.shape[0]
    s = 0.0
    for i in range(n):
        s += _row_abs(A, x, i)
    return s + _dot(x, y, x.shape[0]) ** 2


def a_running_max_state(x):
    """A loop-carried scalar state updated nonlinearly (not a plain sum)."""
    n = len(x)
    m = x[0]
    s = m * m
    for i in range(1, n):
        m = max(m, x[i])
        s = 0.5 * s + m * x[i]
    return s * s


def a_softthreshold(x, lam):
    """Soft thresholding written with max into np.empty_like, then a quadratic."""
    n = len(x)
    z = np.empty_like(x)
    for i in range(n):
        z[i] = max(x[i] - lam, 0.0) - max(-x[i] - lam, 0.0)
    s = 0.0
    for i in range(n):
        s += z[i] * z[i] * (1.0 + x[i])
    return s


def a_matrix_product_trace(A, B):
    """C = A B into np.zeros((n, n)) by +=, then sum |C[i, j]| and trace(C)^2."""
    n = A.shape[0]
    k = A.shape[1]
    C = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            for t in range(k):
                C[i, j] += A[i, t] * B[t, j]
    s = 0.0
    tr = 0.0
    for i in range(n):
        tr += C[i, i]
        for j in range(n):
            s += abs(C[i, j])
    return s + tr * tr


def a_negative_index(x, A):
    """Negative indices count from the end, as in NumPy."""
    s = x[-1] * x[0] + A[-1, -2] * A[0, 1] + x[-2] ** 2
    for i in range(1, x.shape[0]):
        s += math.sin(x[-i] * A[-1, -1])
    return s


def a_int_counts(x, cnt):
    """An int array as loop bounds and as a factor (never differentiated)."""
    s = 0.0
    for k in range(cnt.shape[0]):
        s += cnt[k] * x[k] * x[k]
        for r in range(cnt[k]):
            s += math.sin(x[k] + r)
    return s


def a_scratch_arg(x, buf):
    """A caller-provided scratch array (not differentiated) receives values that
    depend on x, and is read back."""
    s = 0.0
    for i in range(x.shape[0]):
        buf[i] = x[i] * x[i]
    for i in range(x.shape[0]):
        s += math.sin(buf[i]) + buf[i] * x[i]
    return s


def a_break_reuse(x):
    """A loop with break writes an array; a later loop reuses the loop variables' names."""
    n = x.shape[0]
    z = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            if j > i:
                break
            z[i, j] = x[i] * x[j]
    s = 0.0
    for i in range(n):
        for j in range(n):
            s += math.tanh(z[i, j])
    return s


def a_break_no_reuse(x):
    """As a_break_reuse, with fresh loop variable names in the later loop."""
    n = x.shape[0]
    z = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            if j > i:
                break
            z[i, j] = x[i] * x[j]
    s = 0.0
    for p in range(n):
        for q in range(n):
            s += math.tanh(z[p, q])
    return s


def s_break_reuse(x, n: int):
    """Scalar only: the same loop-variable reuse after a loop with break."""
    s = 1.0
    for j in range(n):
        if j > 1:
            break
        s = s * math.sin(x + j)
    t = 0.0
    for j in range(n):
        t += x * j
    return s + t


# ------------------------------------------------------------ kink probes


def k_sum_relu(x):
    s = 0.0
    for i in range(x.shape[0]):
        s += max(x[i], 0.0)
    return s


def k_sum_abs(x):
    s = 0.0
    for i in range(x.shape[0]):
        s += abs(x[i])
    return s


def k_max_pair(x):
    return max(x[0], x[1]) + 0.0 * x[2]


# ------------------------------------------------------------ refused


def bad_alias(A, x):
    B = A  # <- refused: bad_alias @B = A
    s = 0.0
    for i in range(x.shape[0]):
        B[i] = x[i]
        s += A[i] * x[i]
    return s


def bad_alloc_in_loop(x):
    s = 0.0
    for i in range(x.shape[0]):
        t = np.zeros(i + 1)  # <- refused: bad_alloc_in_loop @t = np.zeros(i + 1)
        t[0] = x[i]
        s += t[0]
    return s


def bad_realloc(x):
    n = x.shape[0]
    z = np.zeros(n)
    for i in range(n):
        z[i] = x[i] * x[i]
    if x[0] > 0.0:
        z = np.ones((n, 2))  # <- refused: bad_realloc @z = np.ones((n, 2))
    s = 0.0
    for i in range(n):
        s += z[i]
    return s


def bad_slice(x):
    s = 0.0
    y = x[1:]  # <- refused: bad_slice @x[1:]
    for i in range(y.shape[0]):
        s += y[i]
    y[0] = 0.0  # a write through the view would change x
    return s


def bad_chained(A):
    B = A.copy()
    for i in range(A.shape[0]):
        B[i][0] = 2.0 * B[i, 0]  # <- refused: bad_chained @B[i][0]
    return np.sum(B)


def bad_index_count(A):
    s = 0.0
    for i in range(A.shape[0]):
        s += A[i]  # <- refused: bad_index_count @s += A[i]
    return s + A[0, 0]


def bad_useless_call(x):
    _square_sum(x)  # <- refused: bad_useless_call @_square_sum(x)
    return x[0]


def a_scatter_by_search(x):
    """A store into an element the iteration finds as it runs (here by a
    search), in a top-level loop: each store's index and old value go on a
    journal, popped back before the iteration is re-run."""
    n = x.shape[0]
    for i in range(n - 1):
        t = 0.5 * x[i] * x[i]
        x[i] -= t
        k = i + 1
        while k < n - 1 and x[k] < 0.0:
            k += 1
        x[k] += t
    s = 0.0
    for i in range(n):
        s += x[i] * x[i]
    return s


def bad_scatter(x):
    """x[i] = f(x[i]) is supported, straight, under `if`s or several times
    over, and so are stores into a few elements the iteration's start names
    (x[i] and x[i + 1]), and, in a top-level loop, into an element the
    iteration finds as it runs; in a loop inside another, such a store is
    not."""
    n = x.shape[0]
    for sweep in range(2):
        for i in range(n - 1):
            t = 0.5 * x[i] * x[i]  # <- refused: bad_scatter @x[i]
            x[i] -= t
            k = i + 1
            while k < n - 1 and x[k] < 0.0:
                k += 1
            x[k] += t
    s = 0.0
    for i in range(n):
        s += x[i] * x[i]
    return s


def _zero_or_clip(v, lam):
    for i in range(v.shape[0]):
        if v[i] > lam:
            return v * 2.0  # <- refused: bad_early_array_return @return v * 2.0
    return np.clip(v, -lam, lam)


def bad_early_array_return(x):
    return np.sum(_zero_or_clip(x, 0.5) ** 2)
