"""Finding and parsing the user's source with libcst, keeping positions.

nsadc never executes a file to read it: the CLI parses the file, and the
decorator parses the file that defines the function (``inspect`` names it).

A function need not come from a file on disk: IPython and Jupyter compile each
cell under a name of its own (``<ipython-input-3-...>``,
``/tmp/ipykernel_.../....py``) and keep the cell's text in :mod:`linecache`
under that name, which is where ``inspect`` and nsadc read it; errors are then
located in the cell.  Code whose text Python does not keep (typed at the
interactive prompt, run with ``python -c``, ``exec`` of a string) is refused
with a message that says so.
"""

from __future__ import annotations

import __future__
import ast
import hashlib
import inspect
import linecache
import os
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from nsadc.errors import Loc, NsadcError, UnsupportedError


@dataclass
class SourceFile:
    """A parsed file: its text, CST, positions, imports and module constants."""

    path: str
    text: str
    module: cst.Module
    positions: dict = field(repr=False)
    lines: list[str] = field(repr=False)
    imports: dict[str, str] = field(default_factory=dict)  # local name -> "math", "np", "math.exp"
    constants: dict[str, float | int | bool] = field(default_factory=dict)  # literal module constants
    functions: dict[str, list[cst.FunctionDef]] = field(default_factory=dict)
    parents: dict = field(default_factory=dict, repr=False)
    # module variables that some function rebinds with a `global` statement: name -> that statement
    global_decls: dict[str, cst.Global] = field(default_factory=dict, repr=False)

    def loc(self, node: cst.CSTNode) -> Loc:
        pos = self.positions.get(node)
        if pos is None:
            return Loc(self.path, 0, 0)
        line = pos.start.line
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        return Loc(self.path, line, pos.start.column, text)

    def source_of(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)

    def sha256(self, node: cst.CSTNode | None = None) -> str:
        text = self.text if node is None else self.source_of(node)
        return hashlib.sha256(text.encode()).hexdigest()

    def function(self, name: str, line: int | None = None) -> cst.FunctionDef:
        """The definition of ``name``: the one starting at ``line`` when given,
        else the module-level one."""
        defs = self.functions.get(name, [])
        if line is not None:
            for d in defs:
                first = self.positions[d].start.line
                deco_lines = [self.positions[dec].start.line for dec in d.decorators]
                if line == first or line in deco_lines:
                    return d
        for d in defs:
            if isinstance(self.parents.get(d), cst.Module):
                return d
        if defs:
            return defs[0]
        raise NsadcError(f"{self.path}: no function named {name!r}")


_MODULE_NAMES = {"math": "math", "numpy": "np", "cmath": "cmath", "numpy.linalg": "np.linalg"}


class _Collector(cst.CSTVisitor):
    def __init__(self, src: SourceFile):
        self.src = src
        self.stack: list[cst.CSTNode] = []

    def on_visit(self, node):
        if self.stack:
            self.src.parents[node] = self.stack[-1]
        self.stack.append(node)
        return super().on_visit(node)

    def on_leave(self, original_node):
        self.stack.pop()
        return super().on_leave(original_node)

    def visit_FunctionDef(self, node):
        self.src.functions.setdefault(node.name.value, []).append(node)

    def visit_Global(self, node):
        for item in node.names:
            self.src.global_decls.setdefault(item.name.value, node)

    def visit_Import(self, node):
        for alias in node.names:
            full = _dotted(alias.name)
            local = alias.asname.name.value if alias.asname else full.split(".")[0]
            if not alias.asname:
                full = local  # import numpy.linalg binds numpy
            if full in _MODULE_NAMES:
                self.src.imports[local] = _MODULE_NAMES[full]

    def visit_ImportFrom(self, node):
        if node.module is None or isinstance(node.names, cst.ImportStar):
            return
        mod = _dotted(node.module)
        if mod not in _MODULE_NAMES:
            return
        for alias in node.names:
            name = _dotted(alias.name)
            local = alias.asname.name.value if alias.asname else name
            self.src.imports[local] = f"{_MODULE_NAMES[mod]}.{name}"


