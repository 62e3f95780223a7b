"""Fault injection: nsadc under damaged caches, unusable directories, concurrent
first calls, hostile file names, stale sources, bad CLI options and bad
call-time inputs.  Each case must end in a correct result or a located
NsadcError: never a raw exception, a crash or a silently wrong number."""

from __future__ import annotations

import importlib
import importlib.util
import os
import shutil
import subprocess
import sys
import textwrap
import threading
import uuid
import warnings
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import nsadc
from nsadc.backends import cache
from nsadc.cli import app
from helpers import from_threads

runner = CliRunner()

PROGRAM = """\
import numpy as np


def f(x, y):
    return max(x * y, 0.0) + abs(x - y)


def loop(x, n):
    s = 0.0
    for i in range(n):
        s = s + x * i
    return s


def first(a):
    return a[0] * 2.0 + a[1]


def guarded(a):
    if a.shape[0] == 0:
        return 0.0
    return a[0] * 2.0


def scale(a):
    for i in range(a.shape[0]):
        a[i] = a[i] * 2.0
    s = 0.0
    for i in range(a.shape[0]):
        s = s + abs(a[i])
    return s


def total(a):
    s = 0.0
    for i in range(a.shape[0]):
        s = s + abs(a[i])
    return s


def partial(a, n):
    s = 0.0
    for i in range(n):
        s = s + a[i] * a[i]
    return s


def stops(a, n):
    s = 0.0
    for i in range(n):
        if i >= a.shape[0]:
            break
        s = s + a[i] * a[i]
    return s


def pair(a, b, n):
    s = 0.0
    for i in range(n):
        if a[i] > 0.0:
            s = s + b[i]
        s = s + a[i]
    return s
"""

# f at (x, y) = (1.5, 0.5): x * y > 0 and x > y
F_ARGS = (1.5, 0.5)
F_GRAD = (0.5 + 1.0, 1.5 - 1.0)


def write_module(directory: Path, text: str = PROGRAM, filename: str | None = None):
    """Write ``text`` as a fresh module file and import it (a real file: nsadc
    reads the source)."""
    name = f"faultmod_{uuid.uuid4().hex[:12]}"
    path = directory / (filename or f"{name}.py")
    path.write_text(text)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module, path


def forget_loaded_modules():
    """What a new process knows: nothing in memory, only the disk cache."""
    getattr(cache, "_LOADED", {}).clear()
    for name in [n for n in sys.modules if n.startswith("nsadc_gen_")]:
        del sys.modules[name]


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    path = tmp_path / "cache"
    monkeypatch.setenv("NSADC_CACHE_DIR", str(path))
    return path


@pytest.fixture
def prog(tmp_path):
    directory = tmp_path / "src"
    directory.mkdir()
    return write_module(directory)[0]


def assert_f_grad(d):
    np.testing.assert_allclose(d.grad(*F_ARGS), F_GRAD, rtol=1e-12)


# ------------------------------------------------------------ damaged cache


