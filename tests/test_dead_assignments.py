"""The gradient without the value drops, by the statements' order, the
assignments nothing reads before they are assigned again (the forward run of
a loop whose reverse re-runs its iterations), also under a test that the
read repeats; it keeps what a read may see."""

import sys
from pathlib import Path

import numpy as np
import pytest

import nsadc
from nsadc.ir.nodes import Assign, Call, Const, For, Function, If, Param, Raw, Return, Var, walk
from nsadc.passes.dead_assignments import drop_dead_assignments
from nsadc.passes.dead_code import drop_dead_code, write_only_arrays

sys.path.insert(0, str(Path(__file__).resolve().parent / "programs"))
import dead_rows  # noqa: E402


def _grad_source(d) -> str:
    (k,) = d._specs.values()
    import inspect
    return inspect.getsource(k.grad)


def test_the_forward_run_of_a_re_run_row_is_dropped(target):
    d = nsadc.differentiate(dead_rows.tv_rows, wrt=["u"], target=target)
    rng = np.random.default_rng(4)
    u, f = rng.standard_normal((6, 7)), rng.standard_normal((6, 7))
    g = d.grad(u, f, 0.3)
    _, (want,) = d.vjp((u, f, 0.3), 1.0)
    np.testing.assert_array_equal(g, want)  # the same adjoints, bit for bit
    if target == "python":
        src = _grad_source(d)
        # one loop over j per row: the reverse (counting up: its iterations commute, now that the
        # values it reads under `if j + 1 < w` are known to be its own); the forward row only fed the value
        assert src.count("for j in range(") == 1 and "for j in range(w):" in src
    h = 1e-6
    for idx in [(0, 0), (2, 3), (5, 6)]:
        e = np.zeros_like(u)
        e[idx] = h
        fd = (dead_rows.tv_rows(u + e, f, 0.3) - dead_rows.tv_rows(u - e, f, 0.3)) / (2 * h)
        assert g[idx] == pytest.approx(fd, rel=1e-6, abs=1e-8)


def test_a_test_assigned_again_before_the_read_keeps_the_assignment():
    d = nsadc.differentiate(dead_rows.test_changes_between, wrt=["x"], target="python")
    x = np.array([0.4, -0.3, 0.9, 0.2, -0.8, 1.3])
    g = d.grad(x, 0.1)
    _, (want,) = d.vjp((x, 0.1), 1.0)
    np.testing.assert_array_equal(g, want)


def _fn(body):
    return Function("f", [Param("x", "float"), Param("c", "bool")], body)


def test_a_read_under_the_same_test_is_covered_by_the_assignment_under_it():
    early = Assign("v", Call("mul", (Var("x"), Const(2.0))))
    late = Assign("v", Call("mul", (Var("x"), Const(3.0))))
    body = [early, If(Var("c"), [late], []), Assign("s", Const(0.0)),
            If(Var("c"), [Assign("s", Call("add", (Var("s"), Var("v"))))], []), Return(Var("s"))]
    fn = _fn(body)
    drop_dead_assignments(fn)
    assert early not in fn.body  # read only where c holds, and there `late` assigned it


def test_an_assignment_of_the_test_in_between_keeps_the_earlier_value():
    early = Assign("v", Call("mul", (Var("x"), Const(2.0))))
    body = [early, If(Var("c"), [Assign("v", Var("x"))], []), Assign("c", Call("gt", (Var("x"), Const(0.0)))),
            Assign("s", Const(0.0)), If(Var("c"), [Assign("s", Var("v"))], []), Return(Var("s"))]
    fn = _fn(body)
    drop_dead_assignments(fn)
    assert early in fn.body  # c changed: where the new c holds, v may be early's


def test_a_loop_carried_value_is_kept():
    acc = Assign("a", Call("add", (Var("a"), Var("x"))))
    body = [Assign("a", Const(0.0)), For("i", Const(0), Const(3), Const(1), [acc]), Return(Var("a"))]
    fn = _fn(body)
    drop_dead_assignments(fn)
    assert fn.body[0].target == "a" and acc in fn.body[1].body


