"""The table of primitive rules.

One entry per primitive holds, in one place: how the primal is written, its
result type, its partial derivatives (the tangent rule is ``Σ ∂ᵢ·u̇ᵢ``, the
adjoint rule ``ūᵢ += ∂ᵢ·ȳ``), and for nonsmooth primitives the kink set, the
Clarke generalized gradient there and the selection each policy makes.  The
forward and reverse transforms, the kink report and the certificate all read
this table.

Partials are built as IR expressions by ``partials(args, out, active, sel, tmp)``:

- ``args``: the operand expressions; ``out``: the result variable, or ``None``
  when the result overwrites an operand (the rule then recomputes from args);
- ``active``: which operands carry derivatives (only those partials are built);
- ``sel``: the policy's selection for this primitive (``None`` for smooth ones);
- ``tmp(hint)``: a fresh readable name for a setup temporary.

It returns ``(setup, grads)``: setup assignments ``[(name, expr)]`` that the
transforms emit before using ``grads`` (one expression or ``None`` per operand).
Kink selections are written as two-way conditional expressions so that Numba
compiles them branch-free (a select, not a branch the CPU must predict).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from nsadc.errors import PolicyError
from nsadc.ir.build import add, c, call, div, mul, neg, sub
from nsadc.ir.nodes import Const, Expr, Var, select

Partials = tuple[list[tuple[str, Expr]], list[Expr | None]]


@dataclass(frozen=True)
class Kink:
    """What a nonsmooth primitive does at its kink set."""

    kind: str  # "kink": Lipschitz, Clarke set below; "jump": piecewise constant (not continuous)
    where: str  # the kink set, in words of the primitive's operands
    clarke: str  # the Clarke generalized gradient at the kink
    selections: dict[str, object] = field(default_factory=dict)  # policy name -> selection
    check: Callable[[object], bool] | None = None  # is a custom selection in the Clarke set?
    selection_doc: str = ""  # what a custom selection value means
    at_kink: Callable[[list[Expr]], Expr] | None = None  # "the kink is met" condition

    def validate(self, key: str, value) -> None:
        if self.check is None:
            raise PolicyError(f"{key!r} has no selectable kink ({self.clarke})")
        try:
            ok = self.check(value)
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise PolicyError(
                f"selection {value!r} for {key!r} lies outside its Clarke set {self.clarke} "
                f"at the kink {self.where}; {self.selection_doc}"
            )

    def kink_set(self, operands: list[str]) -> str:
        """The kink set in the words of the site's operands (``z == 0``)."""
        return self.where.format(*operands, *["?"] * 3)

    def describe(self, sel, operands: list[str]) -> str:
        """One line for the emitted comment: what is selected at the kink."""
        clarke = self.clarke.format(*operands, *["?"] * 3)
        return f"at {self.kink_set(operands)} selects {_fmt_sel(sel)} (Clarke set {clarke})"


def _fmt_sel(sel) -> str:
    if isinstance(sel, tuple):
        return "(" + ", ".join(_fmt_sel(s) for s in sel) + ")"
    if isinstance(sel, str):
        return sel
    return f"{sel:g}"


@dataclass(frozen=True)
class Rule:
    name: str
    arity: tuple[int, int | None]  # (min, max); max None = variadic
    emit: str  # "infix:+", "prefix:-", "call:math.exp", or "special"
    result: Callable[[list[str]], str]
    partials: Callable[..., Partials] | None  # None: no derivative (constant pieces, booleans)
    kink: Kink | None = None
    doc: str = ""
    # lexicographic (Clarke mode) rule of a nonsmooth primitive: see rules/lexico.py
    lexico: Callable | None = None
    # for a primitive of NAN_IN_NAN_OUT: whether its partials, for this many operands, are
    # NaN already where an operand is (so the transforms add no test of their own)
    nan_partials: Callable[[int], bool] | None = None

    @property
    def differentiable(self) -> bool:
        return self.partials is not None