def _truncate(text: str) -> str:
    return text[: len(text) // 2]


def _garble(text: str) -> str:
    k = len(text) // 3
    return text[:k] + "\x00)]}garbage{[(" + text[k + 10:]


def _valid_but_edited(text: str) -> str:
    # still valid Python, but the gradient is wrong
    return text + "\n\ndef f_vjp(x, y, out_bar):\n    return 0.0, (123.0, 456.0)\n"


@pytest.mark.parametrize("damage", [_truncate, _garble, _valid_but_edited, lambda t: "", lambda t: "\udcff"],
                         ids=["truncated", "garbled", "edited", "empty", "undecodable"])
def test_damaged_module_in_the_cache_is_rebuilt(cache_dir, prog, damage):
    assert_f_grad(nsadc.differentiate(prog.f, target="python"))
    modules = list(cache_dir.glob("nsadc_gen_*.py"))
    assert modules
    for path in modules:
        path.write_bytes(damage(path.read_text()).encode("utf-8", "surrogateescape"))
    for _ in range(2):  # rebuilt once, then found whole
        forget_loaded_modules()
        assert_f_grad(nsadc.differentiate(prog.f, target="python"))


@pytest.mark.parametrize("content", ["{}", "[]", "null", "not json", '{"meta": {}}', "TYPES"],
                         ids=["empty-object", "empty-list", "null", "not-json", "no-hash", "edited-types"])
def test_damaged_metadata_is_ignored(cache_dir, prog, content):
    d = nsadc.differentiate(prog.f, target="python")
    assert_f_grad(d)
    metas = list(cache_dir.glob("nsadc_meta_*.json"))
    assert metas
    for path in metas:
        if content == "TYPES":  # valid JSON, edited: y becomes an int (out of wrt)
            text = path.read_text().replace('"y": "float"', '"y": "int"')
        else:
            text = content
        path.write_text(text)
    forget_loaded_modules()
    d = nsadc.differentiate(prog.f, target="python")
    assert d.wrt == ["x", "y"]
    assert_f_grad(d)


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_cache_entries_that_are_directories(cache_dir, prog, target):
    assert_f_grad(nsadc.differentiate(prog.f, target=target))
    for path in [*cache_dir.glob("nsadc_gen_*.py"), *cache_dir.glob("nsadc_meta_*.json")]:
        path.unlink()
        path.mkdir()
    pycache = cache_dir / "__pycache__"
    if pycache.is_dir():
        shutil.rmtree(pycache)
        pycache.write_text("not a directory")
    forget_loaded_modules()
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        assert_f_grad(nsadc.differentiate(prog.f, target=target))
    assert len([w for w in record if issubclass(w.category, cache.CacheWarning)]) <= 1


NUMBA_SCRIPT = """
import sys
sys.path.insert(0, {src!r})
import nsadc
import {module} as m
d = nsadc.differentiate(m.f)
print(repr(tuple(float(v) for v in d.grad(1.5, 0.5))))
"""


def _run_script(script: str, env: dict, timeout: int = 300):
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env,
                          timeout=timeout)


