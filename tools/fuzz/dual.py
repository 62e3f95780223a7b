"""A dual-number evaluation of the plain program: an independent forward mode.

``directional(fn, args, params, wrt, t)`` runs the plain Python function
``fn`` (and the helpers it calls) on dual numbers ``v + d eps``: the float
arguments in ``wrt`` carry the tangent ``t``, arrays become NumPy object
arrays of duals, and ``math`` / ``np`` in the functions' globals are replaced
by shims that propagate derivatives.  It returns ``(value, derivative)``, the
derivative of the path the plain program takes at that point, or ``None``
when the program uses something the shims do not know.

Off the kinks (the kink report says none was met) this is the derivative
nsadc must return, to rounding: a check much tighter than central
differences, and one that also holds at points where a branch boundary lies
within the differences' step.
"""

from __future__ import annotations

import functools
import math
import operator
import types

import numpy as np


class Dual:
    __slots__ = ("v", "d")
    __hash__ = None

    def __init__(self, v, d=0.0):
        self.v = float(v)
        self.d = float(d)

    def __repr__(self):
        return f"Dual({self.v!r}, {self.d!r})"

    # arithmetic
    def __add__(self, o):
        o = lift(o)
        return NotImplemented if o is None else Dual(self.v + o.v, self.d + o.d)

    __radd__ = __add__

    def __sub__(self, o):
        o = lift(o)
        return NotImplemented if o is None else Dual(self.v - o.v, self.d - o.d)

    def __rsub__(self, o):
        o = lift(o)
        return NotImplemented if o is None else Dual(o.v - self.v, o.d - self.d)

    def __mul__(self, o):
        o = lift(o)
        return NotImplemented if o is None else Dual(self.v * o.v, self.d * o.v + self.v * o.d)

    __rmul__ = __mul__

    def __truediv__(self, o):
        o = lift(o)
        if o is None:
            return NotImplemented
        return Dual(self.v / o.v, (self.d * o.v - self.v * o.d) / (o.v * o.v))

    def __rtruediv__(self, o):
        o = lift(o)
        return NotImplemented if o is None else o.__truediv__(self)

    def __neg__(self):
        return Dual(-self.v, -self.d)

    def __pos__(self):
        return self

    def __abs__(self):
        return Dual(abs(self.v), math.copysign(1.0, self.v) * self.d if self.v != 0 else 0.0)

    def __pow__(self, o):
        if isinstance(o, (int, float)) and not isinstance(o, bool):
            return Dual(self.v ** o, o * self.v ** (o - 1) * self.d if o != 0 else 0.0)
        o = lift(o)
        if o is None:
            return NotImplemented
        val = self.v ** o.v
        return Dual(val, val * (o.d * math.log(self.v) + o.v * self.d / self.v))

    def __rpow__(self, o):
        val = o ** self.v
        return Dual(val, val * math.log(o) * self.d)

    def __mod__(self, o):
        if isinstance(o, Dual):
            raise TypeError("dual % dual")
        return Dual(self.v % o, self.d)

    def __floordiv__(self, o):
        return float(self.v // (o.v if isinstance(o, Dual) else o))

    def __round__(self, n=None):
        return round(self.v, n) if n is not None else round(self.v)

    def __float__(self):
        raise TypeError("a dual number would lose its derivative here")

    # comparisons: by value
    def _cmp(op):
        def f(self, o):
            return op(self.v, o.v if isinstance(o, Dual) else o)
        return f

    __lt__ = _cmp(operator.lt)
    __le__ = _cmp(operator.le)
    __gt__ = _cmp(operator.gt)
    __ge__ = _cmp(operator.ge)
    __eq__ = _cmp(operator.eq)
    __ne__ = _cmp(operator.ne)
    del _cmp


def lift(o):
    if isinstance(o, Dual):
        return o
    if isinstance(o, (int, float, np.integer, np.floating)) and not isinstance(o, bool):
        return Dual(o, 0.0)
    if isinstance(o, bool):
        return Dual(float(o), 0.0)
    return None


def _unary(f, df):
    def g(x):
        if isinstance(x, Dual):
            return Dual(f(x.v), df(x.v) * x.d)
        return f(x)
    return g


class MathShim:
    pi, e, inf = math.pi, math.e, math.inf
    sin = staticmethod(_unary(math.sin, math.cos))
    cos = staticmethod(_unary(math.cos, lambda v: -math.sin(v)))
    tan = staticmethod(_unary(math.tan, lambda v: 1.0 + math.tan(v) ** 2))
    tanh = staticmethod(_unary(math.tanh, lambda v: 1.0 - math.tanh(v) ** 2))
    exp = staticmethod(_unary(math.exp, math.exp))
    expm1 = staticmethod(_unary(math.expm1, math.exp))
    log = staticmethod(_unary(math.log, lambda v: 1.0 / v))
    log1p = staticmethod(_unary(math.log1p, lambda v: 1.0 / (1.0 + v)))
    sqrt = staticmethod(_unary(math.sqrt, lambda v: 0.5 / math.sqrt(v)))
    atan = staticmethod(_unary(math.atan, lambda v: 1.0 / (1.0 + v * v)))
    fabs = staticmethod(lambda x: abs(x) if isinstance(x, Dual) else math.fabs(x))

    @staticmethod
    def floor(x):
        return math.floor(x.v if isinstance(x, Dual) else x)

    @staticmethod
    def atan2(y, x):
        y, x = lift(y), lift(x)
        r2 = x.v * x.v + y.v * y.v
        return Dual(math.atan2(y.v, x.v), (x.v * y.d - y.v * x.d) / r2)

    @staticmethod
    def hypot(a, b):
        a, b = lift(a), lift(b)
        h = math.hypot(a.v, b.v)
        return Dual(h, (a.v * a.d + b.v * b.d) / h)

    @staticmethod
    def copysign(a, b):
        a, b = lift(a), lift(b)
        s = math.copysign(1.0, b.v)
        return Dual(math.copysign(a.v, b.v), s * math.copysign(1.0, a.v) * a.d)


def _objs(shape, value):
    out = np.empty(shape, dtype=object)
    out.fill(Dual(value))
    return out


def _shape(s):
    return s.shape if isinstance(s, np.ndarray) else s


def _maximum(a, b):
    return a if a >= b else b


def _minimum(a, b):
    return a if a <= b else b


def _sign(x):
    v = x.v if isinstance(x, Dual) else x
    return float(np.sign(v))


def _sum(x):
    if not isinstance(x, np.ndarray):
        return x
    return functools.reduce(operator.add, x.flat, 0.0)


class LinalgShim:
    @staticmethod
    def norm(x, ord=None):
        if ord is not None:
            raise TypeError("norm ord")
        return MathShim.sqrt(_sum(x * x))


class NpShim:
    """The NumPy functions the generated programs call, over duals."""
    ndarray = np.ndarray
    pi, e, inf = np.pi, np.e, np.inf
    linalg = LinalgShim
    sin = staticmethod(np.frompyfunc(MathShim.sin, 1, 1))
    cos = staticmethod(np.frompyfunc(MathShim.cos, 1, 1))
    tanh = staticmethod(np.frompyfunc(MathShim.tanh, 1, 1))
    exp = staticmethod(np.frompyfunc(MathShim.exp, 1, 1))
    sqrt = staticmethod(np.frompyfunc(MathShim.sqrt, 1, 1))
    abs = staticmethod(np.frompyfunc(abs, 1, 1))
    sign = staticmethod(np.frompyfunc(_sign, 1, 1))
    maximum = staticmethod(np.frompyfunc(_maximum, 2, 1))
    minimum = staticmethod(np.frompyfunc(_minimum, 2, 1))
    _clip = np.frompyfunc(lambda x, lo, hi: _minimum(_maximum(x, lo), hi), 3, 1)
    clip = staticmethod(lambda x, lo, hi: NpShim._clip(x, lo, hi))
    sum = staticmethod(_sum)
    mean = staticmethod(lambda x: _sum(x) / x.size)
    max = staticmethod(lambda x: functools.reduce(_maximum, x.flat))
    min = staticmethod(lambda x: functools.reduce(_minimum, x.flat))
    dot = staticmethod(lambda u, v: _sum(u * v) if np.ndim(u) == 1 and np.ndim(v) == 1 else u @ v)
    zeros = staticmethod(lambda s: _objs(s, 0.0))
    ones = staticmethod(lambda s: _objs(s, 1.0))
    empty = staticmethod(lambda s: _objs(s, 0.0))
    full = staticmethod(lambda s, c: _objs(s, 0.0) + c)
    zeros_like = staticmethod(lambda a: _objs(_shape(a), 0.0))
    ones_like = staticmethod(lambda a: _objs(_shape(a), 1.0))
    empty_like = staticmethod(lambda a: _objs(_shape(a), 0.0))
    copy = staticmethod(lambda a: a.copy())
    square = staticmethod(np.frompyfunc(lambda x: x * x, 1, 1))
    logaddexp = staticmethod(np.frompyfunc(lambda a, b: MathShim.log(MathShim.exp(a) + MathShim.exp(b)), 2, 1))
    diff = staticmethod(lambda a: a[1:] - a[:-1])

    @staticmethod
    def var(a):
        m = _sum(a) / a.size
        return _sum((a - m) * (a - m)) / a.size

    @staticmethod
    def std(a):
        return MathShim.sqrt(NpShim.var(a))


def _rebind(mod) -> dict:
    """The module's globals with math / np shimmed and every function of the
    module rebuilt over them."""
    g = dict(vars(mod))
    g["math"] = MathShim
    g["np"] = NpShim
    g["numpy"] = NpShim
    for name, v in list(g.items()):
        if isinstance(v, types.FunctionType) and v.__module__ == mod.__name__:
            g[name] = types.FunctionType(v.__code__, g, v.__name__, v.__defaults__, v.__closure__)
            g[name].__kwdefaults__ = v.__kwdefaults__
    return g


def directional(mod, args, params, wrt, t):
    """``(value, derivative along t)`` of ``mod.f`` at ``args`` by dual
    numbers, or None when the shims cannot run the program."""
    g = _rebind(mod)
    tan = dict(zip(wrt, t))
    dargs = []
    for (name, kind, _), a in zip(params, args):
        if isinstance(a, np.ndarray) and a.dtype.kind == "f":
            ta = np.asarray(tan[name], dtype=np.float64) if name in tan else np.zeros(a.shape)
            out = np.empty(a.shape, dtype=object)
            for idx in np.ndindex(a.shape):
                out[idx] = Dual(a[idx], ta[idx])
            dargs.append(out)
        elif isinstance(a, float):
            dargs.append(Dual(a, float(tan.get(name, 0.0))))
        elif isinstance(a, np.ndarray):
            dargs.append(a.copy())
        else:
            dargs.append(a)
    try:
        with np.errstate(all="raise"):
            r = g["f"](*dargs)
    except Exception:  # noqa: BLE001  (outside what the shims know, or outside the domain)
        return None
    if isinstance(r, Dual):
        return r.v, r.d
    if isinstance(r, (int, float, np.floating)):
        return float(r), 0.0
    return None
