"""The cuda target's batched gradient against a hand-written numba-cuda kernel
(and JAX when it is installed), checked against the cpu target, in one run.

Nesterov's nonsmooth Chebyshev-Rosenbrock function, n = 8, float64, at N points
(structure of arrays: one array of N values per coordinate); and a recurrence
of 32 steps whose reverse sweep keeps a tape (nsadc: a scratch array, one
column a point; the hand-written kernel: the states in local memory):

    f(x) = 0.25 (x1 - 1)^2 + sum_i |x_{i+1} - 2 x_i^2 + 1|

On a GPU machine (numba with a CUDA target that matches the driver, NVIDIA's
numba-cuda 0.30.x with numpy below 2.5; nsadc's own dependencies libcst and
typer installed):

    python benchmarks/cuda_batched.py                       # N = 2**24
    NUMBA_ENABLE_CUDASIM=1 N=256 python benchmarks/cuda_batched.py   # the simulator

Writes ``$OUT/cuda_batched.json`` (or ./cuda_batched.json) and prints it.
"""

import json
import math
import os
import sys
import time

import numba
import numpy as np
from numba import cuda

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import nsadc  # noqa: E402

SIMULATOR = os.environ.get("NUMBA_ENABLE_CUDASIM") == "1"
N = int(os.environ.get("N", 256 if SIMULATOR else 1 << 24))
THREADS = 256


def ncr8(x1, x2, x3, x4, x5, x6, x7, x8):
    """Nesterov's nonsmooth Chebyshev-Rosenbrock function, n = 8."""
    return (0.25 * (x1 - 1.0) ** 2 + abs(x2 - 2.0 * x1 * x1 + 1.0) + abs(x3 - 2.0 * x2 * x2 + 1.0)
            + abs(x4 - 2.0 * x3 * x3 + 1.0) + abs(x5 - 2.0 * x4 * x4 + 1.0) + abs(x6 - 2.0 * x5 * x5 + 1.0)
            + abs(x7 - 2.0 * x6 * x6 + 1.0) + abs(x8 - 2.0 * x7 * x7 + 1.0))


@cuda.jit
def hand_written(x, value, grad):
    """value[t], grad[:, t] at point t = x[:, t] (the same kink choice as nsadc: sign 0 at 0)."""
    t = cuda.grid(1)
    if t < x.shape[1]:
        x0 = x[0, t]
        v = 0.25 * (x0 - 1.0) * (x0 - 1.0)
        g_prev = 0.5 * (x0 - 1.0)
        for i in range(7):
            xi = x[i, t]
            u = x[i + 1, t] - 2.0 * xi * xi + 1.0
            v += abs(u)
            s = 1.0 if u > 0.0 else (-1.0 if u < 0.0 else 0.0)
            grad[i, t] = g_prev - 4.0 * xi * s
            g_prev = s
        grad[7, t] = g_prev
        value[t] = v


STEPS = 32  # the recurrence's length: a loop-carried tape of 32 values a point


def tent(x, r, n: int):
    """A loop-carried nonsmooth recurrence: its reverse sweep needs every state."""
    z = x
    s = 0.0
    for i in range(n):
        z = r * min(z, 1.0 - z) + 0.05 * math.sin(z)
        s += z
    return s


@cuda.jit
def tent_hand_written(xs, rs, n, value, gx, gr):
    """value, d/dx, d/dr at point t: the states kept in local memory, then reversed."""
    t = cuda.grid(1)
    if t < xs.shape[0]:
        zs = cuda.local.array(STEPS, numba.float64)
        x, r = xs[t], rs[t]
        z, s = x, 0.0
        for i in range(n):
            zs[i] = z
            z = r * min(z, 1.0 - z) + 0.05 * math.sin(z)
            s += z
        z_bar, r_bar = 0.0, 0.0
        for i in range(n - 1, -1, -1):
            z_bar += 1.0  # s += z
            zi = zs[i]
            m = min(zi, 1.0 - zi)
            dm = 1.0 if zi < 1.0 - zi else (-1.0 if zi > 1.0 - zi else 0.0)  # min's tie: the first
            r_bar += m * z_bar
            z_bar = (r * dm + 0.05 * math.cos(zi)) * z_bar
        value[t], gx[t], gr[t] = s, z_bar, r_bar