RULES: dict[str, Rule] = {}
# Names users write (after the frontend strips the module prefix) -> rule names.
ALIASES: dict[str, str] = {}


def rule_for(name: str) -> Rule:
    return RULES[name]


def register(rule: Rule, *aliases: str) -> None:
    RULES[rule.name] = rule
    for a in aliases:
        ALIASES[a] = rule.name


# ------------------------------------------------------------ result types


def _numeric(types: list[str]) -> str:
    return "float" if "float" in types else "int"


def float_result(types):
    return "float"


def int_result(types):
    return "int"


def _bool(types):
    return "bool"


def _same(types):
    return types[0]


# ------------------------------------------------------------ arithmetic


def _np_names(*names: str) -> list[str]:
    return [f"{m}.{n}" for n in names for m in ("np", "numpy")]


def on_active(active, grads):
    return [g if a else None for a, g in zip(active, grads)]


register(Rule("add", (2, 2), "infix:+", _numeric,
               lambda a, out, act, sel, tmp: ([], on_active(act, [c(1), c(1)]))))
register(Rule("sub", (2, 2), "infix:-", _numeric,
               lambda a, out, act, sel, tmp: ([], on_active(act, [c(1), c(-1)]))))
def _mul_partials(a, out, act, sel, tmp):
    if a[0] == a[1] and act[0]:  # x * x: one partial, 2x
        return [], [mul(c(2), a[0]), None]
    return [], on_active(act, [a[1], a[0]])


register(Rule("mul", (2, 2), "infix:*", _numeric, _mul_partials))


def _div_partials(a, out, act, sel, tmp):
    x, y = a
    dy = neg(div(out, y)) if out is not None else neg(div(x, mul(y, y)))
    if act[1] and not isinstance(x, Const):
        # where x is ±inf (a sentinel such as np.inf in a dynamic program's
        # border), x / y is ±inf for every y of that sign: flat in y, partial 0
        # (not inf, whose product with a zero adjoint would be NaN)
        dy = select(call("lt", call("abs", x), c(math.inf)), dy, c(0))
    elif act[1] and isinstance(x, Const) and math.isinf(x.value):
        dy = c(0)
    return [], on_active(act, [div(c(1), y), dy])


register(Rule("div", (2, 2), "infix:/", float_result, _div_partials))
register(Rule("neg", (1, 1), "prefix:-", _same,
               lambda a, out, act, sel, tmp: ([], on_active(act, [c(-1)]))))
register(Rule("pos", (1, 1), "prefix:+", _same,
               lambda a, out, act, sel, tmp: ([], on_active(act, [c(1)]))))
register(Rule("copy", (1, 1), "copy", _same,
               lambda a, out, act, sel, tmp: ([], on_active(act, [c(1)]))))
register(Rule("float", (1, 1), "call:float", float_result,
               lambda a, out, act, sel, tmp: ([], on_active(act, [c(1)]))), *_np_names("float64", "double"))


def _pow_partials(a, out, act, sel, tmp):
    x, y = a
    grads: list[Expr | None] = [None, None]
    if act[0]:
        if isinstance(y, Const) and y.value == 2:
            grads[0] = mul(c(2), x)
        elif isinstance(y, Const) and y.value == 1:
            grads[0] = c(1)
        elif isinstance(y, Const):
            # an integer exponent as an int: Numba multiplies (x ** 3.0 calls pow, 2x slower)
            k = y.value - 1
            grads[0] = mul(y, call("pow", x, Const(int(k)) if float(k).is_integer() and abs(k) <= 16 else c(k)))
        else:
            grads[0] = mul(y, call("pow", x, sub(y, c(1))))
    if act[1]:
        # d/dy x**y = x**y·log x; 0 at x == 0 (where x**y is flat in y for y > 0).
        value = out if out is not None else call("pow", x, y)
        grads[1] = select(call("gt", x, c(0)), mul(value, call("log", x)), c(0))
    return [], grads


