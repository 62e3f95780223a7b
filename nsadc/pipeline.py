"""The compiler pipeline, from a parsed function to emitted derivative source:

    source --lower--> IR --prepare--> IR --analyse--> IR + facts --transform--> IR
           --optimise--> IR --emit--> source

The API (runtime callables) and the CLI (standalone modules) both go through
:func:`compile_function`; neither of them repeats any step.

The passes that rewrite IR in place between two stages are named in lists
(:data:`PREPARATION_PASSES` before analysis, :data:`OPTIMISATION_PASSES` after
the AD transforms, :data:`TANGENT_PASSES` for the forward mode compiled again
for Hessian-vector products) and run by one driver, :func:`run_passes`, which
reads three environment variables at each compile:

* ``NSADC_PASS_TIMES=1``: print each pass's wall time to stderr (the totals
  since the process started are also returned by :func:`pass_times`);
* ``NSADC_DUMP_AFTER=name[,name...]``: print the source of every function a
  named pass ran on, as it is after that pass, to stderr;
* ``NSADC_VERIFY_IR=1``: check the structural invariants of nsadc/ir/verify.py
  before the first pass and after every pass, naming the pass that broke one.
"""

from __future__ import annotations

import functools
import gc
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from nsadc.backends.lowering import PYTHON, Backend
from nsadc.emit import function_source, module_source
from nsadc.jacobian_source import jacobian_sources
from nsadc.rules.arrays import differentiable_type, is_array
from nsadc.errors import ArgumentError, UnsupportedError
from nsadc.frontend.lower import lower_function
from nsadc.frontend.source import SourceFile, parse_file
from nsadc.analyses.facts import Facts, analyse, infer_types
from nsadc.ir.names import Names
from nsadc.ir.nodes import Assign, Const, For, Function, If, Return, TapeAlloc, While, clone_function, walk
from nsadc.passes.adjoint_layers import distribute_adjoint_layers
from nsadc.passes.adjoint_rows import ring_adjoint_rows
from nsadc.passes.adjoints import tidy_adjoints
from nsadc.passes.buffer_growth import hoist_buffer_growth
from nsadc.passes.constant_arrays import drop_constant_arrays
from nsadc.passes.costly_values import keep_costly_values
from nsadc.passes.constants import fold_constant_tests
from nsadc.passes.dead_assignments import drop_dead_assignments
from nsadc.passes.dead_code import drop_dead_code, without_value
from nsadc.passes.strong_zeros import derivative_seeds, has_switch_products, with_strong_zeros
from nsadc.passes.undone_reruns import drop_undone_reruns
from nsadc.passes.extrema_order import order_extrema_operands
from nsadc.passes.fold import fold_temporaries
from nsadc.analyses.rename import split_reassignments
from nsadc.ir.verify import verify
from nsadc.rules.policy import Policy
from nsadc.transforms.carried_extrema import search_carried_extrema
from nsadc.transforms.counted_loops import counted_loops_as_for
from nsadc.transforms.carried_loads import carry_index_loads
from nsadc.transforms.stored_loads import forward_stored_loads
from nsadc.transforms.tangent_gradient import by_tangents, gradient_by_tangents, small_enough
from nsadc.transforms.forward import forward
from nsadc.passes.loop_order import run_forward_where_order_free
from nsadc.passes.select_branches import select_branches
from nsadc.passes.carried_adjoints import carry_adjoints
from nsadc.passes.gather_adjoints import gather_adjoints
from nsadc.passes.tape_chunks import reserve_tapes_by_chunks
from nsadc.passes.tape_room import reserve_before_loops
from nsadc.passes.reduction_interchange import interchange_dot_products, strip_mine_dot_products
from nsadc.passes.tape_index import index_tapes_by_loop
from nsadc.passes.tape_selections import tape_selections
from nsadc.passes.written_once import store_arrays_written_once
from nsadc.passes.zero_adjoints import skip_zero_adjoints
from nsadc.transforms.lexicographic import lexicographic
from nsadc.transforms.lexicographic_arrays import lexicographic_arrays
from nsadc.transforms.kink_rows import kink_rows
from nsadc.transforms.outputs import contracted, finish_vjp, has_vector_output, output_types
from nsadc.transforms.reverse import materialize_tests, reverse
from nsadc.version import __version__

REPORT = "kink_hits"


