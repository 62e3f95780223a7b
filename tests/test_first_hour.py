"""What a new user meets in the first hour: the CLI's rough edges, each pinned."""

import re
from pathlib import Path

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
