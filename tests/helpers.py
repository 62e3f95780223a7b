"""Shared checks: central finite differences and derivative comparison."""

from __future__ import annotations

import sys
import threading

import numpy as np


def from_threads(call, n: int = 8) -> list:
    """``call()`` from ``n`` threads released together, switching threads as
    often as possible; the results, after asserting that none raised."""
    barrier = threading.Barrier(n)
    results, errors = [], []

    def run():
        barrier.wait()
        try:
            results.append(call())
        except BaseException as e:  # noqa: BLE001 - collected and shown
            errors.append(repr(e))

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=run) for _ in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(old)
    assert not errors, errors
    assert len(results) == n
    return results


def central_difference(f, args, wrt_index: list[int], h: float = 1e-6) -> list[float]:
    out = []
    for i in wrt_index:
        a, b = list(args), list(args)
        step = h * max(1.0, abs(args[i]))
        a[i] += step
        b[i] -= step
        out.append((f(*a) - f(*b)) / (2 * step))
    return out


def central_differences(f, args, k: int, h: float = 1e-6):
    """Central differences of ``f`` in argument ``k``: an array shaped like it
    (each entry moved by ``h``; every array argument copied for each call, so
    functions that write into their arguments see fresh ones), or a float
    (:func:`central_difference`'s relative step)."""
    if not isinstance(args[k], np.ndarray):
        return central_difference(f, args, [k], h)[0]

    def at(k_entry, t):
        moved = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
        moved[k].flat[k_entry] += t
        return f(*moved)

    out = np.empty(args[k].shape)
    for e in range(args[k].size):
        out.flat[e] = (at(e, h) - at(e, -h)) / (2 * h)
    return out


def as_tuple(g):
    return g if isinstance(g, tuple) else (g,)


def check_against_fd(d, fn, args, rtol=1e-5, atol=1e-6):
    """Reverse (grad), forward (jvp along each axis) and vjp agree with central
    differences of the plain Python function ``fn``."""
    idx = [list(d._params).index(w) for w in d.wrt]
    expected = central_difference(fn, args, idx)
    g = as_tuple(d.grad(*args))
    np.testing.assert_allclose(g, expected, rtol=rtol, atol=atol, err_msg="reverse vs FD")
    for k in range(len(idx)):
        tangent = [0.0] * len(idx)
        tangent[k] = 1.0
        value, dot = d.jvp(args, tangent)
        np.testing.assert_allclose(dot, expected[k], rtol=rtol, atol=atol, err_msg=f"forward[{k}] vs FD")
        np.testing.assert_allclose(value, fn(*args), rtol=1e-12, atol=1e-12)
    value, adj = d.vjp(args, 2.0)
    np.testing.assert_allclose(adj, [2 * e for e in expected], rtol=rtol, atol=2 * atol, err_msg="vjp")
    return g


def load_function(tmp_path, text: str, name: str):
    """Write ``text`` (with math and numpy imported) to a module of its own under
    ``tmp_path`` and return its function ``name``: nsadc reads source from files."""
    import importlib.util
    import textwrap

    path = tmp_path / f"{name}_mod.py"
    path.write_text("import math\nimport numpy as np\n\n" + textwrap.dedent(text))
    spec = importlib.util.spec_from_file_location(f"{name}_mod_{abs(hash(text))}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name)


# ------------------------------------------------------------ the cpu target against the python target
# The cpu target runs the same emitted source as the python target, compiled by
# Numba.  The comparison tests (docs/testing.md) call one program's entry points
# on both targets and require the same results: same types, dtypes and shapes,
# values within rounding (Numba's reductions may sum in another order), the
# same kink reports, and the same errors.


def assert_same_result(got, want, what: str, rtol: float = 1e-12, atol: float = 1e-12) -> None:
    """``got`` (cpu target) is ``want`` (python target), recursively."""
    from nsadc.certificate.report import KinkReport

    if isinstance(want, KinkReport):
        assert isinstance(got, KinkReport), f"{what}: {type(got).__name__} is not a KinkReport"
        assert (got.exact, got.method, got.nan) == (want.exact, want.method, want.nan), f"{what}: {got} != {want}"
        assert [str(k) for k in got.kinks] == [str(k) for k in want.kinks], f"{what}: {got} != {want}"
        if want.rows is not None or got.rows is not None:
            assert_same_result(got.rows, want.rows, f"{what}.rows", 0.0, 0.0)
        return
    if isinstance(want, (tuple, list)):
        assert type(got) is type(want) and len(got) == len(want), f"{what}: {got!r} is not like {want!r}"
        for k, (g, w) in enumerate(zip(got, want)):
            assert_same_result(g, w, f"{what}[{k}]", rtol, atol)
        return
    if isinstance(want, np.ndarray):
        assert isinstance(got, np.ndarray), f"{what}: {type(got).__name__} where python gives an array"
        assert got.dtype == want.dtype and got.shape == want.shape, \
            f"{what}: {got.dtype}{got.shape} where python gives {want.dtype}{want.shape}"
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True, err_msg=what)
        return
    assert not isinstance(got, np.ndarray) or got.ndim == 0, f"{what}: an array where python gives {want!r}"
    if isinstance(want, (bool, np.bool_)) or want is None:
        assert got == want, f"{what}: {got!r} != {want!r}"
        return
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True, err_msg=what)


