"""Long functions: a 1,000-statement straight-line function and a loop with a
150-statement body (benchmarks/scale_programs.py) are differentiated
correctly, and the emitter's form for functions with many kink selections
(``_select`` calls) and for loops sharing many names (names of their own)
computes what the plain form computes.
How long this takes is measured by benchmarks/bench_scale.py, not here."""

import importlib.util
import math
import pathlib
import sys

import numpy as np
import pytest

import nsadc
from nsadc.backends.renaming import RENAME_LOOP_LOCALS
from nsadc.emit import SELECT_CALLS, module_source
from nsadc.ir.nodes import Assign, Call, Const, For, Function, Param, Return, Var, select

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "benchmarks"))
from scale_programs import long_loop, straight_line  # noqa: E402


def _load(tmp_path, text: str, name: str):
    path = tmp_path / f"scale_{name}_{abs(hash(text)) % 10**8}.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return getattr(mod, name)


def _central_differences(fn, args, k, h=1e-6):
    up, down = list(args), list(args)
    up[k] += h
    down[k] -= h
    return (fn(*up) - fn(*down)) / (2 * h)


def _check_against_differences(fn, d, args, n_float):
    g = d.grad(*args)
    assert len(g) == n_float
    for k in range(n_float):
        fd = _central_differences(fn, args, k)
        assert g[k] == pytest.approx(fd, rel=1e-5, abs=1e-7), (k, g[k], fd)
    return g


def test_a_1000_statement_function_matches_finite_differences(tmp_path):
    fn = _load(tmp_path, straight_line(1000), "f")
    d = nsadc.differentiate(fn, target="python")
    args = [0.3, -0.7, 1.1, 0.5]
    g = _check_against_differences(fn, d, args, 4)
    assert all(v != 0.0 for v in g)  # every input reaches the result
    assert d(*args) == fn(*args)


def test_a_loop_with_a_150_statement_body_matches_finite_differences(tmp_path):
    fn = _load(tmp_path, long_loop(150), "g")
    d = nsadc.differentiate(fn, target="python")
    _check_against_differences(fn, d, [0.3, -0.7, 1.1, 0.5, 4], 4)


@pytest.mark.slow
def test_a_1000_statement_function_compiled(tmp_path):
    fn = _load(tmp_path, straight_line(1000), "f")
    args = [0.3, -0.7, 1.1, 0.5]
    expected = nsadc.differentiate(fn, target="python").grad(*args)
    got = nsadc.differentiate(fn).grad(*args)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)


def _many_selections(n: int) -> Function:
    """s = sum over k of (x - k if x > k else 0) ... and one guarded division."""
    body, terms = [], []
    for k in range(n):
        body.append(Assign(f"d{k}", Call("sub", (Var("x"), Const(float(k))))))
        body.append(Assign(f"h{k}", select(Call("gt", (Var("x"), Const(float(k)))), Var(f"d{k}"), Const(0.0))))
        terms.append(Var(f"h{k}"))
    # a value that must not be computed when its condition is false
    body.append(Assign("q", select(Call("gt", (Var("y"), Const(0.0))), Call("div", (Var("x"), Var("y"))),
                                   Const(0.0))))
    total = Var("q")
    for t in terms:
        total = Call("add", (total, t))
    body.append(Return(total))
    return Function("many", [Param("x", "float"), Param("y", "float")], body)


@pytest.mark.parametrize("n", [SELECT_CALLS - 2, SELECT_CALLS + 8])
def test_many_selections_are_calls_that_compute_the_same(n):
    text = module_source(["test"], [_many_selections(n)])
    calls = text.count("_select(") - 1 if "def _select(" in text else text.count("_select(")
    assert calls == (n if n >= SELECT_CALLS else 0)
    assert "x / y if y > 0.0 else 0.0" in text  # a division is never evaluated first
    ns: dict = {}
    exec(text, ns)
    for x, y in [(3.5, 2.0), (3.5, 0.0), (-1.0, -2.0), (40.25, 1.5)]:
        want = x / y if y > 0 else 0.0
        for k in range(n):
            want += x - k if x > k else 0.0
        assert ns["many"](x, y) == want
    assert math.isfinite(ns["many"](1.0, 0.0))  # and raises no ZeroDivisionError