@pytest.mark.slow
def test_damaged_numba_cache_files_are_rebuilt(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "numbamod.py").write_text(PROGRAM)
    env = dict(os.environ, NSADC_CACHE_DIR=str(tmp_path / "cache"))
    script = NUMBA_SCRIPT.format(src=str(src), module="numbamod")
    first = _run_script(script, env)
    assert first.returncode == 0, first.stderr
    expected = repr(F_GRAD)
    assert first.stdout.strip() == expected

    def damage(pattern, how):
        files = list((tmp_path / "cache").rglob(pattern))
        assert files, pattern
        for p in files:
            data = p.read_bytes()
            p.write_bytes(how(data))

    cases = [("*.nbi", lambda b: b[: len(b) // 2]),                 # truncated index
             ("*.nbc", lambda b: b[:40] + bytes(200) + b[240:]),     # garbled code
             ("*.nbc", lambda b: b""),                               # empty data
             ("*.nbi", lambda b: b"\x80\x05garbage")]                # not a pickle
    for pattern, how in cases:
        damage(pattern, how)
        again = _run_script(script, env)
        assert again.returncode == 0, again.stderr
        assert again.stdout.strip() == expected, (pattern, again.stdout)
        assert "Traceback" not in again.stderr


# ------------------------------------------------------------ unusable directories


def _one_cache_warning(record) -> None:
    msgs = [w for w in record if issubclass(w.category, cache.CacheWarning)]
    assert len(msgs) == 1, [str(w.message) for w in record]
    assert "private temporary directory" in str(msgs[0].message)


@pytest.mark.parametrize("kind", ["names-a-file", "under-a-file"])
def test_unusable_cache_directory_falls_back_with_one_warning(tmp_path, monkeypatch, prog, kind):
    blocker = tmp_path / "blocker"
    blocker.write_text("not a directory")
    target = blocker if kind == "names-a-file" else blocker / "sub" / "cache"
    monkeypatch.setenv("NSADC_CACHE_DIR", str(target))
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        assert_f_grad(nsadc.differentiate(prog.f, target="python"))
        loop = nsadc.differentiate(prog.loop, target="python")
        assert loop.grad(2.0, 4) == pytest.approx(6.0)
    _one_cache_warning(record)
    assert blocker.read_text() == "not a directory"


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes into read-only directories")
def test_read_only_cache_directory_falls_back(tmp_path, monkeypatch, prog):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        monkeypatch.setenv("NSADC_CACHE_DIR", str(ro))
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            assert_f_grad(nsadc.differentiate(prog.f, target="python"))
        _one_cache_warning(record)
    finally:
        ro.chmod(0o700)


def test_a_directory_that_fails_to_be_written_falls_back(cache_dir, prog, monkeypatch):
    """A directory that looks writable but refuses files (a full or read-only
    file system, even for root)."""
    cache_dir.mkdir()
    real = cache.tempfile.mkstemp

    def refuse(*args, **kwargs):
        if Path(kwargs.get("dir", "")) == cache_dir:
            raise PermissionError(13, "Permission denied")
        return real(*args, **kwargs)

    monkeypatch.setattr(cache.tempfile, "mkstemp", refuse)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        assert_f_grad(nsadc.differentiate(prog.f, target="python"))
    _one_cache_warning(record)


def test_a_full_disk_falls_back(cache_dir, prog, monkeypatch):
    """Writes fail (ENOSPC) although the directory passed the writability probe."""
    real = cache._write_atomic

    def full(path, text):
        if Path(path).parent == cache_dir:
            raise OSError(28, "No space left on device")
        return real(path, text)

    monkeypatch.setattr(cache, "_write_atomic", full)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        assert_f_grad(nsadc.differentiate(prog.f, target="python"))
        assert nsadc.differentiate(prog.loop, target="python").grad(2.0, 4) == pytest.approx(6.0)
    _one_cache_warning(record)


def test_a_dangling_symlink_as_cache_directory(tmp_path, monkeypatch, prog):
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "gone" / "cache")
    (tmp_path / "gone").write_text("a file, so the target cannot be made")
    monkeypatch.setenv("NSADC_CACHE_DIR", str(link))
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        assert_f_grad(nsadc.differentiate(prog.f, target="python"))
    _one_cache_warning(record)


def test_no_writable_directory_at_all(tmp_path, monkeypatch, prog):
    blocker = tmp_path / "blocker"
    blocker.write_text("not a directory")
    monkeypatch.setenv("NSADC_CACHE_DIR", str(blocker))
    monkeypatch.setattr(cache.tempfile, "tempdir", str(blocker))  # the temporary directory is unusable too
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cache.CacheWarning)
        with pytest.raises(nsadc.NsadcError, match="NSADC_CACHE_DIR"):
            nsadc.differentiate(prog.f, target="python").grad(*F_ARGS)


def test_cache_directory_deleted_while_running(cache_dir, prog):
    assert_f_grad(nsadc.differentiate(prog.f, target="python"))
    shutil.rmtree(cache_dir)
    loop = nsadc.differentiate(prog.loop, target="python")
    assert loop.grad(2.0, 4) == pytest.approx(6.0)
    shutil.rmtree(cache_dir)
    forget_loaded_modules()
    assert_f_grad(nsadc.differentiate(prog.f, target="python"))


@pytest.mark.slow
def test_cache_directory_deleted_while_running_numba(cache_dir, prog):
    d = nsadc.differentiate(prog.f)
    shutil.rmtree(cache_dir, ignore_errors=True)
    assert_f_grad(d)
    shutil.rmtree(cache_dir, ignore_errors=True)
    forget_loaded_modules()
    e = nsadc.differentiate(prog.f)
    shutil.rmtree(cache_dir, ignore_errors=True)
    np.testing.assert_allclose(e.jvp(F_ARGS, (1.0, 0.0))[1], F_GRAD[0])


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_cache_directory_deleted_again_and_again_during_compiles(cache_dir, prog, target):
    stop = threading.Event()

    def deleter():
        while not stop.is_set():
            shutil.rmtree(cache_dir, ignore_errors=True)
            stop.wait(0.0005)

    thread = threading.Thread(target=deleter)
    thread.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", cache.CacheWarning)
            for kinks in ("min-norm", "jax"):
                d = nsadc.differentiate(prog.f, kinks=kinks, target=target)
                assert_f_grad(d)
                loop = nsadc.differentiate(prog.loop, kinks=kinks, target=target)
                assert loop.grad(2.0, 4) == pytest.approx(6.0)
                total = nsadc.differentiate(prog.total, kinks=kinks, target=target)
                np.testing.assert_allclose(total.grad(np.array([1.0, -2.0])), [1.0, -1.0])
    finally:
        stop.set()
        thread.join()