register(Rule("pow", (2, 2), "infix:**", _numeric, _pow_partials), "math.pow", "np.power", "numpy.power")

# ------------------------------------------------------------ smooth math


def _smooth(name: str, emit: str, grad: Callable[[Expr, Expr | None], Expr], *aliases: str, doc=""):
    def partials(a, out, act, sel, tmp):
        return [], on_active(act, [grad(a[0], out)])

    register(Rule(name, (1, 1), emit, float_result, partials, doc=doc), *aliases)


def _np(name: str) -> tuple[str, str]:
    return (f"np.{name}", f"numpy.{name}")


_smooth("exp", "call:math.exp", lambda x, o: o if o is not None else call("exp", x), "math.exp", *_np("exp"))
_smooth("log", "call:math.log", lambda x, o: div(c(1), x), "math.log", *_np("log"))
_smooth("log2", "call:math.log2", lambda x, o: div(c(1 / math.log(2)), x), "math.log2", *_np("log2"))
_smooth("log10", "call:math.log10", lambda x, o: div(c(1 / math.log(10)), x), "math.log10", *_np("log10"))
_smooth("log1p", "call:math.log1p", lambda x, o: div(c(1), add(c(1), x)), "math.log1p", *_np("log1p"))
_smooth("expm1", "call:math.expm1",
        lambda x, o: add(o, c(1)) if o is not None else call("exp", x), "math.expm1", *_np("expm1"))
_smooth("sin", "call:math.sin", lambda x, o: call("cos", x), "math.sin", *_np("sin"))
_smooth("cos", "call:math.cos", lambda x, o: neg(call("sin", x)), "math.cos", *_np("cos"))
_smooth("tan", "call:math.tan",
        lambda x, o: add(c(1), mul(o, o)) if o is not None
        else div(c(1), mul(call("cos", x), call("cos", x))), "math.tan", *_np("tan"))
_smooth("asin", "call:math.asin",
        lambda x, o: div(c(1), call("sqrt", sub(c(1), mul(x, x)))), "math.asin", *_np("arcsin"))
_smooth("acos", "call:math.acos",
        lambda x, o: neg(div(c(1), call("sqrt", sub(c(1), mul(x, x))))), "math.acos", *_np("arccos"))
_smooth("atan", "call:math.atan", lambda x, o: div(c(1), add(c(1), mul(x, x))), "math.atan", *_np("arctan"))
_smooth("sinh", "call:math.sinh", lambda x, o: call("cosh", x), "math.sinh", *_np("sinh"))
_smooth("cosh", "call:math.cosh", lambda x, o: call("sinh", x), "math.cosh", *_np("cosh"))
_smooth("tanh", "call:math.tanh",
        lambda x, o: sub(c(1), mul(o, o)) if o is not None
        else sub(c(1), mul(call("tanh", x), call("tanh", x))), "math.tanh", *_np("tanh"))
_smooth("asinh", "call:math.asinh",
        lambda x, o: div(c(1), call("sqrt", add(c(1), mul(x, x)))), "math.asinh", *_np("arcsinh"))
_smooth("acosh", "call:math.acosh",
        lambda x, o: div(c(1), call("sqrt", sub(mul(x, x), c(1)))), "math.acosh", *_np("arccosh"))
_smooth("atanh", "call:math.atanh", lambda x, o: div(c(1), sub(c(1), mul(x, x))), "math.atanh", *_np("arctanh"))
_smooth("exp2", "call:np.exp2",
        lambda x, o: mul(c(math.log(2)), o if o is not None else call("exp2", x)), "math.exp2", *_np("exp2"))
_smooth("erf", "call:math.erf",
        lambda x, o: mul(c(2 / math.sqrt(math.pi)), call("exp", neg(mul(x, x)))), "math.erf")
_smooth("erfc", "call:math.erfc",
        lambda x, o: mul(c(-2 / math.sqrt(math.pi)), call("exp", neg(mul(x, x)))), "math.erfc")