# ------------------------------------------------------------------ passes


@dataclass(frozen=True)
class Pass:
    """One pass that rewrites IR functions in place.  ``roles`` are the
    functions of one compilation it runs on (``primal``, ``jvp``, ``vjp``,
    ``jvp_report``, ``vjp_report``, ``ld``, ``rows``, ``grad``; ``base`` before analysis,
    ``tangent`` for Hessian-vector products); ``needs`` is its precondition,
    what must hold of the IR it is given (docs/architecture.md)."""

    name: str
    run: Callable[[Function], None]
    roles: tuple[str, ...]
    needs: str = ""


REVERSE = ("vjp", "vjp_report")
# "grad_tangents": the gradient of a function of a few floats, by tangents (transforms/tangent_gradient.py)
DERIVATIVES = ("jvp", "vjp", "jvp_report", "vjp_report", "grad_tangents")

# before analysis, on the lowered function (its name generator is base.names)
PREPARATION_PASSES = [
    Pass("fold_constant_tests", lambda f: fold_constant_tests(f), ("base",),
         "lowered IR"),
    Pass("split_reassignments", lambda f: split_reassignments(f, f.names), ("base",),
         "lowered IR with its name generator (fn.names)"),
    Pass("materialize_tests", lambda f: materialize_tests(f, f.names), ("base",),
         "lowered IR with its name generator (fn.names)"),
]

# after the AD transforms, in this order (each pass on all its functions before the next)
OPTIMISATION_PASSES = [
    Pass("tidy_adjoints", lambda f: tidy_adjoints(f, f.adjoints, f.array_adjoints), REVERSE,
         "reverse mode as built, with fn.adjoints and fn.array_adjoints"),
    Pass("loop_order", lambda f: run_forward_where_order_free(f), REVERSE,
         "reverse mode with fn.counting_up, whose keys are the ids of its reversed loops: "
         "no pass before it may copy or rebuild those loops"),
    Pass("interchange_dot_products", lambda f: interchange_dot_products(f), DERIVATIVES,
         "derivative code with types (fn.types)"),
    Pass("tape_index", lambda f: index_tapes_by_loop(f), REVERSE,
         "reverse mode whose tapes are still pushed and popped by counters, loops not yet folded"),
    Pass("tape_selections", lambda f: tape_selections(f), REVERSE,
         "reverse mode after tape_index, with types (fn.types)"),
    Pass("skip_zero_adjoints", lambda f: skip_zero_adjoints(f), ("vjp",),
         "reverse mode with fn.adjoints and fn.array_adjoints, before fold_temporaries (its loads are "
         "statements); not the report variant, which counts every iteration's kinks"),
    Pass("fold_temporaries", lambda f: fold_temporaries(f, keep=f.keep),
         ("primal", "jvp", "vjp", "jvp_report", "vjp_report", "ld", "rows", "grad_tangents"),
         "every rewrite that matches statements one by one is done (fn.keep: names to leave)"),
    Pass("order_extrema_operands", lambda f: order_extrema_operands(f),
         ("primal", "jvp", "vjp", "jvp_report", "vjp_report", "ld", "rows", "grad_tangents"),
         "after fold_temporaries: the operands are final (a load folded in, or a name)"),
    Pass("store_arrays_written_once", lambda f: store_arrays_written_once(f), DERIVATIVES,
         "after fold_temporaries (an accumulation is one statement), before strip_mine_dot_products "
         "(which splits a loop in two)"),
    Pass("strip_mine_dot_products", lambda f: strip_mine_dot_products(f), DERIVATIVES,
         "after fold_temporaries: the rows a strip leaves over repeat the loop's body, already folded"),
    Pass("drop_dead_code", lambda f: drop_dead_code(f), REVERSE,
         "a vector output's reverse mode, whose contraction's own value nothing reads (run only there)"),
    Pass("select_branches", lambda f: select_branches(f), DERIVATIVES,
         "the statements are final (tapes placed, temporaries folded)"),
    Pass("hoist_buffer_growth", lambda f: hoist_buffer_growth(f), DERIVATIVES,
         "after every pass that keeps values in buffers (the dot products' interchange)"),
]

