"""NumPy calls in the forms users write them: bounds of ``clip`` by keyword
(``x.clip(max=hi, min=lo)`` in either order: taking them by position gave
clip(x, hi, lo), a wrong value), ``np.var`` / ``np.std`` along an axis (and
``np.var(X, 1)``, whose second argument is the axis, not ``ddof``), with
``keepdims=`` and of a whole 2-D array, ``np.flip`` / ``np.flipud`` /
``np.fliplr`` (of every axis of a 3-D array: it flipped the first alone),
``.item()`` of a number, ``np.percentile`` / ``np.quantile`` of a 1-D array
(NumPy's linear interpolation), ``np.max(x, initial=v)``,
``np.floor_divide``, ``np.cumprod``, ``np.diff`` along an axis (of a 3-D
array it ran along axis 1), ``axis=None``, ``...`` in an index, reductions
over a tuple of axes, ``.T`` of a row of a 3-D array and of a new 2-D array,
``np.transpose`` / ``np.expand_dims``, row norms, array methods of a local
array or an expression (``(g * x).clip(lo, hi)``), and statistics of an
expression mixing an array argument with a number (``np.median(x - mu)``:
"x must be a scalar" before)."""

import numpy as np
import pytest

import nsadc
from helpers import check_program_gradient


def clip_keywords(x, lo):
    return np.sum(x.clip(max=1.0, min=-1.0) ** 2) + np.sum(np.clip(x, a_max=1.5, a_min=lo))


def scalar_clip_keywords(t, lo):
    return np.clip(t, a_min=lo, a_max=1.0) ** 2


def spread_along_axes(X):
    s = np.std(X, axis=0)
    return np.sum(s) + np.sum(np.var(X, axis=1)) + np.sum(X.var(axis=-1, ddof=1)) + np.sum(X.std(1) ** 2)


def axis_in_second_place(X):
    v = np.var(X, 1)
    return np.sum(v * v)


def flipped(X, x):
    return np.sum(np.flip(X, axis=1) * X) + np.sum(np.fliplr(X)[0]) + np.sum(np.flipud(X)[:, 1]) \
        + np.sum(np.flip(x) * x) + np.sum(np.flip(X) * X)


def quantiles(x, q):
    return np.quantile(x, 0.3) * 2.0 + np.percentile(x * 2.0, q) - np.percentile(x, 100.0) + np.quantile(x, 0.0)


def with_initial(x, X):
    return np.max(x, initial=0.5) + x.min(initial=-0.1) + np.sum(np.max(X, axis=0, initial=0.2))


def method_of_a_local(x, g):
    y = g * x
    z = y.clip(-0.8, 0.8)
    return np.sum(z) + np.sum((g * x).clip(-0.5, 0.5)) + np.sum(y.clip(-0.8, 0.8))


def statistics_of_expressions(mu, x, w):
    r = x - mu
    return np.median(x - mu) + np.var(r) + np.std(x * mu) + np.average(x - mu, weights=w)


def items(v):
    s = 0.0
    for i in range(v.shape[0]):
        s += max(v[i], 0.0)
    return s * np.dot(v, v).item() + np.sum(v * v).item() + 2.0 * np.max(np.abs(v)).item()


def floor_divided(x, p):
    return np.sum(np.floor_divide(x, p) * p + x * x) + np.floor_divide(x[0], p) * p


def running_products(r, R):
    w = np.cumprod(1.0 + r)
    W = np.cumprod(1.0 + R, axis=1)
    return w[-1] + np.max(1.0 - w / np.maximum.accumulate(w)) + np.sum(np.maximum(W[:, -1] - 1.0, 0.0)) \
        + np.sum(R.cumprod())


def differences_along_axes(T, P):
    # np.diff of a 3-D array runs along its last axis (it ran along axis 1: a wrong value)
    return np.sum(np.abs(np.diff(T))) + np.sum(np.diff(T, axis=0) ** 2) + np.sum(np.abs(np.diff(P, axis=0))) \
        + np.sum(np.diff(P, n=1, axis=-1) ** 2) + np.sum(np.diff(P, 1, 1))