def _dotted(node) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


def _literal(node):
    """The value of a numeric literal expression (``2.5``, ``-1``, ``1e-8``), else None."""
    if isinstance(node, cst.Integer | cst.Float):
        return node.evaluated_value
    if isinstance(node, cst.Name) and node.value in ("True", "False"):
        return node.value == "True"
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        inner = _literal(node.expression)
        return None if inner is None or isinstance(inner, bool) else -inner
    return None


_CACHE: dict[tuple[str, str], SourceFile] = {}


def source_text(fn) -> tuple[str, str, int]:
    """(file, its text, the function's first line) without parsing anything."""
    fn = inspect.unwrap(fn)
    lines = _source_lines(fn)
    code = fn.__code__
    if fn.__name__ != "<lambda>":  # (refused, as a lambda, once parsed)
        check_fresh(fn, lines)
    return code.co_filename, "".join(lines), code.co_firstlineno


class SourceUnavailable(UnsupportedError):
    """A function whose source text Python does not keep."""


def _source_lines(fn) -> list[str]:
    """The lines of the file (or notebook cell) that defines ``fn``."""
    code = getattr(fn, "__code__", None)
    if code is None:
        raise NsadcError(f"{fn!r} is not a Python function; nsadc differentiates plain `def` functions")
    try:
        lines, _ = inspect.findsource(fn)  # the file, else linecache (where IPython keeps its cells)
    except (OSError, TypeError):
        lines = linecache.getlines(code.co_filename, getattr(fn, "__globals__", None))
    if lines:
        return lines
    path = code.co_filename
    if path.startswith("<") and path.endswith(">"):  # <stdin>, <string>: no file, and nothing in linecache
        why = (f"Python keeps no source text for code named {path} (typed at the interactive prompt, run "
               "with `python -c`, or given to exec() as a string), and nsadc differentiates a "
               "function's source")
    else:
        why = f"the file {path} cannot be read (moved or deleted since it was imported?)"
    raise SourceUnavailable(
        f"cannot read the source of {fn.__qualname__}: {why}",
        Loc(path, code.co_firstlineno, 0),
        "define the function in a .py file and import it (a Jupyter or IPython cell works too: IPython "
        "keeps each cell's text); for source you compile yourself, register its text in linecache "
        "under the filename given to compile(), as IPython does: "
        "linecache.cache[name] = (len(text), None, text.splitlines(True), name)")