def compare_targets(py, cpu, calls, rtol: float = 1e-12, atol: float = 1e-12) -> None:
    """Run each ``(label, call)`` of ``calls`` on the python-target differentiable
    ``py`` and the cpu-target ``cpu``: the same results, or the same error.  A
    call may carry its own tolerances: ``(label, call, rtol, atol)``."""
    import nsadc

    for label, call, *tolerances in calls:
        rtol_k, atol_k = tolerances or (rtol, atol)
        try:
            want, want_error = call(py), None
        except nsadc.NsadcError as e:
            want, want_error = None, e
        try:
            got, got_error = call(cpu), None
        except nsadc.NsadcError as e:
            got, got_error = None, e
        if want_error is not None or got_error is not None:
            assert type(got_error) is type(want_error), \
                f"{label}: cpu {type(got_error).__name__}: {got_error}; python {type(want_error).__name__}: {want_error}"
            assert str(got_error) == str(want_error), f"{label}: cpu says {got_error}; python says {want_error}"
            continue
        assert_same_result(got, want, label, rtol_k, atol_k)


def kernel_gradient(fn, wrt: str, args, target: str = "python", without=(), monkeypatch=None, tmp_path=None):
    """The gradient of ``fn`` in ``wrt`` at ``args``, and the source of the
    kernel that computed it; ``without``: final passes left out (the kernel
    compiled in a cache of its own under ``tmp_path``), to compare a pass's
    code with the code it replaces."""
    import inspect

    import nsadc
    import nsadc.pipeline as pipeline

    if without:
        monkeypatch.setattr(pipeline, "FINAL_PASSES", [p for p in pipeline.FINAL_PASSES if p.name not in without])
        monkeypatch.setenv("NSADC_CACHE_DIR", str(tmp_path))
    d = nsadc.differentiate(fn, wrt=[wrt], target=target)
    g = d.grad(*args)
    (k,) = d._specs.values()
    return np.asarray(g), inspect.getsource(k.grad.py_func if target == "cpu" else k.grad)


def assert_same_bits(got, want, err_msg: str = "") -> None:
    """``got`` is ``want`` to the last bit: NaN where NaN, and the same sign
    on every number, zeros included (a NaN's sign bit means nothing)."""
    np.testing.assert_array_equal(got, want, err_msg=err_msg)
    numbers = ~np.isnan(want)
    assert np.array_equal(np.signbit(got[numbers]), np.signbit(want[numbers])), err_msg


def check_program_gradient(fn, args, target: str, rtol: float = 1e-5, atol: float = 1e-7) -> None:
    """``fn``'s value and its gradient in every float argument (scalars and
    float64 arrays), from nsadc on ``target``, against the plain function and
    central differences."""
    import inspect

    import pytest

    import nsadc
    from test_regressions import central_differences as gradient_by_differences

    params = list(inspect.signature(fn).parameters)
    positions = tuple(k for k, a in enumerate(args)
                      if isinstance(a, float) or isinstance(a, np.ndarray) and a.dtype == np.float64)
    d = nsadc.differentiate(fn, wrt=[params[k] for k in positions], target=target)
    def fresh():  # the function may write into its arguments
        return [a.copy() if isinstance(a, np.ndarray) else a for a in args]

    value, grads = d.value_and_grad(*fresh())
    assert value == pytest.approx(fn(*fresh()), rel=1e-12)
    want = gradient_by_differences(fn, fresh(), positions)
    grads = as_tuple(grads)
    assert len(grads) == len(want)
    for got, expected in zip(grads, want):
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)
