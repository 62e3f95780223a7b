"""Array programs in the vectorized NumPy style, written as a NumPy user writes them.

Whole-array expressions on float arrays: elementwise arithmetic (with rank
broadcasting of a lower-rank operand along the trailing dimensions),
elementwise ``np.exp`` / ``np.log`` / ``np.abs`` / ``np.maximum`` / ``np.where``
..., reductions (``np.sum``, ``np.mean``, ``np.max`` ..., with ``axis=0`` or
``axis=1`` on matrices), ``@`` / ``np.dot`` / ``np.outer``, ``A.T`` and
``np.linalg.norm``.  Every function returns a float and runs unchanged in plain
NumPy; tests/test_vectorized.py differentiates them with nsadc and compares
with finite differences of the plain function and with ``jax.grad`` of the
same code run with ``np`` bound to ``jax.numpy``.  Nothing here depends on
nsadc.

``SHAPES`` describes each ``v_*`` program: its arguments (an array shape, or
``float`` / ``int`` / a label kind) and the arguments it is differentiated
with respect to (``None``: the default, every float and float-array argument).

``k_*`` functions are kink probes (evaluated at ties / zeros on purpose),
``bad_*`` functions use constructs outside the supported subset.
"""

import numpy as np

# argument kinds in SHAPES (besides shape tuples)
FLOAT = "float"          # a float scalar drawn from N(0, 1)
POS = "pos"              # a float scalar in (0.5, 1.5)
INT3 = "int3"            # the int 3
LABELS = "labels"        # a +-1 float vector (its length given next to it)
ONEHOT = "onehot"        # a one-hot float vector
OFFSET = "offset"        # a float vector with entries in (8, 9)


# ------------------------------------------------------------ regression / classification losses


def v_least_squares(A, x, b):
    """0.5 ||A x - b||^2."""
    return 0.5 * np.sum((A @ x - b) ** 2)


def v_hinge(X, y, w, lam):
    """Mean hinge loss of a linear classifier plus a ridge penalty."""
    return np.mean(np.maximum(0.0, 1.0 - y * (X @ w))) + lam * np.dot(w, w)


def v_lasso(A, x, b, lam):
    """LASSO objective, the residual assigned to a name first."""
    r = A @ x - b
    return 0.5 * r @ r + lam * np.sum(np.abs(x))


def v_relu_net(X, W1, b1, w2, y):
    """Mean squared error of a two-layer ReLU network (b1 broadcast over the rows)."""
    H = np.maximum(X @ W1 + b1, 0.0)
    pred = H @ w2
    return np.mean((pred - y) ** 2)


def v_logsumexp(z):
    """log sum exp(z), stabilised by the max (smooth overall)."""
    m = np.max(z)
    return m + np.log(np.sum(np.exp(z - m)))


def v_logistic(X, w, y):
    """Logistic loss: softplus of the negative margins, averaged with X.shape[0]."""
    return np.sum(np.log(1.0 + np.exp(-y * (X @ w)))) / X.shape[0]


def v_huber(A, x, b, delta):
    """Huber loss of the residual via np.where on |r| <= delta."""
    r = A @ x - b
    a = np.abs(r)
    return np.sum(np.where(a <= delta, 0.5 * r ** 2, delta * (a - 0.5 * delta)))


def v_log_barrier(A, x, b, t):
    """Log-barrier of A x < b plus a quadratic (x.dot)."""
    return t * x.dot(x) - np.sum(np.log(b - A @ x))


def v_softmax_xent(W, x, y):
    """Softmax cross-entropy of W x against a one-hot y."""
    z = W @ x
    m = np.max(z)
    return m + np.log(np.sum(np.exp(z - m))) - np.dot(y, z)


def v_elastic_net(A, x, b, l1, l2):
    """Mean squared residual + l1 ||x||_1 + l2 ||x||_2^2 through np.linalg.norm."""
    return np.mean((A @ x - b) ** 2) + l1 * np.linalg.norm(x, 1) + l2 * np.linalg.norm(x) ** 2


# ------------------------------------------------------------ reductions along an axis


def v_column_sums(A, w):
    """Column sums (axis=0), then a smooth function of them."""
    c = np.sum(A, axis=0)
    return np.sum(np.tanh(c) * w) + 0.5 * np.sum(c ** 2)


def v_row_max(A, w):
    """Row maxima (axis=1) weighted by w, plus squared column minima (axis=0)."""
    return np.sum(w * np.max(A, axis=1)) + np.sum(np.min(A, axis=0) ** 2)


def v_row_means(A, x):
    """Row means (axis=1) dotted with x, plus squared column means (axis=0)."""
    return np.mean(A, axis=1) @ x + np.sum(np.mean(A, axis=0) ** 2)