_smooth("radians", "call:math.radians", lambda x, o: c(math.pi / 180), "math.radians", *_np("radians"),
        *_np("deg2rad"))
_smooth("degrees", "call:math.degrees", lambda x, o: c(180 / math.pi), "math.degrees", *_np("degrees"),
        *_np("rad2deg"))
# The log-gamma and gamma functions: d/dx lgamma(x) = digamma(x) (also for x < 0,
# where lgamma is log|Γ(x)|), d/dx Γ(x) = Γ(x)·digamma(x).  Their poles (x = 0, -1,
# -2, ...) are outside the domain.  ``digamma`` has no derivative of its own here:
# it is emitted as a helper function of the module (rules/vector.py).
register(Rule("digamma", (1, 1), "call:_digamma", float_result, None, doc="ψ(x) = d/dx log Γ(x)"))
_smooth("lgamma", "call:math.lgamma", lambda x, o: call("digamma", x), "math.lgamma")
_smooth("gamma", "call:math.gamma",
        lambda x, o: mul(o if o is not None else call("gamma", x), call("digamma", x)), "math.gamma")


_smooth("square", "call:np.square", lambda x, o: mul(c(2), x), *_np("square"))


def _logaddexp_partials(a, out, act, sel, tmp):
    # log(e^x + e^y): partials e^(x - out), e^(y - out), the softmax weights
    value = out if out is not None else call("logaddexp", *a)
    return [], on_active(act, [call("exp", sub(a[0], value)), call("exp", sub(a[1], value))])


register(Rule("logaddexp", (2, 2), "call:np.logaddexp", float_result, _logaddexp_partials), *_np("logaddexp"))


def _sqrt_partials(a, out, act, sel, tmp):
    # sqrt is not Lipschitz at 0: its derivative there is +inf (the certificate
    # records the domain restriction x > 0).
    root = out if out is not None else call("sqrt", a[0])
    return [], on_active(act, [select(call("gt", root, c(0)), div(c(0.5), root), Const(math.inf))])


register(Rule("sqrt", (1, 1), "call:math.sqrt", float_result, _sqrt_partials), "math.sqrt", *_np("sqrt"))


def _cbrt_partials(a, out, act, sel, tmp):
    # d/dx x^(1/3) = 1 / (3·cbrt(x)²): +inf at 0, like sqrt (not Lipschitz there)
    root = out if out is not None else call("cbrt", a[0])
    return [], on_active(act, [select(call("ne", root, c(0)), div(c(1 / 3), mul(root, root)), Const(math.inf))])


register(Rule("cbrt", (1, 1), "call:np.cbrt", float_result, _cbrt_partials), "math.cbrt", *_np("cbrt"))


def _atan2_partials(a, out, act, sel, tmp):
    y, x = a
    r2 = tmp("r2")
    setup = [(r2, add(mul(x, x), mul(y, y)))]
    positive = call("gt", Var(r2), c(0))
    return setup, on_active(act, [select(positive, div(x, Var(r2)), c(0)),
                            select(positive, neg(div(y, Var(r2))), c(0))])


register(Rule("atan2", (2, 2), "call:math.atan2", float_result, _atan2_partials), "math.atan2", *_np("arctan2"))

# ------------------------------------------------------------ kinks


def _in_interval(lo, hi):
    return lambda s: isinstance(s, (int, float)) and not isinstance(s, bool) and lo <= float(s) <= hi


def _abs_partials(a, out, act, sel, tmp):
    x = a[0]
    if sel == 1.0:  # JAX: select(x >= 0, g, -g)
        grad = select(call("ge", x, c(0)), c(1), c(-1))
    else:
        grad = select(call("ne", x, c(0)), call("copysign", c(1), x), c(sel))
    name = tmp("sign")
    return [(name, grad)], on_active(act, [Var(name)])