def test_a_value_read_under_the_test_that_assigned_it_is_private_to_the_iteration():
    from nsadc.passes.loop_analysis import private
    assign = If(Var("c"), [Assign("v", Var("x"))], [])
    read = If(Var("c"), [Assign("s", Call("add", (Var("s"), Var("v"))))], [])
    assert private([Assign("c", Call("gt", (Var("x"), Const(0.0)))), assign, read], "v")
    # the test assigned again in between: the read may see the previous iteration's v
    again = Assign("c", Call("lt", (Var("x"), Const(1.0))))
    assert not private([Assign("c", Call("gt", (Var("x"), Const(0.0)))), assign, again, read], "v")
    # another test: not covered
    other = If(Var("d"), [Assign("s", Var("v"))], [])
    assert not private([assign, other], "v")


def test_skips_nested_in_a_re_run_iteration_leave_no_forward_run(target):
    # each pixel's loop over discs skips by nested tests (continue, lowered to `if taken_1: ... if taken_2:`)
    # and stops early: the re-run assigns what the reverse reads under the same nest of tests
    d = nsadc.differentiate(dead_rows.disc_coverage, wrt=["P", "w"], target=target)
    args = dead_rows.disc_arguments()
    gP, gw = d.grad(*args)
    _, (vP, vw) = d.vjp(args, 1.0)
    np.testing.assert_array_equal(gP, vP)
    np.testing.assert_array_equal(gw, vw)
    if target == "python":
        src = _grad_source(d)
        assert "while " not in src[:src.index("# reverse sweep")]  # the forward run of the pixels is gone
    h = 1e-6
    for which, g in ((0, gP), (1, gw)):
        for idx in np.ndindex(g.shape):
            plus, minus = ([a.copy() if isinstance(a, np.ndarray) else a for a in args] for _ in range(2))
            plus[which][idx] += h
            minus[which][idx] -= h
            fd = (dead_rows.disc_coverage(*plus) - dead_rows.disc_coverage(*minus)) / (2 * h)
            assert g[idx] == pytest.approx(fd, rel=1e-5, abs=1e-7)


def _nested_read(v, *tests):
    """``if t1: if t2: ... s = s + v`` (a read of ``v`` under every test)."""
    block = [Assign("s", Call("add", (Var("s"), Var(v))))]
    for t in reversed(tests):
        block = [If(Var(t), block, [])]
    return block[0]


def _nested_fn(body):
    params = [Param("x", "float")] + [Param(t, "bool") for t in ("c1", "c2", "c3")]
    return Function("f", params, body)


def test_an_assignment_under_part_of_a_read_s_tests_covers_it():
    early = Assign("v", Call("mul", (Var("x"), Const(2.0))))
    for cover in (["c1"], ["c2"], ["c1", "c2"]):
        late = Assign("v", Var("x"))
        for t in reversed(cover):
            late = If(Var(t), [late], [])
        body = [early, late, Assign("s", Const(0.0)), _nested_read("v", "c1", "c2"), Return(Var("s"))]
        fn = _nested_fn(body)
        drop_dead_assignments(fn)
        assert early not in fn.body, cover  # v is read only where c1 and c2 hold, and there it was assigned


def test_an_assignment_under_a_test_the_read_lacks_keeps_the_earlier_value():
    early = Assign("v", Call("mul", (Var("x"), Const(2.0))))
    for cover, read in ((["c3"], ["c1", "c2"]), (["c1", "c2"], ["c1"])):
        late = Assign("v", Var("x"))
        for t in reversed(cover):
            late = If(Var(t), [late], [])
        body = [early, late, Assign("s", Const(0.0)), _nested_read("v", *read), Return(Var("s"))]
        fn = _nested_fn(body)
        drop_dead_assignments(fn)
        assert early in fn.body, (cover, read)  # a read where the assignment did not run sees early's v


def test_reads_on_two_paths_keep_the_tests_both_share():
    early = Assign("v", Call("mul", (Var("x"), Const(2.0))))
    reads = If(Var("c1"), [If(Var("c2"), [Assign("s", Var("v"))], [Assign("s", Call("neg", (Var("v"),)))])], [])
    for cover, dropped in (("c1", True), ("c2", False)):
        body = [early, If(Var(cover), [Assign("v", Var("x"))], []), Assign("s", Const(0.0)), reads,
                Return(Var("s"))]
        fn = _nested_fn(body)
        drop_dead_assignments(fn)
        assert (early not in fn.body) == dropped, cover  # both reads lie under c1; only one under c2


