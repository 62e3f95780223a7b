"""The compiled (numba) target: derivatives callable from user @njit code, and
the on-disk cache shared between processes."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numba
import pytest

import nsadc
from programs.constructs import c_recurrence
from programs.kinks import k_loop

pytestmark = pytest.mark.slow


def test_compiled_derivative_called_from_user_njit():
    d = nsadc.differentiate(c_recurrence)
    kern = d.compiled(0.3, 0.2, 10)
    vjp = kern.vjp
    jvp = kern.jvp

    @numba.njit
    def descent(x, y, n, steps):
        # a user's own compiled loop that calls the compiled gradient
        for _ in range(steps):
            value, (gx, gy) = vjp(x, y, n, 1.0)
            x -= 0.01 * gx
        v2, dot = jvp(x, y, n, 1.0, 0.0)
        return x, value, dot

    x, value, dot = descent(0.3, 0.2, 10, 5)
    x_ref = 0.3
    for _ in range(5):
        _, (gx, _) = d.vjp((x_ref, 0.2, 10), 1.0)
        x_ref -= 0.01 * gx
    assert x == pytest.approx(x_ref, rel=1e-14)
    assert dot == pytest.approx(d.grad(x, 0.2, 10)[0], rel=1e-14)


def test_kink_report_kernel_from_njit():
    import numpy as np

    vjp_report = nsadc.differentiate(k_loop).compiled(0.5, 3).vjp_report

    @numba.njit
    def run(x):
        hits = np.zeros(1, np.int64)
        v, g = vjp_report(x, 4, 1.0, hits)
        return g[0], hits[0]

    g, hits = run(0.5)
    assert hits == 0 and g == 1.0 - 1.0 - 1.0 - 1.0
    g, hits = run(2.0)
    assert hits == 1 and g == 1.0 + 1.0 + 0.0 - 1.0


def test_second_process_reuses_the_disk_cache(tmp_path):
    cache = tmp_path / "cache"
    script = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        t0 = time.perf_counter()
        import nsadc
        from programs.constructs import c_recurrence
        d = nsadc.differentiate(c_recurrence)
        g = d.grad(0.3, 0.2, 10)
        print(repr(g))
    """)
    env = dict(os.environ, NSADC_CACHE_DIR=str(cache), NUMBA_DEBUG_CACHE="1")
    first = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env)
    assert first.returncode == 0, first.stderr
    assert "data saved" in first.stdout or list(cache.rglob("*.nbi")), first.stdout
    second = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env)
    assert second.returncode == 0, second.stderr
    assert "data loaded" in second.stdout, second.stdout  # numba's cache hit, no recompilation
    assert first.stdout.strip().splitlines()[-1] == second.stdout.strip().splitlines()[-1]