def flipped_volumes(T, W):
    # np.flip without an axis reverses every axis (it reversed the first alone on 3-D arrays)
    return np.sum(np.flip(T) * W) + np.sum(np.flip(T * 2.0 + 1.0, axis=None) * W) + np.sum(np.flip(T, -1) * W)


def standardised(A):
    Z = (A - A.mean(0, keepdims=True)) / A.std(0, keepdims=True)
    return np.sum(np.abs(Z)) + np.sum(A.var(axis=1, keepdims=True) * A) + np.std(A) + np.var(A, ddof=1)


def whole_array_axes(A):
    return np.mean(A, axis=None) + A.sum(axis=None) + np.max(A, axis=None) + np.sum(np.cumsum(A, axis=None) ** 2)


def slices_of_new_arrays(T, w):
    # named slices and transposes of arrays an expression makes anew share memory with no name
    a = np.mean(T, axis=1).T
    r = (T[0] * 2.0)[::-1]
    r[0] = 0.0
    return np.sum(a * w) + np.sum(r * r)


def ellipses(T, w):
    U = np.zeros(T.shape)
    U[..., 1] = T[..., 1] * 2.0
    return np.sum(T[..., 0] * w) + np.sum(T[0, ...]) + np.sum(U) + np.sum(T[..., -1, :] ** 2)


def tuple_axes(X, w, img):
    H, W = img.shape
    pooled = img.reshape(H // 2, 2, W // 2, 2).max(axis=(1, 3))
    return np.sum(X.mean(axis=(1, 2)) * w) + np.sum(pooled ** 2) + np.sum(np.sum(X, axis=(0, 2)) ** 2) \
        + np.max(X, axis=(0, 1, 2))


def transposed_rows(X, Y):
    # .T of a row of a 3-D array (the first guess of X's rank took F for a number: "attribute 'F.T'")
    F = X[0]
    s = np.sum(F @ F.T)
    for b in range(X.shape[0]):
        s += np.sum(X[b].T @ Y[b])
    return s


def transposed_and_expanded(A, x):
    B = np.transpose(A)
    c = np.expand_dims(x, 1) * A + np.expand_dims(x, axis=-1) * 2.0
    return np.sum(B ** 2) + np.sum(c) + np.sum(np.transpose(A, (1, 0)) * B) + np.sum(np.expand_dims(A[0], 0) * A)


def transposed_expressions(A, B):
    M = (A * 2.0).T
    M[0, 0] = 1.0  # a view of the new array alone
    return np.sum(M[0] * M[1]) + np.sum((A @ B).T[0]) + np.sum((A @ A.T).T * 3.0)


def kept_tuple_axes(T, c):
    m = T.mean(axis=(1, 2), keepdims=True)
    s = np.max(T, axis=(0, 2), keepdims=True)
    z = T[0].sum(axis=1, keepdims=True) if c > 0.0 else T[0][:, :1] * 2.0
    return np.sum((T - m) ** 2) + np.sum(T * s) + np.sum(np.sum(T, axis=(0, 1, 2), keepdims=True) * T) + np.sum(z)


def row_norms(P, c):
    d = np.linalg.norm(P - c, axis=1)
    return np.sum(np.maximum(d - 1.0, 0.0) ** 2) + np.sum(np.linalg.norm(P, axis=0) * c) + np.min(d)


def chosen_broadcasts(X, w):
    # both branches are 2-D; before the call the lowering guessed X 1-D and refused the choice
    a = X * w[None, :]
    b = X * w
    return np.sum(a if w[0] > 0 else b * b)


rng = np.random.default_rng(3)
X, V, W = rng.standard_normal((3, 4)), rng.standard_normal(7), rng.random(7) + 0.1
CASES = [(clip_keywords, (2.0 * V, -0.2)), (scalar_clip_keywords, (0.5, 0.2)), (scalar_clip_keywords, (1.7, 0.2)),
         (spread_along_axes, (X,)), (axis_in_second_place, (X,)), (flipped, (X, V)), (quantiles, (V, 37.0)),
         (with_initial, (V, X)), (with_initial, (V - 3.0, X - 3.0)), (method_of_a_local, (V, 0.9)),
         (statistics_of_expressions, (0.4, V, W)), (items, (V,)), (floor_divided, (3.0 * V, 0.7)),
         (running_products, (0.1 * V, 0.1 * X)), (differences_along_axes, (rng.standard_normal((2, 3, 4)), X)),
         (flipped_volumes, (rng.standard_normal((2, 3, 5)), rng.standard_normal((2, 3, 5)))),
         (standardised, (X,)), (whole_array_axes, (X,)), (slices_of_new_arrays, (X, V[:3])),
         (ellipses, (rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3)))),
         (tuple_axes, (rng.standard_normal((2, 4, 6)), rng.standard_normal(2), rng.standard_normal((4, 6)))),
         (transposed_rows, (rng.standard_normal((2, 3, 5)), rng.standard_normal((2, 3, 4)))),
         (transposed_and_expanded, (X, V[:3])), (transposed_expressions, (X, rng.standard_normal((4, 5)))),
         (kept_tuple_axes, (rng.standard_normal((2, 3, 4)), 0.5)), (row_norms, (X.T.copy(), V[:3])),
         (chosen_broadcasts, (X, W[:4])), (chosen_broadcasts, (X, -W[:4]))]


