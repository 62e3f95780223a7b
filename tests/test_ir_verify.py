"""The IR verifier (nsadc/ir/verify.py), the pass driver of nsadc/pipeline.py
(timings, dumps, verification between passes) and the declared facts of a
Function.

Importing this module turns the verifier on for the whole session: pytest
imports every test module before it runs any test, and the pipeline reads
``NSADC_VERIFY_IR`` at each compile, so every compilation of the suite checks
the IR between its passes.  (Run alone, another test file compiles without the
check unless ``NSADC_VERIFY_IR=1`` is set.)
"""

import dataclasses
import os

import pytest

os.environ.setdefault("NSADC_VERIFY_IR", "1")

from nsadc.frontend.source import parse_file  # noqa: E402
from nsadc.ir.names import Names  # noqa: E402
from nsadc.ir.nodes import (Assign, Break, Call, Const, For, Function, If, Param, Raw, Return, Var,  # noqa: E402
                            clone_function)
from nsadc.ir.verify import IRVerificationError, problems, verify  # noqa: E402
from nsadc import pipeline  # noqa: E402
from nsadc.pipeline import OPTIMISATION_PASSES, Pass, compile_function, pass_times, run_passes  # noqa: E402
from nsadc.rules.policy import Policy  # noqa: E402

SOURCE = '''
def f(x, y, n: int):
    s = 0.0
    for i in range(n):
        s = s + abs(x - y) * i
    if x > y:
        s = s * 2.0
    return max(s, x)
'''


def _fn(body, params=("x",)):
    return Function("f", [Param(p, "float") for p in params], body)


def _compiled(tmp_path, source=SOURCE, name="f"):
    path = tmp_path / "prog.py"
    path.write_text(source)
    src = parse_file(str(path))
    return compile_function(src, src.function(name), None, Policy("min-norm"))


def test_the_suite_compiles_with_the_verifier_on():
    assert os.environ.get("NSADC_VERIFY_IR") not in ("", "0", None)


def test_a_well_formed_function_has_no_problems():
    body = [Assign("s", Const(0.0)),
            For("i", Const(0), Const(3), Const(1), [Assign("s", Call("add", (Var("s"), Var("x")))),
                                                      If(Var("x"), [Break()])]),
            Raw("tape = _reserve(tape, 4)"),
            Return(Call("add", (Var("s"), Var("tape"))))]
    assert problems(_fn(body)) == []


@pytest.mark.parametrize("body, params, expected", [
    ([Return(Var("z"))], ("x",), "read but never defined: z"),
    ([Break(), Return(Var("x"))], ("x",), "outside any loop"),
    ([Return(Var("x")), Assign("y", Var("x"))], ("x",), "last top-level statement is not a Return"),
    ([If(Var("x"), [Return(Var("x"))]), Return(Var("x"))], ("x",), "2 Return statements"),
    ([Return(Var("x"))], ("x", "x"), "parameters named twice: x"),
    ([For("i j", Const(0), Const(1), Const(1), []), Return(Var("x"))], ("x",), "not an identifier"),
    (["x = 1", Return(Var("x"))], ("x",), "not an IR statement"),
    ([Assign("y", 1.0), Return(Var("x"))], ("x",), "float is not an expression"),
])
def test_each_invariant_is_checked(body, params, expected):
    found = problems(_fn(body, params))
    assert any(expected in p for p in found), found
    with pytest.raises(IRVerificationError, match="after some_pass"):
        verify(_fn(body, params), "some_pass")


def test_every_function_of_a_compilation_verifies(tmp_path):
    comp = _compiled(tmp_path)
    for f in (comp.primal, comp.jvp, comp.vjp, comp.jvp_report, comp.vjp_report, comp.ld, comp.grad):
        assert problems(f) == [], f.name