# on the reverse functions as they are emitted, after the gradient's own (``grad``, built from ``vjp``
# by dropping what only the value needs: its dead-code walk leaves functions with a `break` alone)
FINAL_PASSES = [
    Pass("drop_undone_reruns", lambda f: drop_undone_reruns(f), REVERSE,
         "the statements are final, tapes indexed by their loops: a re-run's element stores that its reverse "
         "loop puts back at once go (then drop_dead_assignments drops what computed them)"),
    Pass("drop_dead_assignments", lambda f: drop_dead_assignments(f), REVERSE,
         "the statements are final: a reverse sweep re-runs a loop's iteration with names the forward "
         "sweep used, and what the re-run computes that no adjoint reads goes (grad had it already)"),
    Pass("distribute_adjoint_layers", lambda f: distribute_adjoint_layers(f), (*REVERSE, "grad"),
         "the gradient is built (its reverse loops no longer re-run what only the value needed); "
         "additions into adjoints are one statement each, tape reads indexed by their loop"),
    Pass("carry_adjoints", lambda f: carry_adjoints(f), (*REVERSE, "grad"),
         "the gradient is built: a fused loop's additions into its derivative arrays are final"),
    Pass("gather_adjoints", lambda f: gather_adjoints(f), (*REVERSE, "grad"),
         "the gradient is built (only there does a stencil's nest carry nothing but its additions)"),
    Pass("ring_adjoint_rows", lambda f: ring_adjoint_rows(f), (*REVERSE, "grad"),
         "the gradient is built: the reverse loops and what they read are final"),
    Pass("keep_costly_values", lambda f: keep_costly_values(f), (*REVERSE, "grad"),
         "the gradient is built (a fused sample's loops and their reverses are final)"),
    Pass("drop_constant_arrays", lambda f: drop_constant_arrays(f), (*REVERSE, "grad"),
         "the gradient is built: its fused sums' derivative arrays are final"),
    Pass("hoist_buffer_growth", lambda f: hoist_buffer_growth(f), (*REVERSE, "grad"),
         "after distribute_adjoint_layers, whose buffers grow where its loops run"),
    Pass("reserve_before_loops", lambda f: reserve_before_loops(f), (*REVERSE, "grad"),
         "the gradient is built: the reservations left are those no argument bounds (tapes.size_exactly)"),
    Pass("reserve_tapes_by_chunks", lambda f: reserve_tapes_by_chunks(f), (*REVERSE, "grad"),
         "last: the gradient is built (it nests a while loop's body in a chunk loop with a break)"),
]

# the forward mode compiled again as a function of its own (compile_tangent)
TANGENT_PASSES = [
    Pass("drop_dead_code", lambda f: drop_dead_code(f), ("tangent",),
         "forward mode whose value is no longer returned"),
    Pass("fold_temporaries", lambda f: fold_temporaries(f), ("tangent",),
         "after drop_dead_code"),
]

_TIMES: dict[str, list[float]] = {}  # pass name -> [seconds, runs] since the process started
_TIMES_LOCK = threading.Lock()


def pass_times() -> dict[str, tuple[float, int]]:
    """Each pass's total wall time (seconds) and number of runs (one per function
    it ran on) since the process started."""
    with _TIMES_LOCK:
        return {name: (t, int(n)) for name, (t, n) in _TIMES.items()}


def run_passes(functions: dict[str, Function | None], passes: list[Pass], skip: tuple[str, ...] = (),
               label: str = "") -> list[tuple[str, float, int]]:
    """Run ``passes`` in order, each on the functions of ``functions`` (role ->
    function; None: not built) that its roles name, in the dict's order.
    Passes named in ``skip`` do not run.  Returns (pass, seconds, functions)
    for each pass run, and honours the environment variables of the module's
    docstring."""
    verifying = os.environ.get("NSADC_VERIFY_IR", "") not in ("", "0")
    dump = {d.strip() for d in os.environ.get("NSADC_DUMP_AFTER", "").split(",") if d.strip()}
    if verifying:
        for f in functions.values():
            if f is not None:
                verify(f, f"the stage before {passes[0].name}" if passes else "the transforms")
    timings = []
    for p in passes:
        if p.name in skip:
            continue
        targets = [f for role, f in functions.items() if f is not None and role in p.roles]
        start = time.perf_counter()
        for f in targets:
            p.run(f)
        elapsed = time.perf_counter() - start
        timings.append((p.name, elapsed, len(targets)))
        with _TIMES_LOCK:
            total = _TIMES.setdefault(p.name, [0.0, 0])
            total[0] += elapsed
            total[1] += len(targets)
        if verifying:
            for f in targets:
                verify(f, p.name)
        if p.name in dump:
            for f in targets:
                sys.stderr.write(f"# nsadc: {f.name} after {p.name}\n{function_source(f)}\n")
    if os.environ.get("NSADC_PASS_TIMES", "") not in ("", "0") and timings:
        rows = [f"nsadc pass times{' for ' + label if label else ''}:"]
        rows += [f"  {name:<26} {1e3 * t:9.3f} ms  ({n} function{'s' if n != 1 else ''})" for name, t, n in timings]
        sys.stderr.write("\n".join(rows) + "\n")
    return timings


