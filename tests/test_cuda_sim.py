"""The cuda target, checked without a GPU.

Device functions and batched kernels run in numba's CUDA simulator
(``NUMBA_ENABLE_CUDASIM=1``), which has to be set before numba is imported: the
checks run in a subprocess (this process has imported numba already).  The
simulator is pure Python (about 0.1 ms a thread), so batches stay small.  The
batched API on the cpu and python targets runs here, in the test process.
"""

import importlib.util
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import nsadc
from nsadc import ArgumentError, NsadcError
from programs import kinks

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# the simulator comes with numba's CUDA target (built in, or NVIDIA's numba-cuda package)
needs_numba_cuda = pytest.mark.skipif(importlib.util.find_spec("numba.cuda") is None,
                                      reason="numba has no CUDA target here (install numba-cuda)")

# put first in every simulator script: paths, the simulator, and the comparisons
PRELUDE = textwrap.dedent("""
    import inspect, json, math, sys
    sys.path[:0] = [{tests!r}, {bench!r}]
    import numpy as np
    from numba import cuda
    assert "Fake" in type(cuda.to_device(np.zeros(1))).__name__  # the simulator, not a GPU
    import nsadc

    def close(a, b, rtol=1e-10, atol=1e-12):
        a, b = np.asarray(a, float), np.asarray(b, float)
        return bool(np.all((a == b) | (np.abs(a - b) <= atol + rtol * np.abs(b))))
""").format(tests=os.path.join(ROOT, "tests"), bench=os.path.join(ROOT, "benchmarks"))


