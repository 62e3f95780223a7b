"""docs/cli.md documents every command and option of the ``nsadc`` command line."""

import re
import sys
from pathlib import Path

from typer.testing import CliRunner

from nsadc.cli import app

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "cli.md"
runner = CliRunner()


def _help(*command: str) -> str:
    result = runner.invoke(app, [*command, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    return result.output


def _commands() -> list[str]:
    listing = _help().split("Commands:")[1]
    return re.findall(r"^\s{2}(\w+)\s", listing, flags=re.M)


def test_every_command_and_option_is_documented():
    page = PAGE.read_text(encoding="utf-8")
    commands = _commands()
    assert {"emit", "certify", "check", "plot"} <= set(commands)
    assert "`nsadc --version`" in page
    sections = dict(re.findall(r"^## `nsadc (\w+)`\n(.*?)(?=^## |\Z)", page, flags=re.M | re.S))
    assert sorted(sections) == sorted(commands), "a command of the app has no section in docs/cli.md"
    for command in commands:
        listed = re.findall(r"^ {2}(-{1,2}[\w-]+(?:, *-{1,2}[\w-]+)*)", _help(command).split("Options:")[1],
                            flags=re.M)
        options = {o.strip() for names in listed for o in names.split(",")}
        options.discard("--help")
        assert options, command
        documented = set(re.findall(r"^\| (`-[^|]*) \|", sections[command], flags=re.M))
        documented = {o for cell in documented for o in re.findall(r"`(-[^`]+)`", cell)}
        assert options <= documented, f"nsadc {command}: {sorted(options - documented)} missing from docs/cli.md"


def test_the_page_is_what_the_generator_writes():
    sys.path.insert(0, str(ROOT))
    try:
        from tools import cli_docs
    finally:
        sys.path.remove(str(ROOT))
    assert PAGE.read_text(encoding="utf-8") == cli_docs.render(), \
        "docs/cli.md is out of date: run python tools/cli_docs.py"