def gc_paused(fn):
    """Run ``fn`` with Python's cyclic garbage collector paused.  Compiling a
    long function allocates hundreds of thousands of IR objects that stay
    alive until the end, and every full collection walks all of them again:
    collections took 1.4 s of the 6 s that differentiating a 1,000-statement
    function took.  What becomes garbage meanwhile is collected afterwards.
    (Threads compiling together: the collector is back on when the first one
    that paused it is done; it stays off when it was off before.)"""
    @functools.wraps(fn)
    def paused(*args, **kwargs):
        enabled = gc.isenabled()
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            if enabled:
                gc.enable()
    return paused


@dataclass
class Compiled:
    """Everything one specialization of one function compiles to (as IR)."""

    name: str
    primal: Function
    facts: Facts
    jvp: Function
    vjp: Function
    jvp_report: Function
    vjp_report: Function
    ld: Function | None  # Clarke mode; None where it is refused (ld_refusal says why)
    src: SourceFile
    policy: Policy
    # "unrolled": scalar directions as arguments (x_d0, x_d1, ...); "arrays": seed
    # arrays with a leading direction dimension (transforms/lexicographic_arrays.py)
    ld_form: str = "unrolled"
    ld_refusal: str | None = None
    grad: Function | None = None  # the reverse function without the value (passes/dead_code.py)
    rows: Function | None = None  # a vector output's entries that met a kink (transforms/kink_rows.py)
    gradient_only: bool = False  # only vjp and grad were built (the other modes are None)
    switches: bool = True  # a derivative meets a switch (passes/strong_zeros.py): worth a NaN check

    def header(self, modes: list[str], backend: Backend = PYTHON) -> list[str]:
        fn_loc = self.primal.loc
        where = f"{os.path.basename(fn_loc.file)}:{fn_loc.line}" if fn_loc else "?"
        kinds = {"kink": 0, "jump": 0, "branch": 0}
        for s in self.facts.sites:
            kinds[s.kind] += 1
        return [
            f"{self.name}_derivatives.py - emitted by nsadc {__version__} from {where} "
            f"(sha256 {self.src.sha256()[:12]})",
            f"Modes: {', '.join(modes)}.  Kink policy: {self.policy.describe()}.  With respect to: "
            f"{', '.join(self.facts.wrt) or 'nothing'}.",
            f"Sites: {kinds['kink']} kink, {kinds['branch']} branch, {kinds['jump']} jump "
            "(each marked below with a comment).",
            "Needs only math and numpy." if backend.decorator is None
            else f"Needs math, numpy and numba ({backend.name} target).",
        ]

    @gc_paused
    def module(self, modes: tuple[str, ...] = ("forward", "reverse"), primal: bool = False,
               report: bool = False, backend: Backend = PYTHON, jacobians: bool = False,
               grad: bool = False) -> str:
        """The emitted module with the functions of ``modes`` (and the primal, the
        report variants, the gradient without the value (``grad``, also with
        ``report``), and for a vector output the Jacobian drivers, if asked)."""
        functions = []
        if primal:
            functions.append(self.primal)
        if "forward" in modes:
            functions.append(self.jvp)
            if report:
                functions.append(self.jvp_report)
                if self.rows is not None:
                    functions.append(self.rows)
        if "reverse" in modes:
            functions.append(self.vjp)
            if report:
                functions.append(self.vjp_report)
            if (report or grad) and self.grad is not None:
                functions.append(self.grad)
        if "lexicographic" in modes and self.ld is not None:
            functions.append(self.ld)
        elif modes == ("lexicographic",) and self.ld_refusal:  # asked for Clarke mode alone
            raise UnsupportedError(self.ld_refusal)
        text = module_source(self.header(list(modes), backend), functions, backend)
        if jacobians and self.rows is not None and {"forward", "reverse"} <= set(modes):
            text += "\n\n" + jacobian_sources(self.name, [p.name for p in self.primal.params], self.facts.types,
                                               list(self.facts.wrt), output_types(self.primal, self.facts.types),
                                               backend.decorator)
        return text


