"""Unsupported constructs are refused with a located error.

Every function of tests/programs/unsupported.py must be refused with an
``nsadc.NsadcError`` whose text is ``file:line:col: message``, the source line, a
caret under the offending token, and a ``hint:`` saying what to write instead.
The expected line and token come from the ``# <- refused: NAME @TOKEN`` marker
on the offending line, so the test cannot pass by accident.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import nsadc
from nsadc.cli import app
from programs import unsupported

PROGRAM = Path(unsupported.__file__).resolve()
ROOT = Path(__file__).resolve().parent.parent
LINES = PROGRAM.read_text().splitlines()

_MARKER = re.compile(r"#\s*<- refused:\s*(\w+)\s+@(.+?)(?:\s+#.*)?$")


def _markers() -> dict[str, tuple[int, str]]:
    found: dict[str, tuple[int, str]] = {}
    for number, line in enumerate(LINES, start=1):
        m = _MARKER.search(line)
        if m:
            name, token = m.group(1), m.group(2).strip()
            assert name not in found, f"marker for {name} appears twice"
            found[name] = (number, token)
    return found


MARKERS = _markers()

# functions that are not module-level names of the catalogue
_GETTERS = {
    "scaled": lambda: unsupported.Box.scaled,
    "accumulate": unsupported.make_accumulator,
    "scaled_by_closure": unsupported.make_scaled,
    "weighted": unsupported.make_weighted,
}


def _function(name: str):
    if name in _GETTERS:
        return _GETTERS[name]()
    return getattr(unsupported, name)


def _module_level(name: str) -> bool:
    return name not in _GETTERS


CASES = sorted(MARKERS)
CLI_CASES = [n for n in CASES if _module_level(n)]


def test_catalogue_is_large_and_complete():
    assert len(CASES) >= 30
    for name in CASES:
        assert callable(_function(name)), name
    # every top-level u_* function of the catalogue has a marker
    for name in dir(unsupported):
        if name.startswith("u_"):
            assert name in MARKERS, f"{name} has no `# <- refused` marker"


def check_located(text: str, name: str, path_must_match: bool = True) -> None:
    """``text`` is a located refusal of ``name`` as its marker describes."""
    line, token = MARKERS[name]
    assert "Traceback" not in text
    rows = text.splitlines()
    head = re.match(r"^(?P<file>.+):(?P<line>\d+):(?P<col>\d+): (?P<msg>.+)$", rows[0])
    assert head, f"first line is not file:line:col: message\n{text}"
    if path_must_match:
        assert os.path.realpath(head["file"]) == str(PROGRAM), text
    assert head["file"].endswith("unsupported.py"), text
    assert f"unsupported.py:{line}:" in rows[0], f"expected line {line}\n{text}"
    col = int(head["col"])  # 1-based
    # the source line, then a caret under the column
    shown = rows[1]
    assert shown.strip() == LINES[line - 1].strip(), text
    caret = rows[2]
    assert re.fullmatch(r" *\^", caret), f"no caret line\n{text}"
    indent = len(shown) - len(shown.lstrip()) - (len(LINES[line - 1]) - len(LINES[line - 1].lstrip()))
    assert caret.index("^") - indent == col - 1, f"caret and column disagree\n{text}"
    source = LINES[line - 1]
    assert col - 1 < len(source) and not source[col - 1].isspace(), f"caret under a space\n{text}"
    assert source[col - 1:].startswith(token), \
        f"caret should point at {token!r}, points at {source[col - 1:]!r}\n{text}"
    assert any(r.startswith("hint: ") and len(r) > len("hint: ") + 3 for r in rows[3:]), \
        f"no hint line\n{text}"


@pytest.mark.parametrize("name", CASES)
def test_refused_with_located_error(name):
    fn = _function(name)
    with pytest.raises(nsadc.NsadcError) as info:
        nsadc.differentiate(fn, target="python")
    check_located(str(info.value), name)


@pytest.mark.parametrize("name", CLI_CASES)
def test_cli_emit_refuses(name):
    result = CliRunner().invoke(app, ["emit", f"{PROGRAM}:{name}"])
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr, result.exception)
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    assert result.stdout == ""
    check_located(result.stderr, name)


@pytest.mark.parametrize("name", ["u_try", "u_global", "u_recursion", "u_falls_off", "u_invert",
                                  "u_star_args", "u_fstring", "u_math_gamma"])
def test_cli_subprocess_prints_no_traceback(name):
    rel = os.path.relpath(PROGRAM, ROOT)
    proc = subprocess.run([sys.executable, "-m", "nsadc.cli", "emit", f"{rel}:{name}"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    check_located(proc.stderr, name, path_must_match=False)
    assert proc.stderr.startswith(rel)


# ---------------------------------------------------------------- files that do not import

CLI_ONLY = {
    "break_outside_loop": ("def f(x):\n    break\n    return x\n", 2, "break"),
    "continue_outside_loop": ("def f(x):\n    if x > 0:\n        continue\n    return x\n", 3, "continue"),
    "await_outside_async": ("def f(x):\n    y = await x\n    return y\n", 2, "await"),
    "yield_from": ("def f(x):\n    yield from x\n    return x\n", 2, "yield"),
    "syntax_error": ("def f(x):\n    return x +\n", 2, None),
}


@pytest.mark.parametrize("case", sorted(CLI_ONLY))
def test_cli_refuses_files_python_would_not_compile(case, tmp_path):
    text, line, token = CLI_ONLY[case]
    path = tmp_path / "bad.py"
    path.write_text(text)
    result = CliRunner().invoke(app, ["emit", f"{path}:f"])
    assert result.exit_code == 2, (result.stdout, result.stderr, result.exception)
    err = result.stderr
    assert "Traceback" not in err
    rows = err.splitlines()
    assert rows[0].startswith(f"{path}:{line}:"), err
    assert re.fullmatch(r" *\^", rows[2]), err
    if token is not None:
        col = int(rows[0].split(":")[2])
        assert text.splitlines()[line - 1][col - 1:].startswith(token), err
        assert any(r.startswith("hint: ") for r in rows), err


def test_cli_unknown_function_and_missing_file(tmp_path):
    path = tmp_path / "ok.py"
    path.write_text("def f(x):\n    return x * x\n")
    result = CliRunner().invoke(app, ["emit", f"{path}:g"])
    assert result.exit_code == 2 and "no function named 'g'" in result.stderr
    result = CliRunner().invoke(app, ["emit", f"{tmp_path / 'nope.py'}:f"])
    assert result.exit_code == 2 and "no such file" in result.stderr


# ---------------------------------------------------------------- the rendering itself

def test_render_uses_one_based_columns_and_keeps_tabs():
    from nsadc.errors import Loc, UnsupportedError

    err = UnsupportedError("bad", Loc("f.py", 3, 4, "\tif x:"), "do this instead")
    rows = str(err).splitlines()
    assert rows[0] == "f.py:3:5: bad"
    assert rows[1] == "    \tif x:"
    assert rows[2] == "    \t   ^"
    assert rows[3] == "hint: do this instead"
    assert err.loc.line == 3 and err.hint == "do this instead"
    assert isinstance(err, nsadc.NsadcError)


def test_bound_method_and_lambda_are_refused_with_location():
    with pytest.raises(nsadc.NsadcError) as info:
        nsadc.differentiate(unsupported.Box(2.0).scaled, target="python")
    check_located(str(info.value), "scaled")

    with pytest.raises(nsadc.NsadcError) as info:
        nsadc.differentiate(unsupported.SQUARE, target="python")
    text = str(info.value)
    rows = text.splitlines()
    line = next(i for i, t in enumerate(LINES, 1) if t.startswith("SQUARE = lambda"))
    assert rows[0].startswith(f"{unsupported.__file__}:{line}:") or f"unsupported.py:{line}:" in rows[0]
    assert "lambda" in rows[0] and rows[2].strip() == "^" and rows[3].startswith("hint: ")


def test_internal_errors_become_located_errors(monkeypatch):
    """A bug inside the frontend must still point at the user's statement."""
    from nsadc.frontend.lower import Lowerer, lower_function
    from nsadc.frontend.source import parse_file
    from programs import constructs

    def broken(self, scope, node):
        raise KeyError("oops")

    monkeypatch.setattr(Lowerer, "_augassign", broken)
    src = parse_file(constructs.__file__)
    with pytest.raises(nsadc.NsadcError) as info:  # (the API may answer from its cache)
        lower_function(src, src.function("c_augassign"))
    text = str(info.value)
    assert "internal error: KeyError" in text
    source = Path(constructs.__file__).read_text().splitlines()
    line = next(i for i, t in enumerate(source, 1) if t.strip() == "s += y")
    assert f"constructs.py:{line}:5:" in text.splitlines()[0]
    assert text.splitlines()[3].startswith("hint: ")


def make_scaler(a):
    def scaler(x):
        return a * x * x

    return scaler


def test_supported_neighbours_still_compile():
    """Guards against over-eager refusals: close relatives of refused code work."""
    from programs import constructs

    for fn in (constructs.c_while_break, constructs.c_early_return, constructs.c_calls):
        nsadc.differentiate(fn, target="python")
    # a closure over a variable that never changes is frozen, not refused
    d = nsadc.differentiate(make_scaler(3.0), target="python")
    assert d.grad(2.0) == pytest.approx(12.0)
