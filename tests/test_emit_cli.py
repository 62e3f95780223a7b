"""The emitted module stands alone; the CLI emits it without executing FILE."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import nsadc
from nsadc.cli import app
from helpers import central_difference

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "hinge.py"
runner = CliRunner()


def _import_file(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_emit_prints_a_standalone_module(tmp_path):
    out = tmp_path / "hinge_derivatives.py"
    result = runner.invoke(app, ["emit", f"{EXAMPLE}:hinge_pen", "--mode", "both", "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "import nsadc" not in text and "from nsadc" not in text
    assert "def hinge_pen_jvp(" in text and "def hinge_pen_vjp(" in text
    assert "# kink: max(m, 0.0) at hinge.py:8:12" in text
    # import it in a fresh interpreter where nsadc cannot be imported
    code = (
        "import sys, builtins\n"
        "real = builtins.__import__\n"
        "def guard(name, *a, **k):\n"
        "    if name.split('.')[0] == 'nsadc': raise ImportError('nsadc must not be needed')\n"
        "    return real(name, *a, **k)\n"
        "builtins.__import__ = guard\n"
        f"sys.path.insert(0, {str(tmp_path)!r})\n"
        "import hinge_derivatives as h\n"
        "v, (gw, gx, gy, glam) = h.hinge_pen_vjp(0.7, 1.3, -0.4, 0.2, 1.0)\n"
        "v2, dot = h.hinge_pen_jvp(0.7, 1.3, -0.4, 0.2, 1.0, 0.0, 0.0, 0.0)\n"
        "print(v, gw, gx, gy, glam, dot)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    v, gw, gx, gy, glam, dot = map(float, proc.stdout.split())
    mod = _import_file(EXAMPLE, "hinge_example")
    args = (0.7, 1.3, -0.4, 0.2)
    assert v == pytest.approx(mod.hinge_pen(*args))
    np.testing.assert_allclose([gw, gx, gy, glam], central_difference(mod.hinge_pen, args, [0, 1, 2, 3]),
                               rtol=1e-6)
    assert dot == pytest.approx(gw)


def test_emit_loops_module_runs_and_matches(tmp_path):
    out = tmp_path / "soft.py"
    result = runner.invoke(app, ["emit", f"{EXAMPLE}:soft_threshold_path", "--wrt", "x,lam", "-o", str(out)])
    assert result.exit_code == 0, result.output
    em = _import_file(out, "soft_emitted")
    mod = _import_file(EXAMPLE, "hinge_example2")
    args = (0.9, 0.3, 6)
    v, (gx, glam) = em.soft_threshold_path_vjp(*args, 1.0)
    np.testing.assert_allclose([gx, glam], central_difference(mod.soft_threshold_path, args, [0, 1]), rtol=1e-6)
    v2, dot = em.soft_threshold_path_jvp(*args, 0.0, 1.0)
    assert dot == pytest.approx(glam) and v2 == v


def test_emit_does_not_execute_the_file(tmp_path):
    f = tmp_path / "boom.py"
    f.write_text("raise SystemExit('executed!')\n\ndef f(x):\n    return abs(x) * x\n")
    result = runner.invoke(app, ["emit", f"{f}:f", "--mode", "reverse"])
    assert result.exit_code == 0 and "def f_vjp(" in result.output


def test_emit_policy_and_wrt_options(tmp_path):
    result = runner.invoke(app, ["emit", f"{EXAMPLE}:hinge_pen", "--mode", "forward", "--kinks", "jax",
                                 "--wrt", "0"])
    assert result.exit_code == 0
    assert "Kink policy: jax" in result.output
    assert "1.0 if w >= 0.0 else -1.0" in result.output  # JAX's abs'(0) = 1
    result = runner.invoke(app, ["emit", f"{EXAMPLE}:hinge_pen", "--kinks", "abs=0.5"])
    assert result.exit_code == 0 and "else 0.5" in result.output


@pytest.mark.parametrize("args,needle", [
    (["emit", "nofile.py:f"], "no such file"),
    (["emit", f"{EXAMPLE}"], "FILE.py:FUNC"),
    (["emit", f"{EXAMPLE}:nothere"], "no function named"),
    (["emit", f"{EXAMPLE}:hinge_pen", "--wrt", "q"], "no argument 'q'"),
    (["emit", f"{EXAMPLE}:hinge_pen", "--kinks", "abs=3"], "outside its Clarke set"),
    (["emit", f"{EXAMPLE}:hinge_pen", "--kinks", "bogus"], "unknown kink policy"),
])
def test_emit_bad_usage_exits_2(args, needle):
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert needle in result.output
    assert "Traceback" not in result.output


def test_source_method_matches_cli():
    mod = _import_file(EXAMPLE, "hinge_example3")
    d = nsadc.differentiate(mod.hinge_pen, target="python")
    text = d.source("reverse")
    assert "def hinge_pen_vjp(" in text and "def hinge_pen_jvp(" not in text
    assert "def hinge_pen_jvp(" in d.source("forward")
    with pytest.raises(nsadc.NsadcError):
        d.source("sideways")


def test_emit_lexicographic_mode(tmp_path):
    out = tmp_path / "hinge_ld.py"
    result = runner.invoke(app, ["emit", f"{EXAMPLE}:hinge_pen", "--mode", "lexicographic", "--wrt", "w",
                                 "-o", str(out)])
    assert result.exit_code == 0, result.output
    em = _import_file(out, "hinge_ld")
    value, (d0,) = em.hinge_pen_ld(0.0, 1.3, -0.4, 0.2, 1.0)
    # at w = 0 Clarke mode follows direction +1: slope of max(1 + 0.52 w, 0) + 0.2|w| is 0.52 + 0.2
    assert d0 == pytest.approx(0.52 + 0.2)
    value, (d0,) = em.hinge_pen_ld(0.0, 1.3, -0.4, 0.2, -1.0)
    assert d0 == pytest.approx(-(0.52 - 0.2))


def test_a_block_left_with_only_a_comment_gets_pass():
    """A kink's comment whose partials were all dropped (found by a random
    program: ``else:`` followed by nothing but the comment did not compile)."""
    from nsadc.emit import check_source, function_source
    from nsadc.ir.nodes import Comment, Const, For, Function, If, Param, Return, Var
    body = [If(Var("c"), [Comment("kink")], [Comment("kink")]), For("i", Const(0), Const(3), Const(1), [Comment("k")]),
            Return(Const(0.0))]
    check_source(function_source(Function("f", [Param("c", "bool")], body)))
