"""Functions defined in a notebook cell, or in text compiled by hand.

IPython compiles each cell under a name of its own (``<ipython-input-3-...>``,
or ``/tmp/ipykernel_.../....py`` under Jupyter) and keeps the cell's text in
linecache under that name; nsadc reads it from there.  Code whose text Python
keeps nowhere (``python -c``, the interactive prompt, ``exec`` of a string)
is refused with a located message that says what to do.
"""

from __future__ import annotations

import hashlib
import linecache
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import nsadc
from nsadc.backends import cache

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    path = tmp_path / "cache"
    monkeypatch.setenv("NSADC_CACHE_DIR", str(path))
    return path


@pytest.fixture
def cells():
    """``run(text, ns, name=None)``: compile and run ``text`` as IPython runs a
    cell (its text registered in linecache first); the entries are removed
    afterwards."""
    names = []

    def run(text: str, ns: dict, name: str | None = None) -> str:
        text = textwrap.dedent(text)
        if name is None:  # Jupyter's naming: the hash of the cell's text
            name = f"/tmp/ipykernel_4242/{hashlib.sha1(text.encode()).hexdigest()[:10]}.py"
        linecache.cache[name] = (len(text), None, text.splitlines(True), name)
        names.append(name)
        exec(compile(text, name, "exec"), ns)
        return name

    yield run
    for name in names:
        linecache.cache.pop(name, None)


CELL = """\
import math


def loss(w, x):
    m = 1.0 - w * x
    return max(m, 0.0) + 0.1 * abs(w) + math.sin(w)
"""


def test_a_cell_is_read_from_linecache_and_located_by_its_name(cells, cache_dir):
    ns: dict = {}
    name = cells(CELL, ns, "<ipython-input-1-abc>")
    d = nsadc.differentiate(ns["loss"], target="python")
    (gw, gx), rep = d.grad(0.0, 1.3, report=True)
    assert gw == pytest.approx(-1.3 + 0.0 + 1.0)  # abs at its kink: 0 (min-norm)
    assert gx == pytest.approx(0.0)
    assert not rep.exact
    assert [k.location for k in rep.kinks] == [f"{name}:6:32"]  # abs (max is off its kink)
    assert rep.kinks[0].code == "return max(m, 0.0) + 0.1 * abs(w) + math.sin(w)"
    assert "def loss_vjp" in d.source("reverse")
    assert d.certificate().status in ("certified", "conditional")


def test_refusals_in_a_cell_point_into_the_cell(cells, cache_dir):
    ns: dict = {}
    name = cells("""\
        def h(x):
            s = [x, 2.0]
            return s[0]
    """, ns, "<ipython-input-7-def>")
    with pytest.raises(nsadc.UnsupportedError) as info:
        nsadc.differentiate(ns["h"], target="python")
    message = str(info.value)
    assert message.startswith(f"{name}:2:9: ")
    assert "s = [x, 2.0]" in message and "^" in message


def test_exec_of_a_string_is_refused_with_what_to_do(cache_dir):
    ns: dict = {}
    exec(compile("import math\n\ndef f(x):\n    return abs(x)\n", "<string>", "exec"), ns)
    with pytest.raises(nsadc.NsadcError) as info:
        nsadc.differentiate(ns["f"], target="python")
    message = str(info.value)
    assert message.startswith("<string>:3:1: cannot read the source of f: ")
    assert "python -c" in message and "exec()" in message
    assert "define the function in a .py file" in message and "linecache" in message
    assert info.value.loc.line == 3


def test_a_callee_without_source_is_refused_at_the_call(cells, cache_dir):
    ns: dict = {}
    exec(compile("def helper(x):\n    return abs(x)\n", "<stdin>", "exec"), ns)
    cells("""\
        def f(x):
            return 2.0 * helper(x)
    """, ns, "<ipython-input-2-aaa>")
    with pytest.raises(nsadc.UnsupportedError) as info:
        nsadc.differentiate(ns["f"], target="python")
    message = str(info.value)
    assert message.startswith("<ipython-input-2-aaa>:2:18: helper() is called here: cannot read the source")
    assert "python -c" in message and "hint: define the function in a .py file" in message