def newton_cube_roots(a, b):
    s = 0.0
    for i in range(a.shape[0]):
        t = b[i] / (a[i] + 1.0)
        step = 1.0
        while abs(step) > 1e-13:
            step = (t * t * t + a[i] * t - b[i]) / (3.0 * t * t + a[i])
            t = t - step
        s += t * t
    return s


def test_a_while_loop_that_only_fed_the_value_is_dropped(target):
    d = nsadc.differentiate(newton_cube_roots, target=target)
    rng = np.random.default_rng(1)
    a, b = rng.uniform(0.5, 2.0, 6), rng.standard_normal(6)
    ga, gb = d.grad(a, b)
    _, (va, vb) = d.vjp((a, b), 1.0)
    np.testing.assert_array_equal(ga, va)
    np.testing.assert_array_equal(gb, vb)
    if target == "python":
        # the reverse sweep re-runs each Newton loop before reversing it: the forward run only fed the value
        assert _grad_source(d).count("while ") == 1
    t = np.array([np.roots([1.0, 0.0, ai, -bi]) for ai, bi in zip(a, b)])
    roots = np.array([r[np.abs(r.imag) < 1e-9].real[0] for r in t])
    fprime = 3.0 * roots ** 2 + a
    np.testing.assert_allclose(gb, 2.0 * roots / fprime, rtol=1e-9)  # the implicit function's derivative
    np.testing.assert_allclose(ga, 2.0 * roots * -roots / fprime, rtol=1e-9)


def _stores_into(fn, name):
    return [s for s in walk(fn.body) if isinstance(s, Assign) and s.target == name and isinstance(s.value, Call)
            and s.value.prim == "store"]


def test_stores_into_an_array_nothing_reads_are_dropped():
    # buf[i] = x[i] * 2; buf[i] += 1 (a load of buf only to write it), buf's shape read: buf is never read
    i, x, buf, s = Var("i"), Var("x"), Var("buf"), Var("s")
    xi = Call("load", (x, i))
    body = [Raw("buf = np.empty(4)", allocates="buf"),
            Assign("s", Const(0.0)),
            For("i", Const(0), Call("shape", (buf, Const(0))), Const(1), [
                Assign("buf", Call("store", (buf, i, Call("mul", (xi, Const(2.0)))))),
                Assign("buf", Call("store", (buf, i, Call("add", (Call("load", (buf, i)), Const(1.0)))))),
                Assign("s", Call("add", (s, xi)))]),
            Return(s)]
    fn = Function("f", [Param("x", "array1")], body)
    assert write_only_arrays(fn) == {"buf"}
    drop_dead_code(fn)
    assert not _stores_into(fn, "buf")
    assert any(isinstance(t, Assign) and t.target == "s" for t in walk(fn.body))  # the rest stays


def test_stores_into_an_array_something_reads_or_an_argument_stay():
    i, x, buf = Var("i"), Var("x"), Var("buf")
    read_later = Function("f", [Param("x", "array1")], [
        Raw("buf = np.empty(4)", allocates="buf"),
        For("i", Const(0), Const(4), Const(1), [Assign("buf", Call("store", (buf, i, Call("load", (x, i)))))]),
        Return(Call("load", (buf, Const(2))))])
    into_argument = Function("g", [Param("x", "array1")], [
        For("i", Const(0), Const(4), Const(1), [Assign("x", Call("store", (x, i, Const(1.0))))]),
        Return(Const(0.0))])
    named_by_a_line = Function("h", [Param("x", "array1")], [
        Raw("buf = np.empty(4)", allocates="buf"),
        For("i", Const(0), Const(4), Const(1), [Assign("buf", Call("store", (buf, i, Const(1.0))))]),
        Raw("print(buf)"),
        Return(Const(0.0))])
    for fn, name in ((read_later, "buf"), (into_argument, "x"), (named_by_a_line, "buf")):
        assert not write_only_arrays(fn)
        drop_dead_code(fn)
        assert _stores_into(fn, name)


def test_a_copy_keeps_what_an_opaque_line_allocates():
    from nsadc.ir.nodes import clone
    (copy,) = clone([Raw("buf = np.empty(4)", allocates="buf")])
    assert copy.allocates == "buf"