def source_hash(path: str) -> str | None:
    """The SHA-256 of the file ``path`` as it is now, or of the text linecache
    keeps under that name (a notebook cell); None when there is neither."""
    try:
        with open(path, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()
    except OSError:
        pass
    if os.path.exists(path):
        return None
    lines = linecache.getlines(path)
    return hashlib.sha256("".join(lines).encode("utf-8", "surrogatepass")).hexdigest() if lines else None


def is_file_backed(path: str) -> bool:
    """Whether ``path`` names a file on disk (else a cell or string kept in linecache)."""
    return os.path.isfile(path)


# ------------------------------------------------------------ stale sources
# inspect reads the file as it is now; Python runs the function as it was when
# its module was imported.  A file edited since (a notebook with the module open
# in an editor) would make nsadc differentiate code that does not run.  The file
# as it is now is compiled again (the whole file: the code of a function depends
# on its surroundings, e.g. which names are imported or enclosing functions'
# variables), and the definition that starts at the function's first line must
# compile to the function's own code.  A notebook cell is checked the same way
# against the text linecache keeps for it; IPython compiles a cell one top-level
# statement at a time, so that statement compiled alone may be the match.

_FUTURE_FLAGS = 0
for _name in __future__.all_feature_names:
    _FUTURE_FLAGS |= getattr(__future__, _name).compiler_flag
_COMPILED: dict[tuple[str, str, int, int], object] = {}


def _fingerprint(code) -> tuple:
    """What a code object does, without its line numbers."""
    consts = tuple(_fingerprint(c) if inspect.iscode(c) else (type(c).__name__, repr(c)) for c in code.co_consts)
    return (code.co_name, code.co_code, code.co_names, code.co_varnames, code.co_freevars, code.co_cellvars,
            code.co_argcount, code.co_posonlyargcount, code.co_kwonlyargcount, code.co_flags, consts)


def _find_code(code, name: str, line: int):
    for c in code.co_consts:
        if inspect.iscode(c):
            if c.co_name == name and c.co_firstlineno == line:
                return c
            inner = _find_code(c, name, line)
            if inner is not None:
                return inner
    return None


def _recompiled(fn, lines: list[str], alone: bool = False):
    """The code object that the file as it is now (``lines``) compiles to at
    ``fn``'s first line, or None.  ``alone``: compile only the top-level
    statement that holds the definition, as IPython runs a cell (one statement
    at a time; CPython's code for ``math.sin(x)`` depends on whether ``math``
    was imported in the same unit)."""
    code = fn.__code__
    text = "".join(lines)
    flags = code.co_flags & _FUTURE_FLAGS
    key = (code.co_filename, hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(), flags,
           code.co_firstlineno if alone else 0)
    module = _COMPILED.get(key)
    if module is None:
        # (top-level await: a notebook cell)
        flags |= ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
        try:
            if alone:
                tree = compile(text, code.co_filename, "exec", flags=flags | ast.PyCF_ONLY_AST,
                               dont_inherit=True)
                line = code.co_firstlineno
                stmt = next((s for s in tree.body if _first_line(s) <= line <= s.end_lineno), None)
                if stmt is None:
                    return None
                module = compile(ast.Module([stmt], type_ignores=[]), code.co_filename, "exec", flags=flags,
                                 dont_inherit=True)
            else:
                module = compile(text, code.co_filename, "exec", flags=flags, dont_inherit=True)
        except (SyntaxError, ValueError):
            return None
        if len(_COMPILED) > 64:
            _COMPILED.clear()
        _COMPILED[key] = module
    return _find_code(module, code.co_name, code.co_firstlineno)


def _first_line(stmt: ast.stmt) -> int:
    """A statement's first line, its decorators included."""
    return min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", ())])


def _rewritten(fn) -> bool:
    """Whether ``fn``'s module was compiled from a rewritten tree (pytest's asserts)."""
    import sys

    module = sys.modules.get(getattr(fn, "__module__", None) or "")
    loader = getattr(getattr(module, "__spec__", None), "loader", None)
    return type(loader).__name__ == "AssertionRewritingHook"


def check_fresh(fn, lines: list[str]) -> None:
    """Refuse a function whose file changed after Python compiled it."""
    code = fn.__code__
    again = _recompiled(fn, lines)
    if again is not None and _fingerprint(again) == _fingerprint(code):
        return
    if again is not None and _rewritten(fn):
        return  # pytest rewrote the module's asserts: only the definition's place can be compared
    if not is_file_backed(code.co_filename):  # a notebook cell, run one top-level statement at a time
        alone = _recompiled(fn, lines, alone=True)
        if alone is not None and _fingerprint(alone) == _fingerprint(code):
            return
        raise NsadcError(
            f"{code.co_filename}:{code.co_firstlineno}: the source of {fn.__qualname__} that linecache keeps "
            f"under {code.co_filename} is not the code Python is running (the text registered there is not "
            "the text that was compiled).  Run the cell (or compile the text) again so that the two agree, "
            "then differentiate it again.")
    raise NsadcError(
        f"{code.co_filename}:{code.co_firstlineno}: the source of {fn.__qualname__} in this file is not the "
        "code Python is running: the file was edited after its module was imported.  Reload the module "
        "(importlib.reload, or restart the kernel) so that the function and its file agree, then "
        "differentiate it again.")


def parse_file(path: str | Path, text: str | None = None) -> SourceFile:
    """Parse ``path`` (or ``text`` as the contents of ``path``); parses of the same
    text are shared."""
    path = str(path)
    if text is None:
        try:
            text = Path(path).read_text()
        except (OSError, UnicodeDecodeError) as e:
            lines = [] if os.path.exists(path) else linecache.getlines(path)  # a notebook cell
            if not lines:
                raise NsadcError(f"cannot read {path}: {getattr(e, 'strerror', None) or e}") from None
            text = "".join(lines)
    key = (path, hashlib.sha256(text.encode()).hexdigest())
    src = _CACHE.get(key)
    if src is None:
        src = _CACHE[key] = _parse(path, text)
    return src


def _parse(path: str, text: str) -> SourceFile:
    try:
        return _parse_inner(path, text)
    except RecursionError:
        raise UnsupportedError("an expression or block is nested too deeply for nsadc to read",
                               _deepest(path, text),
                               "split long expressions into several assignments") from None


def _deepest(path: str, text: str) -> Loc | None:
    """Where the brackets and blocks of ``text`` are nested deepest (the
    tokenizer does not recurse, unlike a parser)."""
    import io
    import tokenize

    depth, best, where = 0, -1, None
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.OP and tok.string in "([{":
                depth += 1
            elif tok.type == tokenize.OP and tok.string in ")]}":
                depth -= 1
            elif tok.type == tokenize.INDENT:
                depth += 1
            elif tok.type == tokenize.DEDENT:
                depth -= 1
            if depth > best:
                best, where = depth, tok.start
    except (tokenize.TokenError, SyntaxError):
        pass
    if where is None:
        return None
    lines = text.splitlines()
    line = where[0]
    return Loc(path, line, where[1], lines[line - 1] if 0 < line <= len(lines) else "")


def _parse_inner(path: str, text: str) -> SourceFile:
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as e:
        lines = text.splitlines()
        line_text = lines[e.raw_line - 1] if 0 < e.raw_line <= len(lines) else ""
        raise UnsupportedError(f"syntax error: {e.message}",
                               Loc(path, e.raw_line, e.raw_column, line_text),
                               "fix the syntax (nsadc reads the file as Python 3 source)") from None
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    positions = wrapper.resolve(PositionProvider)
    src = SourceFile(path, text, module, dict(positions), text.splitlines())
    wrapper.visit(_Collector(src))
    for stmt in module.body:  # module-level literal constants: NAME = 2.5
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Assign) and len(small.targets) == 1 \
                        and isinstance(small.targets[0].target, cst.Name):
                    value = _literal(small.value)
                    if value is not None:
                        src.constants[small.targets[0].target.value] = value
    return src


def source_of_function(fn) -> tuple[SourceFile, cst.FunctionDef]:
    """Parse the file (or notebook cell) that defines ``fn`` and find its definition."""
    fn = inspect.unwrap(fn)
    lines = _source_lines(fn)
    code = fn.__code__
    path = code.co_filename
    if fn.__name__ != "<lambda>":
        check_fresh(fn, lines)
    src = parse_file(path, "".join(lines))
    if fn.__name__ == "<lambda>":
        line = code.co_firstlineno
        text_line = src.lines[line - 1] if 0 < line <= len(src.lines) else ""
        col = max(text_line.find("lambda"), 0)
        raise UnsupportedError("lambda functions are not supported", Loc(path, line, col, text_line),
                               "define the function with `def`")
    return src, src.function(fn.__name__, code.co_firstlineno)


def closure_env(fn) -> dict:
    """The names a function can read: its module's globals and its closure cells."""
    env = dict(fn.__globals__)
    if fn.__closure__:
        for name, cell in zip(fn.__code__.co_freevars, fn.__closure__):
            try:
                env[name] = cell.cell_contents
            except ValueError:  # an empty cell
                pass
    return env