# ------------------------------------------------------------ products, transposes, norms


def v_outer(u, v, M):
    """<u v^T, M> plus sin of the entries of u u^T."""
    return np.sum(np.outer(u, v) * M) + np.sum(np.sin(np.outer(u, u)))


def v_transpose(A, x, y):
    """A.T @ y (2-D @ 1-D), np.dot(y, A) (1-D @ 2-D)."""
    z = A.T @ y
    return np.sum(np.exp(-z ** 2)) + x @ z + np.dot(y, A) @ x


def v_gram(A, x):
    """The Gram matrix A^T A (2-D @ 2-D), a quadratic form in it and an entrywise |.|."""
    G = A.T @ A
    return x @ G @ x + 0.01 * np.sum(np.abs(G))


def v_matmul(A, B, C):
    """np.dot of two matrices and a chained product A @ B @ C."""
    return np.sum(np.cos(np.dot(A, B))) + 0.1 * np.sum((A @ B @ C) ** 2)


def v_norms(x, y):
    """2-norms and a 1-norm of vector expressions."""
    return np.linalg.norm(x) + 0.5 * np.linalg.norm(x - y, 1) + np.linalg.norm(2.0 * y - x) ** 2


# ------------------------------------------------------------ elementwise primitives


def v_elementwise(x, y):
    """sqrt, cos, sin, exp, division and unary minus between arrays and scalars."""
    u = np.sqrt(x ** 2 + 1.0) * np.cos(y) - x / (1.0 + y ** 2)
    return np.sum(u * -x) + np.sum(np.sin(x) * np.exp(0.3 * y)) - np.mean(-y)


def v_clip(x, y):
    """np.clip with scalar bounds, of an array and of a product."""
    return np.sum(np.clip(x * y, -1.0, 1.0) ** 2) + np.sum(np.clip(x, -0.5, 0.5))


def v_prod(x):
    """np.prod and the x.prod() method."""
    return np.prod(1.0 + 0.1 * x ** 2) + 0.5 * x.prod()


def v_min_max_pair(x, y):
    """np.minimum / np.maximum of two arrays and np.maximum with a scalar."""
    return np.sum(np.minimum(x, y)) + np.sum(np.maximum(x, y) ** 2) + np.sum(np.maximum(x, 0.0) * y)


def v_where_compare(x, y):
    """np.where on a comparison of two arrays and of an array with a scalar."""
    return np.sum(np.where(x < y, x * y, x - y) + np.where(y > 0.5, y ** 2, 0.0))


def v_scalar_power(x, a, p):
    """Array ** int and array ** (differentiated) float exponent."""
    return a * np.sum(np.abs(x) ** 3) + np.sum((x ** 2 + 1.0) ** p)


def v_broadcast(A, b, c):
    """Rank broadcasting: A (m, n) with b (n,) on either side, and a scalar c."""
    return np.sum(np.tanh(A * b + c) ** 2) + np.sum(A - b) * c + np.mean(b / (2.0 + A ** 2))


# ------------------------------------------------------------ methods, amax / amin


def v_methods(x, y):
    """The array methods sum, mean, max, min, dot, prod."""
    return x.sum() * y.mean() + x.max() - y.min() + 0.1 * x.dot(y) + 0.01 * y.prod()


def v_amax_amin(x, A):
    """np.amax / np.amin of a vector and a matrix, with a smooth part."""
    return np.amax(x) - np.amin(A) + 0.5 * np.sum(A ** 2) + np.amax(np.sin(x))


# ------------------------------------------------------------ loops around reductions


def v_loop_reduction(x, w, k):
    """Reductions inside a for loop over a scalar count, feeding a scalar state."""
    s = 0.0
    c = 1.0
    for t in range(k):
        s += np.sum(np.tanh(c * x + w)) ** 2 / (t + 1)
        c = 0.5 * c + 0.1 * np.max(x)
    return s


def v_mixed_loops(x, A):
    """A loop-style part and a vectorized part in one function."""
    n = x.shape[0]
    s = 0.0
    for i in range(n):
        s += max(x[i], 0.0) * x[i]
    v = A @ x
    return s + np.sum(v ** 2) / n + x[0] * np.max(v)


def v_while_reduction(x, w):
    """Reductions inside a while loop with a data-independent stop."""
    s = 0.0
    t = 0
    while t < 3:
        s += np.max(np.abs(x)) * (t + 1) + np.sum(w * x) ** 2 / (t + 1)
        t += 1
    return s


