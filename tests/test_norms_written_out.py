"""A square root of a sum of squares (``math.sqrt(dx * dx + dy * dy)``,
``np.sqrt(x ** 2 + y ** 2)`` per element) is a Euclidean norm: at the
origin it is a kink whose Clarke set is the unit ball, and every mode selects
its minimum-norm element 0 there.  Differentiated as ``sqrt`` it gave NaN
(sqrt's derivative at 0, inf, times the squares' derivatives, 0) even where
the norm is constant around the point: a signed-distance box whose point is
inside (every clamped coordinate 0)."""

import math

import numpy as np
import pytest

import nsadc
from helpers import central_differences


def distance(x, y, cx, cy):
    return math.sqrt((x - cx) ** 2 + (y - cy) * (y - cy))


def box_sdf(px, py, pz, hx, hy, hz):
    """The usual signed distance to a box: the norm of the clamped offsets outside, the largest one inside."""
    qx = abs(px) - hx
    qy = abs(py) - hy
    qz = abs(pz) - hz
    ox = max(qx, 0.0)
    oy = max(qy, 0.0)
    oz = max(qz, 0.0)
    return math.sqrt(ox * ox + oy * oy + oz * oz) + min(max(qx, max(qy, qz)), 0.0)


def softened_potential(x, m, soft):
    """Pairwise softened gravity: the norm has a constant square among its terms."""
    e = 0.0
    for i in range(x.shape[0]):
        for j in range(i + 1, x.shape[0]):
            dx = x[i, 0] - x[j, 0]
            dy = x[i, 1] - x[j, 1]
            e -= m[i] * m[j] / math.sqrt(dx * dx + dy * dy + soft * soft)
    return e


def lengths(x, y):
    return np.sum(np.sqrt(x * x + y * y))


def not_a_norm(x, y):
    return math.sqrt(x * x + y)


TARGETS = ["python", pytest.param("cpu", marks=pytest.mark.slow)]


@pytest.mark.parametrize("target", TARGETS)
def test_the_norm_at_its_kink_selects_zero(target):
    d = nsadc.differentiate(distance, wrt=["x", "y", "cx", "cy"], target=target)
    assert d.grad(1.0, 2.0, 1.0, 2.0) == (0.0, 0.0, 0.0, 0.0)
    g = d.grad(0.3, -1.2, 1.0, 0.5)
    want = [central_differences(distance, (0.3, -1.2, 1.0, 0.5), k) for k in range(4)]
    np.testing.assert_allclose(g, want, rtol=1e-7)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("point", [(0.2, -0.1, 0.3), (1.4, 0.2, -0.1), (1.3, -1.6, 0.2), (1.5, 1.7, -2.4)])
def test_a_box_sdf_matches_central_differences_inside_and_out(target, point):
    args = (*point, 1.0, 1.2, 0.8)
    g = nsadc.differentiate(box_sdf, target=target).grad(*args)
    want = [central_differences(box_sdf, args, k) for k in range(6)]
    assert not np.isnan(g).any()
    np.testing.assert_allclose(g, want, rtol=1e-6, atol=1e-8)


