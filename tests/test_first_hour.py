"""What a new user meets in the first hour: the CLI's rough edges, each pinned."""

import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import nsadc
from nsadc.cli import app

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "hinge.py"
runner = CliRunner()

MODULE = """\
import math


def f(x):
    return math.sqrt(abs(x))


def g(x):
    s = 0.0
    for i in range(x.shape[0]):
        s += abs(x[i] - 0.5)
    return s


def loss(w, x, y, lam):
    m = 1.0 - y * (w * x)
    return max(m, 0.0) + lam * abs(w)
"""


@pytest.fixture
def model(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(MODULE)
    return path


def test_version_prints_and_exits_0():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"nsadc {nsadc.__version__}"


def test_help_has_no_bool_metavars_and_whole_sentences():
    for command in ([], ["emit"], ["certify"], ["check"]):
        result = runner.invoke(app, command + ["--help"], terminal_width=80)
        assert result.exit_code == 0, result.output
        assert "<bool>" not in result.output
    text = runner.invoke(app, ["check", "--help"], terminal_width=200).output
    # each paragraph of the docstring is rewrapped to the width, not broken where the source broke it
    assert "Exit 0 when the certificate is certified or conditional, 1 when it is rejected" in text
    assert "--shape" not in text  # an option that only refuses is not advertised
    top = runner.invoke(app, ["--help"], terminal_width=100).output
    commands = top.split("Commands:")[1]
    assert "..." not in commands and "plot" in commands  # each command's summary is whole


def test_syntax_error_said_once_where_python_says_it(tmp_path):
    path = tmp_path / "syn.py"
    path.write_text("def f(x):\n    y = = 2\n    return y\n")
    for command in ("emit", "certify", "check"):
        result = runner.invoke(app, [command, f"{path}:f"])
        assert result.exit_code == 2, result.output
        assert f"{path}:2:9: syntax error" in result.output
        assert "error at" not in result.output and ":3:" not in result.output
        lines = result.output.splitlines()
        code = next(i for i, line in enumerate(lines) if "y = = 2" in line)
        # the caret under the second '=', not under the indentation
        assert lines[code + 1].index("^") == lines[code].index("= =") + 2


def test_emit_kinks_auto_is_refused_clearly(model):
    result = runner.invoke(app, ["emit", f"{model}:loss", "--kinks", "auto"])
    assert result.exit_code == 2
    assert "--kinks auto" in result.output and "--mode lexicographic" in result.output
    assert "def loss_jvp" not in result.output


def test_emit_header_names_the_output_file(model, tmp_path):
    out = tmp_path / "mine.py"
    result = runner.invoke(app, ["emit", f"{model}:loss", "-o", str(out)])
    assert result.exit_code == 0, result.output
    first = out.read_text().splitlines()[0]
    assert first.startswith("# mine.py - emitted by nsadc"), first
    assert "loss_derivatives.py" not in out.read_text()


def test_check_shape_says_what_to_do_instead(model):
    result = runner.invoke(app, ["check", f"{model}:g", "--shape", "x=5"])
    assert result.exit_code == 2
    assert "not supported yet" not in result.output
    assert "scalar arguments only" in result.output and "nsadc certify" in result.output
    result = runner.invoke(app, ["check", f"{model}:g", "--shape", "y=5"])
    assert result.exit_code == 2 and "no argument 'y'" in result.output


RELU_DIFFERENCE = """\
def relu_difference(x):
    return max(x, 0.0) - max(-x, 0.0) + 0.5 * abs(x)


def pair(w, c):
    return abs(w - c) + max(w, 0.5)
"""


def test_plot_segment_data_kinks_exact_and_between_grid_points(tmp_path, monkeypatch):
    from nsadc import plot as P

    path = tmp_path / "rd.py"
    path.write_text(RELU_DIFFERENCE)
    monkeypatch.syspath_prepend(str(tmp_path))
    import rd

    d = nsadc.differentiate(rd.relu_difference, target="python")
    seg = P.segment(d, (-1.0,), (1.0,), points=21)  # t = 0.5 is x = 0 exactly
    assert [k.t for k in seg.kinks] == [0.5] and seg.kinks[0].exact
    assert "abs at rd.py:2:47" in seg.kinks[0].what
    assert seg.axis == "x"
    # at the kink reverse mode gives 0, outside the Clarke set [0.5, 1.5]; Clarke mode an element of it
    # (times 2: the segment's direction is b - a = 2)
    k = 10
    assert seg.reverse[k] == 0.0 and 2 * 0.5 <= seg.clarke[k] <= 2 * 1.5
    np.testing.assert_allclose(seg.reverse[:k], 2 * 0.5)
    np.testing.assert_allclose(seg.reverse[k + 1:], 2 * 1.5)
    # a kink between grid points is found by bisection
    seg = P.segment(d, (-0.3,), (0.7,), points=8)
    assert len(seg.kinks) == 1 and not seg.kinks[0].exact
    assert seg.kinks[0].t == pytest.approx(0.3, abs=1e-12) and "abs" in seg.kinks[0].what
    # two arguments, one kink in each
    d2 = nsadc.differentiate(rd.pair, target="python")
    seg = P.segment(d2, (0.0, 0.25), (1.0, 0.25), points=11)
    assert [round(k.t, 9) for k in seg.kinks] == [0.25, 0.5]
    with pytest.raises(nsadc.ArgumentError, match="not differentiated"):
        P.segment(nsadc.differentiate(rd.pair, wrt="w", target="python"), (0.0, 0.0), (1.0, 1.0))


def test_plot_without_matplotlib_says_how_to_install(model, tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib raises ImportError
    result = runner.invoke(app, ["plot", f"{model}:f", "--from", "1", "--to", "2", "-o", str(tmp_path / "f.png")])
    assert result.exit_code == 2
    assert "matplotlib" in result.output and "nsadc[plot]" in result.output
    assert not (tmp_path / "f.png").exists()


def test_plot_writes_a_picture(model, tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "loss.png"
    result = runner.invoke(app, ["plot", f"{model}:loss", "--from", "0.5,1.3,-0.4,0.2",
                                 "--to", "-0.7,1.3,-0.4,0.2", "-o", str(out), "--points", "25",
                                 "--target", "python"])
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert re.search(r"kinks met: t = 0\.41666\d*: abs at model\.py:17:32", result.output), result.output
    # an array argument, with --shape; one number per argument fills the array
    out = tmp_path / "g.png"
    result = runner.invoke(app, ["plot", f"{model}:g", "--shape", "x=3", "--from", "0", "--to", "1,0.2,1",
                                 "-o", str(out), "--target", "python", "--points", "11"])
    assert result.exit_code == 0, result.output
    assert "t = 0.5: abs at model.py:11:14" in result.output
    # usage errors
    for args, message in ((["--from", "1,2", "--shape", "x=3"], "2 numbers, but the arguments x (3) take 3 (or one"),
                          (["--from", "a"], "comma-separated numbers"),
                          (["--shape", "x=0"], "NAME=DIMS")):
        base = ["plot", f"{model}:g", "--from", "0", "--to", "1", "-o", str(out), "--target", "python"]
        result = runner.invoke(app, base + args)
        assert result.exit_code == 2 and message in result.output, result.output


def test_check_respects_the_certificates_own_domain_restriction(model):
    # sqrt(abs(x)): the claim excludes x = 0 (a restricted domain obligation), so a
    # segment through 0 is no counterexample to the curve identity
    result = runner.invoke(app, ["check", f"{model}:f", "--points", "32", "--target", "python", "--json"])
    assert result.exit_code == 0, result.output
    import json

    cert = json.loads(result.stdout)
    assert cert["status"] == "conditional"
    curve = cert["checks"]["curve_identity"]
    assert curve["passed"] and curve["segments"] > 0 and curve["skipped"] > 0


GLOBALS = """\
RATE = 2.0
OFFSET = 1.0
epoch = 0


def helper(x):
    return x - OFFSET


def f(x):
    return RATE * abs(helper(x))


def make(scale):
    def g(x):
        return scale * x * x
    return g
"""


def test_a_module_constant_rebound_after_decoration_is_seen_on_the_next_call(tmp_path, monkeypatch):
    path = tmp_path / "consts_first_hour.py"
    path.write_text(GLOBALS)
    monkeypatch.syspath_prepend(str(tmp_path))
    import consts_first_hour as m

    d = nsadc.differentiate(m.f, target="python")
    assert d(3.0) == 4.0 and d.grad(3.0) == 2.0
    specs = d._specs
    m.epoch = 1  # a global f does not read: nothing is rebuilt
    assert d.grad(3.0) == 2.0 and d._specs is specs
    m.RATE = 5.0  # read by f
    assert d(3.0) == 10.0 and d.grad(3.0) == 5.0 and d.value_and_grad(3.0) == (10.0, 5.0)
    m.OFFSET = 4.0  # read by the helper f calls
    assert d.grad(3.0) == -5.0 and d.jvp((3.0,), (1.0,)) == (5.0, -5.0) and d.vjp((3.0,))[0] == 5.0
    # a closure variable
    g = m.make(2.0)
    dg = nsadc.differentiate(g, target="python")
    assert dg.grad(3.0) == 12.0


def test_the_report_says_a_nan_was_met(tmp_path, monkeypatch):
    path = tmp_path / "nan_first_hour.py"
    path.write_text("def f(x):\n    return max(0.0, x)\n\n\ndef h(x, w):\n    return abs(x[0]) * w\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import nan_first_hour as m

    d = nsadc.differentiate(m.f, target="python")
    _, _, rep = d.value_and_grad(float("nan"), report=True)
    # NaN in, NaN out: the value and the gradient are NaN too (docs/kinks.md)
    assert not rep.exact and rep.nan == ["x", "value", "gradient"] and "NaN met: x" in str(rep)
    _, rep = d.grad(2.0, report=True)
    assert rep.exact and rep.nan == []
    dh = nsadc.differentiate(m.h, target="python")
    x = np.array([1.0, np.nan])
    _, rep = dh.grad(x, 2.0, report=True)
    assert not rep.exact and rep.nan[0] == "x"
