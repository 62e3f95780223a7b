"""The public API: ``differentiate`` and the functional forms.

A :class:`Differentiable` parses its function once (refusing unsupported code
at decoration time), then compiles one specialization per combination of
argument types on first use.  Compiled derivatives are emitted modules loaded
through the backend cache; nothing is evaluated by interpreting the IR.
"""

from __future__ import annotations

import dis
import functools
import hashlib
import inspect
import math
import numbers
import re
import threading
from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np

from nsadc import call_checks, jacobians
from nsadc.backends.lowering import PYTHON, Backend
from nsadc.backends.reused_tapes import SUFFIX as WITH_TAPES, carved_sizes
from nsadc.backends.targets import TARGETS, backend_for, parallel_refusal, with_kept_tapes
from nsadc.backends import load_meta, load_module, pipeline_key, save_meta
from nsadc.certificate.report import KinkReport, build_report, nan_met
from nsadc.errors import ArgumentError, Loc, NsadcError, RankError, UnsupportedError, internal_errors
from nsadc.frontend.arrays import array_through_expressions
from nsadc.frontend.cst_nodes import mentioned_names
from nsadc.frontend.module_calls import LIBRARIES
from nsadc.frontend.source import closure_env, is_file_backed, source_hash, source_of_function, source_text
from nsadc.frontend.syntax import all_params, index_params
from nsadc.analyses.facts import Site
from nsadc.pipeline import analyse_function, compile_function, compile_tangent
from nsadc.rules.arrays import array_type, differentiable_type, is_array, rank
from nsadc.rules.lexico import UNDECIDED
from nsadc.rules.policy import resolve_policy
from nsadc.transforms.common import report_layout
from nsadc.transforms.outputs import output_types


def _holds_nan(adjoints) -> bool:
    """Whether an adjoint (a float, an array, or a tuple of them) holds a NaN."""
    if isinstance(adjoints, tuple):
        return any(_holds_nan(a) for a in adjoints)
    if isinstance(adjoints, np.ndarray):
        if adjoints.dtype.kind != "f" or adjoints.size == 0:
            return False
        flat = adjoints.ravel()
        return math.isnan(float(flat @ flat))  # (a sum of squares: NaN only from a NaN; BLAS, a pass)
    return isinstance(adjoints, (float, np.floating)) and math.isnan(adjoints)


def _where_nan(plain, careful):
    """``plain`` with its NaN entries taken from ``careful`` (floats, arrays,
    or tuples of them, shaped alike)."""
    if isinstance(plain, tuple):
        return tuple(_where_nan(p, c) for p, c in zip(plain, careful))
    if isinstance(plain, np.ndarray):
        return np.where(np.isnan(plain), careful, plain).astype(plain.dtype, copy=False)
    return careful if isinstance(plain, (float, np.floating)) and math.isnan(plain) else plain


@dataclass
class _Kernels:
    """The compiled kernels of one specialization.  Built for a gradient alone
    (``more`` set), the kernels of ``LATER`` are built on first use."""

    sites: list[Site]
    vjp: object
    # (left, right, where): source expressions over the arguments that must be equal
    shape_checks: list = ()
    tapes: list = ()  # tapes sized at entry: [name, size expression, bytes per entry] (call_checks)
    grad: object = None  # vjp without the value: (args..., out_bar) -> adjoints (passes/dead_code.py)
    outputs: list = ("float",)  # the type of each returned value (an array or several: a vector output)
    vector: bool = False  # more than one returned value, or an array (jacobians.is_vector)
    more: object = None  # builds the kernels of LATER (a gradient-only build), or None
    written: tuple = ()  # the parameters this specialization writes into (x *= a of an array argument)
    # mode ("vjp", "grad", "vjp_report") -> (its twin taking its float tapes from a last
    # argument, the sum of the tapes' sizes as a function of the arguments): see _reverse and
    # backends/reused_tapes.py
    kept: dict = field(default_factory=dict)
    # builds, on first use, the kernels whose structural zeros win over infinite or NaN
    # factors (passes/strong_zeros.py), run where this one's derivatives hold a NaN; None for
    # those kernels themselves
    careful: object = None
    switches: bool = True  # a derivative meets a switch: a NaN in the results is worth the careful run

    # set by _build_kernels, or by ``more`` on first use:
    #   primal, jvp, jvp_report, vjp_report, ld: the other modes' kernels
    #   index_depth: the report array's layout (transforms.common.report_layout)
    #   ld_form: how Clarke mode takes its directions (pipeline.Compiled.ld_form)
    #   ld_refusal: why Clarke mode is refused for this program, if it is
    #   rows: a vector output's entries that met a kink (transforms/kink_rows.py)
    #   jacfwd, jacrev: a vector output's compiled Jacobian drivers (jacobian_source.py)
    #   scratch: cuda: the functions giving the scratch entries a reverse-mode function
    #     takes ("vjp", "grad", "vjp_report")
    LATER = ("primal", "jvp", "jvp_report", "vjp_report", "ld", "index_depth", "ld_form", "ld_refusal", "rows",
             "jacfwd", "jacrev", "scratch")

    def __getattr__(self, name: str):  # called only for a name not set yet
        if name in _Kernels.LATER:
            more = self.__dict__.get("more")
            if more is not None:
                more()
                self.more = None
            # (another thread may have built them between this lookup and the read of `more`)
            if name in self.__dict__:
                return self.__dict__[name]
        raise AttributeError(name)


# tapes up to this many float64 entries (256 MiB) are kept between calls; larger
# ones are allocated at each call, as memory held idle costs more than their pages
KEPT_TAPE_ENTRIES = 2 ** 25
# below this many entries (128 KiB, malloc's threshold for memory of its own) the
# plain kernel allocates its tapes: nothing to gain for the twin's check per call
SMALL_TAPE_ENTRIES = 2 ** 14
_NO_MEMORY = np.empty(0)


def _no_hits(k: _Kernels) -> np.ndarray:
    """A report array for ``k``'s report kernels: no site met, no last index (-1)."""
    n = len(k.sites)
    hits = np.zeros(max(1, report_layout(n, k.index_depth)), np.int64)
    hits[n:] = -1
    return hits


def _site_to_json(site: Site) -> dict:
    loc = site.loc
    return {"index": site.index, "prim": site.prim, "kind": site.kind, "code": site.code,
            "loc": None if loc is None else [loc.file, loc.line, loc.col, loc.text]}


def _site_from_json(d: dict) -> Site:
    loc = None if d["loc"] is None else Loc(*d["loc"])
    return Site(d["index"], d["prim"], d["kind"], loc, d["code"])


def _file_hash(path: str) -> str | None:
    return source_hash(path)  # (a notebook cell: the text linecache keeps)


def _files_of(fn, src) -> dict[str, str]:
    """Every source file the compiled code came from (callees may live in other
    modules): a cache entry is valid while none of them changed."""
    from nsadc.ir.nodes import walk

    files = {s.loc.file for s in walk(fn.body) if getattr(s, "loc", None) is not None}
    files.add(src.path)
    return {f: _file_hash(f) for f in sorted(files)}


def _ranks_from_the_call(src, node, env, rank_refusal: bool = False) -> dict | None:
    """What the API needs before the first call, for a function whose lowering
    failed while some array parameter's rank was a guess, or (``rank_refusal``:
    the refusal is about a number of dimensions) while an array parameter may
    have more dimensions than the code shows or a parameter taken for a number
    may be an array (``d = a - b``, ``r = np.maximum(0, d)``, then ``r[0]``;
    ``S[np.arange(n), y]`` with an array of labels ``y``):
    the parameters' guessed types, and the arrays the code writes through.
    None otherwise (the refusal stands)."""
    from nsadc.frontend.arrays import written_arrays
    from nsadc.frontend.lower import Lowerer

    lowerer = Lowerer(src, node, env)
    types = {p.name.value: lowerer._param_type(lowerer.entry, p) for p in all_params(node)}
    # numbers by the code's guess alone (not annotated): the call may pass arrays for them
    guessed_numbers = [p for p in all_params(node) if p.annotation is None
                       and types[p.name.value] in ("float", "int")]
    if not lowerer.rank_guessed and not (rank_refusal and (lowerer.rank_at_least or guessed_numbers)):
        return None
    written = written_arrays(node, src.functions) & set(types)
    # "vectorized": a parameter the code uses as a number may still come as an array
    return {"types": types, "vectorized": True, "index_reads": [], "written": sorted(written)}


def _valid(meta: dict | None) -> dict | None:
    if meta is None:
        return None
    for path, digest in meta.get("files", {}).items():
        if _file_hash(path) != digest:
            return None
    return meta


def _frozen_constants(env: dict, text: str) -> tuple:
    """The numeric module constants the function may read (nsadc freezes them
    into the emitted code, so they are part of the cache key)."""
    out = []
    for name, value in env.items():
        if isinstance(value, (bool, int, float)) and not name.startswith("__") and name in text:
            out.append((name, repr(value)))
    return tuple(sorted(out))


_GONE = object()  # a name no longer bound


def _reachable(fn) -> list:
    """``fn`` and the plain functions it may call, through its module's globals
    (a module's functions called through its name too) and its closure cells,
    transitively."""
    out, seen, stack = [], set(), [fn]
    while stack:
        f = stack.pop()
        code = getattr(f, "__code__", None)
        if code is None or id(code) in seen:
            continue
        seen.add(id(code))
        out.append(f)
        g = getattr(f, "__globals__", {})
        for name in sorted(_names_read(code)):
            if inspect.isfunction(g.get(name)):
                stack.append(g[name])
        for name, attr in sorted(_module_attributes(code)):  # kernels.clamp(x)
            module = g.get(name)
            if inspect.ismodule(module) and module.__name__.split(".")[0] not in LIBRARIES:
                value = getattr(module, attr, None)
                value = getattr(value, "py_func", value)
                if inspect.isfunction(value):
                    stack.append(value)
        for cell in f.__closure__ or ():
            try:
                value = cell.cell_contents
            except ValueError:
                continue
            if inspect.isfunction(value):
                stack.append(value)
    return out