_ABS = Kink(
    "kink", "{0} == 0", "[-1, 1]",
    selections={"min-norm": 0.0, "jax": 1.0, "torch": 0.0},
    check=_in_interval(-1, 1),
    selection_doc="a selection for abs is abs'(0), a number in [-1, 1]",
    at_kink=lambda a: call("eq", a[0], c(0)),
)
register(Rule("abs", (1, 1), "call:abs", _same, _abs_partials, _ABS),
          "math.fabs", *_np("abs"), *_np("absolute"), *_np("fabs"))


def _extremum(name: str, better: str):
    """max / min of two or more operands.

    Two operands: ∂₀ = 1 where the first wins, the selection λ at a tie, and
    ∂₁ = 1 − ∂₀.  A tie with a constant (inactive) operand: the Clarke set with
    respect to the active operand is [0, 1].  Three or more: the tied operands
    share the derivative equally (min-norm gives 0 when a constant is tied)."""

    def partials(a, out, act, sel, tmp):
        if len(a) == 2:
            return _binary(a, act, sel, tmp)
        return _nary(a, out, act, sel, tmp)

    def _binary(a, act, sel, tmp):
        x, y = a
        lam = _binary_lambda(sel, act)
        first = tmp(f"d{name}")
        setup = [(first, select(call(better, x, y), c(1), c(0)))]
        if lam != 0.0:
            setup.append((first, select(call("ne", x, y), Var(first), c(lam))))
        if act[0] and act[1]:
            return setup, [Var(first), sub(c(1), Var(first))]
        if act[0]:
            return setup, [Var(first), None]
        # only the second operand is active: its partial is 1 − ∂₀ with the
        # tie share mirrored (the selection is the active operand's share).
        return setup, [None, sub(c(1), Var(first))]

    def _binary_lambda(sel, act):
        both = act[0] and act[1]
        if sel == "min-norm":
            # the first operand's share: the active operand's share is 0 when the
            # other operand is a constant (max(0.0, x) at x == 0 selects 0)
            return 0.5 if both else (0.0 if act[0] else 1.0)
        if sel in ("jax", "torch"):
            return 0.5
        lam = float(sel)
        # a numeric selection is the share of the first operand at a tie; with
        # one active operand it is that operand's share.
        return lam if (both or act[0]) else 1.0 - lam

    def _nary(a, out, act, sel, tmp):
        if not isinstance(sel, str):
            raise PolicyError(f"a numeric selection for {name} applies to two operands; "
                              f"use a policy name for {name} of {len(a)} operands")
        setup = []
        if out is not None:
            m = out
        else:  # the value is gone (m = max(m, a, b)): computed again once, not in each test
            m = Var(tmp("extreme"))
            setup.append((m.name, call(name, *a)))
        tied = tmp("tied")
        ones = [select(call("eq", x, m), c(1), c(0)) for x in a]
        total = ones[0]
        for o in ones[1:]:
            total = add(total, o)
        share = tmp("share")
        # a NaN operand makes the extreme NaN, equal to no operand: nothing is tied and the
        # share is NaN, and so is every partial (0 times the share: NaN in, NaN out, with no
        # test of its own; the partials are products, not selections, which compile
        # branch-free: Chained CB3's gradient 6.6 -> 5.1 ms)
        setup += [(tied, total), (share, select(call("gt", Var(tied), c(0)), div(c(1), Var(tied)), c(math.nan)))]
        if sel == "min-norm" and not all(act):
            # a tied constant puts 0 in the Clarke set: its min-norm element is 0
            for x, is_active in zip(a, act):
                if not is_active:
                    setup.append((share, select(call("ne", x, m), Var(share), c(0))))
        grads = [mul(call("eq", x, m), Var(share)) for x in a]
        return setup, on_active(act, grads)

    def at_kink(a):
        if len(a) == 2:
            return call("eq", a[0], a[1])
        m = call(name, *a)
        count = select(call("eq", a[0], m), c(1), c(0))
        for x in a[1:]:
            count = add(count, select(call("eq", x, m), c(1), c(0)))
        return call("gt", count, c(1))

    check = (lambda s: s in ("min-norm", "jax", "torch") or _in_interval(0, 1)(s))
    kink = Kink(
        "kink", "a tie of the operands", "the convex hull of the tied operands' unit vectors",
        selections={"min-norm": "min-norm", "jax": "jax", "torch": "torch"},
        check=check,
        selection_doc=f"a selection for {name} is the first operand's share λ in [0, 1] at a tie",
        at_kink=at_kink,
    )
    return Rule(name, (2, None), f"call:{name}", _numeric, partials, kink,
                nan_partials=lambda operands: operands > 2)