def _renamed(fn: Function, name: str) -> Function:
    fn.name = name
    return fn


def _lowered(src: SourceFile, node, env: dict | None, param_types: dict[str, str] | None,
             memo: dict | None) -> Function:
    """The function lowered and prepared for analysis.  The API lowers once
    when it decorates (to refuse unsupported code early) and again for the
    argument types of the first call, which are almost always the types it
    inferred: with a ``memo`` (one per decorated function), the second
    lowering is a copy of the first."""
    memo = {} if memo is None else memo
    base = memo.get(_frozen(param_types))
    if base is None:
        base = lower_function(src, node, env, param_types)
        # fold_constant_tests: numba would prune those branches, leaving values untyped
        run_passes({"base": base}, PREPARATION_PASSES, label=f"{base.name} (preparation)")
        memo[_frozen(param_types)] = base
        if not base.lenient:  # a rank error let pass: the call lowers again
            memo[_frozen({p.name: p.type for p in base.params})] = base
    return clone_function(base)


def _frozen(types: dict[str, str] | None):
    return None if types is None else tuple(sorted(types.items()))


@gc_paused
def analyse_function(src: SourceFile, node, wrt: list[str] | None, env: dict | None = None,
                     param_types: dict[str, str] | None = None, memo: dict | None = None
                     ) -> tuple[Function, Facts]:
    """Lower and analyse one function: everything that can refuse user code,
    without transforming it."""
    base = _lowered(src, node, env, param_types, memo)
    if wrt is None:
        wrt = [p.name for p in base.params if differentiable_type(p.type)]
    by_name = {p.name: p for p in base.params}
    for w in wrt:
        if not differentiable_type(by_name[w].type):
            raise ArgumentError(f"cannot differentiate with respect to {w!r}: it is {by_name[w].type}, "
                                "not float")
    facts = analyse(base, wrt)
    # rewrites every mode gains from
    if counted_loops_as_for(base, facts, base.names):
        facts = analyse(base, wrt, sites=facts.sites)
    carried = carry_index_loads(base, facts, base.names)
    if forward_stored_loads(base, facts.types) or carried:
        facts = analyse(base, wrt, sites=facts.sites)
    kinds = output_types(base, facts.types)
    for kind in kinds:
        if kind == "bool" or (len(kinds) > 1 or is_array(kind)) and not differentiable_type(kind):
            what = "a bool" if kind == "bool" else f"an {kind.rstrip('0123456789')} of ints or bools"
            raise UnsupportedError(f"{base.name} returns {what}", base.body[-1].loc,
                                   "return floats or float arrays")
    return base, facts