# ------------------------------------------------------------ concurrent first calls


def _first_calls_from_threads(d, n=8):
    for r in from_threads(lambda: tuple(d.grad(*F_ARGS)), n):
        np.testing.assert_allclose(r, F_GRAD, rtol=1e-12)


def test_first_calls_from_threads_python(cache_dir, prog):
    for _ in range(5):
        forget_loaded_modules()
        _first_calls_from_threads(nsadc.differentiate(prog.f, target="python"))


def test_decorations_and_first_calls_from_threads(cache_dir, tmp_path):
    """Each thread differentiates the same, not yet parsed function itself."""
    for round_ in range(2):
        directory = tmp_path / f"r{round_}"
        directory.mkdir()
        mod, _ = write_module(directory)

        def run():
            for name, args, expected in (("f", F_ARGS, F_GRAD), ("loop", (2.0, 4), 6.0)):
                d = nsadc.differentiate(getattr(mod, name), target="python")
                np.testing.assert_allclose(d.grad(*args), expected, rtol=1e-12)

        from_threads(run)


@pytest.mark.slow
def test_first_calls_from_threads_numba(cache_dir, prog):
    _first_calls_from_threads(nsadc.differentiate(prog.f))  # cold cache
    forget_loaded_modules()
    _first_calls_from_threads(nsadc.differentiate(prog.f))  # warm cache, new module


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_first_calls_from_two_processes(tmp_path, target):
    src = tmp_path / "src"
    src.mkdir()
    (src / "procmod.py").write_text(PROGRAM)
    env = dict(os.environ, NSADC_CACHE_DIR=str(tmp_path / "cache"))
    script = NUMBA_SCRIPT.format(src=str(src), module="procmod").replace(
        "nsadc.differentiate(m.f)", f"nsadc.differentiate(m.f, target={target!r})")
    for _ in range(2):  # cold, then warm
        procs = [subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, env=env) for _ in range(2)]
        for p in procs:
            out, err = p.communicate(timeout=300)
            assert p.returncode == 0, err
            assert out.strip() == repr(F_GRAD)


# ------------------------------------------------------------ hostile file names

HOSTILE = """\
def h(x, y):
    return max(x, y) + abs(x) * 2.0
"""


@pytest.mark.parametrize("newline", ["\n", "\r", "\r\n", "\x0c\n", "\u2028"])
def test_code_in_a_file_name_never_runs(tmp_path, cache_dir, monkeypatch, newline):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    filename = f"model{newline}open('MARKER', 'w').close(){newline}#.py"
    mod, path = write_module(work, HOSTILE, filename)
    d = nsadc.differentiate(mod.h, target="python")
    np.testing.assert_allclose(d.grad(1.0, 3.0), (0.0 + 2.0, 1.0))
    text = d.source("both")
    compile(text, "<emitted>", "exec")
    for line in text.splitlines():
        assert not line.startswith("open("), line
    namespace: dict = {}
    exec(compile(text, "<emitted>", "exec"), namespace)
    result = runner.invoke(app, ["emit", f"{path}:h", "-o", str(tmp_path / "out.py")])
    assert result.exit_code == 0, result.output
    spec = importlib.util.spec_from_file_location("hostile_out", tmp_path / "out.py")
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
    assert not (work / "MARKER").exists()


def test_undecodable_file_name(tmp_path, cache_dir):
    directory = tmp_path / "src"
    directory.mkdir()
    mod, _ = write_module(directory, HOSTILE, os.fsdecode(b"model\xff\xfe.py"))
    d = nsadc.differentiate(mod.h, target="python")
    np.testing.assert_allclose(d.grad(1.0, 3.0), (2.0, 1.0))


