"""The ``nsadc`` command line (typer).

``emit`` and ``certify`` parse FILE and never execute it; ``check`` and ``plot``
import and run it.  Exit codes: 0 success, 1 a check failed or a certificate is
rejected, 2 bad usage or unsupported code.
"""

from __future__ import annotations

import json
import math
import os
import sys
from enum import Enum
from pathlib import Path

import typer

from nsadc.errors import NsadcError

# rich_markup_mode=None: click's own help, which rewraps each paragraph to the
# terminal and shows no metavar for a flag
app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="nsadc: nonsmooth automatic differentiation for numerical Python.")


def _print_version(value: bool) -> None:
    if value:
        from nsadc.version import __version__

        typer.echo(f"nsadc {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", help="print the version and exit", is_eager=True,
                                 callback=_print_version),
):
    """nsadc: nonsmooth automatic differentiation for numerical Python."""


class Mode(str, Enum):
    forward = "forward"
    reverse = "reverse"
    both = "both"
    lexicographic = "lexicographic"  # Clarke mode: FUNC_ld
    hvp = "hvp"  # second order: FUNC_hvp, the reverse mode of the forward mode
    jacobian = "jacobian"  # a vector output: both modes and the drivers FUNC_jacfwd, FUNC_jacrev


def _fail(message: str, code: int = 2) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(code)


def parse_target(spec: str) -> tuple[str, str]:
    """``FILE.py:FUNC`` -> (file, function)."""
    path, sep, func = spec.rpartition(":")
    if not sep or not path or not func.isidentifier():
        _fail(f"expected FILE.py:FUNC, got {spec!r}")
    if not Path(path).is_file():
        _fail(f"no such file: {path}")
    _check_syntax(path)
    return path, func


def _check_syntax(path: str) -> None:
    """A syntax error, said once, where Python says it (line, column, caret)."""
    import ast

    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        _fail(f"{path}: cannot read it: {e}")
    try:
        ast.parse(text, filename=path)
    except (RecursionError, MemoryError):
        return  # the frontend says where the nesting is too deep
    except SyntaxError as e:
        if e.msg.startswith("too many nested"):
            return  # likewise
        line = (e.text or "").rstrip("\n")
        col = e.offset or 1
        stripped = line.lstrip()
        caret = " " * max(0, col - 1 - (len(line) - len(stripped)))
        where = f"{path}:{e.lineno}:{col}" if e.lineno else path
        _fail(f"{where}: syntax error: {e.msg}\n    {stripped}\n    {caret}^")


