"""Batched evaluation: value, gradient, jvp and Clarke mode at N points in one call.

``f.batched(in_axes=(0, None, ...))`` (as ``jax.vmap``: 0 batches an argument
along its leading axis, None shares it between all points) returns a
:class:`Batched`.  Its kernels are generated here, one per mode and argument
layout, around the compiled derivative functions of the target:

* ``cuda``: a ``@cuda.jit`` kernel, one thread a point, calling the device
  functions; each batched argument and each output is its own 1-D array
  (structure of arrays: neighbouring threads read neighbouring addresses);
* ``cpu``: a ``numba.njit(parallel=True)`` loop over the points (``prange``)
  calling the njit-compiled functions, so every core works;
* ``python``: the same loop, in Python.

Gradients are taken with respect to scalars and 1-D arrays (an (N, n) output:
a row a point; jvp and Clarke mode: scalars only for now); other arrays are
read-only data (batched: one array per point along a new leading axis; shared:
one array for all).
"""

from __future__ import annotations

import inspect

import numpy as np

from nsadc.errors import ArgumentError, NsadcError, UnsupportedError, internal_errors
from nsadc.rules.arrays import differentiable_type, is_array, rank
from nsadc.transforms.common import report_layout

THREADS = 128  # threads a block on the cuda target
_DTYPES = {"float": np.float64, "int": np.int64, "bool": np.bool_}


def _is_device_array(a) -> bool:
    """A CUDA device array (numba's, the simulator's, or any with the CUDA array interface)."""
    return not isinstance(a, np.ndarray) and (hasattr(a, "__cuda_array_interface__")
                                              or (hasattr(a, "copy_to_host") and hasattr(a, "shape")))


def _as_numba_device_array(a):
    if hasattr(a, "copy_to_host"):
        return a
    from numba import cuda
    return cuda.as_cuda_array(a)