def _loops_sharing_names(n: int, read_after: bool) -> Function:
    """Two loops assigning the same n names, local to an iteration of each;
    with ``read_after``, the last iteration's values are read after the second."""
    def loop(scale: float) -> For:
        body, acc = [], Var("s")
        for k in range(n):
            body.append(Assign(f"t{k}", Call("mul", (Var("x"), Call("add", (Var("i"), Const(scale * k)))))))
            acc = Call("add", (acc, Var(f"t{k}")))
        body.append(Assign("s", acc))
        return For("i", Const(0), Var("m"), Const(1), body)

    body = [Assign("s", Const(0.0)), loop(1.0), loop(2.0)]
    total = Var("s")
    if read_after:
        for k in range(n):
            total = Call("add", (total, Var(f"t{k}")))
    body.append(Return(total))
    return Function("loops", [Param("x", "float"), Param("m", "int")], body)


@pytest.mark.parametrize("read_after", [False, True])
def test_loop_locals_get_names_of_their_own_only_where_that_is_safe(read_after):
    n = 160  # 2 * n names local to an iteration, in 2 * n + 6 statements
    assert 2 * n * (2 * n + 6) >= RENAME_LOOP_LOCALS
    text = module_source(["test"], [_loops_sharing_names(n, read_after)])
    renamed = "t0_2 = " in text and "t0_3 = " in text
    assert renamed == (not read_after)  # values read after the loop keep their names
    ns: dict = {}
    exec(text, ns)
    for x, m in [(0.5, 3), (-1.25, 1), (2.0, 0)]:
        want = 0.0
        t = [None] * n
        for scale in (1.0, 2.0):
            for i in range(m):
                for k in range(n):
                    t[k] = x * (i + scale * k)
                acc = want
                for k in range(n):
                    acc = acc + t[k]
                want = acc
        if read_after and m > 0:
            for k in range(n):
                want = want + t[k]
        if read_after and m == 0:
            continue  # the emitted function reads unassigned names, as the IR says
        assert ns["loops"](x, m) == want


def _kinks_everywhere(n: int) -> str:
    """A function of two floats with ``n`` statements, each with a max, a min or
    an abs of the two inputs' combinations: at x == y every kink ties."""
    lines = ["def kinks(x, y):", "    s = 0.0"]
    for k in range(n):
        a = round(0.5 + 0.01 * k, 3)
        lines.append(["    s += max(x, y) * %s" % a, "    s += min(x, y) - %s * s" % (a / 10),
                      "    s += abs(x - y) * %s" % a][k % 3])
    lines.append("    return s")
    return "\n".join(lines) + "\n"


def _reverse_module(tmp_path, text: str, monkeypatch, helpers: bool):
    import nsadc.emit as emit
    if not helpers:
        monkeypatch.setattr(emit, "with_selection_helpers", lambda functions, threshold: (functions, []))
    fn = _load(tmp_path, text, "kinks")
    src = nsadc.differentiate(fn, target="python").source("reverse")
    monkeypatch.undo()
    ns: dict = {}
    exec(src, ns)
    return src, ns["kinks_vjp"]


def test_long_functions_write_each_shape_of_selection_once_and_compute_the_same(tmp_path, monkeypatch):
    text = _kinks_everywhere(3 * SELECT_CALLS)
    src, with_helpers = _reverse_module(tmp_path, text, monkeypatch, True)
    plain_src, plain = _reverse_module(tmp_path, text, monkeypatch, False)
    defined = src.count("def _selection_")
    assert 2 <= defined <= 4, src  # max, min and abs partials: one helper each
    assert src.count("_selection_") - 2 * defined >= 2 * SELECT_CALLS  # a call per kink
    assert "_selection_" not in plain_src
    assert len(src.splitlines()) < len(plain_src.splitlines())  # two statements made one call
    for x, y in [(0.3, -0.7), (1.25, 1.25), (-2.0, -2.0), (0.0, 0.0), (math.nan, 1.0), (1.0, math.nan),
                 (math.inf, math.inf), (-math.inf, 3.0)]:
        with np.errstate(invalid="ignore"):  # inf - inf at the infinite tie
            got, want = with_helpers(x, y, 1.0), plain(x, y, 1.0)
        np.testing.assert_array_equal(np.array([got[0], *got[1]], dtype=float),
                                      np.array([want[0], *want[1]], dtype=float))


