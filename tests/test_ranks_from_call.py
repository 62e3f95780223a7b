"""Ranks the code does not show are taken from the first call's arguments.
A function whose lowering fails while some array parameter's rank is a guess
(``X.dot(w)`` with X only measured, ``X[i].dot(w)``) is lowered again with the
call's ranks (an array name given a value the guess made a number, too);
names bound to an array, a copy or a row of it (``r_i = X[i];
r_i[0]``, ``z = X.copy(); z[0, 1]``) tell its rank."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

import nsadc
from helpers import load_function
from test_regressions import check

PROGRAMS = {
    "huber": """
        def huber(w, X, y, delta):
            pred = X.dot(w)
            total = 0.0
            for i in range(X.shape[0]):
                r = y[i] - pred[i]
                total += 0.5 * r * r if abs(r) <= delta else delta * (abs(r) - 0.5 * delta)
            return total
    """,
    "row_dot": """
        def row_dot(w, X):
            s = 0.0
            for i in range(X.shape[0]):
                s += X[i].dot(w) ** 2
            return s
    """,
    "matvec": """
        def matvec(w, X, y):
            r = X.dot(w) - y
            return r.dot(r)
    """,
    "coulomb": """
        def coulomb(coords, q):
            e = 0.0
            for i in range(coords.shape[0]):
                r_i = coords[i]
                for j in range(i):
                    r_j = coords[j]
                    e += q[i] * q[j] / math.sqrt((r_i[0] - r_j[0]) ** 2 + (r_i[1] - r_j[1]) ** 2)
            return e
    """,
    "copied": """
        def copied(X, a, x):
            z = X.copy()
            s = np.sum(X @ a)
            return s + z[0, 1] * x
    """,
    "scaled_field": """
        def scaled_field(h0, recharge, cell):
            q = recharge * cell * cell
            h = h0.copy()
            for sweep in range(3):
                for i in range(h.shape[0]):
                    for j in range(1, h.shape[1] - 1):
                        h[i, j] = max(0.5 * (h[i, j - 1] + h[i, j + 1]) + q[i, j], 0.0)
            return np.sum(h * h)
    """,
    # A's rank shows only in A.T @ (...): the guess made the step a number, and x an array
    "ista_helper": """
        def relu(z):
            return np.maximum(z, 0.0)

        def ista_helper(A, b):
            x = np.zeros(A.shape[1])
            for k in range(4):
                g = A.T @ (A @ x - b)
                x = relu(x - 0.05 * g)
            return np.sum(np.abs(x)) + np.sum((A @ x - b) ** 2)
    """,
    "scaled_weights": """
        def scaled_weights(x, w, c):
            v = -c * w
            s = 0.0
            for i in range(x.shape[0]):
                s += abs(x[i] - v[i])
            return s
    """,
}

_rng = np.random.default_rng(0)
ARGS = {
    "huber": (_rng.normal(size=3), _rng.normal(size=(6, 3)), _rng.normal(size=6), 1.0),
    "row_dot": (_rng.normal(size=3), _rng.normal(size=(5, 3))),
    "matvec": (_rng.normal(size=3), _rng.normal(size=(5, 3)), _rng.normal(size=5)),
    "coulomb": (_rng.normal(size=(4, 2)), _rng.normal(size=4)),
    "copied": (_rng.normal(size=(2, 3)), _rng.normal(size=3), 0.5),
    "scaled_field": (_rng.uniform(0.0, 1.0, (3, 5)), _rng.normal(size=(3, 5)), 0.7),
    "scaled_weights": (_rng.normal(size=5), _rng.normal(size=5), 1.3),
    "ista_helper": (_rng.normal(size=(6, 4)), _rng.normal(size=6)),
}


def _load(tmp_path, name):
    return load_function(tmp_path, PROGRAMS[name], name)


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_ranks_from_the_call(tmp_path, name):
    check(_load(tmp_path, name), ARGS[name], "python")


def test_code_refused_whatever_the_ranks_is_refused_at_the_call(tmp_path):
    PROGRAMS["bad"] = """
        def bad(w, X):
            pred = X.dot(w)
            print(pred)
            return pred[0]
    """
    try:
        fn = _load(tmp_path, "bad")
    finally:
        del PROGRAMS["bad"]
    with pytest.raises(nsadc.NsadcError, match=r"bad_mod.py:\d+:\d+: print\(\) is not supported"):
        nsadc.differentiate(fn, target="python").grad(np.ones(3), np.ones((2, 3)))


def test_more_dimensions_than_the_code_indexes_is_an_argument_error(tmp_path):
    PROGRAMS["distance"] = """
        def distance(x, c):
            s = 0.0
            for i in range(x.shape[0]):
                s += abs(x[i] - c)
            return s
    """
    try:
        fn = _load(tmp_path, "distance")
    finally:
        del PROGRAMS["distance"]
    d = nsadc.differentiate(fn, target="python")
    assert d.grad(np.ones(3), 0.5)[1] == -3.0
    with pytest.raises(nsadc.ArgumentError, match=r"argument 'x' is a 2-D array where the code indexes a 1-D one"):
        d.grad(np.ones((2, 3)), 0.5)


def test_emit_asks_for_ranks_when_a_guess_let_a_row_pass(tmp_path):
    from typer.testing import CliRunner

    from nsadc.cli import app

    path = tmp_path / "rows.py"
    path.write_text(textwrap.dedent("""
        import numpy as np

        def f(X, y):
            for i in range(1):
                d = X[i]
                y += np.dot(d, d)
            return y
    """))
    runner = CliRunner()
    refused = runner.invoke(app, ["emit", f"{path}:f", "--mode", "reverse"])
    assert refused.exit_code == 2 and "--ranks" in refused.output
    given = runner.invoke(app, ["emit", f"{path}:f", "--mode", "reverse", "--ranks", "X=2"])
    assert given.exit_code == 0 and "def f_vjp(X, y, " in given.output


def test_emit_asks_whether_a_number_met_elementwise_with_arrays_is_one(tmp_path):
    from typer.testing import CliRunner

    from nsadc.cli import app

    path = tmp_path / "either.py"
    path.write_text(textwrap.dedent("""
        import numpy as np

        def f(a, b):
            z = np.abs(b) + a
            return np.sum(z * z) + a[0]
    """))
    runner = CliRunner()
    refused = runner.invoke(app, ["emit", f"{path}:f", "--mode", "reverse"])
    assert refused.exit_code == 2 and "--ranks" in refused.output and " b " in refused.output
    for ranks in ("a=1,b=0", "a=1,b=1"):
        given = runner.invoke(app, ["emit", f"{path}:f", "--mode", "reverse", "--ranks", ranks])
        assert given.exit_code == 0, given.output
    assert runner.invoke(app, ["certify", f"{path}:f"]).exit_code in (0, 1)  # no rank asked: a claim


def test_emit_asks_for_ranks_when_an_element_read_meets_an_array(tmp_path):
    """X[0] beside an array: a number of a vector or a row of a matrix. The
    code shows only that X has one dimension or more, so the CLI asks; each
    rank given emits a module that runs on arguments of that rank."""
    from typer.testing import CliRunner

    from nsadc.cli import app

    path = tmp_path / "element.py"
    path.write_text(textwrap.dedent("""
        import numpy as np

        def f(a: np.ndarray, X):
            d = X[0] - a
            return np.sum(d * d)
    """))
    runner = CliRunner()
    refused = runner.invoke(app, ["emit", f"{path}:f", "--mode", "reverse"])
    assert refused.exit_code == 2 and "--ranks" in refused.output and " X," in refused.output
    a = np.array([0.5, -1.0, 2.0])
    for X in (np.array([1.5, 2.0]), np.array([[1.5, -2.0, 0.25], [3.0, 1.0, 1.0]])):
        given = runner.invoke(app, ["emit", f"{path}:f", "--mode", "reverse", "--ranks", f"a=1,X={X.ndim}"])
        assert given.exit_code == 0, given.output
        space: dict = {}
        exec(compile(given.output, "emitted", "exec"), space)
        value, (a_bar, X_bar) = space["f_vjp"](a, X, 1.0)
        row = X[0]
        assert value == pytest.approx(np.sum((row - a) ** 2))
        np.testing.assert_allclose(a_bar, -2.0 * (row - a))
        want = np.zeros_like(X)
        want[0] = np.sum(2.0 * (row - a)) if X.ndim == 1 else 2.0 * (row - a)
        np.testing.assert_allclose(X_bar, want)