@pytest.mark.parametrize("fn, args", CASES, ids=[f"{f.__name__}-{k}" for k, (f, _) in enumerate(CASES)])
def test_value_and_gradient(fn, args):
    check_program_gradient(fn, args, "python")


@pytest.mark.slow
@pytest.mark.parametrize("fn, args", [CASES[0], CASES[3], CASES[6], CASES[7]], ids=lambda v: getattr(v, "__name__", ""))
def test_compiled(fn, args):
    check_program_gradient(fn, args, "cpu")


def test_clip_keywords_in_either_order_give_numpys_value():
    x = np.array([0.3, -1.2, 0.7, 2.0, 0.1])
    value, _ = nsadc.differentiate(clip_keywords, target="python").value_and_grad(x, -0.2)
    assert value == pytest.approx(clip_keywords(x, -0.2))


def test_percentile_at_its_knots_and_ends():
    """At q on a knot (a sorted value's position) the interpolation weight is 0;
    at q = 100 the top value alone; the derivative in q is the slope between
    neighbours, (sorted[k + 1] - sorted[k]) * (n - 1) / 100."""
    x = np.array([0.5, -1.0, 2.0, 0.0, 1.0])
    d = nsadc.differentiate(lambda_free_percentile, target="python")
    value, (gx, gq) = d.value_and_grad(x, 62.5)  # position 2.5: between 0.5 and 1.0
    assert value == pytest.approx(np.percentile(x, 62.5))
    assert gq == pytest.approx((1.0 - 0.5) * 4 / 100.0)
    np.testing.assert_allclose(gx, [0.5, 0.0, 0.0, 0.0, 0.5])
    value, (gx, _) = d.value_and_grad(x, 100.0)
    assert value == 2.0
    np.testing.assert_allclose(gx, [0.0, 0.0, 1.0, 0.0, 0.0])


def lambda_free_percentile(x, q):
    return np.percentile(x, q)


def percentile_in_a_loop(x):
    s = 0.0
    for k in range(3):
        s += np.percentile(x, 25.0 * k)
    return s


def several_quantiles(x):
    return np.sum(np.quantile(x, [0.25, 0.75]))


def moving_median(x):
    out = 0.0
    w = np.zeros(3)
    for i in range(x.shape[0] - 2):
        w[0] = x[i]
        w[1] = x[i + 1]
        w[2] = x[i + 2]
        out += np.median(w)
    return out


def method_of_a_number(x, g):
    y = g * x
    return np.sum(y.clip(-0.8, 0.8))


