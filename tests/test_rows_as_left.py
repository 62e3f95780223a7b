"""A loop whose iteration runs an inner loop that updates elements in place
and restores each of them itself (``for i: for j: z[i, j] = f(z[i, j])``):
when the reverse of the outer iteration starts, the inner loop's arrays are
as that loop left them, so the outer loop keeps none of them and its re-run
leaves the inner loop out.  Each element is then computed twice in the
reverse (its forward run, its own re-run), not once more per loop level.
Two such loops may read each other's arrays.  Where a statement of the
outer iteration outside such loops reads those arrays, or the inner loop
carries a value across its iterations, the outer loop keeps restoring the
row.  Gradients against central differences on both targets."""

import numpy as np
import pytest

import nsadc
from test_grid_in_place import check_case


def rows_in_place(x, c):
    n, m = x.shape
    for i in range(n):
        for j in range(m):
            x[i, j] = abs(x[i, j] - c) * x[i, j]
    s = 0.0
    for i in range(n):
        for j in range(m):
            s += x[i, j] * (i + 1)
    return s


def steps_of_rows(z0, c, steps):
    n, m = z0.shape
    z = z0.copy()
    for t in range(steps):
        for i in range(n):
            for j in range(m):
                z[i, j] = max(z[i, j] - c * z[i, j] * z[i, j], 0.1 * z[i, j])
    return np.sum(z * z)


def two_fields(f, lam, steps):
    """Two dual fields clipped in one row loop, then a primal field updated
    from them in another, both repeated by a time loop (a primal-dual scheme)."""
    n, m = f.shape
    u = f.copy()
    px = np.zeros_like(f)
    py = np.zeros_like(f)
    for t in range(steps):
        for i in range(n):
            for j in range(m):
                gx = u[i, j + 1] - u[i, j] if j < m - 1 else 0.0
                gy = u[i + 1, j] - u[i, j] if i < n - 1 else 0.0
                px[i, j] = min(max(px[i, j] + 0.5 * gx, -lam), lam)
                py[i, j] = min(max(py[i, j] + 0.5 * gy, -lam), lam)
        for i in range(n):
            for j in range(m):
                div = px[i, j] + py[i, j]
                if j > 0:
                    div -= px[i, j - 1]
                if i > 0:
                    div -= py[i - 1, j]
                u[i, j] = (u[i, j] + 0.25 * div + 0.25 * f[i, j]) / 1.25
    return np.sum((u - f) ** 2)


def row_scale_first(x, c):
    """The row's own statement reads the row before the inner loop rewrites
    it: the outer loop keeps restoring the row."""
    n, m = x.shape
    for i in range(n):
        lead = x[i, 0]
        for j in range(m):
            x[i, j] = max(x[i, j], c * lead)
    return np.sum(x * x)


def carried_along_row(x, c):
    """The inner loop carries a value from one element to the next."""
    n, m = x.shape
    for i in range(n):
        run = 0.0
        for j in range(m):
            run = max(run, x[i, j]) * c
            x[i, j] = x[i, j] - run
    return np.sum(x * x)


def read_after_row(x, c):
    """A later loop of the same iteration reads the row the inner loop wrote."""
    n, m = x.shape
    total = 0.0
    for i in range(n):
        for j in range(m):
            x[i, j] = abs(x[i, j] - c)
        for j in range(m):
            total += x[i, j] * x[i, (j + 1) % m]
    return total


def _rng():
    return np.random.default_rng(5)


CASES = {
    "rows_in_place": (rows_in_place, ("x", "c"), lambda r: (r.standard_normal((3, 4)), 0.3)),
    "steps_of_rows": (steps_of_rows, ("z0", "c"), lambda r: (r.uniform(0.1, 1.0, (3, 4)), 0.4, 3)),
    "two_fields": (two_fields, ("f", "lam"), lambda r: (r.standard_normal((4, 5)), 0.3, 3)),
    "row_scale_first": (row_scale_first, ("x", "c"), lambda r: (r.standard_normal((3, 4)), 0.7)),
    "carried_along_row": (carried_along_row, ("x", "c"), lambda r: (r.standard_normal((3, 4)), 0.6)),
    "read_after_row": (read_after_row, ("x", "c"), lambda r: (r.standard_normal((3, 4)), 0.2)),
}


def _check(name, target):
    check_case(CASES[name], _rng(), target)


@pytest.mark.parametrize("name", sorted(CASES))
def test_python(name):
    _check(name, "python")


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CASES))
def test_compiled(name):
    _check(name, "cpu")


def _source(name):
    fn, wrt, make = CASES[name]
    return nsadc.differentiate(fn, wrt=wrt, target="python").source("reverse", *make(_rng()))


def _reverse_sweep(name):
    src = _source(name)
    return src[src.index("# reverse sweep"):]


@pytest.mark.parametrize("name", ["rows_in_place", "steps_of_rows"])
def test_outer_loops_neither_keep_nor_rerun_the_rows(name):
    """The element loop is the only loop that re-runs (once per element),
    and nothing is kept whole or per row."""
    src = _source(name)
    assert "kept whole" not in src
    assert _reverse_sweep(name).count("# re-run the iteration") == 1


def test_two_row_loops_reading_each_others_fields():
    """In the primal-dual scheme each field is read by the other row loop of
    the time step; both row loops are left out of the time step's re-run,
    so the time loop keeps no field whole and re-runs nothing: each element
    loop's reverse finds the fields as the other's reverse, run before it,
    put them back."""
    assert "kept whole" not in _source("two_fields")
    assert _reverse_sweep("two_fields").count("# re-run the iteration") == 2


@pytest.mark.parametrize("name", ["row_scale_first", "carried_along_row"])
def test_rows_are_restored_where_the_iteration_needs_them(name):
    """A read of the row outside the inner loop, or a value the inner loop
    carries, keeps the row restored and re-run by the outer loop."""
    rev = _reverse_sweep(name)
    assert rev.count("# re-run the iteration") >= 2