def test_docstring_with_quotes_and_backslashes_stays_a_string(tmp_path, cache_dir):
    text = 'def q(x):\n    """ends with a quote" and \\\\ a backslash \\"\\"\\" """\n    return abs(x)\n'
    mod, _ = write_module(tmp_path, text)
    d = nsadc.differentiate(mod.q, target="python")
    assert d.grad(-2.0) == -1.0
    for mode in ("forward", "reverse", "both", "lexicographic"):
        compile(d.source(mode), "<emitted>", "exec")


# ------------------------------------------------------------ stale sources


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))  # linecache sees the change


@pytest.mark.parametrize("old, new", [
    ("max(x * y, 0.0)", "max(x * y, 1.0)"),                 # a constant, same length
    ("abs(x - y)", "abs(x + y)"),                           # an operator
    ("import numpy as np\n", "import numpy as np\n\n\n"),   # lines moved down
    ("def f(x, y):\n    return", "def f(x, y):\n    x = 2.0 * x\n    return"),  # a line added
], ids=["constant", "operator", "moved", "added-line"])
def test_edited_source_is_refused(tmp_path, cache_dir, old, new):
    mod, path = write_module(tmp_path)
    _edit(path, old, new)
    with pytest.raises(nsadc.NsadcError, match="edited after its module was imported") as info:
        nsadc.differentiate(mod.f, target="python")
    assert str(path) in str(info.value)
    mod.__spec__.loader.exec_module(mod)  # reloaded: function and file agree
    d = nsadc.differentiate(mod.f, target="python")
    x, y = F_ARGS
    np.testing.assert_allclose(d(x, y), mod.f(x, y), rtol=1e-12)


def test_unedited_sources_of_every_shape_are_accepted(tmp_path, cache_dir):
    text = textwrap.dedent('''\
        import math
        from math import sqrt

        K = 3.0


        def outer(c):
            def inner(x):
                return max(x * c, 0.0) + math.fabs(x)
            return inner


        class Box:
            __slots__ = ()

            @staticmethod
            def method(x):
                return sqrt(x * x + 1.0) * K


        def ident(fn):
            return fn


        @ident
        def decorated(x):
            return abs(x)
    ''')
    mod, _ = write_module(tmp_path, text)
    inner = nsadc.differentiate(mod.outer(2.0), target="python")
    assert inner.grad(1.0) == pytest.approx(3.0)
    with pytest.raises(nsadc.UnsupportedError, match="method of a class"):  # its own refusal, not staleness
        nsadc.differentiate(mod.Box.method, target="python")
    assert nsadc.differentiate(mod.decorated, target="python").grad(-1.0) == -1.0


# ------------------------------------------------------------ CLI


def _cli(args, tmp_path=None):
    result = runner.invoke(app, args)
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