@pytest.mark.parametrize("fn, args, says", [
    (percentile_in_a_loop, (V,), "np.percentile inside a loop"),
    (several_quantiles, (V,), "several q at once"),
    (moving_median, (V,), "np.median inside a loop"),  # (it named np.sort, which the code does not call)
    (method_of_a_number, (0.5, 0.9), "y.clip() is an array method, and the code takes y for a number"),
])
def test_refusals_name_what_was_written(fn, args, says):
    with pytest.raises(nsadc.UnsupportedError, match=r"[^\n]*" + says.replace("(", r"\(").replace(")", r"\)")):
        nsadc.differentiate(fn, target="python").grad(*args)


def wealth_sum(r):
    return np.sum(np.cumprod(1.0 + r))


def test_cumprod_through_a_zero_entry():
    # the running product is a loop: its reverse divides by no entry (1 + r = 0 here), and the
    # entries before the zero still see the products after it
    r = np.array([0.2, -1.0, 0.5, 0.1])
    g = nsadc.differentiate(wealth_sum, target="python").grad(r)
    a = 1.0 + r
    want = [1 + a[1] + a[1] * a[2] + a[1] * a[2] * a[3], a[0] * (1 + a[2] + a[2] * a[3]), 0.0, 0.0]
    np.testing.assert_allclose(g, want)


def view_written(A):
    a = np.asarray(A).T
    a[0, 0] = 5.0
    return np.sum(A)


def row_of_a_transpose_written(x0):
    x = x0.copy()
    a = x.T[0]
    a[0] = 5.0
    return np.sum(x)


@pytest.mark.parametrize("fn, says", [(view_written, r"a = np.asarray\(A\).T would make a a view of A \("),
                                      (row_of_a_transpose_written, r"a = x.T\[0\] would make a a view of x \(")])
def test_a_view_written_through_names_the_array_it_shares(fn, says):
    # (an ArgumentError where the first guess took A for a 1-D array: the message is the same)
    with pytest.raises((nsadc.UnsupportedError, nsadc.ArgumentError), match=says):
        nsadc.differentiate(fn, target="python").grad(np.ones((3, 2)))


def pooled_tie(x):
    return np.sum(x.reshape(2, 2, 3, 2).max(axis=(1, 3)))


def test_a_max_over_a_tuple_of_axes_shares_a_tie_across_the_whole_group():
    # one reduction over the group, as NumPy's: three tied entries take 1/3 each (nested maxes gave 1/4, 1/4, 1/2)
    x = np.zeros((4, 6)) - 5.0
    x[0, 0] = x[0, 1] = x[1, 0] = 1.0
    x[1, 1] = 0.0
    g = nsadc.differentiate(pooled_tie, target="python").grad(x)
    np.testing.assert_allclose(g[:2, :2], [[1 / 3, 1 / 3], [1 / 3, 0.0]])


def summed_row_norms(P, c):
    return np.sum(np.linalg.norm(P - c, axis=1))


def test_a_row_norm_at_a_zero_row_takes_the_norms_kink():
    P = np.array([[0.5, -1.0, 2.0], [0.3, 0.2, -0.1]])
    c = P[0].copy()  # row 0 of P - c is zero: the norm's kink, derivative 0 there (not NaN)
    g = nsadc.differentiate(summed_row_norms, target="python").grad(P, c)
    assert np.all(np.isfinite(g[0])) and np.all(g[0][0] == 0.0)


def norms_in_arithmetic(a, v, b):
    # row norms unnamed inside arithmetic (they were read as one number: an array came back)
    cosine = np.sum(np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)))
    r = v - np.linalg.norm(a, axis=1) * 2.0
    triplet = np.mean(np.maximum(0.0, 0.5 + np.linalg.norm(a - b, axis=1) - np.linalg.norm(a, axis=1)))
    return np.sum(v / (np.linalg.norm(a, axis=1) + 1.0)) + cosine + np.dot(r, r) + triplet


def test_row_norms_inside_arithmetic():
    rng = np.random.default_rng(11)
    check_program_gradient(norms_in_arithmetic, (rng.standard_normal((5, 3)), rng.standard_normal(5),
                                                 rng.standard_normal((5, 3))), "python")


