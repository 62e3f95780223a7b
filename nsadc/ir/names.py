"""Fresh variable names for one compilation (the frontend creates the
generator; the transforms and passes ask it for names that clash with nothing
the user wrote or the emitted code uses)."""

from __future__ import annotations

import keyword


class Names:
    """Readable, unique variable names shared by every stage of one compilation."""

    # names the emitted code itself uses
    RESERVED = {"abs", "max", "min", "round", "float", "int", "bool", "pow", "range", "len", "math",
                "np", "numba", "numpy", "tuple", "sum", "print", "_push", "kink_hits", "_"}

    def __init__(self, taken=()):
        self.taken: set[str] = set(taken) | self.RESERVED | set(keyword.kwlist)
        # hint -> a suffix below which every hint_k is taken (names are never
        # given back, so the search for the first free one starts there: a
        # hint asked for a thousand times would otherwise be quadratic)
        self._next: dict[str, int] = {}

    def fresh(self, hint: str) -> str:
        hint = hint if hint.isidentifier() else "t"
        if hint not in self.taken:
            self.taken.add(hint)
            return hint
        k = self._next.get(hint, 2)
        while f"{hint}_{k}" in self.taken:
            k += 1
        name = f"{hint}_{k}"
        self.taken.add(name)
        self._next[hint] = k + 1
        return name


def offset_name(var: str, k: int) -> str:
    """A name for the element ``var + k`` of a loop: ``i``, ``i_plus_1``, ``i_minus_2``."""
    return var if k == 0 else f"{var}_plus_{k}" if k > 0 else f"{var}_minus_{-k}"


def offset_text(var: str, k: int) -> str:
    """``var + k`` as a comment writes it: ``i``, ``i + 1``, ``i - 2``."""
    return var if k == 0 else f"{var} + {k}" if k > 0 else f"{var} - {-k}"