@pytest.fixture
def model(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(PROGRAM)
    return path


def test_cli_refuses_to_overwrite_its_input(model):
    before = model.read_text()
    for out in (str(model), str(model.parent / "." / model.name)):
        result = _cli(["emit", f"{model}:f", "-o", out])
        assert result.exit_code == 2 and "input file" in result.output
        result = _cli(["emit", f"{model}:f", "--cert", out])
        assert result.exit_code == 2 and "input file" in result.output
    assert model.read_text() == before


@pytest.mark.parametrize("args, message", [
    (["--wrt", "x,x"], "named twice"),
    (["--wrt", "0,x"], "named twice"),
    (["-o", "/nonexistent/dir/out.py"], "no such directory"),
    (["--cert", "/nonexistent/dir/c.json"], "no such directory"),
    (["-o", "."], "directory"),
])
def test_cli_emit_bad_options(model, args, message):
    result = _cli(["emit", f"{model}:f", *args])
    assert result.exit_code == 2
    assert message in result.output


@pytest.mark.parametrize("args, message", [
    (["--seed", "-1"], "--seed"),
    (["--range", "x=nan:1"], "NAME=LO:HI"),
    (["--range", "x=-1e308:1e308"], "too wide"),
    (["--cert", "/nonexistent/dir/c.json"], "no such directory"),
    (["--points", "100000000000000000000"], "--points"),
])
def test_cli_check_bad_options(model, args, message):
    result = _cli(["check", f"{model}:f", "--target", "python", "--points", "2", *args])
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_cli_check_over_an_unbounded_range(model):
    """An infinite end states an unbounded domain: sampled, never an OverflowError."""
    result = _cli(["check", f"{model}:f", "--target", "python", "--points", "4", "--range", "x=-inf:inf"])
    assert result.exit_code in (0, 1), result.output


def test_cli_check_of_a_file_that_exits_while_imported(tmp_path):
    path = tmp_path / "exits.py"
    path.write_text("def f(x):\n    return abs(x)\n\n\nraise SystemExit(3)\n")
    result = _cli(["check", f"{path}:f", "--target", "python"])
    assert result.exit_code == 2 and "SystemExit" in result.output


def test_cli_broken_stdout_pipe(model):
    p = subprocess.Popen([sys.executable, "-m", "nsadc.cli", "emit", f"{model}:f"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    p.stdout.close()  # the reader leaves before nsadc writes
    err = p.stderr.read().decode()
    assert p.wait(timeout=120) == 2
    assert "Traceback" not in err and "broken pipe" in err


# ------------------------------------------------------------ call-time inputs


@pytest.fixture(params=["python", pytest.param("cpu", marks=pytest.mark.slow)])
def fns(request, cache_dir, prog):
    return {name: nsadc.differentiate(getattr(prog, name), target=request.param)
            for name in ("f", "loop", "first", "guarded", "scale", "total")}


def test_call_time_inputs_are_checked(fns):
    f, loop, first, scale, total = fns["f"], fns["loop"], fns["first"], fns["scale"], fns["total"]
    # good calls first: the bad ones then meet whatever a repeated call takes
    f.grad(*F_ARGS), f.vjp(F_ARGS, 1.0), f.jvp(F_ARGS, (1.0, 0.0)), f(*F_ARGS)
    loop.grad(1.0, 3), loop(1.0, 3)
    first.grad(np.ones(2)), first(np.ones(2))
    total.jvp((np.ones(2),), (np.ones(2),))
    scale(np.ones(3)), scale.grad(np.ones(3))
    bad = [
        lambda: f.grad(10 ** 400, 1.0),                      # an int too large for a float
        lambda: loop.grad(1.0, 2 ** 70),                     # an int past int64
        lambda: loop.grad(1.0, -(2 ** 64)),
        lambda: loop.grad(1.0, 3.7),                         # a float for a range() bound
        lambda: loop.grad(1.0, 3.0),
        lambda: f.jvp(F_ARGS, ("a", 1.0)),                   # non-numeric tangents
        lambda: f.jvp(F_ARGS, (None, 1.0)),
        lambda: total.jvp((np.ones(2),), (np.array(["a", "b"]),)),
        lambda: total.jvp((np.ones(2),), ([None, 1.0],)),
        lambda: f.vjp(F_ARGS, "a"),                          # non-numeric cotangents
        lambda: f.vjp(F_ARGS, None),
        lambda: f.vjp(F_ARGS, [1.0]),
        lambda: first.grad(np.zeros(0)),                     # a[0] of an empty array
        lambda: first.grad(np.zeros(1)),                     # a[1] of a 1-element array
        lambda: first(np.zeros(0)),
        lambda: f.vjp(1.5, 1.0),                             # primals not a tuple
        lambda: f.jvp(1.5, (1.0,)),
        lambda: f.clarke_grad(*F_ARGS, directions="ab"),     # non-numeric directions
        lambda: total.grad(np.ma.array([1.0, 2.0], mask=[False, True])),  # the mask would be lost
    ]
    for k, call in enumerate(bad):
        with pytest.raises(nsadc.ArgumentError):
            call()
        with pytest.raises(nsadc.ArgumentError):  # and again
            call()
    read_only = np.array([1.0, -2.0, 3.0])
    read_only.flags.writeable = False
    for _ in range(2):
        with pytest.raises(nsadc.ArgumentError, match="read-only"):
            scale(read_only)                                 # scale writes into its argument
    np.testing.assert_allclose(total.grad(read_only), [1.0, -1.0, 1.0])  # total only reads it


def test_call_time_inputs_that_are_fine(fns):
    f, loop, guarded, total = fns["f"], fns["loop"], fns["guarded"], fns["total"]
    big = np.array([1.0, -2.0, 3.0], dtype=">f8")  # big-endian: converted, same values
    np.testing.assert_allclose(total.grad(big), [1.0, -1.0, 1.0])
    assert total(big) == pytest.approx(6.0)
    assert loop.grad(1.0, np.int64(4)) == pytest.approx(6.0)
    assert loop.grad(1.0, 2 ** 40 - 2 ** 40 + 3) == pytest.approx(3.0)
    assert guarded.grad(np.zeros(0)).shape == (0,)   # a[0] behind a shape test: not refused
    assert guarded(np.zeros(0)) == 0.0
    mapped = np.lib.format.open_memmap(os.path.join(os.environ["NSADC_CACHE_DIR"], "..", "m.npy"), mode="w+",
                                       dtype=np.float64, shape=(3,))
    mapped[:] = [1.0, -2.0, 3.0]
    np.testing.assert_allclose(total.grad(mapped), [1.0, -1.0, 1.0])  # an ndarray subclass
    np.testing.assert_allclose(f.grad(10 ** 20, 1.0), (1.0 + 1.0, 1e20 - 1.0))


@pytest.mark.slow
def test_boundscheck_option(cache_dir, prog):
    checked = nsadc.differentiate(prog.partial, boundscheck=True)
    assert checked.grad(np.ones(3), 3) == pytest.approx([2.0, 2.0, 2.0])
    checked(np.ones(3), 3)
    for _ in range(2):
        with pytest.raises(nsadc.ArgumentError, match="out of bounds"):
            checked.grad(np.ones(3), 5)
        with pytest.raises(nsadc.ArgumentError, match="out of bounds"):
            checked(np.ones(3), 4)


def test_boundscheck_on_the_python_target(cache_dir, prog):
    d = nsadc.differentiate(prog.partial, target="python")
    for _ in range(2):
        with pytest.raises(nsadc.ArgumentError, match="out of bounds"):
            d.grad(np.ones(3), 5)
    assert d.grad(np.ones(3), 3) == pytest.approx([2.0, 2.0, 2.0])
    for call in (lambda: d.grad(np.ones(3), 5), lambda: d(np.ones(3), 5), lambda: d.vjp((np.ones(3), 5), 1.0),
                 lambda: d.value_and_grad(np.ones(3), 5)):
        with pytest.raises(nsadc.ArgumentError, match="out of bounds"):
            call()


def test_out_of_memory_is_an_nsadc_error(cache_dir, prog, monkeypatch):
    d = nsadc.differentiate(prog.loop, target="python")
    d.grad(1.0, 3)
    k = next(iter(d._specs.values()))

    def no_memory(*args):
        raise MemoryError("Allocation failed (probably too large)")

    monkeypatch.setattr(k, "vjp", no_memory)
    monkeypatch.setattr(k, "vjp_report", no_memory)
    monkeypatch.setattr(k, "grad", no_memory)
    for call in (lambda: d.grad(1.0, 3), lambda: d.value_and_grad(1.0, 3), lambda: d.vjp((1.0, 3), 1.0),
                 lambda: d.grad(1.0, 3, report=True)):
        with pytest.raises(nsadc.NsadcError, match="jvp"):
            call()


TAPE_SCRIPT = """
import resource, sys
sys.path.insert(0, {src!r})
import nsadc
import tapemod as m
d = nsadc.differentiate(m.g, target={target!r})
small = d.grad(0.5, 10)
resource.setrlimit(resource.RLIMIT_AS, (3 * 2 ** 30, resource.RLIM_INFINITY))  # prlimit --as
assert d.grad(0.5, 10) == small
try:
    d.grad(0.5, 10 ** 9)  # a tape of 7.5 GiB
except nsadc.NsadcError as e:
    print("REFUSED", e)
a, b = d.jvp((0.5, 10 ** 3), (1.0,))[1], d.grad(0.5, 10 ** 3)
print("VALUE", abs(a - b) <= 1e-9 * max(1.0, abs(b)))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS and /proc")
@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_a_tape_past_the_memory_limit_is_refused_before_allocating(tmp_path, target):
    src = tmp_path / "src"
    src.mkdir()
    (src / "tapemod.py").write_text(
        "import math\n\n\ndef g(x, n):\n    s = 0.0\n    for i in range(n):\n"
        "        s = math.sin(s * x) + max(s, x)\n    return s\n")
    env = dict(os.environ, NSADC_CACHE_DIR=str(tmp_path / "cache"))
    run = _run_script(TAPE_SCRIPT.format(src=str(src), target=target), env)
    assert run.returncode == 0, run.stderr
    assert "REFUSED" in run.stdout and "7.5 GiB" in run.stdout and "jvp" in run.stdout, run.stdout
    assert "VALUE True" in run.stdout


# ------------------------------------------------------------ Python's own limits


def _elif_chain(n: int) -> str:
    lines = ["def chain(x, k):", "    y = 0.0"]
    for i in range(n):
        lines += [f"    {'if' if i == 0 else 'elif'} k == {i}:", f"        y = x * {i}.0"]
    return "\n".join(lines + ["    else:", "        y = abs(x)", "    return y", ""])


def test_derivative_nested_past_pythons_limits_is_a_located_refusal(tmp_path, cache_dir):
    mod, path = write_module(tmp_path, _elif_chain(120))
    with pytest.raises(nsadc.UnsupportedError, match="nested too deeply") as info:
        nsadc.differentiate(mod.chain, target="python").grad(1.0, 3)
    assert f"{path}:1:" in str(info.value)
    result = _cli(["emit", f"{path}:chain"])
    assert result.exit_code == 2 and "nested too deeply" in result.output


def test_clarke_mode_past_the_memory_available_is_refused(cache_dir, prog):
    total = nsadc.differentiate(prog.total, target="python")
    np.testing.assert_allclose(total.clarke_grad(np.array([1.0, -2.0])), [1.0, -1.0])
    with pytest.raises(nsadc.ArgumentError, match="Clarke mode over 200000 differentiated entries"):
        total.clarke_grad(np.ones(200_000))  # 200000 x 200000 directions: 320 GB
    auto = nsadc.differentiate(prog.total, kinks="auto", target="python")
    with pytest.raises(nsadc.ArgumentError, match="Use grad"):
        auto.grad(np.zeros(200_000))  # a kink is met: auto pays for Clarke mode


def test_an_expression_nested_too_deeply_is_refused_with_its_location(tmp_path, cache_dir):
    expr = "x"
    for _ in range(400):
        expr = f"({expr} + 1.0)"
    path = tmp_path / "deep.py"
    path.write_text(f"def d(x):\n    y = 2.0 * x\n    return {expr}\n")
    result = _cli(["emit", f"{path}:d"])
    assert result.exit_code == 2
    assert f"{path}:3:" in result.output and "nested too deeply" in result.output


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_a_loop_bound_past_an_arrays_end_is_refused(cache_dir, prog, target):
    """Without boundscheck, compiled code would read past the array (garbage, or a crash)."""
    partial = nsadc.differentiate(prog.partial, target=target)
    assert partial.grad(np.ones(3), 3) == pytest.approx([2.0, 2.0, 2.0])
    for _ in range(2):
        with pytest.raises(nsadc.ArgumentError, match=r"range\(n\), but n is 5"):
            partial.grad(np.ones(3), 5)
        with pytest.raises(nsadc.ArgumentError, match="out of bounds"):
            partial(np.zeros(0), 1)
    assert partial.grad(np.ones(3), 2) == pytest.approx([2.0, 2.0, 0.0])
    assert partial.grad(np.ones(3), -4) == pytest.approx([0.0, 0.0, 0.0])
    stops = nsadc.differentiate(prog.stops, target=target)  # guarded by a break: not refused
    assert stops.grad(np.ones(3), 5) == pytest.approx([2.0, 2.0, 2.0])
    pair = nsadc.differentiate(prog.pair, target=target)
    with pytest.raises(nsadc.ArgumentError, match="reads a"):
        pair.grad(np.ones(2), np.ones(5), 3)
    np.testing.assert_allclose(pair.grad(-np.ones(3), np.ones(1), 3)[0], [1.0, 1.0, 1.0])  # b[i]: only if a[i] > 0