def _module_attributes(code) -> set[tuple[str, str]]:
    """``(name, attribute)`` for each global read right before one of its
    attributes (``kernels.clamp``), nested code included."""
    out, codes = set(), [code]
    while codes:
        c = codes.pop()
        codes.extend(k for k in c.co_consts if hasattr(k, "co_names"))
        previous = None
        for ins in dis.get_instructions(c):
            if previous is not None and ins.opname in ("LOAD_ATTR", "LOAD_METHOD"):
                out.add((previous, ins.argval))
            previous = ins.argval if ins.opname in ("LOAD_GLOBAL", "LOAD_NAME") else None
    return out


def _names_read(code) -> set[str]:
    names, codes = set(), [code]
    while codes:  # nested code: comprehensions, inner functions
        c = codes.pop()
        names.update(c.co_names)
        codes.extend(k for k in c.co_consts if hasattr(k, "co_names"))
    return names


def _watched_constants(fn) -> tuple:
    """``(lookup, name, value)`` for the numeric module constants and closure
    variables that ``fn`` and the plain functions it calls read: nsadc freezes
    their values into the compiled code, so a later rebinding must be noticed
    (``Differentiable._constants_changed``).  ``lookup(name, default)`` reads
    the name's value now (from the module's globals, or the closure's cell)."""
    out = []
    for f in _reachable(fn):
        code = f.__code__
        g = getattr(f, "__globals__", {})
        for name in sorted(_names_read(code)):
            value = g.get(name)
            if isinstance(value, (bool, int, float, np.generic)):
                out.append((g.get, name, value))
        for name, cell in zip(code.co_freevars, f.__closure__ or ()):
            try:
                value = cell.cell_contents
            except ValueError:
                continue
            if isinstance(value, (bool, int, float, np.generic)):
                out.append((lambda _name, _default, cell=cell: cell.cell_contents, name, value))
    return tuple(out)


def _cell_sources(fn) -> tuple:
    """Where the functions ``fn`` may call were defined, for those defined in
    notebook cells (source kept by linecache, not in a file).  A helper
    redefined in a later cell lives under another name, while the cells
    already compiled stay as they were: the cache key must tell them apart."""
    out = []
    for f in _reachable(fn)[1:]:
        path = f.__code__.co_filename
        if not is_file_backed(path):
            out.append((f.__qualname__, path, f.__code__.co_firstlineno, source_hash(path)))
    return tuple(sorted(out, key=repr))