def _accumulating_loop(n: int) -> Function:
    """A loop whose body accumulates ``n`` names three times each (as a
    reverse sweep accumulates adjoints); ``a0`` is also carried from one
    iteration to the next and read after the loop."""
    body = []
    for k in range(n):
        body.append(Assign(f"a{k}", Call("mul", (Var("x"), Const(k + 0.5))) if k else
                           Call("add", (Var("a0"), Var("x")))))
    for rep in range(2):
        for k in range(n):
            body.append(Assign(f"a{k}", Call("add", (Var(f"a{k}"), Call("mul", (Var("i"), Const(rep + 1.0)))))))
    acc = Var("s")
    for k in range(n):
        acc = Call("add", (acc, Var(f"a{k}")))
    body.append(Assign("s", acc))
    fn_body = [Assign("s", Const(0.0)), Assign("a0", Const(1.0)), For("i", Const(0), Var("m"), Const(1), body),
               Return(Call("add", (Var("s"), Var("a0"))))]
    return Function("acc", [Param("x", "float"), Param("m", "int")], fn_body)


def test_names_a_loop_body_assigns_again_get_names_of_their_own_but_the_last():
    n = 200  # n names assigned again, in 3 * n + 5 statements
    assert n * (3 * n + 5) >= RENAME_LOOP_LOCALS
    text = module_source(["test"], [_accumulating_loop(n)])
    assert "a5_2 = x * 5.5" in text and "a5_3 = a5_2 + " in text and "a5 = a5_3 + " in text
    assert "a0 += x" not in text and "a0_2 = a0 + x" in text  # the carried value, read before its first
    ns: dict = {}
    exec(text, ns)
    for x, m in [(0.5, 3), (-1.25, 1), (2.0, 0)]:
        s, a = 0.0, [0.0] * n
        a0 = 1.0
        for i in range(m):
            a = [a0 + x] + [x * (k + 0.5) for k in range(1, n)]
            for rep in range(2):
                a = [v + i * (rep + 1.0) for v in a]
            a0 = a[0]
            for v in a:
                s += v
        assert ns["acc"](x, m) == pytest.approx(s + a0, rel=1e-15)


def test_few_names_assigned_again_keep_their_names():
    text = module_source(["test"], [_accumulating_loop(4)])
    assert "a1_2" not in text and "a1 += " in text


def test_arrays_written_several_times_in_a_block_keep_their_names():
    """A store ``a[i] = v`` assigns ``a`` in the IR: renaming it would write the
    next store into a name that holds no array."""
    n = 260  # n names assigned twice, in 2 * n + 4 statements: past RENAME_LOOP_LOCALS
    body = []
    for k in range(n):
        body.append(Assign(f"a{k}", Call("mul", (Var("x"), Const(k + 0.5)))))
        body.append(Assign(f"a{k}", Call("add", (Var(f"a{k}"), Var("i")))))
    for k in range(3):  # three stores into buf (out under another name) in the same block
        body.append(Assign("buf", Call("store", (Var("buf"), Const(k), Call("add", (Call("load", (Var("buf"),
                                                                                             Const(k))),
                                                                                  Var(f"a{k}")))))))
    fn = Function("stores", [Param("x", "float"), Param("out", "array1"), Param("m", "int")],
                  [Assign("buf", Var("out")), For("i", Const(0), Var("m"), Const(1), body),
                   Return(Call("load", (Var("buf"), Const(2))))])
    fn.types = {"buf": "array1", "out": "array1"}
    text = module_source(["test"], [fn])
    assert "a5_2 = " in text  # the scalars were renamed
    assert "buf_2" not in text and text.count("buf[") == 4
    ns: dict = {}
    exec(text, ns)
    out = np.zeros(3)
    assert ns["stores"](2.0, out, 4) == pytest.approx(sum(2.0 * 2.5 + i for i in range(4)))
    assert out == pytest.approx([sum(1.0 + i for i in range(4)), sum(3.0 + i for i in range(4)),
                                 sum(5.0 + i for i in range(4))])