@gc_paused
def compile_function(src: SourceFile, node, wrt: list[str] | None, policy: Policy,
                     env: dict | None = None, param_types: dict[str, str] | None = None,
                     kink_tol: float = 0.0, memo: dict | None = None, gradient_only: bool = False,
                     strong_zeros: bool = False) -> Compiled:
    """Lower, analyse and transform one function.  ``gradient_only``: only the
    reverse mode (``vjp`` and ``grad``: what a first ``grad`` calls, a third of
    the work), unless the function has a vector output; ``Compiled.gradient_only``
    says which was built.  ``strong_zeros``: derivative products whose structural
    zero wins over an infinite or NaN factor (passes/strong_zeros.py), what the
    API runs where the plain kernels' derivatives hold a NaN."""
    base, facts = analyse_function(src, node, wrt, env, param_types, memo)
    vector = has_vector_output(base, facts.types)
    gradient_only = gradient_only and not vector
    names = base.names
    wrt = facts.wrt

    def fresh_names():
        return Names(names.taken)

    primal = clone_function(base)
    primal.doc = None
    jvp = jvp_report = vjp_report = rows = None
    if not gradient_only:
        jvp = forward(clone_function(base), facts, policy, fresh_names())
        jvp_report = _renamed(forward(clone_function(base), facts, policy, fresh_names(), REPORT, kink_tol),
                              f"{base.name}_jvp_report")
    if vector:  # reverse mode on the outputs' contraction with their cotangents
        contraction = contracted(clone_function(base), facts.types, names)
        scalar = contraction.fn
        reverse_facts = analyse(scalar, wrt)
    else:
        scalar, reverse_facts = base, facts
    vjp = _reverse_mode(scalar, reverse_facts, policy, fresh_names())
    if not gradient_only:
        vjp_report = _renamed(reverse(clone_function(scalar), reverse_facts, policy, fresh_names(), REPORT,
                                      kink_tol), f"{base.name}_vjp_report")
    if vector:
        for f in (vjp, vjp_report):
            finish_vjp(f, contraction)
        tangent = forward(clone_function(base), facts, policy, fresh_names())
        rows = kink_rows(tangent, tangent.tangent_of, fresh_names())
    ld, ld_form, ld_refusal = (None, "unrolled", None) if gradient_only else \
        _clarke_mode(base, facts, fresh_names())
    tangent_grad = None if vector else _tangent_gradient(base, facts, policy, fresh_names(), vjp)
    functions = {"primal": None if gradient_only else primal, "jvp": jvp, "vjp": vjp, "jvp_report": jvp_report,
                 "vjp_report": vjp_report, "ld": ld, "rows": rows, "grad_tangents": tangent_grad}
    # drop_dead_code: only a vector output's reverse mode, where nothing reads the contraction's own value
    run_passes(functions, OPTIMISATION_PASSES, skip=() if vector else ("drop_dead_code",), label=base.name)
    # what grad calls: nothing computed for the value (a vector output has no gradient)
    if tangent_grad is not None:
        drop_dead_code(tangent_grad)
        grad = tangent_grad
    else:
        grad = None if vector else without_value(vjp, f"{base.name}_grad")
    run_passes({"vjp": vjp, "vjp_report": vjp_report, "grad": grad if tangent_grad is None else None},
               FINAL_PASSES, label=base.name)
    primal_params = {p.name for p in base.params}
    if strong_zeros:
        for f in (jvp, vjp, grad):
            if f is not None:
                with_strong_zeros(f, derivative_seeds(f, primal_params))
        switches = True
    else:  # where no derivative meets a switch, strong zeros change nothing a NaN check could see
        switches = any(f is not None and has_switch_products(f, derivative_seeds(f, primal_params))
                       for f in (jvp, vjp, grad))
    return Compiled(base.name, primal, facts, jvp, vjp, jvp_report, vjp_report, ld, src, policy, ld_form,
                    ld_refusal, grad, rows, gradient_only, switches)


def _reverse_mode(scalar: Function, facts: Facts, policy: Policy, names: Names) -> Function:
    """The reverse mode (without the kink report): loop-carried maxima and
    minima are first rewritten to reach their value through their argmax
    (transforms/carried_extrema.py); the report variant reverses the loops as
    written, so that it counts each iteration's kink."""
    fn = clone_function(scalar)
    if search_carried_extrema(fn, facts, names):
        facts = analyse(fn, facts.wrt, sites=facts.sites)
    return reverse(fn, facts, policy, names)


def _tangent_gradient(base: Function, facts: Facts, policy: Policy, names: Names, vjp: Function) -> Function | None:
    """``f_grad`` by tangents where the gradient is with respect to a few floats,
    every value that carries a derivative is a scalar and reverse mode would
    keep a tape (transforms/tangent_gradient.py); None elsewhere, where
    forward mode refuses what reverse mode took, and where the tangents would
    add more code than they are worth compiling (a long loop body's)."""
    if not by_tangents(facts.types, list(facts.wrt), facts.active):
        return None
    if not any(isinstance(s, TapeAlloc) for s in walk(vjp.body)):
        return None  # reverse mode keeps no tape here (a fused reduction): one sweep either way
    try:
        jvp = forward(clone_function(base), facts, policy, names)
    except UnsupportedError:
        return None
    grad = gradient_by_tangents(jvp, list(facts.wrt), names.fresh(vjp.params[-1].name), f"{base.name}_grad", names)
    return grad if grad is not None and small_enough(grad, vjp) else None