def v_nested_axis(A):
    """Reductions of axis reductions."""
    return np.max(np.sum(A, axis=1)) - np.min(np.mean(A, axis=0)) + 0.1 * np.sum(A ** 2)


def v_where_constants(x):
    """np.where choosing between constants (a sign pattern), np.maximum with an int 0."""
    return np.sum(np.where(x > 0.2, 1.0, -1.0) * x) + np.sum(np.maximum(x, 0) ** 2) / 2


def v_dot_expressions(A, x):
    """Dot products of unnamed vector expressions."""
    return np.dot(np.tanh(A @ x), A @ x) + (A @ x) @ (A @ x) * 0.25


def v_slices(x, A):
    """Basic slices read in place: differences, a column, a reversed row, a block."""
    tv = np.sum(np.abs(x[1:] - x[:-1]))
    return tv + np.sum(A[:, 0] ** 2) + A[0, ::-1] @ A[1] + np.sum(np.tanh(A[1:3, 1:]))


def v_slice_stores(A, w):
    """Stores into slices: a row per iteration, a shifted copy, an augmented block."""
    n = A.shape[0]
    H = np.zeros((n, w.shape[0]))
    for i in range(n):
        H[i, :] = np.tanh(A[i, :] * w)
    z = np.zeros(n + 1)
    z[1:] = H[:, 0] + 1.0
    z[:2] += 3.0 * w[0]
    return np.sum(H ** 2) + np.sum(z * z)


def v_cumsum_argmax_array(x, a, b):
    """np.cumsum, np.argmax/np.argmin as indices, and np.array of scalars."""
    c = np.cumsum(x)
    k = np.argmax(x)
    v = np.array([a, a * b, np.sin(b)])
    return np.sum(c ** 2) + x[k] * 2.0 + np.sum(v * v) + np.max(np.cumsum(v)) + np.argmin(x)


def v_join_reshape(x, A):
    """np.concatenate, np.stack, np.reshape (with -1), .reshape(n, m) and .ravel()."""
    z = np.concatenate((x, np.tanh(x[:2]), A[0]))
    S = np.stack((x[:3], A[1, :3]))
    R = np.reshape(A, (2, -1))
    return (np.sum(z ** 2) + np.sum(np.abs(S - 0.1)) + np.sum(R[1] * R[0]) + np.sum(A.ravel() ** 3)
            + np.sum(np.max(A.reshape(8, 2), axis=1)))


def v_tanh_dot(x, y):
    """An argument used only as an operand of @ with a vector expression."""
    return np.tanh(x) @ y


def v_branch_on_reduction(x, y):
    """An if on a reduction, each branch returning another reduction."""
    if np.max(x) > 0.5:
        return np.sum(x ** 2 * y)
    return np.sum(np.abs(x)) + np.mean(y)


# name -> (argument kinds in order, wrt or None for the default)
SHAPES = {
    "v_least_squares": (((5, 3), (3,), (5,)), None),
    "v_hinge": (((6, 3), (LABELS, 6), (3,), POS), ("X", "w", "lam")),
    "v_lasso": (((5, 3), (3,), (5,), POS), None),
    "v_relu_net": (((6, 3), (3, 4), (4,), (4,), (6,)), None),
    "v_logsumexp": (((6,),), None),
    "v_logistic": (((6, 3), (3,), (LABELS, 6)), ("X", "w")),
    "v_huber": (((6, 3), (3,), (6,), POS), None),
    "v_log_barrier": (((5, 3), (3,), (OFFSET, 5), POS), None),
    "v_softmax_xent": (((4, 3), (3,), (ONEHOT, 4)), ("W", "x")),
    "v_elastic_net": (((5, 3), (3,), (5,), POS, POS), None),
    "v_column_sums": (((4, 3), (3,)), None),
    "v_row_max": (((4, 3), (4,)), None),
    "v_row_means": (((4, 3), (4,)), None),
    "v_outer": (((3,), (4,), (3, 4)), None),
    "v_transpose": (((4, 3), (3,), (4,)), None),
    "v_gram": (((4, 3), (3,)), None),
    "v_matmul": (((2, 3), (3, 4), (4, 2)), None),
    "v_norms": (((4,), (4,)), None),
    "v_elementwise": (((5,), (5,)), None),
    "v_clip": (((6,), (6,)), None),
    "v_prod": (((5,),), None),
    "v_min_max_pair": (((6,), (6,)), None),
    "v_where_compare": (((6,), (6,)), None),
    "v_scalar_power": (((5,), POS, POS), None),
    "v_broadcast": (((4, 3), (3,), FLOAT), None),
    "v_methods": (((4,), (4,)), None),
    "v_amax_amin": (((5,), (3, 2)), None),
    "v_loop_reduction": (((4,), (4,), INT3), None),
    "v_mixed_loops": (((4,), (3, 4)), None),
    "v_while_reduction": (((4,), (4,)), None),
    "v_nested_axis": (((4, 3),), None),
    "v_where_constants": (((6,),), None),
    "v_dot_expressions": (((4, 3), (3,)), None),
    "v_tanh_dot": (((5,), (5,)), None),
    "v_slices": (((6,), (4, 4)), None),
    "v_cumsum_argmax_array": (((6,), FLOAT, FLOAT), None),
    "v_join_reshape": (((5,), (4, 4)), None),
    "v_slice_stores": (((4, 3), (3,)), None),
    "v_branch_on_reduction": (((5,), (5,)), None),
}