def test_a_pass_that_breaks_the_ir_is_named(monkeypatch):
    def breaks(f):
        f.body.insert(0, Assign("y", Var("nowhere")))

    fn = _fn([Return(Var("x"))])
    monkeypatch.setenv("NSADC_VERIFY_IR", "1")
    with pytest.raises(IRVerificationError, match="after bad_pass: read but never defined: nowhere"):
        run_passes({"primal": fn}, [Pass("fine", lambda f: None, ("primal",)), Pass("bad_pass", breaks, ("primal",))])
    monkeypatch.setenv("NSADC_VERIFY_IR", "0")
    run_passes({"primal": _fn([Return(Var("x"))])}, [Pass("bad_pass", breaks, ("primal",))])


def test_the_driver_runs_passes_on_their_roles_in_order_and_times_them(monkeypatch, capsys):
    seen = []
    fns = {"primal": _fn([Return(Var("x"))]), "jvp": None, "vjp": _fn([Return(Var("x"))])}
    fns["vjp"].name = "f_vjp"
    passes = [Pass("one", lambda f: seen.append(("one", f.name)), ("primal", "vjp", "jvp")),
              Pass("two", lambda f: seen.append(("two", f.name)), ("vjp",)),
              Pass("three", lambda f: seen.append(("three", f.name)), ("primal",))]
    monkeypatch.setenv("NSADC_PASS_TIMES", "1")
    monkeypatch.setenv("NSADC_DUMP_AFTER", "two")
    timings = run_passes(fns, passes, skip=("three",), label="f")
    assert seen == [("one", "f"), ("one", "f_vjp"), ("two", "f_vjp")]
    assert [(name, n) for name, _, n in timings] == [("one", 2), ("two", 1)]
    err = capsys.readouterr().err
    assert "nsadc pass times for f:" in err and "one" in err and "three" not in err
    assert "# nsadc: f_vjp after two\ndef f_vjp(x):\n    return x\n" in err
    assert pass_times()["one"][1] >= 2


def test_compiling_reports_the_optimisation_passes(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NSADC_PASS_TIMES", "1")
    monkeypatch.setenv("NSADC_DUMP_AFTER", "fold_temporaries")
    comp = _compiled(tmp_path)
    err = capsys.readouterr().err
    for p in OPTIMISATION_PASSES:
        if p.name != "drop_dead_code":  # a scalar output: skipped
            assert p.name in err
    assert "# nsadc: f_vjp after fold_temporaries\ndef f_vjp(" in err
    assert comp.vjp.name == "f_vjp"


def test_the_pass_list_names_each_pass_once_with_a_precondition():
    for passes in (pipeline.PREPARATION_PASSES, pipeline.OPTIMISATION_PASSES, pipeline.TANGENT_PASSES):
        names = [p.name for p in passes]
        assert len(names) == len(set(names))
        assert all(p.needs and p.roles for p in passes)


def test_clone_function_copies_every_declared_field():
    fn = _fn([Assign("y", Var("x")), Return(Var("y"))])
    values = {"doc": "d", "types": {"x": "float"}, "names": Names({"x"}), "stored_params": ["x"],
              "shape_checks": [("a", "b", "here")], "vectorized": True, "rank_guessed": ["x"], "lenient": True,
              "scalar_or_array": ["x"], "needs_reserve": True, "adjoints": {"x_bar"}, "array_adjoints": {"A_bar"},
              "index_depth": 2, "counting_up": {1: None}, "keep": {"y"}, "tangent_of": {"x": "x_dot"},
              "iteration_buffers": {"z_of_i"}}
    for k, v in values.items():
        setattr(fn, k, v)
    declared = {f.name for f in dataclasses.fields(Function)}
    assert set(values) | {"name", "params", "body", "loc"} == declared
    out = clone_function(fn)
    for k, v in values.items():
        assert getattr(out, k) == v, k
    assert out.body is not fn.body and out.body[0] is not fn.body[0] and out.body == fn.body
    assert out.names is fn.names  # one name generator per compilation
    assert out.keep is not fn.keep and out.params is not fn.params


def test_a_function_built_by_hand_has_every_fact_at_its_default():
    fn = _fn([Return(Var("x"))])
    assert (fn.keep, fn.needs_reserve, fn.rank_guessed, fn.lenient, fn.index_depth) == (set(), False, [], False, 0)