def _clarke_mode(base: Function, facts: Facts, names) -> tuple[Function | None, str, str | None]:
    """The lexicographic (Clarke mode) function, its form, and the message of
    its refusal.  A refusal only matters when Clarke mode is asked for, so it
    is kept rather than raised: grad and the other modes still compile."""
    if not any(is_array(t) for t in facts.types.values()):
        k = len([w for w in facts.wrt if facts.types.get(w) == "float"])
        try:
            return lexicographic(clone_function(base), facts, names, max(k, 1)), "unrolled", None
        except UnsupportedError as e:
            return None, "unrolled", str(e)
    try:
        return lexicographic_arrays(clone_function(base), facts, names), "arrays", None
    except UnsupportedError as e:
        return None, "arrays", str(e)


def compile_tangent(src: SourceFile, node, wrt: list[str] | None, policy: Policy, env: dict | None = None,
                    param_types: dict[str, str] | None = None, memo: dict | None = None) -> Compiled:
    """Second order, reverse over forward: the forward-mode program with its
    directional derivative as the only result,

        def f_tangent(x, w, x_dot, w_dot):
            ...
            return out_dot

    emitted as source and compiled again as a function of its own.  The
    gradient of ``f_tangent`` with respect to ``wrt`` (its ``vjp`` with
    cotangent 1) is the Hessian-vector product ``H·(x_dot, w_dot)``: at a kink
    the Hessian of the piece the forward mode selected, since each selection
    is a constant of the tangent program."""
    base, facts = analyse_function(src, node, wrt, env, param_types, memo)
    if has_vector_output(base, facts.types):
        raise UnsupportedError(f"{base.name} returns {'an array' if len(facts.outputs) == 1 else 'several values'}"
                               "; Hessian-vector products need one float", base.body[-1].loc,
                               "apply hvp to a scalar function of the outputs (a loss)")
    tangent = forward(clone_function(base), facts, policy, Names(base.names.taken))
    ret = tangent.body[-1]
    tangent.body[-1] = Return(ret.value[1], ret.loc)
    tangent.name = f"{base.name}_tangent"
    tangent.doc = f"The directional derivative of {base.name} along the tangents."
    run_passes({"tangent": tangent}, TANGENT_PASSES, label=tangent.name)
    # a value the frontend set on every path through its own flags (an inlined early
    # return) reads, as source, as set on some paths only: it starts at 0.0
    types = infer_types(tangent)
    params = {p.name for p in tangent.params}
    nested = sorted({t.target for s in tangent.body if isinstance(s, (If, For, While)) for t in walk([s])
                     if isinstance(t, Assign) and t.target not in params and types.get(t.target) == "float"})
    tangent.body = [Assign(name, Const(0.0)) for name in nested] + tangent.body
    text = module_source([f"{base.name}'s forward mode, for its Hessian-vector product"], [tangent])
    tangent_src = parse_file(f"<{tangent.name}>", text)
    types = {p.name: p.type for p in tangent.params}
    try:
        return compile_function(tangent_src, tangent_src.function(tangent.name), list(facts.wrt), policy,
                                None, types)
    except UnsupportedError as e:  # the emitted code is in the subset nsadc reads: a defect if not
        raise UnsupportedError(f"the Hessian-vector product of {base.name} is not available: its forward "
                               f"mode is not a program nsadc can differentiate again ({e.message})",
                               base.loc, "difference the gradient along v instead: "
                               "(grad(x + h*v) - grad(x - h*v)) / (2*h)") from None


def hvp_module(comp: Compiled, tangent: Compiled, backend: Backend = PYTHON) -> str:
    """A standalone module with ``f_tangent`` (forward mode, its directional
    derivative alone), ``f_tangent_vjp`` (its reverse mode) and
    ``f_hvp(*args, *tangents)``, the Hessian-vector product."""
    dots = [p.name for p in tangent.primal.params]
    text = module_source(comp.header(["hvp (reverse mode of the forward mode)"], backend), [tangent.primal, tangent.vjp],
                         backend)
    wrapper = (f"def {comp.name}_hvp({', '.join(dots)}):\n"
               f'    """The Hessian-vector product of {comp.name}: the gradient of {tangent.name}, shaped like '
               f'the wrt arguments."""\n'
               f"    return {tangent.name}_vjp({', '.join(dots)}, 1.0)[1]\n")
    return text + "\n\n" + backend.decorated(wrapper)