class Differentiable:
    """A function together with its compiled derivatives (forward, reverse and
    Clarke mode, compiled per argument kinds and cached on disk).

    On the cpu target, reverse mode (``grad``, ``value_and_grad``, ``vjp``)
    keeps the memory of its tapes from one call to the next, per thread, for
    tapes from 128 KiB to 256 MiB: fresh pages cost a fault each on first
    touch, a large part of a gradient's time on long loops.  It is released
    with the object."""

    def __init__(self, fn, wrt=None, kinks=None, target: str = "cpu", kink_tol: float = 0.0,
                 boundscheck: bool = False, parallel: bool = False):
        if isinstance(fn, Differentiable):
            fn = fn.__wrapped__
        if not callable(fn):
            raise NsadcError(f"differentiate() needs a function, got {type(fn).__name__}")
        functools.update_wrapper(self, fn)
        if target not in TARGETS:
            raise NsadcError(f"unknown target {target!r}; use one of {', '.join(TARGETS)}")
        if target == "cuda":  # numba.cuda device functions (nsadc/backends/numba_cuda.py)
            from nsadc.backends.numba_cuda import require_numba_cuda
            require_numba_cuda()
        self.target = target
        self.policy = resolve_policy(kinks)
        self._auto = self.policy.name == "auto"  # Clarke mode where a kink is met: always the full path
        if not (isinstance(kink_tol, (int, float)) and kink_tol >= 0 and kink_tol == kink_tol):
            raise NsadcError(f"kink_tol must be a number >= 0, not {kink_tol!r}")
        self.kink_tol = float(kink_tol)
        # numba checks every index (an IndexError instead of reading past an array)
        self.boundscheck = bool(boundscheck)
        self.parallel = bool(parallel)  # the cpu target's parallel loops (docs/parallel.md)
        if self.parallel and target != "cpu":
            raise NsadcError(parallel_refusal(target))
        self._lock = threading.RLock()  # threads making their first calls together compile once
        self._memory = threading.local()  # per thread: the tape memory kept between calls (_tape_memory)
        self._fn = inspect.unwrap(fn)
        self._env = closure_env(self._fn)
        self._watched = _watched_constants(self._fn)  # module constants frozen into the code
        self._signature = inspect.signature(fn)
        self._params = list(self._signature.parameters)
        self._specs: dict[tuple, _Kernels] = {}
        self._hvps: dict[tuple, object] = {}  # Hessian-vector product kernels by argument types
        self._parsed = None
        self._lowered: dict = {}  # lowerings by argument types (pipeline._lowered)
        # everything that determines the emitted code, for the on-disk cache
        path, text, line = source_text(self._fn)
        self._key = (path, hashlib.sha256(text.encode()).hexdigest(), self._fn.__name__, line,
                     self.policy, target, self.kink_tol, _frozen_constants(self._env, text),
                     self.boundscheck, self.parallel)
        # the constants of the other modules whose functions it calls, frozen into the code too
        others = tuple(sorted({(name, repr(value)) for lookup, name, value in self._watched
                               if getattr(lookup, "__self__", None) is not getattr(self._fn, "__globals__", None)}))
        if others:
            self._key += (others,)
        cells = _cell_sources(self._fn)
        if cells:  # helpers defined in notebook cells
            self._key += (cells,)
        meta_key = pipeline_key(*self._key, "static", wrt)
        meta = _valid(load_meta(meta_key))
        if meta is None:
            # lower once now: unsupported code is refused at decoration time, unless
            # the refusal may come from a rank the code does not show (X.dot(w) with X
            # only measured): the first call's arguments then decide
            try:
                base, _ = analyse_function(*self._source(), None, self._env, memo=self._lowered)
            except UnsupportedError as e:
                meta = _ranks_from_the_call(*self._source(), self._env, isinstance(e, RankError))
                if meta is None:
                    raise
            else:
                meta = {"types": {p.name: p.type for p in base.params}, "files": _files_of(base, self._source()[0]),
                        # (a lowering that let a rank error pass guessed ranks: the call's decide)
                        "vectorized": base.vectorized or base.lenient,
                        # (a parameter the body never reads may come as anything, an array too)
                        "arrays_through_expressions": [p.name for p in base.params if p.type == "float" and (
                            array_through_expressions(self._source()[1], p.name)
                            or p.name not in mentioned_names(self._source()[1].body))],
                        "index_reads": call_checks.index_reads(base), "written": call_checks.written(base)}
                save_meta(meta_key, meta)
        self._static_types = meta["types"]
        # whole-array NumPy: a parameter used only elementwise may be an array or a
        # scalar, as the caller passes it; the ranks of the first call decide
        self._vectorized = meta.get("vectorized", False)
        # np.var(np.abs(y)), np.abs(y)[0]: y may come as an array though nothing pins it to one
        self._array_ok = set(meta.get("arrays_through_expressions", []))
        # kinds of positional arguments seen before -> what the checks of _bind concluded
        self._fast_paths: dict[tuple, tuple] = {}
        self._shape_tests: dict[int, object] = {}
        self._index_reads = meta.get("index_reads", [])
        self._index_arrays: dict = {}  # argument types -> {parameter: where its elements index}
        self._written = set(meta.get("written", []))
        self.wrt = self._resolve_wrt(wrt)
        for w in self.wrt:
            if not differentiable_type(self._static_types[w]):
                raise ArgumentError(f"wrt names {w!r}, which {fn.__name__} uses as "
                                    f"{_describe_type(self._static_types[w])}; differentiate with respect "
                                    "to floats or float arrays")
        # the default wrt takes every float array, but the code rarely shows that an
        # array holds floats: the first call's dtypes settle these (see _settle_wrt)
        self._unsettled = {p for p in self.wrt if wrt is None and self._may_be_int_array(p)}
        # ... and a number may arrive as a bool, a flag the code only tests (a GPU's kernels are built here)
        self._flags = {p for p in self.wrt if wrt is None and target != "cuda" and self._static_types[p] == "float"}
        self._wrt_why = {p: "wrt names it" if wrt is not None else
                         "the first call passed it as floats, which put it in the default wrt"
                         for p in self.wrt}
        if target == "cuda":  # refused here, not in a user's kernel: arrays, allocating derivatives
            from nsadc.backends.numba_cuda import function_loc, refuse_arrays
            refuse_arrays(self.__name__, self._static_types, function_loc(path, line), self._vectorized,
                          self.wrt, self._written)
            if not self._unsettled:  # else the first call's dtypes settle wrt first
                self._kernels(dict(self._static_types))

    def _may_be_int_array(self, name: str) -> bool:
        """A float array by the code's guess (or, in whole-array code, a float that
        may come as an array): the call's dtype may still say int."""
        t = self._static_types[name]
        return is_array(t) or (self._vectorized and t == "float")

    def _source(self):
        if self._parsed is None:
            self._parsed = source_of_function(self._fn)
        return self._parsed

    # ------------------------------------------------------------ setup

    def _resolve_wrt(self, wrt) -> list[str]:
        if wrt is None:
            return [p for p in self._params if differentiable_type(self._static_types[p])]
        items = [wrt] if isinstance(wrt, (int, str)) else list(wrt)
        names = []
        for w in items:
            if isinstance(w, bool) or not isinstance(w, (int, str)):
                raise ArgumentError(f"wrt entries are argument positions or names, not {w!r}")
            if isinstance(w, int):
                if not -len(self._params) <= w < len(self._params):
                    raise ArgumentError(f"wrt={w}: {self.__name__} has {len(self._params)} arguments")
                w = self._params[w]
            elif w not in self._params:
                raise ArgumentError(f"wrt names {w!r}, which is not an argument of {self.__name__} "
                                    f"({', '.join(self._params)})")
            if w in names:
                raise ArgumentError(f"wrt names {w!r} twice")
            names.append(w)
        return names

    # ------------------------------------------------------------ the repeated call
    # An optimiser calls grad 10^5 times with arguments of the same kinds.  The
    # checks of _bind depend on the kinds only (types, dtypes, ranks, which
    # arrays are written), except a few on the values (int ranges, index bounds,
    # shapes, tape memory), so their conclusion is kept per tuple of kinds and
    # only the value checks run again.

    @staticmethod
    def _kinds(args: tuple) -> tuple:
        return tuple([(a.dtype, a.ndim) if type(a) is np.ndarray else type(a) for a in args])

    def _constants_changed(self) -> bool:
        """Whether a module constant (or closure variable) that the compiled code
        froze has been rebound since; if so, everything is rebuilt from the
        function as it reads now (a stale constant would be a wrong answer)."""
        for lookup, name, value in self._watched:
            if lookup(name, _GONE) is not value:
                break
        else:
            return False
        with self._lock:
            self.__init__(self.__wrapped__, wrt=list(self.wrt), kinks=self.policy, target=self.target,
                          kink_tol=self.kink_tol, boundscheck=self.boundscheck, parallel=self.parallel)
        return True

    def _fast(self, args: tuple):
        """``(values, kernels)`` for positional arguments of kinds seen before, else None."""
        if self._watched and self._constants_changed():
            return None
        if len(args) != len(self._params):
            return None
        entry = self._fast_paths.get(tuple([(a.dtype, a.ndim) if type(a) is np.ndarray else type(a)
                                            for a in args]))
        if entry is None:
            return None
        convert, ints, written, check, k = entry
        values = [a if c is None else c(a) for c, a in zip(convert, args)] if convert else args
        for i in ints:
            if not -9223372036854775808 <= values[i] <= 9223372036854775807:
                return None  # the full checks say why
        for i in written:
            if not args[i].flags.writeable or any(
                    j != i and type(a) is np.ndarray and np.may_share_memory(args[i], a) for j, a in enumerate(args)):
                return None  # (the full checks refuse it, saying why)
        if check is not None:
            check(values)
        return values, k

    def _value_checks(self, k: _Kernels, types: dict[str, str]):
        """One function checking, on a call's values, what depends on them (index
        bounds, shapes, tape memory), raising the full path's errors; None when
        there is nothing to check."""
        index_reads, shapes, tapes = self._index_reads, k.shape_checks, k.tapes
        if not (index_reads or shapes or tapes):
            return None
        agree = self._shapes_agree(k) if shapes else None
        if not (index_reads or tapes):
            def check(values):
                if not agree(*values):
                    self._check_shapes(values, types)  # raises, naming the shapes
            return check

        def check_all(values):
            if index_reads:
                call_checks.check_index_reads(self.__name__, index_reads, dict(zip(self._params, values)))
            if agree is not None and not agree(*values):
                self._check_shapes(values, types)
            if tapes:
                call_checks.check_tape_memory(self.__name__, tapes, dict(zip(self._params, values)))
        return check_all

    def _shapes_agree(self, k: _Kernels):
        """One function of the arguments testing every shape requirement of the
        kernels at once (the repeated call; _check_shapes says which failed)."""
        test = self._shape_tests.get(id(k))
        if test is None:
            sides = " and ".join(f"({a}) == ({b})" for _, _, a, b, _ in k.shape_checks) or "True"
            test = eval(f"lambda {', '.join(self._params)}: {sides}", {})  # noqa: S307 - nsadc's own expressions
            self._shape_tests[id(k)] = test
        return test

    def _remember(self, args: tuple, kwargs, values: list, types: dict, gradient_only: bool = False) -> None:
        """Keep what _bind concluded for arguments of these kinds (see _fast)."""
        if kwargs or len(args) != len(self._params):
            return
        convert = []
        for a, v in zip(args, values):
            if v is a:
                convert.append(None)
            elif isinstance(a, (np.floating, np.integer)) and not isinstance(a, np.bool_) \
                    and type(v) in (float, int):
                convert.append(type(v))
            else:
                return  # converted (byte order, ...): always the full path
        ints = tuple(i for i, v in enumerate(values) if type(v) is int)
        k = self._kernels(types, gradient_only)
        written = tuple(i for i, p in enumerate(self._params)
                        if (p in self._written or p in k.written) and type(args[i]) is np.ndarray)
        self._fast_paths[self._kinds(args)] = (tuple(convert) if any(convert) else None, ints, written,
                                               self._value_checks(k, types), k)

    def _bind(self, args, kwargs=None, gradient_only: bool = False,
              shapes: bool = True) -> tuple[list, dict[str, str]]:
        """The call's values and types, checked; ``shapes``: also the shape
        requirements of its kernels (building them; not for ``source``)."""
        if self._watched:
            self._constants_changed()
        try:
            bound = self._signature.bind(*args, **(kwargs or {}))
        except TypeError as e:
            raise ArgumentError(f"{self.__name__}: {e}") from None
        bound.apply_defaults()
        self._settle_wrt(bound.arguments)
        values, types = [], {}
        for name in self._params:
            v = bound.arguments[name]
            if isinstance(v, np.ndarray) or is_array(self._static_types[name]):
                values.append(self._array_argument(name, v))
                types[name] = array_type(v.ndim, v.dtype.kind == "f")
                continue
            if name in self.wrt:  # (a bool is a number, True is 1.0, as in Python's arithmetic)
                if not isinstance(v, (numbers.Real, np.bool_)):
                    raise ArgumentError(f"argument {name!r} of {self.__name__} must be a float "
                                        f"(it is differentiated), got {type(v).__name__}")
                values.append(call_checks.as_float(self.__name__, name, v))
                types[name] = "float"
            elif isinstance(v, (bool, np.bool_)):
                values.append(bool(v))
                types[name] = "bool"
            elif isinstance(v, numbers.Integral):
                types[name] = "int" if self._static_types[name] != "float" else "float"
                values.append(call_checks.as_int(self.__name__, name, v) if types[name] == "int" else
                              call_checks.as_float(self.__name__, name, v))
            elif isinstance(v, numbers.Real):
                if self._static_types[name] == "int":
                    call_checks.refuse_float_for_int(self.__name__, name, v)
                values.append(float(v))
                types[name] = "float"
            else:
                raise ArgumentError(f"argument {name!r} of {self.__name__}: expected a float, int or "
                                    f"bool scalar, got {type(v).__name__}")
        if self._index_reads:
            call_checks.check_index_reads(self.__name__, self._index_reads, dict(zip(self._params, values)))
        # (whole-array code's operands, and a name that takes a new array in a loop: one array filled
        # again, whose length the new one must have)
        if shapes or self._vectorized:
            self._check_shapes(values, types, gradient_only)
        # (in whole-array code, which arguments are written may show only with the call's ranks)
        written = self._written | set(self._kernels(types, gradient_only).written if self._vectorized else ())
        if written:
            self._refuse_written_aliases(values, written)
        flags = [n for n in self._params if isinstance(bound.arguments[n], np.ndarray)
                 and bound.arguments[n].dtype.kind == "b"]
        if flags:
            self._refuse_flags_as_indices(flags, types)
        return values, types

    def _refuse_flags_as_indices(self, flags: list[str], types: dict[str, str]) -> None:
        """Bool arrays travel as int8 views (flags read as 0 and 1); one whose
        elements the code uses as indices (``x[mask]`` lowered for an array
        argument: NumPy's mask) would read positions 0 and 1 instead: refused."""
        key = tuple(types[p] for p in self._params)
        if key not in self._index_arrays:
            try:
                base, _ = analyse_function(*self._source(), None, self._env, types, memo=self._lowered)
            except NsadcError:
                self._index_arrays[key] = {}  # the compile that follows says why
            else:
                self._index_arrays[key] = call_checks.index_arrays(base)
        for name in flags:
            where = self._index_arrays[key].get(name)
            if where is not None:
                raise ArgumentError(f"argument {name!r} of {self.__name__} is a bool array, and the function "
                                    f"indexes with it ({where}): nsadc reads an index array as positions, "
                                    f"not as NumPy's mask; write x[{name} != 0] or "
                                    f"np.where({name}, ..., 0.0) for the mask, or pass the positions "
                                    f"np.flatnonzero({name})")

    def _settle_wrt(self, arguments: dict) -> None:
        """The default wrt leaves out an array argument that arrives with an integer
        or bool dtype (counts, labels, flags: the code need not show that they are ints),
        and a number that arrives as a bool (a flag the code only tests).  The
        first call decides, so that every call differentiates the same arguments;
        an int array that is all there is to differentiate stays (and is refused)."""
        if not self._unsettled and not self._flags:
            return
        with self._lock:  # emptied last: a thread that sees them empty sees wrt settled
            if not self._unsettled and not self._flags:
                return
            ints = [n for n in self._unsettled  # (ints and bools: flags, masks)
                    if isinstance(arguments[n], np.ndarray) and arguments[n].dtype.kind in "iub"]
            ints += [n for n in self._flags if isinstance(arguments[n], (bool, np.bool_))]
            if len(ints) == len(self.wrt):
                self._wrt_why.update({n: "it is the only argument to differentiate" for n in ints})
            else:
                for name in ints:
                    self.wrt.remove(name)
            self._flags = set()
            self._unsettled = set()

    def _check_shapes(self, values: list, types: dict[str, str], gradient_only: bool = False) -> None:
        """The shape requirements of whole-array operations, on the arguments:
        a mismatch would otherwise read outside an array."""
        checks = self._kernels(types, gradient_only).shape_checks
        if not checks:
            return
        env = dict(zip(self._params, values))
        for left, right, a, b, where in checks:
            x, y = eval(left, {}, env), eval(right, {}, env)
            if x != y:
                shapes = ", ".join(f"{n} has shape {v.shape}" for n, v in env.items()
                                   if isinstance(v, np.ndarray) and n in a + " " + b)
                note = "; nsadc does not broadcast size-1 dimensions" if 1 in (x, y) else ""
                raise ArgumentError(f"{self.__name__}: {where} needs {a} == {b}, but {a} is {x} and {b} is "
                                    f"{y} ({shapes}){note}")

    def _array_argument(self, name: str, v) -> np.ndarray:
        """Check an array argument against how the function uses it; a mistake
        is reported naming the argument, not as a numba typing error."""
        where = f"argument {name!r} of {self.__name__}"
        static = self._static_types[name]
        if not isinstance(v, np.ndarray):
            raise ArgumentError(f"{where} must be a numpy array (the function indexes it), got "
                                f"{type(v).__name__}")
        # whole-array code may index with an array of ints where the text shows a number (U[rows],
        # S[np.arange(n), y] beside np.sum(y == 1)): the call's ranks decide, its lowering checks them
        gathers = False
        if static == "int":  # (the scan of the function only where the text shows an int)
            only, some = index_params(self._source()[1])
            gathers = name in only or (self._vectorized and name in some)
        if not is_array(static) and not (self._vectorized and (static == "float" or gathers)) \
                and not (static == "float" and name in self._array_ok):
            raise ArgumentError(f"{where} must be a scalar (the function uses it as a number), got a "
                                f"{v.ndim}-D array")
        self._check_dtype(name, v, where)
        if v.ndim == 0:
            raise ArgumentError(f"{where} is a 0-d array; pass a float instead")
        if is_array(static) and v.ndim < rank(static):
            raise ArgumentError(f"{where} is a {v.ndim}-D array, but the function indexes it with "
                                f"{rank(static)} indices")
        v = call_checks.native_array(self.__name__, name, v, name in self._written)
        return v.view(np.int8) if v.dtype.kind == "b" else v

    def _refuse_written_aliases(self, values: list, written: set[str]) -> None:
        """Two arguments that share memory, one of which the function writes
        into (``f(x, x)``): Python's call sees each write through both names,
        while derivatives are taken per argument (each read as the caller
        passed it), so the two would disagree: refused."""
        arrays = [(p, v) for p, v in zip(self._params, values) if isinstance(v, np.ndarray)]
        for p, v in arrays:
            if p in written:
                for q, other in arrays:
                    if q != p and np.may_share_memory(v, other):
                        raise ArgumentError(f"{self.__name__}: arguments {p!r} and {q!r} share memory and "
                                            f"{self.__name__} writes into {p!r}; derivatives are taken per "
                                            f"argument, so pass a copy ({q}.copy())")

    @staticmethod
    def _fresh_copies(values: list) -> list:
        """``values`` with a copy of each array, for a run of the primal (which
        writes into its arrays as NumPy does) by the drivers that run kernels
        on them again: the caller's arrays stay as they were, and every run
        starts from the same point.  (Every array: which ones the function
        writes may show only with the call's ranks, ``x *= a`` of an array.)"""
        return [v.copy() if isinstance(v, np.ndarray) else v for v in values]

    def _check_dtype(self, name: str, v: np.ndarray, where: str) -> None:
        static = self._static_types[name]
        floats = v.dtype.kind == "f" and v.dtype.itemsize in (4, 8)
        ints = v.dtype.kind in "iu"
        if floats and is_array(static) and not differentiable_type(static):
            raise ArgumentError(f"{where} has dtype {v.dtype}, but the function uses its elements as "
                                f"indices or range() bounds; pass an integer array "
                                f"({name}.astype(np.int64))")
        if ints and name in self.wrt:
            raise ArgumentError(f"{where} has dtype {v.dtype}, but it is differentiated "
                                f"({self._wrt_why[name]}); pass a float64 or float32 array, or "
                                f"differentiate with wrt= leaving {name!r} out")
        if v.dtype.kind == "b" and name not in self.wrt:
            return  # flags: read (and written) as 0 and 1 through an int8 view of the same bytes
        if not (floats or ints):
            want = "float64 or float32" if name in self.wrt else "float64, float32, integer or bool"
            raise ArgumentError(f"{where} has dtype {v.dtype}; nsadc takes {want} arrays here "
                                f"(convert with {name}.astype(np.float64))")

    def _backend(self) -> Backend:
        """The backend this target's code is emitted for."""
        return backend_for(self.target, self.boundscheck, self.parallel)

    def _kernels(self, types: dict[str, str], gradient_only: bool = False) -> _Kernels:
        """The kernels for these argument types.  ``gradient_only``: a first call
        that needs only the gradient builds only the reverse mode; the other
        kernels are built when one of them is first used (``_Kernels.more``)."""
        k = self._specs.get((tuple(types[p] for p in self._params), tuple(self.wrt)))
        if k is not None:
            return k
        with self._lock:  # one thread compiles; the others wait for its kernels
            key = tuple(types[p] for p in self._params)
            k = self._specs.get((key, tuple(self.wrt)))  # wrt too: the first call may settle it
            if k is None:
                k = self._build_kernels(types, gradient_only and self.target != "cuda")
                self._specs[(key, tuple(self.wrt))] = k
            return k

    def _build_kernels(self, types: dict[str, str], gradient_only: bool = False,
                       strong_zeros: bool = False) -> _Kernels:
        key = tuple(types[p] for p in self._params)
        meta_key = pipeline_key(*self._key, key, self.wrt, *(["gradient only"] if gradient_only else []),
                                *(["strong zeros"] if strong_zeros else []))
        meta = _valid(load_meta(meta_key))
        mod = load_module(name=meta["module"]) if meta else None
        if mod is None:
            try:
                comp = compile_function(*self._source(), self.wrt, self.policy, self._env, types, self.kink_tol,
                                        self._lowered, gradient_only, strong_zeros)
            except UnsupportedError as e:
                raise self._more_dimensions(types, e) or e

            backend = with_kept_tapes(self._backend())
            if backend is not PYTHON:
                import numba  # noqa: F401  (imported by the module; fail early and clearly)
            modes = ("forward", "reverse", "lexicographic")
            if self.target == "cuda":  # device functions; refused when they would allocate
                from nsadc.backends.numba_cuda import device_module_source, function_loc, refuse_arrays
                where = function_loc(self._key[0], self._key[3])
                refuse_arrays(self.__name__, types, where, False, self.wrt, self._written)
                mod = load_module(device_module_source(comp, where))
            elif comp.gradient_only:
                mod = load_module(comp.module(("reverse",), backend=backend, grad=True))
            else:
                mod = load_module(comp.module(modes, primal=True, report=True, backend=backend, jacobians=True))
            meta = {"module": mod.__name__, "name": comp.name, "files": _files_of(comp.primal, comp.src),
                    "sites": [_site_to_json(s) for s in comp.facts.sites],
                    "shape_checks": comp.primal.shape_checks,
                    "tapes": call_checks.tape_sizes(comp.vjp, [p.name for p in comp.vjp.params]),
                    "outputs": output_types(comp.primal, comp.facts.types),
                    "gradient_only": comp.gradient_only,
                    "switches": comp.switches,
                    "written": call_checks.written(comp.primal),
                    "kept": {mode: carved_sizes(fn) for mode, fn in (("vjp", comp.vjp), ("grad", comp.grad),
                                                                      ("vjp_report", comp.vjp_report))
                             if fn is not None and backend.prepare is not None}}
            if not comp.gradient_only:
                meta.update({"index_depth": comp.vjp_report.index_depth, "ld_form": comp.ld_form,
                             "ld_refusal": comp.ld_refusal})
            save_meta(meta_key, meta)
        n = meta["name"]
        k = _Kernels([_site_from_json(d) for d in meta["sites"]], getattr(mod, f"{n}_vjp"),
                     [(compile(a, "<shape>", "eval"), compile(b, "<shape>", "eval"), a, b, where)
                      for a, b, where in meta.get("shape_checks", [])],
                     meta.get("tapes", []), getattr(mod, f"{n}_grad", None), meta.get("outputs", ["float"]))
        k.vector = jacobians.is_vector(k.outputs)
        k.written = tuple(meta.get("written", ()))
        if not strong_zeros and self.target != "cuda":
            k.careful = functools.partial(self._careful_kernels, k, types)
            k.switches = meta.get("switches", True)
        k.kept = {mode: (getattr(mod, f"{n}_{mode}{WITH_TAPES}"),
                         call_checks.size_function(" + ".join(f"({e})" for e in sizes), self._params))
                  for mode, sizes in meta.get("kept", {}).items() if sizes and hasattr(mod, f"{n}_{mode}{WITH_TAPES}")}
        if meta.get("gradient_only"):
            k.more = lambda: self._more_kernels(k, types)
            return k
        k.primal, k.jvp, k.vjp_report = getattr(mod, n), getattr(mod, f"{n}_jvp"), getattr(mod, f"{n}_vjp_report")
        k.jvp_report, k.ld = getattr(mod, f"{n}_jvp_report"), getattr(mod, f"{n}_ld", None)
        k.rows = getattr(mod, f"{n}_jvp_rows", None)
        k.jacfwd, k.jacrev = getattr(mod, f"{n}_jacfwd", None), getattr(mod, f"{n}_jacrev", None)
        k.index_depth, k.ld_form, k.ld_refusal = meta.get("index_depth", 0), meta.get("ld_form", "unrolled"), \
            meta.get("ld_refusal")
        k.scratch = {f: getattr(mod, f"{n}_{f}_scratch", None) for f in ("vjp", "grad", "vjp_report")}
        if self.target == "cuda":  # device functions: a call from the host says what to do instead
            from nsadc.backends.numba_cuda import host_calls
            for kind, fn in host_calls({f: getattr(k, f) for f in ("primal", "jvp", "vjp", "jvp_report",
                                                                   "vjp_report", "ld", "grad")},
                                       self.__name__).items():
                setattr(k, kind, fn)
        return k

    def _careful_kernels(self, k: _Kernels, types: dict[str, str], full: bool = False) -> _Kernels:
        """``k``'s reverse mode (``full``: every mode) with strong zeros, built on first use."""
        key = "strong, full" if full else "strong"
        with self._lock:
            built = k.__dict__.get(key)
            if built is None:
                built = k.__dict__[key] = self._build_kernels(types, not full, strong_zeros=True)
            return built

    def _more_kernels(self, k: _Kernels, types: dict[str, str]) -> None:
        """Give ``k``, built for the gradient alone, every other kernel (its own
        ``vjp`` and ``grad`` stay: they may be compiled already)."""
        with self._lock:
            if "jvp" in k.__dict__:  # another thread did it
                return
            full = self._build_kernels(types)
            for name in _Kernels.LATER:
                setattr(k, name, getattr(full, name))
            k.kept = {**full.kept, **k.kept}  # (its own vjp and grad keep their twins)

    def _more_dimensions(self, types: dict[str, str], e: UnsupportedError) -> ArgumentError | None:
        """The call's arrays have more dimensions than the code indexes and the
        code does not work on them that way: the argument is the mistake, say so
        (with where the code failed)."""
        where = e.message  # the failure is about that argument: it names it
        extra = [p for p, t in types.items() if is_array(t) and is_array(self._static_types.get(p))
                 and rank(t) > rank(self._static_types[p]) and re.search(rf"\b{re.escape(p)}\b", where)]
        if not extra:
            return None
        shown = ", ".join(f"{p!r} is a {rank(types[p])}-D array where the code indexes a "
                          f"{rank(self._static_types[p])}-D one" for p in extra)
        return ArgumentError(f"{self.__name__}: argument {shown}; with it, {e}")

    def _reverse(self, k: _Kernels, mode: str, values, extra) -> tuple:
        """Run ``k``'s reverse-mode kernel ``mode`` ("vjp", "grad" or
        "vjp_report") on ``values`` and ``extra`` (cotangents, a report array),
        its float tapes carved from memory this thread keeps between calls
        where it has a twin for that (backends/reused_tapes.py)."""
        kept = k.kept.get(mode)
        if kept is not None:
            twin, total = kept
            try:
                need = total(*values)
            except Exception:  # noqa: BLE001 - the kernel reports its own errors
                need = None
            if isinstance(need, int) and need >= SMALL_TAPE_ENTRIES:  # (small tapes: malloc's own memory)
                return self._in_input_precision(mode, values, self._careful_where_nan(
                    k, mode, values, extra, lambda: self._run(twin, *values, *extra, self._tape_memory(need))))
        return self._in_input_precision(mode, values, self._careful_where_nan(
            k, mode, values, extra, lambda: self._run(getattr(k, mode), *values, *extra)))

    def _careful_where_nan(self, k: _Kernels, mode: str, values, extra, plain):
        """``plain()``, or where its adjoints hold a NaN or it divided by zero,
        the same call of the kernels whose structural zeros win
        (passes/strong_zeros.py): a NaN that ``0 * inf`` made where an infinite
        or NaN value does not reach the output (a sample skipped by ``if v !=
        v: continue``, ``sqrt(max(x, 0.0))`` at ``x < 0``, an overflow a
        ``min`` caps) becomes the 0 it is, and a partial's division by zero
        (``1 / p`` of ``np.log(p)`` at ``p == 0``, which Numba's error model
        raises) is IEEE's there.  Only the entries that were NaN are taken
        from the careful run; where the function's value is NaN, the plain
        result stays, and a division by zero of the function's own raises."""
        careful = k.careful is not None and mode in ("vjp", "grad", "jvp")
        out = raised = None
        try:
            out = plain()
        except ZeroDivisionError as e:
            if not careful:
                raise
            raised = e
        else:  # (without a switch, strong zeros would give the same NaN: no pass over the results)
            if not careful or not k.switches or not _holds_nan(out if mode == "grad" else out[1]):
                return out
        # (vjp for grad too: a NaN of the value is left as the plain kernel gave it)
        kernel = getattr(k.careful(full=mode == "jvp"), "jvp" if mode == "jvp" else "vjp")
        if kernel is None:
            if raised is not None:
                raise raised
            return out
        strong = self._run(kernel, *values, *extra)
        if out is None:
            return strong[1] if mode == "grad" else strong
        if _holds_nan(strong[0]):
            return out
        if mode == "grad":
            return _where_nan(out, strong[1])
        return out[0], _where_nan(out[1], strong[1]), *out[2:]

    def _in_input_precision(self, mode: str, values, out):
        """``out`` (a kernel's adjoints, after its value unless ``mode`` is
        "grad") with each adjoint in its argument's precision: a float for a
        float, the array's dtype for an array.  The python target computes as
        NumPy promotes, where a float32 element times a Python float stays
        float32, so a float parameter's adjoint could come back as float32
        there and as a float on ``cpu``."""
        adj = out if mode == "grad" else out[1]
        if not isinstance(adj, tuple) or len(adj) != len(self.wrt):
            return out
        by_name = dict(zip(self._params, values))
        typed = []
        for name, a in zip(self.wrt, adj):
            v = by_name[name]
            if isinstance(v, np.ndarray):
                typed.append(a.astype(v.dtype) if isinstance(a, np.ndarray) and a.dtype != v.dtype else a)
            elif isinstance(a, (np.ndarray, np.generic, float, int)) and np.size(a) == 1:
                typed.append(float(a))
            else:
                typed.append(a)
        typed = tuple(typed)
        return typed if mode == "grad" else (out[0], typed, *out[2:])

    def _tape_memory(self, need: int) -> np.ndarray:
        """Float64 memory for ``need`` tape entries, kept per thread from one
        call to the next and grown where short; none past ``KEPT_TAPE_ENTRIES``
        (the kernel then allocates its tapes itself)."""
        if need > KEPT_TAPE_ENTRIES:
            return _NO_MEMORY
        memory = getattr(self._memory, "tapes", None)
        if memory is None or memory.shape[0] < need:
            # (an eighth more: arguments growing a little from call to call reuse it)
            memory = self._memory.tapes = np.empty(need + need // 8)
        return memory

    def _run(self, kernel, *args):
        """Call an emitted kernel, its failures said in the user's terms (:meth:`_failure`)."""
        try:
            return kernel(*args)
        except (IndexError, MemoryError, *internal_errors()) as e:
            raise self._failure(e) from None
        except ValueError as e:  # the vjp of a vector output checks its cotangents' shapes
            if str(e).startswith("the cotangent"):
                raise ArgumentError(f"vjp: {e}") from None
            raise

    def _failure(self, e: BaseException) -> NsadcError:
        """The error to raise for a kernel's ``e``.  Emitted code that Numba cannot
        compile, or that names a value it never assigned, is nsadc's defect, not
        the user's: say so, where the function is, instead of a Numba traceback."""
        path, line = self._key[0], self._key[3]
        if isinstance(e, IndexError) and "only integers" not in str(e):  # (a float as an index: nsadc's)
            # target="python", or boundscheck=True on the cpu target
            return ArgumentError(f"{path}:{line}: {self.__name__} reads or writes an array out of bounds at "
                                 f"these arguments (IndexError: {e}); check the arguments' shapes")
        if isinstance(e, MemoryError):
            return NsadcError(
                f"{path}:{line}: {self.__name__}: not enough memory to run its derivative at these arguments "
                "(a reverse-mode tape holds the values that every iteration overwrites).  Alternatives: "
                "jvp (forward mode keeps no tape; one call per direction), clarke_grad (Clarke mode, "
                "forward), smaller inputs, or a loop body that overwrites fewer values.")
        lines = [ln.strip() for ln in re.sub(r"\x1b\[[0-9;]*m", "", str(e)).splitlines()]
        first = next((ln for ln in lines if ln and not ln.startswith("Failed in")), type(e).__name__)
        return NsadcError(
            f"{path}:{line}: nsadc emitted derivative code for {self.__name__} that "
            f"{'Numba cannot compile' if type(e).__module__.startswith('numba') else 'does not run'} "
            f"({type(e).__name__}: {first}).\nThis is a defect of nsadc, not of your code; please "
            f"report it with the function.  target='python' runs the emitted code without Numba, and "
            f"f.source('reverse', *args) shows it.")

    # ------------------------------------------------------------ public

    def __call__(self, *args, **kwargs):
        fast = None if kwargs else self._fast(args)
        if fast is not None:
            return self._run(fast[1].primal, *fast[0])
        values, types = self._bind(args, kwargs)
        self._remember(args, kwargs, values, types)
        return self._run(self._kernels(types).primal, *values)

    def vjp(self, primals, cotangent=1.0):
        """``(value, adjoints)``: the adjoints, in wrt order, of ``cotangent`` (for
        a function returning an array or several values: an array shaped like
        the output, or a tuple with one entry per value)."""
        primals = call_checks.as_primals("vjp", primals)
        auto = self._auto_gradient(primals)
        if auto is not None:  # kinks="auto": the gradient value_and_grad gives, Clarke mode at a kink
            value, g = auto
            c = call_checks.as_cotangent(cotangent)
            return value, tuple(c * gi for gi in (g if isinstance(g, tuple) else (g,)))
        fast = self._fast(primals)
        if fast is not None and not fast[1].vector:
            value, adj = self._reverse(fast[1], "vjp", fast[0], (call_checks.as_cotangent(cotangent),))
            return value, tuple(adj)
        if fast is not None:
            values, k = fast
        else:
            values, types = self._bind(primals)
            self._remember(primals, None, values, types)
            k = self._kernels(types)
        if k.vector:
            cotangents = jacobians.cotangents_for(self.__name__, k.outputs, cotangent)
        else:
            cotangents = (call_checks.as_cotangent(cotangent),)
        call_checks.check_tape_memory(self.__name__, k.tapes, dict(zip(self._params, values)))
        value, adj = self._reverse(k, "vjp", values, cotangents)
        return value, tuple(adj)

    def _scalar_only(self, k: _Kernels, what: str) -> None:
        if k.vector:
            returns = f"{len(k.outputs)} values" if len(k.outputs) != 1 else "an array"
            raise NsadcError(f"{self.__name__} returns {returns}: {what} needs a function returning one float; "
                             "use jacrev / jacfwd (the Jacobian), vjp (with a cotangent) or jvp")

    def _values_and_kernels(self, args, kwargs):
        values, types = self._bind(args, kwargs)
        self._remember(args, kwargs, values, types)
        return values, self._kernels(types)

    def _auto_gradient(self, args, kwargs=None, k: _Kernels | None = None):
        """Under ``kinks="auto"``, for a function of one float: ``(value,
        gradient)`` as :meth:`value_and_grad` gives them (Clarke mode where a
        kink is met), which vjp, jvp and the Jacobians then use, so that every
        method agrees with ``grad``; else None.  ``k``: the call's kernels, where
        the caller has them already."""
        if not self._auto:
            return None
        if k is None:
            k = self._kernels(self._bind(args, kwargs)[1])
        if k.vector:
            return None  # several outputs: the policy's own choice (docs/clarke.md)
        return self.value_and_grad(*args, **(kwargs or {}))

    def jacfwd(self, *args, report: bool = False, **kwargs):
        """The Jacobian by forward mode (one jvp per scalar entry of the wrt
        arguments): for one output and one wrt argument, an array of shape
        ``out.shape + arg.shape``, as ``jax.jacfwd``; tuples over several.
        With ``report=True`` also the kink report, whose ``rows`` say which
        output entries met a kink."""
        auto = None if report else self._auto_gradient(args, kwargs)
        if auto is not None:
            return auto[1]  # one output: its Jacobian is the gradient
        values, k = self._values_and_kernels(args, kwargs)
        jac = jacobians.jacfwd(self, k, values)
        return (jac, self._jacobian_report(k, values, "forward")) if report else jac

    def jacrev(self, *args, report: bool = False, **kwargs):
        """The Jacobian by reverse mode (one vjp per scalar entry of the
        outputs), laid out as :meth:`jacfwd`."""
        auto = None if report else self._auto_gradient(args, kwargs)
        if auto is not None:
            return auto[1]
        values, k = self._values_and_kernels(args, kwargs)
        call_checks.check_tape_memory(self.__name__, k.tapes, dict(zip(self._params, values)))
        jac = jacobians.jacrev(self, k, values)
        return (jac, self._jacobian_report(k, values, "reverse")) if report else jac

    def _jacobian_report(self, k: _Kernels, values: list, method: str) -> KinkReport:
        """The kink sites met at ``values`` and, for a vector output, which of
        its entries met one (their rows may not be those entries' gradients)."""
        by_name = dict(zip(self._params, values))
        zeros = [np.zeros_like(by_name[w]) if isinstance(by_name[w], np.ndarray) else 0.0 for w in self.wrt]
        hits = _no_hits(k)
        value, _ = self._run(k.jvp_report, *values, *zeros, hits)
        rep = build_report(k.sites, hits, method=method, depth=k.index_depth)
        if k.rows is not None:
            _, dots, anywhere = self._run(k.rows, *values, *zeros)
            flags = tuple(np.isnan(d) if isinstance(d, np.ndarray) else bool(d != d)
                          for d in jacobians.outputs_of(dots, k.outputs))
            if anywhere:  # a tie steered more than the tangents can carry
                flags = tuple(np.ones(np.shape(f), bool) if np.ndim(f) else True for f in flags)
            rep.rows = flags if len(flags) != 1 else flags[0]
        rep.nan = nan_met(self._params, values, value, None)
        rep.exact = rep.exact and not rep.nan
        return rep

    def jacobian(self, *args, **kwargs):
        """The Jacobian by whichever mode needs fewer passes: forward where the
        wrt arguments have fewer scalar entries than the outputs, else reverse."""
        auto = self._auto_gradient(args, kwargs)
        if auto is not None:
            return auto[1]
        values, k = self._values_and_kernels(args, kwargs)
        by_name = dict(zip(self._params, values))
        n_in = sum(int(np.size(by_name[w])) for w in self.wrt)
        n_out = jacobians.output_count(k, self._run(k.primal, *self._fresh_copies(values)))
        if n_in <= n_out:
            return jacobians.jacfwd(self, k, values)
        call_checks.check_tape_memory(self.__name__, k.tapes, by_name)
        return jacobians.jacrev(self, k, values)

    def hvp(self, primals, tangents):
        """The Hessian-vector product ``H·v`` along ``tangents`` (one per wrt
        argument), shaped like the wrt arguments (one value when wrt has one
        entry).  At a kink: the Hessian of the piece that the derivative
        selects there (docs/jacobians.md); computed as the reverse mode of
        the forward mode, at a few times the cost of a gradient."""
        values, types = self._bind(call_checks.as_primals("hvp", primals))
        self._remember(primals, None, values, types)
        tangents = tuple(tangents) if isinstance(tangents, (tuple, list)) else (tangents,)
        if len(tangents) != len(self.wrt):
            raise ArgumentError(f"hvp: {len(tangents)} tangents for {len(self.wrt)} wrt arguments "
                                f"({', '.join(self.wrt)})")
        kernel = self._hvp_kernel(types)
        by_name = dict(zip(self._params, values))
        dots = [self._tangent(w, by_name[w], t) for w, t in zip(self.wrt, tangents)]
        _, adj = self._run(kernel, *values, *dots, 1.0)
        return adj[0] if len(adj) == 1 else tuple(adj)

    def hessian(self, *args, **kwargs):
        """The Hessian with respect to ``wrt`` (of the selected piece at a kink),
        one :meth:`hvp` per scalar entry of the wrt arguments: for one array
        argument of shape ``s``, an array of shape ``s + s``; with several,
        nested tuples as ``jax.hessian`` gives.  For small problems."""
        values, types = self._bind(args, kwargs)
        self._remember(args, kwargs, values, types)
        kernel = self._hvp_kernel(types)
        return jacobians.hessian(self, kernel, values)

    def _hvp_kernel(self, types: dict[str, str]):
        """The compiled ``f_tangent_vjp`` (pipeline.compile_tangent) for these types."""
        k = self._kernels(types)  # settles wrt; refuses what has no derivative at all
        self._scalar_only(k, "hvp")
        key = (tuple(types[p] for p in self._params), tuple(self.wrt))
        kernel = self._hvps.get(key)
        if kernel is not None:
            return kernel
        if self.target == "cuda":
            raise NsadcError(f"{self.__name__}: hvp and hessian run on the cpu and python targets; "
                             "differentiate with target='cpu' for them")
        with self._lock:
            comp = compile_tangent(*self._source(), self.wrt, self.policy, self._env, types, self._lowered)
            mod = load_module(comp.module(("reverse",), backend=self._backend()))
            kernel = self._hvps[key] = getattr(mod, f"{comp.name}_vjp")
        return kernel

    def clarke_jacobian(self, *args, directions=None, report: bool = False, **kwargs):
        """An element of the Clarke generalized Jacobian, by Clarke mode
        (lexicographic derivatives along ``directions``, default the identity):
        for piecewise-smooth programs an element of the B-subdifferential, also
        at kinks.  Laid out as :meth:`jacfwd`; ``report=True`` as there."""
        values, k = self._values_and_kernels(args, kwargs)
        value, dots, m, wrt = self._clarke_directions(k, values, directions)
        jac = jacobians.clarke_blocks(self, k, value, dots, m if directions is not None else None, wrt)
        return (jac, self._jacobian_report(k, values, "clarke")) if report else jac

    def jvp(self, primals, tangents):
        """``(value, directional derivative)`` along ``tangents`` (one per wrt argument)."""
        primals = call_checks.as_primals("jvp", primals)
        values, types = self._bind(primals)
        tangents = tuple(tangents) if isinstance(tangents, (tuple, list)) else (tangents,)
        by_name = dict(zip(self._params, values))
        passed = [w for w in self.wrt if w in self._params[:len(primals)]]
        if len(tangents) == len(passed) < len(self.wrt):  # arguments left at their defaults do not move
            given = dict(zip(passed, tangents))
            tangents = tuple(given[w] if w in given else np.zeros_like(by_name[w])
                             if isinstance(by_name[w], np.ndarray) else 0.0 for w in self.wrt)
        if len(tangents) != len(self.wrt):
            raise ArgumentError(f"jvp: {len(tangents)} tangents for {len(self.wrt)} wrt arguments "
                                f"({', '.join(self.wrt)})")
        k = self._kernels(types)
        auto = self._auto_gradient(primals, k=k)
        if auto is not None:  # the directional derivative along the gradient grad gives
            value, g = auto
            return value, sum(float(np.sum(np.asarray(gi) * self._tangent(w, by_name[w], t)))
                              for gi, w, t in zip(g if isinstance(g, tuple) else (g,), self.wrt, tangents))
        dots = tuple(self._tangent(w, by_name[w], t) for w, t in zip(self.wrt, tangents))
        return self._careful_where_nan(k, "jvp", values, dots, lambda: self._run(k.jvp, *values, *dots))

    def _tangent(self, name: str, value, t):
        t = call_checks.as_tangent(name, value, t)
        if not isinstance(value, np.ndarray):
            return t
        if t.shape != value.shape:
            raise ArgumentError(f"jvp: the tangent of {name!r} has shape {t.shape}, but {name} has shape "
                                f"{value.shape}")
        return t

    def value_and_grad(self, *args, report: bool = False, **kwargs):
        """``(value, gradient)`` from one compiled call (what SciPy's
        ``minimize(fun, x0, jac=True)`` wants of ``fun``); with ``report=True``
        also the kink report."""
        fast = None if (report or kwargs or self._auto) else self._fast(args)
        if fast is not None and not fast[1].vector:
            value, adj = self._reverse(fast[1], "vjp", fast[0], (1.0,))
            return value, (adj[0] if len(adj) == 1 else tuple(adj))
        alone = not (report or self._auto)  # the value and gradient alone: the reverse mode suffices
        values, types = self._bind(args, kwargs, gradient_only=alone)
        self._remember(args, kwargs, values, types, gradient_only=alone)
        k = self._kernels(types, gradient_only=alone)
        self._scalar_only(k, "value_and_grad")
        call_checks.check_tape_memory(self.__name__, k.tapes, dict(zip(self._params, values)))
        auto = self.policy.name == "auto"
        if report or auto:
            hits = _no_hits(k)
            value, adj = self._reverse(k, "vjp_report", values, (1.0, hits))
            rep = build_report(k.sites, hits, depth=k.index_depth)
            if auto and not rep.exact:
                # a kink was met: the conservative result may lie outside the
                # Clarke set (artificial critical points); pay for Clarke mode here
                value, adj = self._clarke(k, values, None)
                rep.method = "clarke"
        else:
            value, adj = self._reverse(k, "vjp", values, (1.0,))
        g = adj[0] if len(adj) == 1 else tuple(adj)
        if report:
            rep.nan = nan_met(self._params, values, value, g)  # a NaN met: not the gradient
            rep.exact = rep.exact and not rep.nan
        return (value, g, rep) if report else (value, g)

    def _clarke(self, k: _Kernels, values, directions):
        """``(value, gradient)`` by Clarke mode: ``J_L f(x; M)·M⁻¹`` for the
        directions ``M`` (the identity by default), one gradient per wrt
        argument, shaped and typed like the argument."""
        self._scalar_only(k, "clarke_grad")
        value, ld, m, wrt = self._clarke_directions(k, values, directions)
        sizes = [v.size if isinstance(v, np.ndarray) else 1 for v in wrt]
        ld = np.asarray(ld, dtype=np.float64)
        g = ld if directions is None else np.linalg.solve(m.T, ld)
        return value, self._split(g, wrt, sizes)

    def _clarke_directions(self, k: _Kernels, values, directions):
        """``(value, directions of the outputs, M, wrt values)`` from one run of
        Clarke mode along the columns of ``M``."""
        if k.ld is None:
            raise UnsupportedError(k.ld_refusal or f"{self.__name__}: Clarke mode is not available here")
        by_name = dict(zip(self._params, values))
        wrt = [by_name[w] for w in self.wrt]
        sizes = [v.size if isinstance(v, np.ndarray) else 1 for v in wrt]
        call_checks.check_clarke_memory(self.__name__, sum(sizes))
        m = self._directions(directions, sum(sizes))
        if k.ld_form == "unrolled":
            n = len(wrt)
            value, ld = self._run(k.ld, *values, *(float(m[i, j]) for i in range(n) for j in range(n)))
            if k.vector:  # per output, its n directions
                ld = tuple(np.array(d[:n], dtype=np.float64) for d in ld)
            else:
                ld = np.array(ld[:n], dtype=np.float64)
        else:
            value, ld, undecided = self._run(k.ld, *values, *self._seeds(wrt, sizes, m))
            if undecided >= 0:
                site = k.sites[undecided]
                why, hint = UNDECIDED.get(site.prim, (f"the kink of {site.prim}", "use grad"))
                raise UnsupportedError(f"Clarke mode met a kink it cannot decide: {why}", site.loc, hint)
        return value, ld, m, wrt

    def _directions(self, directions, n: int) -> np.ndarray:
        """The n x n direction matrix (one column per direction, one row per
        scalar entry of the wrt arguments, in wrt order)."""
        if directions is None:
            return np.eye(n)
        try:
            m = np.asarray(directions, dtype=np.float64)
        except (TypeError, ValueError):
            raise ArgumentError(f"directions must be a matrix of real numbers, got {type(directions).__name__}") \
                from None
        if m.shape != (n, n):
            entries = ", ".join(self.wrt)
            raise ArgumentError(f"directions must be an invertible {n}x{n} matrix (one column per direction, "
                                f"one row per scalar entry of the wrt arguments {entries}, in order), got "
                                f"shape {m.shape}")
        if not np.isfinite(m).all() or np.linalg.cond(m) > 1e12:
            raise ArgumentError("directions must be a finite, invertible matrix (its condition number is "
                                "above 1e12)")
        return m

    @staticmethod
    def _seeds(wrt: list, sizes: list[int], m: np.ndarray) -> list[np.ndarray]:
        """One seed per wrt argument: its rows of ``m`` with the direction first,
        ``seed[j, ...]`` = the argument's part of direction j."""
        seeds, row = [], 0
        for v, size in zip(wrt, sizes):
            shape = v.shape if isinstance(v, np.ndarray) else ()
            seeds.append(np.ascontiguousarray(m[row:row + size].T).reshape((m.shape[1], *shape)))
            row += size
        return seeds

    @staticmethod
    def _split(g: np.ndarray, wrt: list, sizes: list[int]) -> tuple:
        """The flat gradient cut into one per wrt argument: a float for a float,
        an array of the argument's shape and dtype for an array."""
        out, row = [], 0
        for v, size in zip(wrt, sizes):
            part = g[row:row + size]
            out.append(part.reshape(v.shape).astype(v.dtype) if isinstance(v, np.ndarray) else float(part[0]))
            row += size
        return tuple(out)

    def clarke_grad(self, *args, directions=None, **kwargs):
        """An element of the Clarke generalized gradient, by lexicographic
        (LD) derivatives along ``directions`` (columns of an invertible N x N
        matrix, N the number of scalar entries of the wrt arguments; default
        the identity): exact for piecewise-C¹ programs, also at kinks.  It
        costs about N + 1 times the primal (docs/clarke.md)."""
        values, types = self._bind(args, kwargs)
        _, g = self._clarke(self._kernels(types), values, directions)
        return g[0] if len(g) == 1 else g

    def grad(self, *args, report: bool = False, **kwargs):
        """The gradient with respect to ``wrt``; with ``report=True`` also the kink report.

        With respect to at most four floats, where no array carries a
        derivative and reverse mode would keep a tape, the gradient alone is
        computed by forward mode, one tangent along each float in a single
        sweep, with no tape; it equals reverse mode's (``value_and_grad``,
        ``vjp``) to rounding, the kinks' selections being the same."""
        if report or self._auto:
            out = self.value_and_grad(*args, report=report, **kwargs)
            return (out[1], out[2]) if report else out[1]
        fast = None if kwargs else self._fast(args)
        if fast is not None:
            values, k = fast
        else:
            values, types = self._bind(args, kwargs, gradient_only=True)
            self._remember(args, kwargs, values, types, gradient_only=True)
            k = self._kernels(types, gradient_only=True)
            call_checks.check_tape_memory(self.__name__, k.tapes, dict(zip(self._params, values)))
        if k.vector:
            self._scalar_only(k, "grad")
        # the gradient alone: the value is not computed (k.grad)
        adj = self._reverse(k, "grad", values, (1.0,)) if k.grad is not None else \
            self._reverse(k, "vjp", values, (1.0,))[1]
        return adj[0] if len(adj) == 1 else tuple(adj)

    def source(self, mode: str = "reverse", *example_args) -> str:
        """The emitted derivative module (``"forward"``, ``"reverse"`` or ``"both"``),
        for the argument types of ``example_args`` if given (whole-array NumPy
        code needs them when it does not show the arrays' ranks)."""
        modes = {"forward": ("forward",), "reverse": ("reverse",), "both": ("forward", "reverse"),
                 "lexicographic": ("lexicographic",)}
        if mode not in modes:
            raise NsadcError(f"source(mode): use 'forward', 'reverse', 'both' or 'lexicographic', not {mode!r}")
        types = self._bind(example_args, shapes=False)[1] if example_args else None
        comp = compile_function(*self._source(), self.wrt, self.policy, self._env, types, self.kink_tol)
        guessed = comp.primal.rank_guessed
        if guessed:
            raise NsadcError(f"{self.__name__} uses whole-array NumPy on {', '.join(guessed)}, whose "
                             "number of dimensions the code does not show; pass example arguments: "
                             f"source({mode!r}, {', '.join(self._params)})")
        return comp.module(modes[mode])

    def compiled(self, *example_args):
        """The compiled kernels (numba dispatchers on the cpu target) for the
        argument types of ``example_args`` (default: the annotated / inferred
        types), to call from your own ``@njit`` code: ``.primal``, ``.jvp``,
        ``.vjp`` (value and adjoints), ``.grad`` (the adjoints alone),
        ``.jvp_report``, ``.vjp_report``, ``.ld`` (Clarke mode) and ``.sites``
        (the kink sites the report arrays count); see examples/njit_loop.py."""
        if example_args:
            _, types = self._bind(example_args)
        else:
            types = dict(self._static_types)
        k = self._kernels(types)
        if self.target == "cuda":  # numba.cuda device functions, for your own @cuda.jit kernel
            from nsadc.backends.numba_cuda import device_functions
            return device_functions(k)
        return SimpleNamespace(primal=k.primal, jvp=k.jvp, vjp=k.vjp, grad=k.grad, jvp_report=k.jvp_report,
                               vjp_report=k.vjp_report, ld=k.ld, sites=list(k.sites))

    def batched(self, in_axes=0):
        """Evaluation at N points in one call (as ``jax.vmap``): ``in_axes`` gives,
        per argument, 0 (batched: a 1-D array of N values) or None (shared by
        every point).  The result has ``.grad``, ``.value_and_grad``, ``.jvp``
        and ``.clarke_grad``, returning arrays with the leading batch axis: a
        CUDA kernel on target="cuda", a parallel loop on "cpu" (docs/cuda.md)."""
        from nsadc.batched import Batched
        return Batched(self, in_axes)

    def __repr__(self) -> str:
        return (f"<nsadc.Differentiable {self.__name__} wrt=({', '.join(self.wrt)}) "
                f"kinks={self.policy.describe()!r} target={self.target!r}>")

    def certificate(self, probe: bool = False, points: int = 64, seed: int = 0, *, ranges=None,
                    assume=None, ranks=None, progress=None):
        """The conservative-field certificate (docs/certificate.md): ``.status`` in
        {"certified", "conditional", "rejected"}, ``.obligations``, ``.to_json()``.
        The static part only reads the source; ``probe=True`` also runs the numeric
        probes on ``points`` random points (``seed``).

        ``ranges={"t": (0.0, math.inf)}`` and ``assume=["lo <= hi"]`` state the
        domain of the claim (the static proofs use it, the probes sample in it).
        ``ranks={"X": 2, "w": 1}`` gives array arguments' numbers of dimensions
        for whole-array NumPy code that does not show them; without it, the
        argument types of the last call made are used."""
        from nsadc.certificate import probes, static

        types = self._certificate_types(ranks)
        comp = compile_function(*self._source(), self.wrt, self.policy, self._env, types, kink_tol=self.kink_tol)
        if comp.primal.rank_guessed:
            guessed = comp.primal.rank_guessed
            raise NsadcError(f"{self.__name__} uses whole-array NumPy on {', '.join(guessed)}, whose number of "
                             "dimensions the code does not show: give them, certificate(ranks={"
                             + ", ".join(f"{g!r}: {2 if i == 0 else 1}" for i, g in enumerate(guessed))
                             + "}), or call the function once first (its argument types are then used)")
        cert = static.certify(comp, seed=seed, ranges=ranges, assume=assume)
        if probe:
            types = dict(types or self._static_types)
            k = self._kernels(types)
            defaults = {n: p.default for n, p in self._signature.parameters.items()
                        if p.default is not inspect.Parameter.empty}
            kernels, contract = probes.Kernels(k.primal, k.jvp, k.vjp, k.vjp_report, k.sites, k.ld), None
            if k.vector:  # probed through a generic combination of the outputs
                kernels, contract = probes.contracted(kernels, k.outputs)
            probes.run(cert, comp.primal, kernels, self._params, types, self.wrt, defaults, points, seed, ranges,
                       progress, self.target, contract=contract)
        return cert

    def _certificate_types(self, ranks) -> dict[str, str] | None:
        """The argument types a certificate is made for: ``ranks`` (name -> number
        of dimensions), else those of the last call made, else None (the code's)."""
        if ranks is not None:
            types = dict(self._static_types)
            for name, r in dict(ranks).items():
                if name not in self._params:
                    raise ArgumentError(f"ranks names {name!r}, which is not an argument of {self.__name__} "
                                        f"({', '.join(self._params)})")
                if isinstance(r, bool) or not isinstance(r, (int, np.integer)) or r < 0:
                    raise ArgumentError(f"ranks[{name!r}] must be a number of dimensions (0 for a scalar), "
                                        f"not {r!r}")
                types[name] = array_type(int(r), types.get(name) != "int" and not str(types.get(name)).startswith("i"))\
                    if r else "float"
            return types
        for key, wrt in reversed(list(self._specs)):
            if list(wrt) == list(self.wrt):
                return dict(zip(self._params, key))
        return None


def _describe_type(t: str) -> str:
    if is_array(t) and not differentiable_type(t):
        return "an integer array (its elements are indices or range() bounds)"
    return t


def differentiate(fn=None, *, wrt=None, kinks=None, target: str = "cpu", kink_tol: float = 0.0,
                  boundscheck: bool = False, parallel: bool = False):
    """Decorator (``@differentiate`` or ``@differentiate(wrt=..., kinks=...)``) and
    call form (``differentiate(fn, wrt=...)``).  ``kink_tol`` (default 0: exact
    ties only) makes the kink report, and so the ``"auto"`` policy, count values
    within that distance of a kink set as met.  ``boundscheck=True`` compiles with
    Numba's index checks: an index out of bounds raises an ArgumentError instead
    of reading outside the array (docs/cache.md).  ``parallel=True`` (cpu target)
    runs the loops whose iterations are independent, apart from sums, on
    Numba's threads (docs/parallel.md)."""
    if fn is None:
        return lambda f: Differentiable(f, wrt=wrt, kinks=kinks, target=target, kink_tol=kink_tol,
                                        boundscheck=boundscheck, parallel=parallel)
    return Differentiable(fn, wrt=wrt, kinks=kinks, target=target, kink_tol=kink_tol, boundscheck=boundscheck,
                          parallel=parallel)


def _as_differentiable(fn, wrt, kinks, target) -> Differentiable:
    if isinstance(fn, Differentiable) and wrt is None and kinks is None and target is None:
        return fn
    return Differentiable(fn, wrt=wrt, kinks=kinks, target=target or "cpu")


def grad(fn, wrt=None, *, kinks=None, target=None):
    """``grad(fn)(*args)``: the gradient of ``fn`` with respect to ``wrt``."""
    d = _as_differentiable(fn, wrt, kinks, target)

    @functools.wraps(d.__wrapped__)
    def gradient(*args, **kwargs):
        return d.grad(*args, **kwargs)

    return gradient


def value_and_grad(fn, wrt=None, *, kinks=None, target=None):
    """``value_and_grad(fn)(*args) -> (value, gradient)``."""
    d = _as_differentiable(fn, wrt, kinks, target)

    @functools.wraps(d.__wrapped__)
    def both(*args, **kwargs):
        return d.value_and_grad(*args, **kwargs)

    return both


def jvp(fn, primals, tangents, wrt=None, *, kinks=None, target=None):
    """``(value, directional derivative)`` of ``fn`` at ``primals`` along ``tangents``."""
    return _as_differentiable(fn, wrt, kinks, target).jvp(primals, tangents)


def clarke_grad(fn, wrt=None, *, kinks=None, target=None):
    """``clarke_grad(fn)(*args)``: an element of the Clarke generalized gradient."""
    d = _as_differentiable(fn, wrt, kinks, target)

    @functools.wraps(d.__wrapped__)
    def clarke(*args, **kwargs):
        return d.clarke_grad(*args, **kwargs)

    return clarke


def vjp(fn, *primals, wrt=None, kinks=None, target=None):
    """``(value, vjp_fn)`` with ``vjp_fn(cotangent) -> adjoints in wrt order`` (as in JAX)."""
    d = _as_differentiable(fn, wrt, kinks, target)
    # the value by forward mode along zero tangents: like vjp, it leaves the arguments as they are
    d._bind(primals)  # the first call settles wrt
    by_name = dict(zip(d._params, primals))
    value, _ = d.jvp(primals, tuple(np.zeros_like(by_name[w]) if isinstance(by_name[w], np.ndarray) else 0.0
                                    for w in d.wrt))

    def vjp_fn(cotangent):
        return d.vjp(primals, cotangent)[1]

    return value, vjp_fn


def _functional(method: str, doc: str):
    def form(fn, wrt=None, *, kinks=None, target=None):
        d = _as_differentiable(fn, wrt, kinks, target)
        bound = getattr(d, method)

        @functools.wraps(d.__wrapped__)
        def apply(*args, **kwargs):
            return bound(*args, **kwargs)

        return apply

    form.__name__ = form.__qualname__ = method
    form.__doc__ = doc
    return form


jacfwd = _functional("jacfwd", "``jacfwd(fn, wrt=...)(*args)``: the Jacobian by forward mode, shaped "
                     "``out.shape + arg.shape`` (as ``jax.jacfwd``).")
jacrev = _functional("jacrev", "``jacrev(fn, wrt=...)(*args)``: the Jacobian by reverse mode, shaped as jacfwd's.")
jacobian = _functional("jacobian", "``jacobian(fn, wrt=...)(*args)``: the Jacobian, by the mode that needs "
                       "fewer passes.")
clarke_jacobian = _functional("clarke_jacobian", "``clarke_jacobian(fn, wrt=...)(*args)``: an element of the "
                              "Clarke generalized Jacobian (Clarke mode).")
hessian = _functional("hessian", "``hessian(fn, wrt=...)(*args)``: the Hessian of the selected piece.")


def hvp(fn, primals, tangents, wrt=None, *, kinks=None, target=None):
    """The Hessian-vector product of ``fn`` at ``primals`` along ``tangents``."""
    return _as_differentiable(fn, wrt, kinks, target).hvp(primals, tangents)