def test_python_dash_c_is_refused_clearly(tmp_path):
    code = "import nsadc\ndef f(x):\n    return abs(x)\nnsadc.differentiate(f, target='python')\n"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NSADC_CACHE_DIR": str(tmp_path / "cache")}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path,
                         timeout=120)
    assert run.returncode == 1
    assert "SourceUnavailable: <string>:2:1: cannot read the source of f: Python keeps no source text" \
        in run.stderr, run.stderr
    assert "hint: define the function in a .py file" in run.stderr


def test_text_registered_but_not_the_one_compiled_is_refused(cells, cache_dir):
    ns: dict = {}
    name = cells("def f(x):\n    return abs(x)\n", ns, "<ipython-input-3-bbb>")
    edited = "def f(x):\n    return abs(x) * 3.0\n"
    linecache.cache[name] = (len(edited), None, edited.splitlines(True), name)
    with pytest.raises(nsadc.NsadcError, match="the source of f that linecache keeps under"):
        nsadc.differentiate(ns["f"], target="python")


def test_a_helper_redefined_in_a_later_cell_is_the_one_used(cells, cache_dir):
    # Jupyter names a cell by its text: running the same cell again after a
    # helper changed gives the same name, so the helper must be in the cache key
    ns: dict = {}
    cells("def helper(x):\n    return abs(x)\n", ns)
    user = "def f(x):\n    return 2.0 * helper(x)\n"
    cells(user, ns)
    assert nsadc.differentiate(ns["f"], target="python").grad(1.0) == 2.0
    cells("def helper(x):\n    return 3.0 * max(x, 0.0)\n", ns)
    cells(user, ns)
    cache._LOADED.clear()
    assert nsadc.differentiate(ns["f"], target="python").grad(1.0) == 6.0


def test_a_second_differentiation_of_a_cell_uses_the_disk_cache(cells, cache_dir):
    ns: dict = {}
    cells(CELL, ns, "<ipython-input-4-ccc>")
    nsadc.differentiate(ns["loss"], target="python").grad(0.5, 1.0)
    modules = sorted(p.name for p in cache_dir.glob("nsadc_gen_*.py"))
    assert modules
    cache._LOADED.clear()
    d = nsadc.differentiate(ns["loss"], target="python")
    assert d.grad(0.5, 1.0) == pytest.approx((-1.0 + 0.1 + __import__("math").cos(0.5), -0.5))
    assert sorted(p.name for p in cache_dir.glob("nsadc_gen_*.py")) == modules  # nothing new written


IPYTHON_SESSION = """\
import json
from traitlets.config import Config
from IPython.core.interactiveshell import InteractiveShell

config = Config()
config.HistoryManager.enabled = False
shell = InteractiveShell.instance(config=config)
first = shell.run_cell(CELL, silent=True)
second = shell.run_cell("def h(x):\\n    s = [x]\\n    return s[0]\\nnsadc.differentiate(h)\\n", silent=True)
print(json.dumps({"ok": first.success, "error": repr(first.error_in_exec),
                  "g": shell.user_ns.get("g"), "where": [k.location for k in shell.user_ns["rep"].kinks],
                  "refused": type(second.error_in_exec).__name__, "message": str(second.error_in_exec)}))
"""


def test_real_ipython_cells(tmp_path):
    """IPython compiles a cell one top-level statement at a time, after turning
    magics into calls: the stale-source check must accept what it ran.  (In a
    process of its own: an IPython shell changes interpreter-wide settings.)"""
    import importlib.util
    import json

    if importlib.util.find_spec("IPython") is None:  # (not imported here: importing it raises the recursion limit)
        pytest.skip("IPython is not installed")

    cell = textwrap.dedent("""\
        import math
        import nsadc
        %time y0 = 2
        def f(x):
            return abs(x) + math.sin(x)
        d = nsadc.differentiate(f, target="python")
        g, rep = d.grad(0.0, report=True)
    """)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NSADC_CACHE_DIR": str(tmp_path / "cache"),
           "IPYTHONDIR": str(tmp_path / "ipython")}
    run = subprocess.run([sys.executable, "-c", f"CELL = {cell!r}\n" + IPYTHON_SESSION], capture_output=True,
                         text=True, env=env, cwd=tmp_path, timeout=300)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["ok"], out["error"]
    assert out["g"] == pytest.approx(1.0)
    [where] = out["where"]
    assert where.startswith("<ipython-input-") and where.endswith(":5:12"), where
    assert out["refused"] == "UnsupportedError"
    assert out["message"].startswith("<ipython-input-") and ":2:9: lists are not supported" in out["message"]