register(_extremum("max", "gt"), *_np("maximum"))
register(_extremum("min", "lt"), *_np("minimum"))


def _clip_partials(a, out, act, sel, tmp):
    x, lo, hi = a
    # NumPy's clip is min(max(x, lo), hi): where the bounds cross (lo > hi) its
    # value is hi whatever x is, and so is its derivative
    crossed = None if isinstance(lo, Const) and isinstance(hi, Const) and lo.value <= hi.value \
        else call("gt", lo, hi)
    # x == lo == hi: a tie in the max, then in the min, each sharing as at one
    # bound (x takes sel at each): (sel * sel, sel * (1 - sel), 1 - sel), whose sum is 1
    triple = None if isinstance(lo, Const) and isinstance(hi, Const) and lo.value != hi.value \
        else call("and", call("eq", x, lo), call("eq", x, hi))
    inside = tmp("dclip")
    setup = [(inside, select(call("and", call("gt", x, lo), call("lt", x, hi)), c(1), c(0)))]
    if sel != 0.0:
        at_bound = call("or", call("eq", x, lo), call("eq", x, hi))
        if crossed is not None:
            at_bound = call("and", at_bound, call("le", lo, hi))
        shared = c(sel) if triple is None or sel == 1.0 else select(triple, c(sel * sel), c(sel))
        setup.append((inside, select(at_bound, shared, Var(inside))))
    grads: list[Expr | None] = [Var(inside) if act[0] else None, None, None]
    if act[1]:
        at_lo = c(1 - sel) if triple is None or sel == 1.0 else select(triple, c(sel * (1 - sel)), c(1 - sel))
        grads[1] = select(call("lt", x, lo), c(1), select(call("eq", x, lo), at_lo, c(0)))
        if crossed is not None:
            grads[1] = select(crossed, c(0), grads[1])
    if act[2]:
        above = call("gt", x, hi) if crossed is None else call("or", call("gt", x, hi), crossed)
        grads[2] = select(above, c(1), select(call("eq", x, hi), c(1 - sel), c(0)))
    return setup, grads


register(Rule("clip", (3, 3), "special", _numeric, _clip_partials, Kink(
    "kink", "{0} == {1} or {0} == {2}", "[0, 1]",
    selections={"min-norm": 0.0, "jax": 0.5, "torch": 1.0},
    check=_in_interval(0, 1),
    selection_doc="a selection for clip is its derivative in x at a bound, a number in [0, 1]",
    at_kink=lambda a: call("or", call("eq", a[0], a[1]), call("eq", a[0], a[2])),
)), *_np("clip"))


def _hypot_partials(a, out, act, sel, tmp):
    x, y = a
    r = out if out is not None else call("hypot", x, y)
    positive = call("gt", r, c(0))
    sx, sy = sel
    return [], on_active(act, [select(positive, div(x, r), c(sx)), select(positive, div(y, r), c(sy))])


register(Rule("hypot", (2, 2), "call:math.hypot", float_result, _hypot_partials, Kink(
    "kink", "{0} == {1} == 0", "the unit disc",
    # JAX's hypot gives (1/2, 1/2) at the origin; torch gives nan there, which is
    # outside the Clarke set, so the torch policy uses the min-norm element.
    selections={"min-norm": (0.0, 0.0), "jax": (0.5, 0.5), "torch": (0.0, 0.0)},
    check=lambda s: len(s) == 2 and math.hypot(float(s[0]), float(s[1])) <= 1.0,
    selection_doc="a selection for hypot is a gradient (gx, gy) at the origin with gx² + gy² ≤ 1",
    at_kink=lambda a: call("and", call("eq", a[0], c(0)), call("eq", a[1], c(0))),
)), "math.hypot", *_np("hypot"))