def parse_kinks(text: str | None):
    """``min-norm`` / ``jax`` / ``torch`` / ``auto``, ``abs=0.5,max=jax`` or a JSON object."""
    if text is None:
        return None
    text = text.strip()
    if text.startswith("{"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as e:
            _fail(f"--kinks: invalid JSON ({e})")
    if "=" not in text:
        return text
    out = {}
    for item in text.split(","):
        key, _, value = item.partition("=")
        key, value = key.strip(), value.strip()
        try:
            out[key] = float(value)
        except ValueError:
            out[key] = value
    return out


def parse_ranks(text: str | None, params: list[str]) -> dict[str, str] | None:
    """``--ranks A=2,x=1`` -> the parameters' array types."""
    if not text:
        return None
    out = {}
    for item in text.split(","):
        name, _, value = item.partition("=")
        name, value = name.strip(), value.strip()
        if name not in params:
            _fail(f"--ranks: no argument {name!r} (arguments: {', '.join(params)})")
        if not value.isdigit():
            _fail(f"--ranks: {name}={value}: give the number of dimensions, e.g. {name}=2 (0: a number)")
        out[name] = f"array{int(value)}" if int(value) > 0 else "float"
    return out


def _imported_function(path: str, func: str):
    """Import FILE (running it) and return FUNC as found there and as a plain
    function (a Differentiable's wrapped one); a located failure otherwise."""
    from nsadc.api import Differentiable

    try:
        module = _import_file(path)
    except (Exception, SystemExit) as e:  # noqa: BLE001 - anything FILE raises while being imported
        _fail(f"{path}: importing it failed: {type(e).__name__}: {e}")
    obj = getattr(module, func, None)
    if obj is None or not callable(obj):
        _fail(f"{path}: no function named {func!r}")
    return obj, (obj.__wrapped__ if isinstance(obj, Differentiable) else obj)


def load(spec: str, wrt: str | None, kinks: str | None, ranks: str | None = None, standalone: bool = False):
    """Parse and transform ``FILE.py:FUNC``.  ``standalone``: the emitted module
    will run on its own, so every argument's rank must be known (a number met
    elementwise with arrays may be either)."""
    from nsadc.frontend.source import parse_file
    from nsadc.frontend.syntax import all_params
    from nsadc.pipeline import compile_function
    from nsadc.rules.policy import resolve_policy

    path, func = parse_target(spec)
    src = parse_file(path)
    if func not in src.functions:
        _fail(f"{path}: no function named {func!r}")
    node = src.function(func)
    params = [p.name.value for p in all_params(node)]
    wrt_names = None
    if wrt:
        wrt_names = []
        for w in (w.strip() for w in wrt.split(",")):
            if w.lstrip("-").isdigit():
                w = params[int(w)] if -len(params) <= int(w) < len(params) else w
            if w not in params:
                _fail(f"--wrt: {func} has no argument {w!r} (arguments: {', '.join(params)})")
            if w in wrt_names:
                _fail(f"--wrt: {w!r} is named twice")
            wrt_names.append(w)
    comp = compile_function(src, node, wrt_names, resolve_policy(parse_kinks(kinks)),
                            param_types=parse_ranks(ranks, params))
    guessed = comp.primal.rank_guessed
    given = parse_ranks(ranks, params) or {}
    either = [p for p in comp.primal.scalar_or_array if p not in given] if standalone else []
    if either and not guessed:
        _fail(f"{func} uses {', '.join(either)} elementwise with arrays: the code does not show whether "
              f"{'it is' if len(either) == 1 else 'they are'} a number or an array; say it with --ranks "
              f"(e.g. --ranks {','.join(f'{p}=1' for p in either)}, or {either[0]}=0 for a number)")
    if not guessed and not ranks and comp.primal.lenient:
        # a rank the code does not show was guessed, and the guess let a whole-array use pass
        # (np.dot of two rows read as numbers): emitted code for those ranks could be wrong
        guessed = [p.name for p in comp.primal.params if p.type.startswith("array")]
    if guessed:
        _fail(f"{func} uses whole-array NumPy on {', '.join(guessed)}, whose number of dimensions the "
              "code does not show: give each one's number of dimensions with --ranks (e.g. --ranks "
              f"{','.join(f'{g}=2' if k == 0 else f'{g}=1' for k, g in enumerate(guessed))})")
    return comp


@app.command(short_help="Print the derivative code as a standalone module (parses FILE).")
def emit(
    target: str = typer.Argument(..., metavar="FILE.py:FUNC", help="the function to differentiate"),
    mode: Mode = typer.Option(Mode.both, "--mode", help="forward (FUNC_jvp), reverse (FUNC_vjp), both, lexicographic (FUNC_ld, Clarke mode), hvp (FUNC_hvp, Hessian-vector products) or jacobian (both, and FUNC_jacfwd / FUNC_jacrev for a function returning an array or several values)"),
    wrt: str | None = typer.Option(None, "--wrt", metavar="NAMES", help="comma-separated argument names or positions"),
    kinks: str | None = typer.Option(None, "--kinks", metavar="POLICY", help="kink policy: min-norm, jax, torch, or abs=0.5,... "
                                     "(auto is the Python API's run-time choice: emit --mode reverse and "
                                     "--mode lexicographic instead)"),
    ranks: str | None = typer.Option(None, "--ranks", metavar="NAME=DIMS,...", help="array arguments' numbers of dimensions, e.g. "
                                     "A=2,x=1 (whole-array NumPy code that does not show them)"),
    output: Path | None = typer.Option(None, "-o", "--output", metavar="OUT.py", help="write the module here instead of stdout"),
    cert: Path | None = typer.Option(None, "--cert", metavar="OUT.json",
                                     help="also write the (static) certificate here; the module's header "
                                          "summarises it"),
    backend: str = typer.Option("python", "--target", metavar="TARGET",
                                help="python (plain functions: the module imports only math and numpy), cpu "
                                     "(each function @numba.njit) or cuda (numba.cuda device functions, for "
                                     "your own @cuda.jit kernels; refused where the code would allocate)"),
    parallel: bool = typer.Option(False, "--parallel",
                                  help="with --target cpu: the loops whose iterations are independent, apart from "
                                       "sums, as numba.prange in functions compiled with parallel=True"),
):
    """Print a standalone module with FUNC_jvp, FUNC_vjp or FUNC_ld (by default plain Python that imports
    only math and numpy; --target cpu or cuda: numba-compiled)."""
    certificate = None
    path, _ = parse_target(target)
    if kinks is not None and kinks.strip() == "auto":
        _fail("--kinks auto: the auto policy chooses at run time (reverse mode, and Clarke mode where a kink "
              "is met), which an emitted module cannot do; emit --mode reverse and --mode lexicographic "
              "(Clarke mode) and choose between them yourself, or use differentiate(f, kinks=\"auto\")")
    for option, out in (("-o", output), ("--cert", cert)):
        if out is not None and _same_file(out, path):
            _fail(f"{option} {out}: that is the input file; nsadc does not overwrite your source "
                  "(name another file)")
    if output is not None and cert is not None and _same_file(output, cert):
        _fail(f"-o and --cert name the same file {output}")
    for option, out in (("-o", output), ("--cert", cert)):
        if out is not None:
            _check_writable(out, option)
    lowering = _emit_backend(backend, mode, parallel)
    try:
        comp = load(target, wrt, kinks, ranks, standalone=True)
        modes = ("forward", "reverse") if mode == Mode.both else (mode.value,)
        if lowering.name == "cuda":
            from nsadc.backends.numba_cuda import check_device_code

            ld_refusal = check_device_code(comp, comp.primal.loc)
            if ld_refusal and "lexicographic" in modes:
                _fail(ld_refusal)
        if mode == Mode.hvp:
            from nsadc.pipeline import compile_tangent, hvp_module

            tangent = compile_tangent(comp.src, comp.src.function(comp.name), list(comp.facts.wrt), comp.policy,
                                      param_types={p.name: p.type for p in comp.primal.params})
            text = hvp_module(comp, tangent, lowering)
            modes = ("reverse",)
        elif mode == Mode.jacobian:
            if comp.rows is None:
                _fail(f"--mode jacobian: {comp.name} returns one float; its Jacobian is its gradient "
                      "(--mode reverse)")
            modes = ("forward", "reverse")
            text = comp.module(modes, jacobians=True, backend=lowering)
        else:
            text = comp.module(modes, backend=lowering)
        if output is not None:  # the header names the file it is written to
            text = text.replace(f"# {comp.name}_derivatives.py - emitted", f"# {output.name} - emitted", 1)
        if cert is not None:
            from nsadc.certificate import static

            certificate = static.certify(comp, modes, derivative_text=text)
            text = _with_summary(text, certificate.header_lines(cert.name))
    except NsadcError as e:
        _fail(str(e))
    if output is None:
        _stdout(text, nl=False)
    else:
        _write_file(output, "-o", text)
        typer.echo(f"wrote {output}", err=True)
    if certificate is not None:
        _write_file(cert, "--cert", certificate.to_json() + "\n")
        typer.echo(f"wrote {cert} (certificate: {certificate.summary()})", err=True)
        if certificate.status == "rejected":
            raise typer.Exit(1)


def _emit_backend(name: str, mode: "Mode", parallel: bool = False):
    """The backend ``emit --target`` (and ``--parallel``) names."""
    from nsadc.backends.targets import TARGETS, backend_for

    if name not in TARGETS:
        _fail(f"--target {name!r}: use python, cpu or cuda")
    if parallel and name != "cpu":
        _fail(f"--parallel: parallel loops are the cpu target's (numba.prange); add --target cpu "
              f"(--target {name} has no parallel mode)")
    if name == "cuda":
        if mode in (Mode.hvp, Mode.jacobian):
            _fail(f"--mode {mode.value} --target cuda: Jacobian drivers and Hessian-vector products are emitted "
                  "for python and cpu; on the GPU, call FUNC_jvp / FUNC_vjp per thread (--mode both)")
        from nsadc.backends.numba_cuda import require_numba_cuda

        try:
            require_numba_cuda()
        except NsadcError as e:
            _fail(str(e))
    return backend_for(name, parallel=parallel)


def _stdout(text: str, nl: bool = True) -> None:
    """Print to stdout; a reader that left early (``| head -1``) is said in one line."""
    try:
        typer.echo(text, nl=nl)
        sys.stdout.flush()
    except BrokenPipeError:
        try:  # no second error when Python flushes stdout on the way out
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except OSError:
            pass
        _fail("nsadc: the output was closed before it was all written (broken pipe)")


def _check_writable(path: Path, option: str) -> None:
    """Refuse an output path that cannot be written, before anything is written."""
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        _fail(f"{option} {path}: that is a directory; name a file")
    if not parent.is_dir():
        _fail(f"{option} {path}: no such directory {parent}")
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        _fail(f"{option} {path}: cannot write it: permission denied")


def _same_file(a: Path, b: str | Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist
        return os.path.abspath(a) == os.path.abspath(b)


def _write_file(path: Path, option: str, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, then rename it over
    ``path``: an interrupted run never leaves half a file."""
    import tempfile

    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except OSError as e:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        _fail(f"{option} {path}: cannot write it: {e.strerror or e}")


def _with_summary(text: str, lines: list[str]) -> str:
    """Insert comment lines after the module's leading header comments."""
    from nsadc.rules.source import comment_text

    rows = text.split("\n")
    k = 0
    while k < len(rows) and rows[k].startswith("#"):
        k += 1
    return "\n".join(rows[:k] + [f"# {comment_text(line)}" for line in lines] + rows[k:])


# ------------------------------------------------------------------ certificates

_STYLE = {"proved": "green", "probed": "cyan", "restricted": "yellow", "open": "yellow",
          "violated": "bold red", "certified": "bold green", "conditional": "bold yellow",
          "rejected": "bold red"}


def _console(stderr: bool = False):
    import shutil

    from rich.console import Console

    width = None if sys.stdout.isatty() else max(120, shutil.get_terminal_size((120, 24)).columns)
    return Console(stderr=stderr, width=width, highlight=False)


def print_certificate(cert, console=None) -> None:
    """The certificate as a readable table (rich)."""
    from rich.markup import escape
    from rich.table import Table

    console = console or _console()
    ident = cert.identity
    status = cert.status
    console.print(f"[bold]{escape(str(ident.get('function')))}[/bold] "
                  f"({escape(str(ident.get('file')))}:{ident.get('line')}), policy "
                  f"{escape(str(ident.get('policy')))}, mode {ident.get('mode')}: "
                  f"[{_STYLE[status]}]{status}[/{_STYLE[status]}]")
    if cert.unsupported is not None:
        console.print(escape(cert.unsupported["message"]))
    if cert.obligations:
        table = Table(show_lines=False, header_style="bold")
        for col in ("id", "where", "kind", "what must hold", "status", "how / witness"):
            table.add_column(col, overflow="fold")
        for o in cert.obligations:
            how = o.detail
            if o.witness is not None and o.witness.inside:
                how = f"{o.witness.describe()} ({o.witness.found_by}); {how}"
            table.add_row(o.id, o.location, o.kind, escape(o.what()),
                          f"[{_STYLE[o.status]}]{o.status}[/{_STYLE[o.status]}]", escape(how))
        console.print(table)
    claim = cert.claim()
    console.print(escape(claim["text"]))
    checks = cert.checks
    if checks:
        cont = checks["continuity"]
        curve = checks["curve_identity"]
        console.print(f"continuity probes: {cont['segments']} segments, {cont['crossings']} crossings, "
                      f"{cont['jumps']} jumps")
        ok = "passed" if curve["passed"] else "[bold red]FAILED[/bold red]"
        console.print(f"curve identity: {curve['segments']} segments ({curve['skipped']} skipped), largest "
                      f"relative discrepancy {curve['max_discrepancy']:.2e} (tolerance "
                      f"{curve['tolerance']:g}): {ok}")
        for p in checks["artificial_critical_points"]:
            console.print(f"[yellow]{escape(p['note'])}[/yellow] at {p['point']}: AD gives "
                          f"{p['gradient']}, {p['reference']} gives {p['reference_gradient']} "
                          f"(kinks met: {', '.join(p['kinks'])})")


def _unsupported_exit(path: str, func: str, error: Exception, as_json: bool):
    if as_json:
        from nsadc.certificate import static

        typer.echo(static.unsupported(path, func, error).to_json())
    _fail(str(error))


@app.command(short_help="The static certificate (parses FILE, never runs it).")
def certify(
    target: str = typer.Argument(..., metavar="FILE.py:FUNC", help="the function to certify"),
    as_json: bool = typer.Option(False, "--json", help="print the certificate as JSON"),
    wrt: str | None = typer.Option(None, "--wrt", metavar="NAMES", help="comma-separated argument names or positions"),
    kinks: str | None = typer.Option(None, "--kinks", metavar="POLICY", help="kink policy: min-norm, jax, torch, or abs=0.5,..."),
    ranks: str | None = typer.Option(None, "--ranks", metavar="NAME=DIMS,...", help="array arguments' numbers of dimensions, e.g. "
                                     "X=2,w=1 (whole-array NumPy code that does not show them)"),
    ranges: list[str] = typer.Option([], "--range", metavar="NAME=LO:HI",
                                     help="the claim's domain: argument NAME in [LO, HI]; inf / -inf for an "
                                          "open end, e.g. t=0:inf (repeatable)"),
    assume: list[str] = typer.Option([], "--assume", metavar="RELATION",
                                     help="the claim's domain: a relation between arguments, e.g. 'lo<=hi' "
                                          "(repeatable)"),
):
    """The static conservative-field certificate (never executes FILE).

    Exit 0 when certified or conditional, 1 when rejected, 2 for bad usage or
    unsupported code."""
    from nsadc.certificate import static
    from nsadc.errors import ArgumentError, PolicyError

    path, func = parse_target(target)
    # the file as Python names it (absolute): the same identity as FUNC.certificate()
    path = os.path.abspath(path)
    target = f"{path}:{func}"
    if wrt is None or kinks is None:
        dec_wrt, dec_kinks = _decorator_options(path, func)
        wrt = wrt if wrt is not None else dec_wrt
        kinks = kinks if kinks is not None else dec_kinks
    try:
        comp = load(target, wrt, kinks, ranks)
    except PolicyError as e:
        _fail(str(e))
    except NsadcError as e:
        _unsupported_exit(path, func, e, as_json)
    box = _parse_ranges(ranges, [p.name for p in comp.primal.params])
    try:
        cert = static.certify(comp, ranges=box, assume=assume)
    except ArgumentError as e:
        _fail(f"--range / --assume: {e}")
    if as_json:
        _stdout(cert.to_json())
    else:
        print_certificate(cert)
    raise typer.Exit(1 if cert.status == "rejected" else 0)


def _decorator_options(path: str, func: str) -> tuple[str | None, str | None]:
    """The ``wrt=`` and ``kinks=`` literals of an ``@nsadc.differentiate(...)``
    decorator on FUNC, as --wrt / --kinks would give them (None where absent),
    so that `certify` describes the same derivative as ``FUNC.certificate()``."""
    import ast

    import libcst as cst

    from nsadc.frontend.source import parse_file

    try:
        node = parse_file(path).function(func)
    except Exception:  # noqa: BLE001 - load() reports the problem
        return None, None
    wrt = kinks = None
    for dec in getattr(node, "decorators", ()):
        call = dec.decorator
        if not isinstance(call, cst.Call):
            continue
        name = cst.Module([]).code_for_node(call.func)
        if name.split(".")[-1] != "differentiate":
            continue
        for arg in call.args:
            if arg.keyword is None:
                continue
            try:
                value = ast.literal_eval(cst.Module([]).code_for_node(arg.value))
            except (ValueError, SyntaxError):
                continue
            if arg.keyword.value == "wrt":
                items = [value] if isinstance(value, (str, int)) else list(value)
                wrt = ",".join(str(v) for v in items)
            elif arg.keyword.value == "kinks" and value is not None:
                kinks = value if isinstance(value, str) else json.dumps(value)
    return wrt, kinks


def _import_file(path: str):
    import importlib.util
    import os

    directory = os.path.dirname(os.path.abspath(path))
    name = "nsadc_check_" + "".join(c if c.isalnum() else "_" for c in os.path.abspath(path))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # functions defined there find their module (inspect, numba)
    if directory not in sys.path:
        sys.path.insert(0, directory)
    spec.loader.exec_module(module)
    return module


def _parse_ranges(items: list[str], params: list[str]) -> dict:
    """``--range t=0:inf`` -> {"t": (0.0, inf)}; an empty end is infinite (``t=0:``)."""
    out = {}
    for item in items:
        name, sep, span = item.partition("=")
        name = name.strip()
        lo, sep2, hi = span.partition(":")
        try:
            if not (sep and sep2):
                raise ValueError
            lo_v = float(lo) if lo.strip() else -math.inf
            hi_v = float(hi) if hi.strip() else math.inf
            if math.isnan(lo_v) or math.isnan(hi_v):
                raise ValueError
        except ValueError:
            _fail(f"--range {item!r}: write NAME=LO:HI, e.g. lam=0:1 or t=0:inf")
        if name not in params:
            _fail(f"--range {item!r}: no argument {name!r} (arguments: {', '.join(params)})")
        if not lo_v <= hi_v:
            _fail(f"--range {item!r}: LO must not exceed HI")
        if lo_v == hi_v and math.isinf(lo_v):
            _fail(f"--range {item!r}: the interval holds no number")
        if math.isfinite(lo_v) and math.isfinite(hi_v) and not math.isfinite(hi_v - lo_v):
            _fail(f"--range {item!r}: the interval is too wide to sample (HI - LO overflows)")
        out[name] = (lo_v, hi_v)
    return out


@app.command(short_help="Numeric probes of the certificate (runs FILE).")
def check(
    target: str = typer.Argument(..., metavar="FILE.py:FUNC", help="the function to check (FILE is run)"),
    points: int = typer.Option(64, "--points", metavar="N", min=1, max=1_000_000, help="random points (segments) per probe"),
    seed: int = typer.Option(0, "--seed", metavar="N", min=0, help="random seed (an integer >= 0)"),
    shape: list[str] = typer.Option([], "--shape", metavar="NAME=DIMS", hidden=True,
                                    help="not accepted: the probes sample scalar arguments only"),
    ranges: list[str] = typer.Option([], "--range", metavar="NAME=LO:HI",
                                     help="the claim's domain: argument NAME in [LO, HI] (the probes sample "
                                          "there); inf / -inf for an open end, e.g. t=0:inf (repeatable)"),
    assume: list[str] = typer.Option([], "--assume", metavar="RELATION",
                                     help="the claim's domain: a relation between arguments, e.g. 'lo<=hi' "
                                          "(repeatable)"),
    wrt: str | None = typer.Option(None, "--wrt", metavar="NAMES", help="comma-separated argument names or positions"),
    kinks: str | None = typer.Option(None, "--kinks", metavar="POLICY", help="kink policy: min-norm, jax, torch, or abs=0.5,..."),
    backend: str = typer.Option("cpu", "--target", metavar="TARGET", help="cpu (numba) or python"),
    cert: Path | None = typer.Option(None, "--cert", metavar="OUT.json", help="write the certificate here"),
    as_json: bool = typer.Option(False, "--json", help="print the certificate as JSON"),
):
    """Run the numeric probes (continuity, curve identity, artificial critical
    points) on random inputs.  This imports and runs FILE.

    Exit 0 when the certificate is certified or conditional, 1 when it is
    rejected (a check failed), 2 for bad usage or unsupported code."""
    import inspect

    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from nsadc.api import Differentiable
    from nsadc.errors import ArgumentError

    path, func = parse_target(target)
    if cert is not None:
        _check_writable(cert, "--cert")
    obj, fn = _imported_function(path, func)
    try:
        params = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        _fail(f"{path}: {func} is not a plain function")
    if shape:
        names = [s.partition("=")[0] for s in shape]
        unknown = [n for n in names if n not in params]
        if unknown:
            _fail(f"--shape: {func} has no argument {unknown[0]!r} (arguments: {', '.join(params)})")
        _fail(f"--shape {shape[0]}: the numeric probes sample scalar arguments only, so check takes no "
              f"shapes; for a function of arrays use `nsadc certify {target}` (the static certificate, "
              "--ranks NAME=DIMS where the code does not show an array's number of dimensions) or "
              "`nsadc plot` along a segment")
    if backend not in ("cpu", "python"):
        _fail(f"--target {backend!r}: use cpu or python")
    box = _parse_ranges(ranges, params)
    wrt_arg = None
    if wrt:
        wrt_arg = [int(w) if w.strip().lstrip("-").isdigit() else w.strip() for w in wrt.split(",")]
    try:
        if isinstance(obj, Differentiable) and wrt is None and kinks is None:
            d = Differentiable(fn, wrt=obj.wrt, kinks=obj.policy, target=backend, kink_tol=obj.kink_tol)
        else:
            d = Differentiable(fn, wrt=wrt_arg, kinks=parse_kinks(kinks), target=backend)
    except NsadcError as e:
        _unsupported_exit(path, func, e, as_json)
    err = _console(stderr=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), console=err, transient=True) as bar:
        task = bar.add_task("compiling", total=None)

        def progress(phase: str, done: int, total: int):
            bar.update(task, description=phase, completed=done, total=total)

        try:
            certificate = d.certificate(probe=True, points=points, seed=seed, ranges=box, assume=assume,
                                        progress=progress)
        except ArgumentError as e:
            _fail(f"--range / --assume: {e}")
        except NsadcError as e:
            _unsupported_exit(path, func, e, as_json)
    if as_json:
        _stdout(certificate.to_json())
    else:
        print_certificate(certificate)
    if cert is not None:
        _write_file(cert, "--cert", certificate.to_json() + "\n")
        typer.echo(f"wrote {cert}", err=True)
    raise typer.Exit(1 if certificate.status == "rejected" else 0)


def _parse_point(text: str, option: str, params: list[str], shapes: dict[str, tuple], ints: set) -> tuple:
    """``--from 1,2,3``: one number per scalar entry (arrays flattened, in argument
    order), or one number per argument (an array's fills it)."""
    import numpy as np

    try:
        numbers = [float(v) for v in text.split(",")]
    except ValueError:
        _fail(f"{option} {text!r}: write comma-separated numbers, one per argument ({', '.join(params)})")
    sizes = [int(np.prod(shapes[p])) if p in shapes else 1 for p in params]
    if len(numbers) == sum(sizes):
        chunks, k = [], 0
        for n in sizes:
            chunks.append(numbers[k:k + n])
            k += n
    elif len(numbers) == len(params):
        chunks = [[v] * n for v, n in zip(numbers, sizes)]
    else:
        names = ", ".join(f"{p} ({'x'.join(map(str, shapes[p]))})" if p in shapes else p for p in params)
        _fail(f"{option} {text!r}: {len(numbers)} numbers, but the arguments {names} take {sum(sizes)}"
              + (f" (or one number per argument: {len(params)})" if sum(sizes) != len(params) else "")
              + ("; give an array argument's shape with --shape NAME=DIMS" if not shapes else ""))
    out = []
    for p, chunk in zip(params, chunks):
        if p in shapes:
            out.append(np.array(chunk, dtype=np.float64).reshape(shapes[p]))
        elif p in ints:
            if chunk[0] != int(chunk[0]):
                _fail(f"{option}: {p} is an int argument, not {chunk[0]}")
            out.append(int(chunk[0]))
        else:
            out.append(chunk[0])
    return tuple(out)


def _parse_shapes(items: list[str], params: list[str]) -> dict[str, tuple]:
    """``--shape x=5`` / ``--shape A=3x2`` -> {"x": (5,), "A": (3, 2)}."""
    out = {}
    for item in items:
        name, sep, dims = item.partition("=")
        name = name.strip()
        try:
            shape = tuple(int(v) for v in dims.lower().replace("x", " ").replace(",", " ").split())
        except ValueError:
            shape = ()
        if not sep or not shape or min(shape) < 1:
            _fail(f"--shape {item!r}: write NAME=DIMS, e.g. x=5 or A=3x2")
        if name not in params:
            _fail(f"--shape: no argument {name!r} (arguments: {', '.join(params)})")
        out[name] = shape
    return out


@app.command(short_help="Draw FUNC and its derivatives along a segment (runs FILE).")
def plot(
    target: str = typer.Argument(..., metavar="FILE.py:FUNC", help="the function to draw (FILE is run)"),
    start: str = typer.Option(..., "--from", metavar="A", help="the segment's start: comma-separated "
                              "numbers, one per scalar entry of the arguments (arrays flattened) or one "
                              "per argument"),
    end: str = typer.Option(..., "--to", metavar="B", help="the segment's end, as --from"),
    output: Path = typer.Option(..., "-o", "--output", metavar="OUT.png", help="the picture to write"),
    shape: list[str] = typer.Option([], "--shape", metavar="NAME=DIMS",
                                    help="an array argument's shape, e.g. x=5 or A=3x2 (repeatable)"),
    points: int = typer.Option(401, "--points", metavar="N", min=2, max=100_000, help="points along the segment"),
    wrt: str | None = typer.Option(None, "--wrt", metavar="NAMES", help="comma-separated argument names or positions "
                                   "(the others must be equal at both ends)"),
    kinks: str | None = typer.Option(None, "--kinks", metavar="POLICY", help="kink policy: min-norm, jax, torch, or abs=0.5,..."),
    backend: str = typer.Option("cpu", "--target", metavar="TARGET", help="cpu (numba) or python"),
):
    """Draw FUNC along the segment from A to B: its value, its directional
    derivative from reverse mode and from Clarke mode, and the kinks met.
    This imports and runs FILE; it needs matplotlib (pip install "nsadc[plot]")."""
    import inspect

    from nsadc import plot as P
    from nsadc.api import Differentiable

    path, func = parse_target(target)
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        _fail(P.MISSING_MATPLOTLIB)
    if backend not in ("cpu", "python"):
        _fail(f"--target {backend!r}: use cpu or python")
    _check_writable(output, "-o")
    obj, fn = _imported_function(path, func)
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        _fail(f"{path}: {func} is not a plain function")
    params = list(sig.parameters)
    ints = {p for p, q in sig.parameters.items() if q.annotation in (int, "int")}
    shapes = _parse_shapes(shape, params)
    a = _parse_point(start, "--from", params, shapes, ints)
    b = _parse_point(end, "--to", params, shapes, ints)
    wrt_arg = None
    if wrt:
        wrt_arg = [int(w) if w.strip().lstrip("-").isdigit() else w.strip() for w in wrt.split(",")]
    try:
        if isinstance(obj, Differentiable) and wrt is None and kinks is None:
            d = Differentiable(fn, wrt=obj.wrt, kinks=obj.policy, target=backend)
        else:
            d = Differentiable(fn, wrt=wrt_arg, kinks=parse_kinks(kinks), target=backend)
        seg = P.segment(d, a, b, points=points)
        title = f"{func} from {start} to {end}"
        P.draw(seg, title if len(title) <= 70 else f"{func} along a segment", str(output))
    except NsadcError as e:
        _fail(str(e))
    met = "; ".join(f"t = {k.t:.6g}: {k.what}" for k in seg.kinks) or "none"
    typer.echo(f"wrote {output} (kinks met: {met})", err=True)


def main():
    try:
        app()
    except NsadcError as e:  # anything that escaped a command: located, no traceback
        print(str(e), file=sys.stderr)
        sys.exit(2)
    except BrokenPipeError:  # `nsadc emit ... | head -1`: the reader left early
        try:  # no second error when Python flushes stdout on the way out
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except OSError:
            pass
        print("nsadc: the output was closed before it was all written (broken pipe)", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