def labels_indexed_and_compared(S, y):
    n = S.shape[0]
    return -np.mean(S[np.arange(n), y]) + np.mean(np.argmax(S, axis=1) == y) + np.sum(y == 1) * np.sum(S)


def test_labels_used_as_an_index_and_in_a_comparison():
    # (refused as "y must be a scalar": the first guess read y as a number from y == 1)
    rng = np.random.default_rng(12)
    S, y = rng.standard_normal((7, 3)), rng.integers(0, 3, 7)
    d = nsadc.differentiate(labels_indexed_and_compared, wrt="S", target="python")
    assert d(S, y) == pytest.approx(labels_indexed_and_compared(S, y))
    want = np.full(S.shape, float(np.sum(y == 1)))
    want[np.arange(7), y] -= 1.0 / 7
    np.testing.assert_allclose(d.grad(S, y), want)


def counted_by_an_int(x, k):
    s = np.sum(x)
    for i in range(k):
        s += x[i]
    return s + x[k]


def test_an_array_for_an_int_that_a_range_reads_is_refused_where_it_is_read():
    with pytest.raises(nsadc.UnsupportedError, match="range\\(\\) of k, an array"):
        nsadc.differentiate(counted_by_an_int, target="python").grad(np.ones(4), np.array([1, 2]))


def transposed_with_wrong_axes(x):
    return np.sum(np.transpose(x, (1, 0)))


def test_transpose_axes_must_name_the_arrays_axes():
    with pytest.raises(nsadc.UnsupportedError, match="np.transpose"):
        nsadc.differentiate(transposed_with_wrong_axes, target="python").grad(np.ones(3))


def float_aranges(x):
    n = x.shape[0]
    return np.sum(np.arange(1.0, 6.0) * x[:5]) + np.sum(np.arange(0.5, n) * x) \
        + np.sum(x * np.arange(1.0, n + 1.0, 2)[0])


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_np_arange_with_float_bounds(target):
    # floats, ceil((stop - start) / step) of them; the float bound gave a float length (a TypeError)
    x = np.random.default_rng(3).normal(size=7)
    check_program_gradient(float_aranges, (x,), target)
    value = nsadc.differentiate(float_aranges, target=target)(x)
    assert value == pytest.approx(float_aranges(x), rel=1e-13)


def joined_with_a_new_axis(B, x):
    return np.sum(np.concatenate((B, x[:, None]), axis=1) ** 2) \
        + np.sum(np.abs(np.concatenate((np.expand_dims(x, 1) * 2.0, B), axis=1))) \
        + np.sum(np.concatenate((B.T, x[None, :]), axis=0) ** 3)


def ellipsis_views_indexed_again(T, A):
    t = T[..., 0]
    u = A[..., 2]
    return np.sum(t[1, :] ** 2) + np.sum(t[:, 2]) * t[1, 2] + np.sum(u[1:] ** 2)


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_new_axes_in_a_concatenation_and_ellipsis_views_indexed_again(target):
    # the new axis's length entered the joined length as a marker (KeyError 'new_axis');
    # t = T[..., 0] then t[1, :] counted ... as one axis of T (refused: "4 indices")
    rng = np.random.default_rng(6)
    B, x = rng.normal(size=(4, 3)), rng.normal(size=4)
    check_program_gradient(joined_with_a_new_axis, (B, x), target)
    check_program_gradient(ellipsis_views_indexed_again, (rng.normal(size=(2, 3, 4)), rng.normal(size=(4, 3))),
                           target)


def slice_of_a_product(x, w, B):
    y = w.copy()
    y[1:] = B[1:, :] @ np.clip(x, -1.0, 1.0)
    return np.sum(y ** 2)


def test_a_slice_store_whose_value_s_rank_the_call_decides():
    # before the call x's rank was a guess (2), and the store was refused for good
    rng = np.random.default_rng(7)
    check_program_gradient(slice_of_a_product, (rng.normal(size=4) * 0.5, rng.normal(size=5),
                                                rng.normal(size=(5, 4))), "python")