def simulate(body: str, timeout: int = 600, **names) -> dict:
    """Run ``body`` (after PRELUDE, and ``names`` as variables) under the CUDA
    simulator; it prints one JSON line last, returned here."""
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    code = PRELUDE + "".join(f"{k} = {v!r}\n" for k, v in names.items()) + textwrap.dedent(body)
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=timeout)
    assert run.returncode == 0, run.stderr[-4000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


# the reference: the cpu target (slow: Numba compiles it), or the same emitted code run by Python
REFERENCE = [pytest.param("cpu", marks=pytest.mark.slow), "python"]


@needs_numba_cuda
@pytest.mark.parametrize("reference", REFERENCE)
def test_device_functions_in_a_user_kernel(reference):
    """compiled() gives device functions under the CPU's names; a user's kernel
    calls them, and they agree with the CPU target and finite differences."""
    out = simulate(reference=reference, body="""
        import scalar_programs as sp
        f = nsadc.differentiate(sp.nonsmooth_sum, wrt=["x", "y"], target="cuda")
        c = f.compiled(0.3, 0.4, 6)
        primal, jvp, vjp, grad, ld, vjp_report = c.primal, c.jvp, c.vjp, c.grad, c.ld, c.vjp_report
        sites = len(c.sites)

        @cuda.jit
        def kernel(out, hits, xs, ys, n):
            t = cuda.grid(1)
            if t < xs.shape[0]:
                out[t, 0] = primal(xs[t], ys[t], n)
                v, g = vjp(xs[t], ys[t], n, 1.0)
                out[t, 1] = v
                out[t, 2] = g[0]
                out[t, 3] = g[1]
                g2 = grad(xs[t], ys[t], n, 2.0)
                out[t, 4] = g2[0]
                out[t, 5] = g2[1]
                v, d = jvp(xs[t], ys[t], n, 1.0, -1.0)
                out[t, 6] = d
                v, dl = ld(xs[t], ys[t], n, 1.0, 0.0, 0.0, 1.0)
                out[t, 7] = dl[0]
                out[t, 8] = dl[1]
                local = cuda.local.array(16, np.int64)
                for j in range(16):
                    local[j] = 0
                v, g = vjp_report(xs[t], ys[t], n, 1.0, local)
                for j in range(sites):
                    hits[t, j] = local[j]

        xs = np.array([-0.8, -0.1, 0.35, 0.9]); ys = np.array([0.6, 1.1, 1.7, 0.2])
        out = np.zeros((4, 9)); hits = np.zeros((4, sites), np.int64)
        kernel[1, 32](out, hits, xs, ys, 6)
        cpu = nsadc.differentiate(sp.nonsmooth_sum, wrt=["x", "y"], target=reference)
        ref = []
        for x, y in zip(xs, ys):
            v, (gx, gy) = cpu.value_and_grad(x, y, 6)
            _, dot = cpu.jvp((x, y, 6), (1.0, -1.0))
            cx, cy = cpu.clarke_grad(x, y, 6)
            ref.append([cpu(x, y, 6), v, gx, gy, 2 * gx, 2 * gy, dot, cx, cy])
        h = 1e-6
        fd = [[(sp.nonsmooth_sum(x + h, y, 6) - sp.nonsmooth_sum(x - h, y, 6)) / (2 * h),
               (sp.nonsmooth_sum(x, y + h, 6) - sp.nonsmooth_sum(x, y - h, 6)) / (2 * h)] for x, y in zip(xs, ys)]
        print(json.dumps({"cpu": close(out, np.array(ref)), "fd": close(out[:, 2:4], fd, rtol=1e-5, atol=1e-6),
                          "no_kink_met": int(hits.sum()), "names": sorted(vars(c))}))
    """)
    assert out["cpu"] and out["fd"]
    assert out["no_kink_met"] == 0
    assert {"primal", "jvp", "vjp", "grad", "ld", "jvp_report", "vjp_report"} <= set(out["names"])


@needs_numba_cuda
@pytest.mark.parametrize("reference", REFERENCE)
def test_batched_cuda_matches_cpu_and_finite_differences(reference):
    out = simulate(reference=reference, body="""
        import scalar_programs as sp
        from programs import kinks
        f = nsadc.differentiate(sp.branchy, wrt=["x", "y"], target="cuda")
        b = f.batched(in_axes=(0, 0, None))
        rng = np.random.default_rng(0)
        xs, ys = rng.uniform(-1, 1, 9), rng.uniform(0.2, 2, 9)
        v, (gx, gy) = b.value_and_grad(xs, ys, 7)
        g = b.grad(xs, ys, 7)
        v2, dot = b.jvp((xs, ys, 7), (0.5, ys))
        c = b.clarke_grad(xs, ys, 7)
        cpu = nsadc.differentiate(sp.branchy, wrt=["x", "y"], target=reference)
        ref = np.array([[cpu(x, y, 7), *cpu.grad(x, y, 7)] for x, y in zip(xs, ys)])
        h = 1e-6
        fd = np.array([[(sp.branchy(x + h, y, 7) - sp.branchy(x - h, y, 7)) / (2 * h),
                        (sp.branchy(x, y + h, 7) - sp.branchy(x, y - h, 7)) / (2 * h)] for x, y in zip(xs, ys)])
        cb = nsadc.differentiate(sp.branchy, wrt=["x", "y"], target=reference).batched(in_axes=(0, 0, None))
        vc, gc = cb.value_and_grad(xs, ys, 7)
        # device arrays in, device arrays out
        dv, (dgx, dgy) = b.value_and_grad(cuda.to_device(xs), cuda.to_device(ys), 7)
        # kinks="auto": a point on a kink is recomputed in Clarke mode
        a = nsadc.differentiate(kinks.k_relu_difference, kinks="auto", target="cuda").batched(0)
        ga = a.grad(np.array([0.0, 1.5, -2.0]))
        va, gr, met = nsadc.differentiate(kinks.k_relu_difference, target="cuda").batched(0).value_and_grad(
            np.array([0.0, 1.5]), report=True)
        print(json.dumps({
            "value_and_grad": close(np.stack([v, gx, gy], 1), ref),
            "grad": close(np.stack(g, 1), ref[:, 1:]),
            "jvp": close(v2, ref[:, 0]) and close(dot, 0.5 * ref[:, 1] + ys * ref[:, 2]),
            "clarke": close(np.stack(c, 1), ref[:, 1:]),
            "fd": close(np.stack([gx, gy], 1), fd, rtol=1e-5, atol=1e-6),
            "batched_reference": close(vc, v) and close(gc[0], gx) and close(gc[1], gy),
            "device_out": isinstance(dv, np.ndarray) is False and close(dgx.copy_to_host(), gx),
            "auto": ga.tolist(), "report": [gr.tolist(), met.tolist()]}))
    """)
    for key in ("value_and_grad", "grad", "jvp", "clarke", "fd", "batched_reference", "device_out"):
        assert out[key], key
    assert out["auto"] == [1.0, 1.0, 1.0]  # relu(x) - relu(-x) == x: Clarke mode says 1 at 0 too
    assert out["report"] == [[0.0, 1.0], [True, False]]  # min-norm picks 0 at the kink, and flags it


@needs_numba_cuda
def test_refusals_are_located_nsadc_errors():
    out = simulate("""
        import scalar_programs as sp
        from programs import arrays
        def attempt(fn, **kw):
            try:
                nsadc.differentiate(fn, target="cuda", **kw)
            except nsadc.NsadcError as e:
                return [type(e).__name__, str(e)]
            return None
        from programs import constructs
        tape = attempt(constructs.c_while_break)
        array = attempt(arrays.a_matvec_abs_max)
        f = nsadc.differentiate(sp.nonsmooth_sum, wrt=["x", "y"], target="cuda")
        try:
            f.grad(0.3, 0.4, 5)
            host = None
        except nsadc.NsadcError as e:
            host = [type(e).__name__, str(e)]
        line = inspect.getsourcelines(constructs.c_while_break)[1]
        print(json.dumps({"tape": tape, "array": array, "host": host, "line": line}))
    """)
    kind, msg = out["tape"]
    assert kind == "UnsupportedError"
    assert f"constructs.py:{out['line']}:" in msg and "_reserve" in msg and "tape" in msg and "target='cpu'" in msg
    kind, msg = out["array"]
    assert kind == "UnsupportedError" and "arrays.py:" in msg and "scalars and 1-D arrays only" in msg \
        and "2-D array 'A'" in msg
    kind, msg = out["host"]
    assert kind == "NsadcError" and "device functions" in msg and "batched" in msg


@needs_numba_cuda
def test_read_only_arrays_on_the_simulator():
    """Arrays as read-only data: in a user's kernel (shared), in batched kernels
    (shared or one per point); a 2-D array in wrt, or an array written, is refused."""
    out = simulate("""
        from programs import cuda_cases as cc
        f = nsadc.differentiate(cc.weighted_abs, wrt=["x", "b"], target="cuda")
        ref = nsadc.differentiate(cc.weighted_abs, wrt=["x", "b"], target="python")
        rng = np.random.default_rng(2)
        xs, bs, W = rng.uniform(-1, 1, 5), rng.uniform(-1, 1, 5), rng.uniform(-1, 1, (5, 4))
        w = W[0].copy()
        d = f.compiled(0.5, 0.5, w, 4)
        vjp = d.vjp

        @cuda.jit
        def kernel(out, xs, bs, w, n):
            t = cuda.grid(1)
            if t < xs.shape[0]:
                v, g = vjp(xs[t], bs[t], w, n, 1.0)
                out[t, 0] = v
                out[t, 1] = g[0]
                out[t, 2] = g[1]

        out = np.zeros((5, 3))
        kernel[1, 32](out, xs, bs, w, 4)
        want = [ref.value_and_grad(x, b, w, 4) for x, b in zip(xs, bs)]
        user = close(out, [[v, *g] for v, g in want])
        v, (gx, gb) = f.batched(in_axes=(0, 0, None, None)).value_and_grad(xs, bs, w, 4)
        shared = close(np.stack([v, gx, gb], 1), [[v, *g] for v, g in want])
        v, (gx, gb) = f.batched(in_axes=(0, 0, 0, None)).value_and_grad(xs, bs, W, 4)
        want = [ref.value_and_grad(x, b, ww, 4) for x, b, ww in zip(xs, bs, W)]
        per_point = close(np.stack([v, gx, gb], 1), [[v, *g] for v, g in want])
        errors = []
        for call in (lambda: f.batched(in_axes=(0, 0, 0, None)).clarke_grad(xs, bs, W, 4),
                     lambda: nsadc.differentiate(cc.row_fit, target="cuda"),
                     lambda: nsadc.differentiate(cc.scaled_in_place, wrt="x", target="cuda")):
            try:
                call()
                errors.append(None)
            except nsadc.NsadcError as e:
                errors.append(str(e))
        print(json.dumps({"user": user, "shared": shared, "per_point": per_point, "ld": d.ld is None,
                          "errors": errors}))
    """)
    assert out["user"] and out["shared"] and out["per_point"] and out["ld"]
    clarke, wrt_array, written = out["errors"]
    assert "Clarke mode is not available on target='cuda'" in clarke and "np.zeros" in clarke
    from programs import cuda_cases

    line = cuda_cases.row_fit.__code__.co_firstlineno
    assert f"cuda_cases.py:{line}:" in wrt_array and "wrt=['x']" in wrt_array and "2-D array 'A'" in wrt_array
    assert "cuda_cases.py:" in written and "writes into 'w'" in written


@needs_numba_cuda
@pytest.mark.slow
def test_scalar_catalogue_matches_or_is_refused():
    """Every scalar program of the test catalogues either runs batched on the
    simulator with the results of the same emitted code run by Python, or is
    refused with a located reason."""
    out = simulate("""
        import signal
        from programs import classic, constructs, kinks, primitives
        import scalar_programs
        def stop(*_):
            raise TimeoutError
        signal.signal(signal.SIGALRM, stop)  # a loop that does not end at a random point
        fns = {f.__name__: f for f, _ in constructs.CONSTRUCT_CASES}
        given = {f.__name__: a for f, a in constructs.CONSTRUCT_CASES}  # points where they end
        fns.update({f.__name__: f for f in primitives.PRIMITIVE_FUNCTIONS})
        for mod in (kinks, classic, scalar_programs):
            fns.update({n: f for n, f in inspect.getmembers(mod, inspect.isfunction)
                        if f.__module__ == mod.__name__ and not n.startswith("_")})
        rng = np.random.default_rng(1)
        results = {}
        for name, fn in sorted(fns.items()):
            try:
                ref = nsadc.differentiate(fn, target="python")
            except nsadc.NsadcError:
                continue  # not in the subset: other tests
            types = ref._static_types
            if any(t not in ("float", "int", "bool") for t in types.values()):
                continue
            at = given.get(name)
            cols = {p: ((at[i] + rng.uniform(-0.01, 0.01, 3) if at else rng.uniform(0.3, 0.9, 3))
                        if t == "float" else np.full(3, at[i] if at else 4) if t == "int"
                        else np.array([True, False, True]))
                    for i, (p, t) in enumerate(types.items())}
            points = [tuple(c[i].item() for c in cols.values()) for i in range(3)]
            try:
                signal.alarm(5)
                want = [ref.value_and_grad(*p) for p in points]
            except (nsadc.NsadcError, ValueError, ZeroDivisionError, OverflowError, TimeoutError):
                continue  # outside the function's domain at these points
            finally:
                signal.alarm(0)
            try:
                d = nsadc.differentiate(fn, target="cuda")
            except nsadc.NsadcError as e:
                results[name] = ["refused", str(e)]
                continue
            b = d.batched(in_axes=tuple(0 for _ in types))
            v, g = b.value_and_grad(*cols.values())
            g = g if isinstance(g, tuple) else (g,)
            wv = [w[0] for w in want]
            wg = [w[1] if isinstance(w[1], tuple) else (w[1],) for w in want]
            ok = close(v, wv) and close(np.stack(g, 1), np.array(wg))
            c = b.clarke_grad(*cols.values())
            c = c if isinstance(c, tuple) else (c,)
            wc = [ref.clarke_grad(*p) for p in points]
            wc = [w if isinstance(w, tuple) else (w,) for w in wc]
            results[name] = ["ok" if ok and close(np.stack(c, 1), np.array(wc)) else "mismatch", ""]
        print(json.dumps(results))
    """)
    assert len(out) > 50
    bad = {n: r for n, r in out.items() if r[0] == "mismatch"}
    assert not bad
    for name, (status, msg) in out.items():
        if status == "refused":
            assert ".py:" in msg and "target='cpu'" in msg, (name, msg)
    ran = [n for n, r in out.items() if r[0] == "ok"]
    assert len(ran) > 40 and "c_calls" in ran and "k_loop" in ran


PTX_CHECK = """
    import inspect, json, sys
    sys.path[:0] = [{tests!r}, {bench!r}]
    from numba import cuda, types as nt
    try:
        cuda.compile_ptx(lambda x: x + 1.0, (nt.float64,), device=True, cc=(9, 0))
    except Exception as e:  # no NVVM here
        print(json.dumps({{"skip": f"{{type(e).__name__}}: {{e}}"[:300]}}))
        raise SystemExit
    import nsadc
    from nsadc.rules.arrays import differentiable_type, is_array, rank
    from programs import classic, constructs, cuda_cases, kinks, primitives
    import scalar_programs
    fns = {{f.__name__: f for f, _ in constructs.CONSTRUCT_CASES}}
    fns.update({{f.__name__: f for f in primitives.PRIMITIVE_FUNCTIONS}})
    fns.update({{"weighted_abs": (cuda_cases.weighted_abs, ["x", "b"]), "row_fit": (cuda_cases.row_fit, ["x"])}})
    fns.update({{f.__name__: f for f in (cuda_cases.tent_steps, cuda_cases.projected_steps,
                                        cuda_cases.nested_fixed)}})  # tapes in cuda.local.array
    for mod in (kinks, classic, scalar_programs):
        fns.update({{n: f for n, f in inspect.getmembers(mod, inspect.isfunction)
                    if f.__module__ == mod.__name__ and not n.startswith("_")}})
    T = {{"float": nt.float64, "int": nt.int64, "bool": nt.boolean}}

    def numba_type(t):
        if is_array(t):
            return nt.Array(nt.float64 if differentiable_type(t) else nt.int64, rank(t), "C")
        return T[t]

    results = {{}}
    for name, fn in sorted(fns.items()):
        fn, wrt = fn if isinstance(fn, tuple) else (fn, None)
        try:
            d = nsadc.differentiate(fn, wrt=wrt, target="cuda")
        except nsadc.NsadcError:
            continue  # refused (the simulator test checks how)
        args = [numba_type(d._static_types[p]) for p in d._params]
        m = len(d.wrt)
        c = d.compiled()
        sigs = {{"primal": args, "jvp": args + [nt.float64] * m, "vjp": args + [nt.float64],
                "grad": args + [nt.float64], "ld": args + [nt.float64] * (m * m),
                "vjp_report": args + [nt.float64, nt.int64[::1]],
                "jvp_report": args + [nt.float64] * m + [nt.int64[::1]]}}
        for kind in ("vjp", "grad", "vjp_report"):  # tapes sized by the arguments: a scratch column
            if getattr(c, kind + "_scratch") is not None:
                sigs[kind] = sigs[kind] + [nt.float64[:]]
                sigs[kind + "_scratch"] = sigs[kind][:-1]
        for kind, sig in sigs.items():
            if getattr(c, kind) is None:
                continue  # Clarke mode left out (it would allocate)
            try:
                cuda.compile_ptx(getattr(c, kind).py_func, tuple(sig), device=True, cc=(9, 0))
                results[name + "." + kind] = "ok"
            except Exception as e:
                # numba's built-in CUDA target compiles max/min as device functions, which asks
                # the driver for the device's compute capability: not checkable without a GPU
                results[name + "." + kind] = "needs a device" if "driver" in str(e) else \
                    f"{{type(e).__name__}}: {{e}}"[-600:]
    print(json.dumps(results))
"""


@needs_numba_cuda
@pytest.mark.slow
def test_emitted_device_functions_compile_to_ptx():
    """The real CUDA compiler (NVVM, no GPU needed) takes every device function
    of the catalogue that it can compile without a device: code the simulator
    runs but a GPU would refuse is caught here.  Skipped without NVVM."""
    code = textwrap.dedent(PTX_CHECK).format(tests=os.path.join(ROOT, "tests"),
                                             bench=os.path.join(ROOT, "benchmarks"))
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_ENABLE_CUDASIM"}
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=900)
    assert run.returncode == 0, run.stderr[-4000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    if "skip" in out:
        pytest.skip(f"numba.cuda.compile_ptx is not available here ({out['skip']})")
    failed = {k: v for k, v in out.items() if v not in ("ok", "needs a device")}
    assert not failed
    assert sum(v == "ok" for v in out.values()) > 300  # 7 functions a program
    assert out["row_fit.vjp"] == "ok"  # a read-only 2-D array argument
    assert out["tent_steps.vjp"] in ("ok", "needs a device")  # a tape in cuda.local.array
    # a tape in a scratch column (a program without max / min: those need a device to compile here)
    assert out["exp_taylor.vjp"] == "ok" and out["exp_taylor.grad"] == "ok" and out["exp_taylor.vjp_scratch"] == "ok"


# ---------------------------------------------------------------- the batched API here (cpu, python)

def test_in_axes_are_checked():
    f = nsadc.differentiate(kinks.k_max2, target="python")
    with pytest.raises(ArgumentError, match="3 entries"):
        f.batched(in_axes=(0, None, 0))
    with pytest.raises(ArgumentError, match="use 0"):
        f.batched(in_axes=(1, None))
    with pytest.raises(ArgumentError, match="use 0"):
        f.batched(in_axes=(True, None))
    with pytest.raises(ArgumentError, match="none of the arguments"):
        f.batched(in_axes=(None, None))
    b = f.batched(in_axes=(0, 0))
    with pytest.raises(ArgumentError, match="same leading size"):
        b.grad(np.zeros(3), np.zeros(4))
    with pytest.raises(ArgumentError, match="1-D array"):
        b.grad(np.zeros((3, 2)), np.zeros(3))
    with pytest.raises(ArgumentError, match="must be a scalar"):
        f.batched(in_axes=(0, None)).grad(np.zeros(3), np.zeros(3))
    with pytest.raises(ArgumentError, match="1 tangents for 2"):
        b.jvp((np.zeros(3), np.zeros(3)), (1.0,))


def test_batched_python_target_matches_the_loop():
    f = nsadc.differentiate(kinks.k_loop, target="python")
    b = f.batched(in_axes=(0, None))
    xs = np.array([0.25, 1.5, 2.0, 3.75])
    v, g = b.value_and_grad(xs, 4)
    assert np.array_equal(v, [f(x, 4) for x in xs])
    assert np.array_equal(g, [f.grad(x, 4) for x in xs])
    _, gk, met = b.value_and_grad(xs, 4, report=True)
    assert met.tolist() == [False, False, True, False]  # |2 - 2| is a kink
    assert np.array_equal(b.clarke_grad(xs, 4), [f.clarke_grad(x, 4) for x in xs])
    _, dot = b.jvp((xs, 4), (np.array([1.0, 2.0, 0.0, -1.0]),))
    assert np.array_equal(dot, [f.jvp((x, 4), (t,))[1] for x, t in zip(xs, [1.0, 2.0, 0.0, -1.0])])
    empty = b.grad(np.zeros(0), 4)
    assert empty.shape == (0,)


def test_batched_ints_and_bools_are_typed():
    from programs import constructs

    f = nsadc.differentiate(constructs.c_bool_param, target="python")
    b = f.batched(in_axes=(0, None, 0))
    xs, flags = np.array([0.7, 0.2]), np.array([True, False])
    v, g = b.value_and_grad(xs, 1.3, flags)
    assert np.allclose(v, [f(x, 1.3, bool(fl)) for x, fl in zip(xs, flags)])
    h = nsadc.differentiate(kinks.k_loop, target="python").batched(in_axes=(None, 0))
    with pytest.raises(ArgumentError, match="pass an int"):
        h.grad(0.5, np.array([2.0, 3.0]))
    assert h.grad(0.5, np.array([2, 3])).tolist() == [
        nsadc.differentiate(kinks.k_loop, target="python").grad(0.5, n) for n in (2, 3)]


def test_batched_refuses_array_gradients_and_written_arrays():
    from programs import arrays, cuda_cases

    with pytest.raises(NsadcError, match="scalars and 1-D arrays only.*'A'"):
        nsadc.differentiate(arrays.a_matvec_abs_max, target="python").batched(0)
    with pytest.raises(NsadcError, match="read-only.*'w'"):
        nsadc.differentiate(cuda_cases.scaled_in_place, wrt="x", target="python").batched(0)


def test_batched_read_only_arrays_shared_or_per_point():
    from programs import cuda_cases

    f = nsadc.differentiate(cuda_cases.weighted_abs, wrt=["x", "b"], target="python")
    rng = np.random.default_rng(3)
    xs, bs, W = rng.uniform(-1, 1, 4), rng.uniform(-1, 1, 4), rng.uniform(-1, 1, (4, 5))
    v, (gx, gb) = f.batched(in_axes=(0, 0, None, None)).value_and_grad(xs, bs, W[0], 5)
    assert [(a, (p, q)) for a, p, q in zip(v, gx, gb)] == [f.value_and_grad(x, b, W[0], 5) for x, b in zip(xs, bs)]
    per_point = f.batched(in_axes=(0, 0, 0, None))
    g = per_point.grad(xs, bs, W, 5)
    assert list(zip(*g)) == [f.grad(x, b, w, 5) for x, b, w in zip(xs, bs, W)]
    with pytest.raises(ArgumentError, match="2-D array"):
        per_point.grad(xs, bs, W[0], 5)
    with pytest.raises(NsadcError, match="batched Clarke mode"):
        per_point.clarke_grad(xs, bs, W, 5)


@pytest.mark.slow
def test_batched_cpu_target_matches_grad():
    f = nsadc.differentiate(kinks.k_max2, target="cpu")
    xs, ys = np.linspace(-1, 1, 11), np.linspace(1, -1, 11)  # a tie in the middle
    g = f.batched(in_axes=(0, 0)).grad(xs, ys)
    want = np.array([f.grad(x, y) for x, y in zip(xs, ys)])
    assert np.array_equal(np.stack(g, 1), want)


@pytest.mark.slow
def test_batched_cpu_target_report_auto_and_clarke():
    xs = np.array([0.0, 1.5, -2.0])
    auto = nsadc.differentiate(kinks.k_relu_difference, kinks="auto", target="cpu")
    assert auto.batched(0).grad(xs).tolist() == [auto.grad(x) for x in xs] == [1.0, 1.0, 1.0]
    f = nsadc.differentiate(kinks.k_max2, target="cpu")
    b = f.batched((0, None))
    v, (gx, gy), met = b.value_and_grad(xs, 0.0, report=True)
    assert met.tolist() == [True, False, False]
    assert [(a, (p, q)) for a, p, q in zip(v, gx, gy)] == [f.value_and_grad(x, 0.0) for x in xs]
    assert list(zip(*b.clarke_grad(xs, 0.0))) == [f.clarke_grad(x, 0.0) for x in xs]
    assert b.jvp((xs, 0.0), (1.0, xs))[1].tolist() == [f.jvp((x, 0.0), (1.0, x))[1] for x in xs]


@needs_numba_cuda
def test_example_multistart_kernel_runs_on_the_simulator():
    """examples/cuda_multistart.py: a user's kernel calling nsadc's device gradient."""
    out = simulate(root=ROOT, body="""
        sys.path.insert(0, root + "/examples")
        import cuda_multistart
        (x, y), value, (gx, gy) = cuda_multistart.main(starts=8, steps=300)
        print(json.dumps({"best": [x, y], "value": value, "n": [len(gx), len(gy)]}))
    """)
    x, y = out["best"]
    assert abs(x - 1.0) < 0.01 and abs(y + 0.5) < 0.01
    assert 0.0625 <= out["value"] < 0.064
    assert out["n"] == [8, 8]


@needs_numba_cuda
@pytest.mark.slow
def test_gpu_benchmark_script_runs_on_the_simulator(tmp_path):
    """benchmarks/cuda_batched.py, prepared for a GPU machine, checks itself on a small N."""
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1", N="64", OUT=str(tmp_path))
    run = subprocess.run([sys.executable, os.path.join(ROOT, "benchmarks", "cuda_batched.py")], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-4000:]
    out = json.loads((tmp_path / "cuda_batched.json").read_text())
    assert out["hand_written_agrees"] and out["cpu_agrees"]
    assert out["tape_hand_written_agrees"] and out["tape_cpu_agrees"]


def test_batched_follows_a_rebound_module_constant(tmp_path):
    from helpers import load_function

    fn = load_function(tmp_path, """
        SCALE = 2.0

        def scaled(x):
            return abs(x) * SCALE
    """, "scaled")
    f = nsadc.differentiate(fn, target="python")
    b = f.batched(0)
    assert b.grad(np.array([1.0, -1.0])).tolist() == [2.0, -2.0]
    fn.__globals__["SCALE"] = 3.0
    assert b.grad(np.array([1.0, -1.0])).tolist() == [3.0, -3.0] == [f.grad(1.0), f.grad(-1.0)]


@needs_numba_cuda
def test_device_functions_of_several_outputs():
    """A function returning several floats: its jvp and vjp as device
    functions, giving each thread its Jacobian (the rows by vjp, the columns by
    jvp), equal to the python target's."""
    out = simulate(body="""
        from programs import vector_maps as vm
        f = nsadc.differentiate(vm.polar, target="cuda")
        c = f.compiled(1.0, 0.5)
        jvp, vjp = c.jvp, c.vjp

        @cuda.jit
        def kernel(out, rs, thetas):
            t = cuda.grid(1)
            if t < rs.shape[0]:
                for o in range(3):
                    v, g = vjp(rs[t], thetas[t], 1.0 if o == 0 else 0.0, 1.0 if o == 1 else 0.0,
                               1.0 if o == 2 else 0.0)
                    out[t, o, 0] = g[0]
                    out[t, o, 1] = g[1]
                v, d = jvp(rs[t], thetas[t], 1.0, 0.0)
                out[t, 3, 0] = d[0]
                out[t, 3, 1] = d[2]

        rs = np.array([-0.8, 0.3, 1.7]); thetas = np.array([0.6, -1.1, 2.0])
        out = np.zeros((3, 4, 2))
        kernel[1, 32](out, rs, thetas)
        cpu = nsadc.differentiate(vm.polar, target="python")
        ok = True
        for t in range(3):
            J = np.array(cpu.jacrev(rs[t], thetas[t]))
            ok = ok and close(out[t, :3], J) and close(out[t, 3], [J[0, 0], J[2, 0]])
        print(json.dumps({"ok": ok}))
    """)
    assert out["ok"]


# ---------------------------------------------------------------- tapes in per-thread local memory

FIXED_LOOPS = ["tent_steps", "projected_steps", "nested_fixed"]


@needs_numba_cuda
def test_fixed_loops_keep_their_tapes_in_local_memory():
    """A loop of fixed trip count overwrites a value the reverse sweep needs:
    its tape has a size known at compile time and lives in cuda.local.array;
    the batched value, gradient, jvp and Clarke mode equal the python target's
    at random points."""
    out = simulate("""
        from programs import cuda_cases
        rng = np.random.default_rng(3)
        results = {}
        for name in names:
            fn = getattr(cuda_cases, name)
            ref = nsadc.differentiate(fn, target="python")
            d = nsadc.differentiate(fn, target="cuda")
            k = len(ref._params)
            cols = [rng.uniform(0.2, 0.8, 4) for _ in range(k)]
            b = d.batched(in_axes=(0,) * k)
            v, g = b.value_and_grad(*cols)
            points = [tuple(c[i] for c in cols) for i in range(4)]
            want = [ref.value_and_grad(*p) for p in points]
            ok = close(v, [w[0] for w in want]) and close(np.stack(g, 1), np.array([w[1] for w in want]))
            t = [rng.standard_normal(4) for _ in range(k)]
            _, dot = b.jvp(tuple(cols), tuple(t))
            ok = ok and close(dot, [ref.jvp(p, tuple(ti[i] for ti in t))[1] for i, p in enumerate(points)])
            c = b.clarke_grad(*cols)
            ok = ok and close(np.stack(c, 1), np.array([ref.clarke_grad(*p) for p in points]))
            src = nsadc.differentiate(fn, target="python").source("reverse")
            from nsadc.backends.numba_cuda import device_module_source
            from nsadc.pipeline import compile_function
            comp = compile_function(*ref._source(), ref.wrt, ref.policy, ref._env)
            text = device_module_source(comp, comp.primal.loc)
            results[name] = [ok, "cuda.local.array(" in text, "np.empty" in text, "np.empty" in src]
        print(json.dumps(results))
    """, names=FIXED_LOOPS)
    for name in FIXED_LOOPS:
        ok, local, empty, cpu_empty = out[name]
        assert ok, name
        assert local and not empty and cpu_empty, name  # the cpu keeps np.empty; the device a local array


@needs_numba_cuda
def test_emit_target_cuda_writes_device_functions(tmp_path):
    from typer.testing import CliRunner

    from nsadc.cli import app

    path = os.path.join(ROOT, "tests", "programs", "cuda_cases.py")
    run = CliRunner().invoke(app, ["emit", f"{path}:tent_steps", "--target", "cuda"])
    assert run.exit_code == 0, run.output
    assert "@cuda.jit(device=True)" in run.output and "from numba import cuda" in run.output
    assert "cuda.local.array(6, numba.float64)" in run.output and "np.maximum" not in run.output
    refused = CliRunner().invoke(app, ["emit", f"{os.path.join(ROOT, 'tests', 'programs', 'constructs.py')}"
                                              ":c_while_break", "--target", "cuda"])
    assert refused.exit_code != 0 and "constructs.py:" in refused.output and "_reserve" in refused.output
    sized = CliRunner().invoke(app, ["emit", f"{os.path.join(ROOT, 'benchmarks', 'scalar_programs.py')}"
                                            ":tent_recurrence", "--target", "cuda"])
    assert sized.exit_code == 0, sized.output
    assert "def tent_recurrence_vjp(x, r, n, out_bar, scratch):" in sized.output
    assert "tape = scratch[0:len(range(n))]" in sized.output and "def tent_recurrence_vjp_scratch(" in sized.output
    cpu = CliRunner().invoke(app, ["emit", f"{path}:tent_steps", "--target", "cpu"])
    assert cpu.exit_code == 0 and "@numba.njit(cache=True)" in cpu.output and "cuda.jit" not in cpu.output
    bad = CliRunner().invoke(app, ["emit", f"{path}:tent_steps", "--target", "gpu"])
    assert bad.exit_code != 0 and "use python, cpu or cuda" in bad.output


@needs_numba_cuda
def test_tapes_the_arguments_size_live_in_a_scratch_array():
    """A recurrence over range(n) keeps a tape of n values: the device vjp and
    grad take a scratch array last (``compiled().scratch_size`` says how long),
    the batched kernels give each point a column of one; both agree with the
    python target, with n per point and shared."""
    out = simulate("""
        import scalar_programs as sp
        ref = nsadc.differentiate(sp.tent_recurrence, target="python")
        d = nsadc.differentiate(sp.tent_recurrence, target="cuda")
        xs, rs, ns = np.linspace(0.15, 0.85, 6), np.full(6, 1.7), np.array([1, 3, 5, 8, 2, 7])
        b = d.batched(in_axes=(0, 0, 0))
        v, g = b.value_and_grad(xs, rs, ns)
        want = [ref.value_and_grad(x, r, int(n)) for x, r, n in zip(xs, rs, ns)]
        ok = close(v, [w[0] for w in want]) and close(np.stack(g, 1), np.array([w[1] for w in want]))
        gg = b.grad(xs, rs, ns)
        ok = ok and close(np.stack(gg, 1), np.array([w[1] for w in want]))
        _, gr, met = b.value_and_grad(xs, rs, ns, report=True)
        ok = ok and close(np.stack(gr, 1), np.array([w[1] for w in want]))
        shared = d.batched(in_axes=(0, 0, None)).grad(xs, rs, 5)
        ok = ok and close(np.stack(shared, 1), np.array([ref.grad(x, r, 5) for x, r in zip(xs, rs)]))
        k = d.compiled(0.3, 1.7, 6)
        size = k.scratch_size(0.3, 1.7, 6)
        vjp = k.vjp

        @cuda.jit
        def kernel(out, xs, rs, n, scratch):
            t = cuda.grid(1)
            if t < xs.shape[0]:
                v, g = vjp(xs[t], rs[t], n, 1.0, scratch[:, t])
                out[t, 0] = v
                out[t, 1] = g[0]
                out[t, 2] = g[1]

        res = np.zeros((6, 3))
        kernel[1, 32](res, xs, rs, 6, np.zeros((size, 6)))
        mine = [ref.value_and_grad(x, r, 6) for x, r in zip(xs, rs)]
        user = close(res[:, 0], [m[0] for m in mine]) and close(res[:, 1:], np.array([m[1] for m in mine]))
        print(json.dumps({"batched": ok, "user": user, "size": size, "has": k.vjp_scratch is not None}))
    """)
    assert out == {"batched": True, "user": True, "size": 6, "has": True}


# ---------------------------------------------------------------- 1-D array adjoints

def _array_wrt_checks(target: str) -> dict:
    """Batched gradients with respect to a 1-D array (one per point, or shared)
    against the python target's f.grad point by point."""
    from programs import cuda_cases

    rng = np.random.default_rng(0)
    ref = nsadc.differentiate(cuda_cases.weighted_abs, target="python")
    d = nsadc.differentiate(cuda_cases.weighted_abs, target=target)
    xs, bs, W = rng.uniform(-1, 1, 5), rng.uniform(-1, 1, 5), rng.standard_normal((5, 4))
    b = d.batched(in_axes=(0, 0, 0, None))
    v, g = b.value_and_grad(xs, bs, W, 4)
    want = [ref.value_and_grad(xs[i], bs[i], W[i], 4) for i in range(5)]
    out = {"value": bool(np.allclose(v, [w[0] for w in want], rtol=1e-12)), "shape": list(g[2].shape),
           "x": bool(np.allclose(g[0], [w[1][0] for w in want], rtol=1e-12)),
           "w": bool(np.allclose(g[2], np.array([w[1][2] for w in want]), rtol=1e-12))}
    out["grad"] = bool(np.allclose(b.grad(xs, bs, W, 4)[2], g[2], rtol=1e-12))
    _, gr, met = b.value_and_grad(xs, bs, W, 4, report=True)
    out["report"] = bool(np.allclose(gr[2], g[2], rtol=1e-12)) and met.shape == (5,)
    shared = d.batched(in_axes=(0, 0, None, None)).grad(xs, bs, W[0], 4)
    out["shared"] = bool(np.allclose(shared[2], np.array([ref.grad(xs[i], bs[i], W[0], 4)[2] for i in range(5)]),
                                     rtol=1e-12))
    try:
        b.jvp((xs, bs, W, 4), (1.0, 1.0, 1.0))
        out["jvp"] = "ran"
    except NsadcError as e:
        out["jvp"] = "refused" if "scalar wrt arguments only" in str(e) else str(e)
    return out


ARRAY_WRT = {"value": True, "shape": [5, 4], "x": True, "w": True, "grad": True, "report": True, "shared": True,
             "jvp": "refused"}


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_batched_gradients_with_respect_to_a_1d_array(target):
    assert _array_wrt_checks(target) == ARRAY_WRT


@needs_numba_cuda
def test_batched_array_adjoints_on_the_simulator():
    """On the device the adjoint of a 1-D array argument (and the derivative
    arrays a fused loop keeps) is a piece of each point's scratch column."""
    out = simulate("""
        sys.path.insert(0, {tests!r})
        from test_cuda_sim import _array_wrt_checks
        print(json.dumps(_array_wrt_checks("cuda")))
    """.replace("{tests!r}", repr(os.path.join(ROOT, "tests"))))
    assert out == ARRAY_WRT