class Batched:
    """Value, gradient, jvp and Clarke mode of a ``Differentiable``
    at many points at once (docs/cuda.md, and this module's docstring).  Results carry the
    leading batch axis: one array of N values, one array per wrt argument for
    gradients."""

    def __init__(self, d, in_axes=0):
        self._d = d
        params = d._params
        if in_axes is None or (isinstance(in_axes, int) and not isinstance(in_axes, bool)):
            in_axes = (in_axes,) * len(params)
        if not isinstance(in_axes, (tuple, list)):
            raise ArgumentError(f"in_axes must be a tuple with one entry per argument of {d.__name__} "
                                f"({', '.join(params)}): 0 (batched) or None (shared), got {in_axes!r}")
        in_axes = tuple(in_axes)
        defaulted = [q for q in params[len(in_axes):]
                     if d._signature.parameters[q].default is not d._signature.parameters[q].empty]
        if len(in_axes) < len(params) and len(defaulted) == len(params) - len(in_axes):
            in_axes += (None,) * len(defaulted)  # arguments left at their defaults: shared, as the call gives them
        if len(in_axes) != len(params):
            raise ArgumentError(f"in_axes has {len(in_axes)} entries, but {d.__name__} takes {len(params)} "
                                f"arguments ({', '.join(params)}): give one per argument, 0 (batched) or "
                                "None (shared)")
        for p, ax in zip(params, in_axes):
            if ax is not None and (isinstance(ax, bool) or ax != 0):
                raise ArgumentError(f"in_axes entry for {p!r} is {ax!r}: use 0 (batched along the leading "
                                    "axis) or None (shared by all points)")
        if all(ax is None for ax in in_axes):
            raise ArgumentError(f"in_axes batches none of the arguments of {d.__name__}: mark at least one 0")
        arrays = [p for p in params if is_array(d._static_types[p])]
        awkward = [p for p in arrays if (p in d.wrt and rank(d._static_types[p]) != 1) or p in d._written]
        if awkward or d._vectorized:
            which = ", ".join(repr(p) for p in awkward) or "whole-array NumPy arguments"
            raise UnsupportedError(f"{d.__name__}: batched() differentiates with respect to scalars and 1-D "
                                   "arrays only for now, and takes arrays only read-only; here: "
                                   f"{which}", None,
                                   "give wrt= the scalar and 1-D array arguments, or loop over the points "
                                   "with f.grad")
        self.in_axes = in_axes
        # kernels compiled for this function, shared by its Batched objects (Numba compiles each once)
        self._cache: dict = d.__dict__.setdefault("_batched_kernels", {})

    def __repr__(self) -> str:
        return f"<nsadc.Batched {self._d.__name__} in_axes={self.in_axes} target={self._d.target!r}>"

    # ------------------------------------------------------------ arguments

    def _points(self, args: tuple, kwargs: dict | None = None):
        """``(n, kernel arguments, types, kernels, on_device)`` for the call's arguments
        (``kwargs``: arguments by name, keyword-only ones among them)."""
        d = self._d
        params = d._params
        if kwargs:
            try:
                bound = d._signature.bind_partial(*args, **kwargs).arguments
            except TypeError as e:
                raise ArgumentError(f"{d.__name__}: {e}") from None
            named = [p for p in params if p in bound]
            if named != params[:len(named)]:
                missing = next(p for p in params if p not in bound)
                raise ArgumentError(f"{d.__name__}: missing argument {missing!r}")
            args = tuple(bound[p] for p in named)
        if len(args) > len(params):
            raise ArgumentError(f"{d.__name__} takes {len(params)} arguments, got {len(args)}")
        args = list(args)
        for p in params[len(args):]:
            default = d._signature.parameters[p].default
            if default is d._signature.parameters[p].empty:
                raise ArgumentError(f"{d.__name__}: missing argument {p!r}")
            args.append(default)
        n, sample, on_device = None, [], False
        for p, ax, a in zip(params, self.in_axes, args):
            dims = rank(d._static_types[p]) if is_array(d._static_types[p]) else 0
            if ax is None:
                if not dims and (isinstance(a, np.ndarray) and a.ndim > 0 or _is_device_array(a)):
                    raise ArgumentError(f"argument {p!r} is shared (in_axes None) and must be a scalar, got an "
                                        "array; batch it with in_axes 0")
                if dims and _is_device_array(a):
                    raise ArgumentError(f"argument {p!r} is shared (in_axes None): pass it as a NumPy array")
                sample.append(a)
                continue
            if _is_device_array(a):
                if d.target != "cuda":
                    raise ArgumentError(f"argument {p!r} is a CUDA device array, but {d.__name__} is compiled "
                                        f"for target={d.target!r}: copy it to the host")
                on_device = True
                a = _as_numba_device_array(a)
                shape = tuple(a.shape)
            else:
                try:
                    a = np.asarray(a)
                except (TypeError, ValueError):
                    raise ArgumentError(f"argument {p!r} is batched (in_axes 0): pass a 1-D array of values") \
                        from None
                shape = a.shape
                if a.dtype.kind not in "biuf":
                    raise ArgumentError(f"argument {p!r} is batched (in_axes 0) and has dtype {a.dtype}; pass "
                                        "an array of floats, ints or bools")
            if len(shape) != 1 + dims:
                what = "a 1-D array with one value" if not dims else f"a {1 + dims}-D array with one {dims}-D array"
                raise ArgumentError(f"argument {p!r} is batched (in_axes 0): pass {what} per point, got shape "
                                    f"{shape}")
            if n is not None and shape[0] != n:
                raise ArgumentError(f"batched arguments must have the same leading size: {p!r} has {shape[0]} "
                                    f"points, an earlier one {n}")
            n = shape[0]
            if shape[0]:
                first = _as_numba_device_array(a)[:1].copy_to_host()[0] if _is_device_array(a) else a[0]
            else:
                first = np.zeros(shape[1:], a.dtype) if dims else np.zeros(1, a.dtype)[0]
            sample.append(first.item() if isinstance(first, np.generic) else first)
        # (each argument as the function takes it: a keyword-only one by its name)
        keyword = {p for p in params if d._signature.parameters[p].kind is inspect.Parameter.KEYWORD_ONLY}
        values, types = d._bind(tuple(v for p, v in zip(params, sample) if p not in keyword),
                                {p: v for p, v in zip(params, sample) if p in keyword})
        kargs = []
        for p, ax, a, v in zip(params, self.in_axes, args, values):
            if ax is None:
                kargs.append(v)
                continue
            want = (np.float64 if differentiable_type(types[p]) else np.int64) if is_array(types[p]) \
                else _DTYPES[types[p]]
            if _is_device_array(a):
                if np.dtype(a.dtype) != np.dtype(want):
                    raise ArgumentError(f"argument {p!r} is a device array of dtype {a.dtype}; {d.__name__} "
                                        f"takes {np.dtype(want).name} here (convert it before the copy to "
                                        "the device)")
                kargs.append(a)
                continue
            a = np.asarray(a)
            if want is np.int64 and a.dtype.kind == "f":
                raise ArgumentError(f"argument {p!r} of {d.__name__} is an int (a count or index), but the "
                                    f"batch has dtype {a.dtype}; pass an integer array")
            kargs.append(np.ascontiguousarray(a, dtype=want))
        k = d._kernels(types)
        if k.vector:
            raise UnsupportedError(f"{d.__name__} returns {'an array' if len(k.outputs) == 1 else 'several values'}; "
                                   "batched() evaluates functions returning one float", None,
                                   "loop over the points with jacrev / jacfwd / vjp")
        return n, kargs, types, k, on_device

    def _tangents(self, tangents, n: int) -> tuple[list, tuple]:
        d = self._d
        tangents = tuple(tangents) if isinstance(tangents, (tuple, list)) else (tangents,)
        if len(tangents) != len(d.wrt):
            raise ArgumentError(f"jvp: {len(tangents)} tangents for {len(d.wrt)} wrt arguments "
                                f"({', '.join(d.wrt)})")
        out, layout = [], []
        for w, t in zip(d.wrt, tangents):
            if _is_device_array(t):
                out.append(t)
                layout.append(True)
                continue
            t = np.asarray(t, dtype=np.float64)
            if t.ndim == 0:
                out.append(float(t))
                layout.append(False)
            elif t.shape == (n,):
                out.append(np.ascontiguousarray(t))
                layout.append(True)
            else:
                raise ArgumentError(f"jvp: the tangent of {w!r} must be a float (the same for every point) or "
                                    f"an array of {n} values, got shape {t.shape}")
        return out, tuple(layout)

    # ------------------------------------------------------------ kernels

    def _kernel(self, mode: str, types: dict, k, tangent_layout: tuple = (), fallback: bool = False):
        d = self._d
        # id(k): compiled again (a module constant rebound), the functions are new; the entry keeps
        # k alive, so its id is not reused
        arrays = tuple(is_array(types[w]) for w in d.wrt)
        key = (mode, self.in_axes, id(k), tuple(d.wrt), tangent_layout, fallback, arrays)
        entry = self._cache.get(key)
        if entry is None:
            entry = self._cache[key] = (k, _build(d.target, mode, self.in_axes, arrays, k, tangent_layout,
                                                  fallback, d.__name__))
        return entry[1]

    def _grad_outputs(self, n: int, kargs: list) -> list:
        """One output a wrt argument: N values for a scalar, N rows for a 1-D array."""
        d = self._d
        out = []
        for w in d.wrt:
            i = d._params.index(w)
            a = kargs[i]
            if isinstance(a, (int, float, bool, np.generic)):
                out += self._outputs(n, 1)
            else:
                out += self._outputs((n, *(a.shape[1:] if self.in_axes[i] == 0 else a.shape)), 1)
        return out

    def _scalar_wrt_only(self, what: str, types: dict) -> None:
        d = self._d
        arrays = [w for w in d.wrt if is_array(types[w])]
        if arrays:
            raise UnsupportedError(f"{d.__name__}: batched {what} takes scalar wrt arguments only for now, and "
                                   f"wrt includes the array {arrays[0]!r}", None,
                                   f"batched value_and_grad / grad take it; for {what}, loop over the points "
                                   f"with f.{what}")

    def _outputs(self, n, count: int, dtype=np.float64) -> list:
        """Output arrays: on the device for the cuda target (copied back by :meth:`_host`)."""
        if self._d.target == "cuda":
            from numba import cuda
            return [cuda.device_array(n, dtype) for _ in range(count)]
        return [np.empty(n, dtype) for _ in range(count)]

    def _host(self, outs: list, on_device: bool) -> list:
        """The outputs, copied to the host unless the call passed device arrays."""
        if self._d.target != "cuda" or on_device:
            return outs
        return [o.copy_to_host() for o in outs]

    def _launch(self, kernel, n: int, outs: list, *args):
        d = self._d
        if n == 0:
            return
        kernel, sizes = kernel
        try:
            if d.target == "cuda":  # host arrays copied once, in (outputs are device arrays already)
                from numba import cuda
                args = [cuda.to_device(a) if isinstance(a, np.ndarray) else a for a in args]
                blocks = (n + THREADS - 1) // THREADS
                scratch = []
                if sizes is not None:  # tapes sized by the arguments: one column of scratch a point
                    need = cuda.device_array(n, np.int64)
                    sizes[blocks, THREADS](n, need, *args)
                    rows = max(1, int(need.copy_to_host().max()))
                    scratch = [cuda.device_array((rows, n), np.float64)]
                kernel[blocks, THREADS](n, *outs, *scratch, *args)
            else:
                kernel(n, *outs, *args)
        except (IndexError, MemoryError, *internal_errors()) as e:
            raise d._failure(e) from None

    def _clarke_available(self, k) -> None:
        d = self._d
        if k.ld is None:
            raise UnsupportedError(k.ld_refusal or f"{d.__name__}: Clarke mode is not available here")
        if k.ld_form != "unrolled":
            raise UnsupportedError(f"{d.__name__}: batched Clarke mode takes programs without array "
                                   "arguments for now", None, "call f.clarke_grad per point")

    @staticmethod
    def _grads(gs: list):
        return gs[0] if len(gs) == 1 else tuple(gs)

    # ------------------------------------------------------------ public

    def value_and_grad(self, *args, report: bool = False, **kwargs):
        """``(values, gradients)`` at every point: ``values`` of shape (N,), and
        per wrt argument an array of shape (N,) (a tuple of them for several).
        With ``report=True`` also ``kinks``, a bool array of shape (N,): True
        where the point met a kink (the kink report per point, compacted).
        Under ``kinks="auto"`` the flagged points are recomputed in Clarke mode."""
        d = self._d
        n, kargs, types, k, on_device = self._points(args, kwargs)
        m = len(d.wrt)
        if report or d._auto:
            fallback = d._auto
            if fallback:
                self._clarke_available(k)
            sites = len(k.sites)
            hits = np.zeros((n, max(1, report_layout(sites, k.index_depth))), np.int64)
            hits[:, sites:] = -1
            outs = self._outputs(n, 1) + self._grad_outputs(n, kargs) + self._outputs(n, 1, np.bool_)
            self._launch(self._kernel("report", types, k, (), fallback), n, outs, hits, *kargs)
            outs = self._host(outs, on_device)
            value, gs, met = outs[0], outs[1:1 + m], outs[-1]
            return (value, self._grads(gs), met) if report else (value, self._grads(gs))
        outs = self._outputs(n, 1) + self._grad_outputs(n, kargs)
        self._launch(self._kernel("value_and_grad", types, k), n, outs, *kargs)
        outs = self._host(outs, on_device)
        return outs[0], self._grads(outs[1:])

    def grad(self, *args, report: bool = False, **kwargs):
        """The gradient at every point: per wrt argument an array of shape (N,)
        (a tuple of them for several); with ``report=True`` also the kink flags."""
        d = self._d
        if report or d._auto:
            out = self.value_and_grad(*args, report=report, **kwargs)
            return (out[1], out[2]) if report else out[1]
        n, kargs, types, k, on_device = self._points(args, kwargs)
        outs = self._grad_outputs(n, kargs)
        self._launch(self._kernel("grad", types, k), n, outs, *kargs)
        return self._grads(self._host(outs, on_device))

    def jvp(self, primals, tangents):
        """``(values, directional derivatives)``, each of shape (N,); a tangent per
        wrt argument, a float (shared) or an array of N values.  Under
        ``kinks="auto"``, the gradient's directional derivative (as ``grad``'s)."""
        if not isinstance(primals, (tuple, list)):
            raise ArgumentError(f"jvp: primals must be a tuple of the arguments, got {type(primals).__name__}")
        n, kargs, types, k, on_device = self._points(tuple(primals))
        self._scalar_wrt_only("jvp", types)
        tans, layout = self._tangents(tangents, n)
        if self._d._auto:
            # kinks="auto": the gradient's directional derivative, a point that met a kink
            # recomputed in Clarke mode (as grad does; forward mode's own choice at a kink
            # could be an artificial critical point)
            values, gs = self.value_and_grad(*primals)
            gs = gs if isinstance(gs, tuple) else (gs,)
            tans = [t.copy_to_host() if _is_device_array(t) else t for t in tans]
            return values, sum(np.asarray(g) * t for g, t in zip(gs, tans))
        outs = self._outputs(n, 2)
        self._launch(self._kernel("jvp", types, k, layout), n, outs, *kargs, *tans)
        outs = self._host(outs, on_device)
        return outs[0], outs[1]

    def clarke_grad(self, *args, **kwargs):
        """An element of the Clarke generalized gradient at every point, by
        lexicographic derivatives along the identity directions (as
        ``f.clarke_grad``): per wrt argument an array of shape (N,)."""
        d = self._d
        n, kargs, types, k, on_device = self._points(args, kwargs)
        self._scalar_wrt_only("clarke_grad", types)
        self._clarke_available(k)
        outs = self._outputs(n, 1 + len(d.wrt))
        self._launch(self._kernel("clarke", types, k), n, outs, *kargs)
        return self._grads(self._host(outs, on_device)[1:])