# NaN in, NaN out: the kink primitives whose value is NaN where an operand is
# (max and min are emitted as np.maximum / np.minimum) get NaN partials there too
NAN_IN_NAN_OUT = frozenset({"abs", "max", "min", "clip", "hypot"})


def _copysign_partials(a, out, act, sel, tmp):
    # copysign(x, y) = |x|·sign(y): ∂/∂x = abs'(x)·sign(y) with abs'(0) the
    # selection; y only moves the sign, a jump (derivative 0).
    x, y = a
    name = tmp("dcopysign")
    setup = [(name, select(call("ne", x, c(0)), call("copysign", c(1), x), c(sel))),
             (name, mul(Var(name), call("copysign", c(1), y)))]
    return setup, [Var(name) if act[0] else None, None]


register(Rule("copysign", (2, 2), "call:math.copysign", float_result, _copysign_partials, Kink(
    "kink", "{0} == 0 (a kink) or {1} == 0 (a jump)", "[-1, 1]·sign({1})",
    selections={"min-norm": 0.0, "jax": 1.0, "torch": 0.0},
    check=_in_interval(-1, 1),
    selection_doc="a selection for copysign is abs'(0) in copysign(x, y) = |x|·sign(y), in [-1, 1]",
    at_kink=lambda a: call("or", call("eq", a[0], c(0)), call("eq", a[1], c(0))),
)), "math.copysign", *_np("copysign"))

# ------------------------------------------------------------ piecewise constant (jumps)


def _jump(name: str, emit: str, result, at_kink, where: str, *aliases: str, arity=(1, 1)):
    """A piecewise-constant primitive: derivative 0 everywhere it is defined;
    its jumps are kinks that the report shows (there is no Clarke set: f jumps)."""
    register(Rule(name, arity, emit, result, None,
                   Kink("jump", where, "none (f jumps)", selections={}, at_kink=at_kink)),
              *aliases)


_jump("floor", "call:math.floor", int_result, lambda a: call("eq", a[0], call("floor", a[0])),
      "{0} an integer", "math.floor")
_jump("ceil", "call:math.ceil", int_result, lambda a: call("eq", a[0], call("floor", a[0])),
      "{0} an integer", "math.ceil")
# int(x), not math.trunc(x): the same for a float, and NumPy's int64 (an index read back from a buffer on
# the python target) has no __trunc__
_jump("trunc", "call:int", int_result,
      lambda a: call("and", call("eq", a[0], call("floor", a[0])), call("ne", a[0], c(0))),
      "{0} a nonzero integer", "math.trunc", "int", *_np_names("int64", "int32", "intp"))
_jump("round", "call:round", int_result,
      lambda a: call("eq", sub(a[0], call("floor", a[0])), c(0.5)), "{0} a half-integer")
_jump("npfloor", "call:np.floor", float_result, lambda a: call("eq", a[0], call("floor", a[0])),
      "{0} an integer", *_np("floor"))
_jump("npceil", "call:np.ceil", float_result, lambda a: call("eq", a[0], call("floor", a[0])),
      "{0} an integer", *_np("ceil"))
_jump("nptrunc", "call:np.trunc", float_result,
      lambda a: call("and", call("eq", a[0], call("floor", a[0])), call("ne", a[0], c(0))),
      "{0} a nonzero integer", *_np("trunc"), *_np("fix"))
_jump("nprint", "call:np.rint", float_result,
      lambda a: call("eq", sub(a[0], call("floor", a[0])), c(0.5)), "{0} a half-integer",
      *_np("rint"), *_np("round"), *_np("around"))
