"""The ``nsadc`` command line (typer).

``emit`` parses FILE and never executes it; exit codes: 0 success, 1 a check
failed or a certificate is rejected, 2 bad usage or unsupported code.
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path

import typer

from nsadc.errors import NsadcError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="nsadc: nonsmooth automatic differentiation for numerical Python.")


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", help="print the version and exit", is_eager=True),
):
    """nsadc: nonsmooth automatic differentiation for numerical Python."""
    if version:
        import nsadc

        typer.echo(nsadc.__version__)
        raise typer.Exit(0)


class Mode(str, Enum):
    forward = "forward"
    reverse = "reverse"
    both = "both"


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
    return path, func


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


def load(spec: str, wrt: str | None, kinks: str | None):
    from nsadc.frontend.source import parse_file
    from nsadc.pipeline import compile_function
    from nsadc.rules.policy import resolve_policy

    path, func = parse_target(spec)
    src = parse_file(path)
    if func not in src.functions:
        _fail(f"{path}: no function named {func!r}")
    node = src.function(func)
    params = [p.name.value for p in node.params.params]
    wrt_names = None
    if wrt:
        wrt_names = []
        for w in (w.strip() for w in wrt.split(",")):
            if w.lstrip("-").isdigit():
                w = params[int(w)] if -len(params) <= int(w) < len(params) else w
            if w not in params:
                _fail(f"--wrt: {func} has no argument {w!r} (arguments: {', '.join(params)})")
            wrt_names.append(w)
    return compile_function(src, node, wrt_names, resolve_policy(parse_kinks(kinks)))


@app.command()
def emit(
    target: str = typer.Argument(..., metavar="FILE.py:FUNC", help="the function to differentiate"),
    mode: Mode = typer.Option(Mode.both, "--mode", help="forward (FUNC_jvp), reverse (FUNC_vjp) or both"),
    wrt: str | None = typer.Option(None, "--wrt", help="comma-separated argument names or positions"),
    kinks: str | None = typer.Option(None, "--kinks", help="kink policy: min-norm, jax, torch, or abs=0.5,..."),
    output: Path | None = typer.Option(None, "-o", "--output", help="write the module here instead of stdout"),
):
    """Print a standalone module (imports only math and numpy) with FUNC_jvp and/or FUNC_vjp."""
    try:
        comp = load(target, wrt, kinks)
        modes = ("forward", "reverse") if mode == Mode.both else (mode.value,)
        text = comp.module(modes)
    except NsadcError as e:
        _fail(str(e))
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text)
        typer.echo(f"wrote {output}", err=True)


def main():
    try:
        app()
    except NsadcError as e:  # anything that escaped a command: located, no traceback
        print(str(e), file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