# ------------------------------------------------------------ kink probes


def k_max(x):
    return np.max(x)


def k_min(x):
    return np.min(x)


def k_amax(x):
    return np.amax(x) + np.amin(x)


def k_max_method(x):
    return x.max() - x.min()


def k_max_axis1(A):
    return np.sum(np.max(A, axis=1))


def k_min_axis0(A):
    return np.sum(np.min(A, axis=0))


def k_sum_abs(x):
    return np.sum(np.abs(x))


def k_sum_relu(x):
    return np.sum(np.maximum(x, 0.0))


def k_maximum_pair(a, b):
    return np.sum(np.maximum(a, b))


def k_minimum_pair(a, b):
    return np.sum(np.minimum(a, b))


def k_where_relu(x):
    return np.sum(np.where(x > 0, x, 0.0))


def k_norm(x):
    return np.linalg.norm(x)


def k_norm_diff(x, y):
    return np.linalg.norm(x - y)


def k_norm1(x):
    return np.linalg.norm(x, 1)


def k_clip(x):
    return np.sum(np.clip(x, -1.0, 1.0))


# ------------------------------------------------------------ shapes only known at the call


def s_product(x, y):
    return np.sum(x * y)


def s_broadcast(A, b):
    return np.sum(A * b)


# ------------------------------------------------------------ beyond the listed subset: refused, or right


def e_reassign(x):
    """A vector name assigned twice."""
    r = np.tanh(x)
    r = r * r + x
    return np.sum(r ** 2)


def e_augmented_vector(x):
    """An augmented assignment to a vector name (in place in NumPy)."""
    y = x * 2.0
    y += 1.0
    return np.sum(y ** 2) + np.sum(x)


def e_method_on_expression(x, y):
    """Methods called on vector expressions."""
    return (x * y).sum() + np.abs(x - y).max() + (x + 1.0).mean()


def e_method_axis(A):
    """Reduction methods with an axis."""
    return np.sum(A.max(axis=1)) + np.sum(A.sum(axis=0) ** 2)


def e_rank3(T):
    """Reductions of a rank-3 array."""
    return np.sum(T ** 2) + np.max(T) - np.mean(np.abs(T))


def e_inplace_argument(x):
    """An in-place update of an argument array (NumPy writes into the caller's array)."""
    x *= 2.0
    return np.sum(np.sin(x))


def e_vector_in_if(x):
    """A vector name assigned in both branches of an if."""
    if np.sum(x) > 0.0:
        r = np.tanh(x)
    else:
        r = np.sin(x)
    return np.sum(r ** 2)


EDGE_SHAPES = {
    "e_vector_in_if": ((5,),),
    "e_reassign": ((5,),),
    "e_augmented_vector": ((5,),),
    "e_method_on_expression": ((5,), (5,)),
    "e_method_axis": ((4, 3),),
    "e_rank3": ((2, 3, 2),),
    "e_inplace_argument": ((5,),),
}


# ------------------------------------------------------------ outside the subset


def e_vector_in_loop(x, k):
    """A vector name assigned inside a loop (the feature brief lists it as refused;
    docs/vectorized.md says the name is refilled at every iteration)."""
    s = 0.0
    for t in range(k):
        y = np.tanh(x * (t + 1))
        s += np.sum(y) / (t + 1)
    return s


def e_descent_in_loop(x0, A, k):
    """Gradient-descent steps on a copy, in place inside a loop."""
    x = x0.copy()
    for t in range(k):
        g = A @ x
        x -= 0.1 * g
    return np.sum(x ** 2)


def bad_sort(x):
    return np.sum(x[np.argsort(x)] * x)  # <- refused: bad_sort (np.sort itself is supported)


def bad_return_vector(A, x):
    return A @ x  # <- refused: bad_return_vector


def bad_array_exponent(x):
    return np.sum(2.0 ** x)  # an array exponent: outside the subset, or else right