_jump("sign", "call:np.sign", float_result, lambda a: call("eq", a[0], c(0)), "{0} == 0", *_np("sign"))
_jump("floordiv", "infix://", _numeric,
      lambda a: call("eq", call("mod", a[0], a[1]), c(0)), "{0} / {1} an integer", *_np("floor_divide"),
      arity=(2, 2))


def _mod_partials(a, out, act, sel, tmp):
    # x % y = x − y·floor(x / y): slope 1 in x, −floor(x / y) in y, jumps between.
    x, y = a
    return [], on_active(act, [c(1), neg(call("floordiv", x, y))])


def _bits(types: list[str]) -> str:
    """Bitwise operators: a bool of bools, an int of ints (floats are refused
    where the analysis types them: analyses.facts.refuse_float_bits)."""
    return "bool" if all(t == "bool" for t in types) else "int"


# bitwise operators of ints (a bit-reversal permutation, i & 1 as a parity test): no derivative
BITWISE = {"lshift": "<<", "rshift": ">>", "bitand": "&", "bitor": "|", "bitxor": "^"}
for _name, _sym in BITWISE.items():
    register(Rule(_name, (2, 2), f"infix:{_sym}", _bits, None))


register(Rule("mod", (2, 2), "infix:%", _numeric, _mod_partials, Kink(
    "jump", "{0} / {1} an integer", "none (f jumps)", selections={},
    at_kink=lambda a: call("eq", call("mod", a[0], a[1]), c(0)))), *_np("mod"), *_np("remainder"))


def _fmod_partials(a, out, act, sel, tmp):
    # math.fmod(x, y) = x − y·trunc(x / y) (the sign of x, where % takes y's):
    # slope 1 in x, −trunc(x / y) in y, jumps between
    x, y = a
    # −trunc(x / y) as floats (an int trunc overflows past 2**63): −(x // y) where
    # x / y >= 0, (−x) // y where it is negative
    slope = select(call("ge", div(x, y), c(0)), neg(call("floordiv", x, y)), call("floordiv", neg(x), y))
    return [], on_active(act, [c(1), slope])


register(Rule("fmod", (2, 2), "call:np.fmod", float_result, _fmod_partials, Kink(
    "jump", "{0} / {1} an integer", "none (f jumps)", selections={},
    at_kink=lambda a: call("eq", call("fmod", a[0], a[1]), c(0)))), "math.fmod", *_np("fmod"))

# ------------------------------------------------------------ comparisons and logic
# Comparisons of differentiable values are the branch kinks of a program: the
# transforms treat each such comparison as a site whose kink set is a == b.

COMPARISONS = {"lt": "<", "le": "<=", "gt": ">", "ge": ">=", "eq": "==", "ne": "!="}
for _name, _sym in COMPARISONS.items():
    register(Rule(_name, (2, 2), f"infix:{_sym}", _bool, None, Kink(
        "branch", "{0} == {1}", "the branch selection (continuity is a certificate obligation)",
        at_kink=lambda a: call("eq", a[0], a[1]))))
register(Rule("not", (1, 1), "prefix:not", _bool, None))
# tests of a float's class: no derivative, no kink (they are constant off NaN / inf)
for _name in ("isnan", "isinf", "isfinite"):
    register(Rule(_name, (1, 1), f"call:math.{_name}", _bool, None), f"math.{_name}", *_np_names(_name))
register(Rule("and", (2, None), "infix:and", _bool, None))  # emitter-only (kink conditions)
register(Rule("or", (2, None), "infix:or", _bool, None))
register(Rule("select", (3, 3), "special", lambda t: _numeric(t[1:]), None))

# primitives whose evaluation cannot raise and costs little: a selection whose
# two values are made of these (and of variables and constants) may evaluate both
EAGER = {"add", "sub", "mul", "neg", "pos", "copysign", "abs", "min", "max", "lt", "le", "gt", "ge", "eq", "ne",
         "not", "copy", "select"}
