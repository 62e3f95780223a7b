"""Writes docs/cli.md, the command-line reference, from the typer app itself.

    python tools/cli_docs.py            # rewrite docs/cli.md
    python tools/cli_docs.py --check    # exit 1 when docs/cli.md is out of date

tests/test_cli_docs.py fails when the page and the app disagree, so a new
command or option cannot go undocumented.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path

import typer

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "cli.md"

INTRO = """\
# Command line

<!-- written by tools/cli_docs.py from nsadc/cli.py: edit those, then run
     `python tools/cli_docs.py` -->

`nsadc emit` and `nsadc certify` parse the file and never execute it;
`nsadc check` and `nsadc plot` import and run it. A function is named
`FILE.py:FUNC`. Exit codes: 0 success, 1 a check failed or a certificate is
rejected, 2 bad usage or unsupported code.

```bash
nsadc emit model.py:loss --mode reverse --wrt w,x --kinks min-norm -o loss_derivatives.py --cert loss.json
nsadc certify model.py:loss --json
nsadc check model.py:loss --points 64 --seed 0
nsadc plot model.py:loss --from 0.5,1.3,-0.4,0.2 --to -0.7,1.3,-0.4,0.2 -o loss.png
```
"""


# (typer may ship its own copy of click: parameters are told apart by their
# param_type_name, not by class)
def _is_option(param) -> bool:
    return getattr(param, "param_type_name", "") == "option" and not getattr(param, "hidden", False)


def _default(param) -> str:
    value = param.default
    if getattr(param, "is_flag", False) or value is None or value == () or value == []:
        return ""
    if isinstance(value, Enum):
        value = value.value
    return f"`{value}`"


def _metavar(param) -> str:
    if getattr(param, "is_flag", False):
        return ""
    if param.metavar:
        return param.metavar
    # (click's type where typer keeps one, else the annotation typer read)
    kind = getattr(param, "type", None)
    choices = getattr(kind, "choices", None)
    if kind is None:
        kind = getattr(getattr(param, "type_descriptor", None), "annotation", None)
        if isinstance(kind, type) and issubclass(kind, Enum):
            choices = list(kind)
    if choices:
        return ", ".join(str(getattr(c, "value", c)) for c in choices)
    names = {int: "INTEGER", float: "FLOAT", str: "TEXT", Path: "PATH"}
    return names.get(kind) or getattr(kind, "name", str(kind)).upper()


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _command(group, name: str) -> list[str]:
    cmd = group.commands[name]
    args = [p for p in cmd.params if getattr(p, "param_type_name", "") == "argument"]
    usage = " ".join(["nsadc", name, "[OPTIONS]"] + [p.metavar or p.name.upper() for p in args])
    out = [f"## `nsadc {name}`", "", cmd.short_help or "", "", "```text", usage, "```", ""]
    for paragraph in (cmd.help or "").split("\n\n"):
        out += [" ".join(paragraph.split()), ""]
    for p in args:
        out += [f"`{p.metavar or p.name.upper()}`: {_cell(p.help or '')}.", ""]
    out += ["| option | value | default | meaning |", "|---|---|---|---|"]
    for p in cmd.params:
        if _is_option(p):
            opts = ", ".join(f"`{o}`" for o in p.opts + p.secondary_opts)
            metavar = _metavar(p)
            out.append(f"| {opts} | {f'`{metavar}`' if metavar else ''} | {_default(p)} | {_cell(p.help or '')} |")
    out.append("")
    return out


def render() -> str:
    if str(ROOT) not in sys.path:  # this checkout's nsadc, not another one installed
        sys.path.insert(0, str(ROOT))
    from nsadc.cli import app

    group = typer.main.get_command(app)
    out = [INTRO, "## `nsadc`", ""]
    for p in group.params:
        if _is_option(p):
            out.append(f"- {', '.join(f'`nsadc {o}`' for o in p.opts)}: {_cell(p.help or '')}")
    out.append("")
    for name, cmd in group.commands.items():  # in the order the app defines them
        if not cmd.hidden:
            out += _command(group, name)
    return "\n".join(out).rstrip() + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if PAGE.read_text(encoding="utf-8") != text:
            print(f"{PAGE} is out of date: run python tools/cli_docs.py", file=sys.stderr)
            return 1
        return 0
    PAGE.write_text(text, encoding="utf-8")
    print(f"wrote {PAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