def test_a_softened_norm_keeps_its_gradient():
    rng = np.random.default_rng(3)
    args = (rng.standard_normal((5, 2)), rng.uniform(0.5, 1.5, 5), 0.1)
    g = nsadc.differentiate(softened_potential, target="python").grad(*args)
    for got, k in zip(g, range(3)):
        np.testing.assert_allclose(got, central_differences(softened_potential, args, k), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("target", TARGETS)
def test_elementwise_norms_select_zero_at_the_origin(target):
    x, y = np.array([0.0, 3.0, -1.0]), np.array([0.0, 4.0, 2.0])
    gx, gy = nsadc.differentiate(lengths, target=target).grad(x, y)
    np.testing.assert_allclose(gx, [0.0, 0.6, -1.0 / math.sqrt(5.0)])
    np.testing.assert_allclose(gy, [0.0, 0.8, 2.0 / math.sqrt(5.0)])


def test_forward_and_clarke_modes_at_the_origin():
    d = nsadc.differentiate(distance, wrt=["x", "y"], target="python")
    _, tangent = d.jvp((1.0, 2.0, 1.0, 2.0), (1.0, 0.5))
    assert tangent == 0.0
    # Clarke mode follows the directions: along x first, the norm grows with slope 1 in x
    assert d.clarke_grad(1.0, 2.0, 1.0, 2.0) == (1.0, 0.0)
    assert d.clarke_grad(1.0, 3.0, 1.0, 2.0) == (0.0, 1.0)


def test_the_kink_is_reported_and_certified():
    d = nsadc.differentiate(distance, wrt=["x", "y"], target="python")
    src = d.source("reverse", 1.0, 2.0, 1.0, 2.0)
    assert "selects 0 (Clarke set the unit ball)" in src
    assert d.certificate().status == "certified"
    # a root of a sum that is not of squares keeps sqrt's derivative and its domain restriction
    assert nsadc.differentiate(not_a_norm, target="python").certificate().status == "conditional"
    assert np.isinf(nsadc.differentiate(not_a_norm, target="python").grad(0.0, 0.0)[1])


def cutoff_energy(x, rc):
    """The squared distance first, compared with a cutoff, then its root."""
    e = 0.0
    for i in range(x.shape[0]):
        for j in range(i + 1, x.shape[0]):
            dx = x[i, 0] - x[j, 0]
            dy = x[i, 1] - x[j, 1]
            r2 = dx * dx + dy * dy
            if r2 < rc * rc:
                r = math.sqrt(r2)
                e += (rc - r) ** 2
    return e


def loop_norm(v, w):
    """A vector's norm accumulated in a loop, then normalised by its root."""
    s = 0.0
    for k in range(v.shape[0]):
        d = v[k] - w[k]
        s += d * d
    norm = math.sqrt(s)
    return norm + 0.5 * norm * norm


def one_square(x, y):
    s = (x - y) ** 2
    return math.sqrt(s)


def sum_of_other_things(x, y):
    s = 0.0
    s += x * x
    s += y  # not a square: s may be 0 with x or y not 0
    return math.sqrt(s)


@pytest.mark.parametrize("target", TARGETS)
def test_named_and_accumulated_sums_of_squares_are_norms(target):
    x = np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 0.5], [0.3, -0.2]])  # two points at one place
    g = nsadc.differentiate(cutoff_energy, wrt=["x"], target=target).grad(x, 1.5)
    assert not np.isnan(g).any()
    np.testing.assert_allclose(g[2:], central_differences(cutoff_energy, (x, 1.5), 0)[2:], rtol=1e-6, atol=1e-8)
    v = np.array([1.0, -2.0, 0.5])
    d = nsadc.differentiate(loop_norm, target=target)
    np.testing.assert_array_equal(d.grad(v, v.copy()), (np.zeros(3), np.zeros(3)))
    w = np.array([0.2, 0.1, -0.4])
    for got, k in zip(d.grad(v, w), (0, 1)):
        np.testing.assert_allclose(got, central_differences(loop_norm, (v, w), k), rtol=1e-6)
    assert nsadc.differentiate(one_square, target=target).grad(1.0, 1.0) == (0.0, 0.0)
    assert np.isinf(nsadc.differentiate(sum_of_other_things, target=target).grad(0.0, 0.0)[1])


def test_clarke_mode_of_named_and_accumulated_norms():
    assert nsadc.differentiate(one_square, target="python").clarke_grad(1.0, 1.0) == (1.0, -1.0)
    d = nsadc.differentiate(loop_norm, target="python")
    w = np.array([0.2, 0.1, -0.4])
    v = np.array([1.0, -2.0, 0.5])
    got = d.clarke_grad(v, w)
    for a, b in zip(got, d.grad(v, w)):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def centre_margins(Z, C):
    """Distances of every row to each centre, as rows' norms of a whole-array difference."""
    total = 0.0
    for k in range(C.shape[0]):
        d = np.sqrt(np.sum((Z - C[k]) ** 2, axis=1))
        total += np.sum(np.maximum(1.0 - d, 0.0))
    return total


def summed_squares(x, y):
    return np.sqrt(np.sum((x - y) * (x - y))) + math.sqrt(np.dot(x, x)) + np.sqrt(x @ x)


@pytest.mark.parametrize("target", TARGETS)
def test_norms_of_summed_squares(target):
    """A sum of squares summed over elements (np.sum(d * d, axis=1), np.dot(x, x), x @ x) under a
    square root is a norm too: a row equal to a centre, or a zero vector, selects 0."""
    Z, C = np.array([[0.0, 0.0], [1.0, 0.5], [0.3, -0.2]]), np.array([[0.0, 0.0], [0.9, 0.4]])
    g = nsadc.differentiate(centre_margins, target=target).grad(Z, C)
    assert not any(np.isnan(a).any() for a in g)
    moved = Z + np.array([[1e-3, 2e-3], [0.0, 0.0], [0.0, 0.0]])
    for got, k in zip(nsadc.differentiate(centre_margins, target=target).grad(moved, C), (0, 1)):
        np.testing.assert_allclose(got, central_differences(centre_margins, (moved, C), k), rtol=1e-6, atol=1e-8)
    d = nsadc.differentiate(summed_squares, target=target)
    x = np.array([0.3, -0.2])
    gx, gy = d.grad(x, x.copy())
    np.testing.assert_allclose(gx, 2.0 * x / np.linalg.norm(x))
    np.testing.assert_array_equal(gy, [0.0, 0.0])
    for a in d.grad(np.zeros(2), np.zeros(2)):
        np.testing.assert_array_equal(a, [0.0, 0.0])


def matrix_square_root(A):
    return np.sum(np.sqrt(A @ A)) + np.sqrt(np.sum(A @ A))


def test_a_matrix_product_under_a_root_is_no_norm():
    """A @ A of a matrix is a product, not a sum of squares: sqrt's own rule (inf at 0)."""
    A = np.array([[0.5, 0.2], [0.1, 0.4]])
    src = nsadc.differentiate(matrix_square_root, target="python").source("reverse", A)
    assert "Clarke set the unit ball" not in src
    g = nsadc.differentiate(matrix_square_root, target="python").grad(A)
    np.testing.assert_allclose(g, central_differences(matrix_square_root, (A,), 0), rtol=1e-6)