def timed(fn, reps: int = 1 if SIMULATOR else 20) -> float:
    fn()  # compile, warm
    cuda.synchronize()
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        cuda.synchronize()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> dict:
    rng = np.random.default_rng(0)
    x = rng.uniform(-2.0, 2.0, (8, N))
    report = {"points": N, "simulator": SIMULATOR}
    try:
        report["device"] = str(cuda.get_current_device().name)
    except Exception:  # noqa: BLE001  (the simulator)
        report["device"] = "simulator"
    dx = cuda.to_device(x)
    cols = [dx[i] for i in range(8)]  # one device array per coordinate: structure of arrays

    f = nsadc.differentiate(ncr8, target="cuda")
    b = f.batched(in_axes=0)
    t0 = time.perf_counter()
    value, grads = b.value_and_grad(*cols)
    cuda.synchronize()
    report["nsadc_first_call_s"] = round(time.perf_counter() - t0, 3)
    value, grads = value.copy_to_host(), np.stack([g.copy_to_host() for g in grads])

    hv, hg = cuda.device_array(N), cuda.device_array((8, N))
    blocks = (N + THREADS - 1) // THREADS
    hand_written[blocks, THREADS](dx, hv, hg)
    report["hand_written_agrees"] = bool(np.allclose(hv.copy_to_host(), value, rtol=1e-12)
                                        and np.allclose(hg.copy_to_host(), grads, rtol=1e-12, atol=1e-12))

    cpu = nsadc.differentiate(ncr8, target="cpu")
    m = min(N, 2000)
    ref = [cpu.value_and_grad(*x[:, t]) for t in range(m)]
    report["cpu_agrees"] = bool(np.allclose(value[:m], [r[0] for r in ref], rtol=1e-12)
                                and np.allclose(grads[:, :m], np.array([r[1] for r in ref]).T, rtol=1e-12,
                                                atol=1e-12))

    report["nsadc_batched_ms"] = round(timed(lambda: b.value_and_grad(*cols)) * 1e3, 3)
    report["hand_written_ms"] = round(timed(lambda: hand_written[blocks, THREADS](dx, hv, hg)) * 1e3, 3)
    report["nsadc_over_hand_written"] = round(report["nsadc_batched_ms"] / report["hand_written_ms"], 2)
    report.update(tape_benchmark(rng))
    try:
        import jax
        import jax.numpy as jnp

        jax.config.update("jax_enable_x64", True)

        def jf(v):
            terms = jnp.abs(v[1:] - 2.0 * v[:-1] ** 2 + 1.0)
            return 0.25 * (v[0] - 1.0) ** 2 + jnp.sum(terms)

        jg = jax.jit(jax.vmap(jax.value_and_grad(jf), in_axes=1, out_axes=(0, 1)))
        jx = jnp.asarray(x)
        report["jax_ms"] = round(timed(lambda: jax.block_until_ready(jg(jx))) * 1e3, 3)
    except Exception as e:  # noqa: BLE001  (JAX absent, or without a GPU)
        report["jax"] = f"not run ({type(e).__name__}: {str(e)[:120]})"
    return report


def tape_benchmark(rng) -> dict:
    """The batched gradient of a recurrence whose tape nsadc keeps in a scratch
    array (one column a point), against a hand-written kernel keeping the
    states in local memory; checked against the cpu target."""
    xs, rs = rng.uniform(0.05, 0.95, N), rng.uniform(1.2, 1.9, N)
    dxs, drs = cuda.to_device(xs), cuda.to_device(rs)
    b = nsadc.differentiate(tent, target="cuda").batched(in_axes=(0, 0, None))
    value, (gx, gr) = b.value_and_grad(dxs, drs, STEPS)
    value, gx, gr = value.copy_to_host(), gx.copy_to_host(), gr.copy_to_host()
    hv, hx, hr = cuda.device_array(N), cuda.device_array(N), cuda.device_array(N)
    blocks = (N + THREADS - 1) // THREADS
    tent_hand_written[blocks, THREADS](dxs, drs, STEPS, hv, hx, hr)
    out = {"tape_hand_written_agrees": bool(np.allclose(hv.copy_to_host(), value, rtol=1e-12)
                                            and np.allclose(hx.copy_to_host(), gx, rtol=1e-10, atol=1e-12)
                                            and np.allclose(hr.copy_to_host(), gr, rtol=1e-10, atol=1e-12))}
    cpu = nsadc.differentiate(tent, target="cpu")
    m = min(N, 2000)
    ref = [cpu.value_and_grad(xs[t], rs[t], STEPS) for t in range(m)]
    out["tape_cpu_agrees"] = bool(np.allclose(value[:m], [v for v, _ in ref], rtol=1e-12)
                                  and np.allclose(gx[:m], [g[0] for _, g in ref], rtol=1e-10, atol=1e-12))
    out["tape_nsadc_batched_ms"] = round(timed(lambda: b.value_and_grad(dxs, drs, STEPS)) * 1e3, 3)
    out["tape_hand_written_ms"] = round(timed(lambda: tent_hand_written[blocks, THREADS](
        dxs, drs, STEPS, hv, hx, hr)) * 1e3, 3)
    out["tape_nsadc_over_hand_written"] = round(out["tape_nsadc_batched_ms"] / out["tape_hand_written_ms"], 2)
    return out


if __name__ == "__main__":
    out = main()
    print(json.dumps(out, indent=1))
    with open(os.path.join(os.environ.get("OUT", "."), "cuda_batched.json"), "w") as fh:
        json.dump(out, fh, indent=1)
