"""Errors about user code, located in the user's file.

Every refusal names ``file:line:col``, shows the offending line with a caret
under the column, and says what to write instead.
"""

from __future__ import annotations

import sys

from dataclasses import dataclass


@dataclass(frozen=True)
class Loc:
    """A position in the user's source: 1-based line, 0-based column."""

    file: str
    line: int
    col: int
    text: str = ""  # the full source line, for diagnostics

    def __str__(self) -> str:  # file:line:col with a 1-based column, as editors expect
        return f"{self.file}:{self.line}:{self.col + 1}"


class NsadcError(Exception):
    """Base class of every error nsadc raises about user code or usage."""


class UnsupportedError(NsadcError):
    """A construct outside the differentiable subset."""

    def __init__(self, message: str, loc: Loc | None = None, hint: str | None = None):
        self.message = message
        self.loc = loc
        self.hint = hint
        super().__init__(self._render())

    def _render(self) -> str:
        parts = []
        if self.loc is not None:
            parts.append(f"{self.loc}: {self.message}")
            if self.loc.text:
                text = self.loc.text.rstrip()
                # keep tabs under tabs so the caret lines up however the terminal expands them
                pad = "".join("\t" if c == "\t" else " " for c in text[:self.loc.col])
                pad += " " * max(0, self.loc.col - len(text))
                parts.append("    " + text)
                parts.append("    " + pad + "^")
        else:
            parts.append(self.message)
        if self.hint:
            parts.append(f"hint: {self.hint}")
        return "\n".join(parts)


class RankError(UnsupportedError):
    """A refusal that comes from an array's number of dimensions (a name taken
    for a number, an index too many). Before the first call, where the code
    does not show an argument's rank, the call's arguments decide instead."""


class PolicyError(NsadcError):
    """A kink policy or selection that is not valid (e.g. outside the Clarke set)."""


class ArgumentError(NsadcError):
    """A call with arguments of the wrong number, name, type or shape."""


def internal_errors() -> tuple:
    """The exceptions that only a defect of the emitted code raises: Numba's
    compile errors, and a name the emitted code reads before assigning it."""
    errors: tuple = (NameError,)  # UnboundLocalError is a NameError
    if "numba" in sys.modules:
        from numba.core.errors import NumbaError
        errors += (NumbaError,)
    return errors