def _build(target: str, mode: str, in_axes: tuple, arrays: tuple, k, tangent_layout: tuple, fallback: bool,
           name: str):
    """The kernel of one mode: ``kernel(n, *outputs, [hits,] *arguments, *tangents)``."""
    from nsadc.backends.numba_cuda import device

    args = [f"a{i}[t]" if ax == 0 else f"a{i}" for i, ax in enumerate(in_axes)]
    params = [f"a{i}" for i in range(len(in_axes))]
    call_args = ", ".join(args)
    # the reverse-mode function the mode calls, and on cuda the scratch its tapes take
    calls = {"value_and_grad": "vjp", "grad": "grad" if k.grad is not None else "vjp", "report": "vjp_report"}
    size_fn = k.scratch.get(calls.get(mode, ""), None) if target == "cuda" else None
    extra = ", scratch[:, t]" if size_fn is not None else ""
    m = len(arrays)
    seeds = ", ".join("1.0" if i == j else "0.0" for i in range(m) for j in range(m))
    grads = [f"out_g{j}" for j in range(m)]

    def stored(g: str) -> list[str]:
        """Each adjoint of ``g`` into its output: a value, or a 1-D array's row."""
        lines = []
        for j, array in enumerate(arrays):
            if array:
                lines += [f"for e in range(out_g{j}.shape[1]):", f"    out_g{j}[t, e] = {g}[{j}][e]"]
            else:
                lines.append(f"out_g{j}[t] = {g}[{j}]")
        return lines

    if mode == "value_and_grad":
        outs = ["out_v", *grads]
        body = [f"v, g = vjp({call_args}, 1.0{extra})", "out_v[t] = v"] + stored("g")
    elif mode == "grad":
        outs = grads
        call = f"g = grad({call_args}, 1.0{extra})" if k.grad is not None else f"v, g = vjp({call_args}, 1.0{extra})"
        body = [call] + stored("g")
    elif mode == "jvp":
        outs = ["out_v", "out_d"]
        params += [f"tan{j}" for j in range(m)]
        tans = ", ".join(f"tan{j}[t]" if batched else f"tan{j}" for j, batched in enumerate(tangent_layout))
        body = [f"v, dv = jvp({call_args}, {tans})", "out_v[t] = v", "out_d[t] = dv"]
    elif mode == "clarke":
        outs = ["out_v", *grads]
        body = [f"v, dl = ld({call_args}, {seeds})", "out_v[t] = v"] + \
            [f"out_g{j}[t] = dl[{j}]" for j in range(m)]
    elif mode == "report":
        outs = ["out_v", *grads, "out_met"]
        params = ["hits", *params]
        body = ["h = hits[t]", f"v, g = vjp_report({call_args}, 1.0, h{extra})", "met = False",
                f"for j in range({len(k.sites)}):", "    if h[j] != 0:", "        met = True",
                "out_met[t] = met"]
        plain = ["out_v[t] = v"] + stored("g")
        if fallback:  # kinks="auto": a point that met a kink is recomputed in Clarke mode
            body += ["if met:", f"    v2, dl = ld({call_args}, {seeds})", "    out_v[t] = v2"]
            body += [f"    out_g{j}[t] = dl[{j}]" for j in range(m)]
            body += ["else:"] + ["    " + line for line in plain]
        else:
            body += plain
    else:
        raise ValueError(mode)
    signature = ", ".join(["n_points", *outs, *(["scratch"] if size_fn is not None else []), *params])
    sizes = None
    if size_fn is not None:  # a kernel first: each point's scratch entries
        report_args = ", h" if mode == "report" else ""
        sizes = ["@cuda.jit", f"def sizes({', '.join(['n_points', 'need', *params])}):", "    t = cuda.grid(1)",
                 "    if t < n_points:"] + (["        h = hits[t]"] if mode == "report" else []) + \
            [f"        need[t] = scratch_of({call_args}, 1.0{report_args})"]
    if target == "cuda":
        head = ["@cuda.jit", f"def kernel({signature}):", "    t = cuda.grid(1)", "    if t < n_points:"]
    elif target == "cpu":
        head = ["@numba.njit(parallel=True)", f"def kernel({signature}):",
                "    for t in numba.prange(n_points):"]
    else:
        head = [f"def kernel({signature}):", "    for t in range(n_points):"]
    text = "\n".join(head + ["        " + line for line in body]) + "\n"
    if sizes is not None:
        text += "\n\n" + "\n".join(sizes) + "\n"
    namespace = {f: device(getattr(k, f)) for f in ("vjp", "grad", "jvp", "ld", "vjp_report")}
    namespace["scratch_of"] = size_fn
    if target == "cuda":
        from numba import cuda
        namespace["cuda"] = cuda
    elif target == "cpu":
        import numba
        namespace["numba"] = numba
    try:
        exec(compile(text, f"<nsadc batched {mode} kernel of {name}>", "exec"), namespace)  # noqa: S102
    except SyntaxError as e:  # nsadc's own text: a defect
        raise NsadcError(f"nsadc generated a batched kernel that is not valid Python ({e})") from None
    return namespace["kernel"], namespace.get("sizes")
