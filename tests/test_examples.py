"""The examples run and do what they say."""

import importlib.util
import pathlib
import re

import numpy as np
import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.slow
def test_relu_mlp_sgd_trains():
    mod = _load("relu_mlp_sgd")
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((32, 4)), rng.standard_normal(32)
    W1, b1, w2 = rng.standard_normal((4, 16)), np.zeros(16), rng.standard_normal(16)
    before = mod.mlp_loss(X, y, W1, b1, w2, 0.0)
    assert mod.main(steps=60) < 0.5 * before


@pytest.mark.slow
def test_svm_separates():
    assert _load("svm").main(steps=100) > 0.95


@pytest.mark.slow
def test_lasso_reaches_optimality():
    mod = _load("lasso")
    w, g = mod.main(steps=300)
    lam = 0.1
    on = w != 0.0
    assert np.all(np.abs(g[on] + lam * np.sign(w[on])) < 1e-6)
    assert np.all(np.abs(g[~on]) <= lam + 1e-9)
    assert on.sum() == 3  # the true support


@pytest.mark.slow
def test_svm_vectorized_matches_the_loops(monkeypatch):
    monkeypatch.syspath_prepend(str(EXAMPLES))  # it imports examples/svm.py
    accuracy, agree = _load("svm_vectorized").main(steps=100)
    assert accuracy > 0.95 and agree < 1e-12


@pytest.mark.slow
def test_relu_mlp_vectorized_trains_and_matches_the_loops(monkeypatch):
    monkeypatch.syspath_prepend(str(EXAMPLES))  # it imports examples/relu_mlp_sgd.py
    mod = _load("relu_mlp_vectorized")
    loss, agree = mod.main(steps=60)
    assert agree < 1e-10
    rng = np.random.default_rng(0)  # the data main() draws first
    X = rng.standard_normal((2048, 4))
    y = np.abs(X[:, 0]) - 0.5 * np.maximum(X[:, 1], 0.0) + 0.1 * rng.standard_normal(2048)
    assert loss < 0.5 * np.mean((y - y.mean()) ** 2)  # better than the best constant


@pytest.mark.slow
def test_scipy_minimize_with_value_and_grad():
    out = _load("scipy_minimize").main()
    smooth = out["rosenbrock"]
    assert smooth.success and np.abs(smooth.x - 1.0).max() < 1e-4
    x_opt, f_opt = out["lasso_optimum"]
    assert np.count_nonzero(x_opt) == 3  # the true support
    bfgs = out["lasso"]["BFGS"]
    assert bfgs.fun - f_opt < 1e-5 and np.abs(bfgs.x - x_opt).max() < 1e-3
    assert np.abs(bfgs.x[3:]).max() < 1e-3 and np.all(np.abs(bfgs.x[:3]) > 0.5)
    assert out["lasso"]["L-BFGS-B"].fun - f_opt < 1e-3


@pytest.mark.slow
def test_njit_loop_calls_the_compiled_gradient():
    w, w_py, truth = _load("njit_loop").main(steps=3000)
    np.testing.assert_allclose(w, w_py, rtol=0, atol=1e-12)  # the same steps, compiled or not
    assert np.abs(w - truth).max() < 0.1


@pytest.mark.slow
def test_luksan_vlcek_problems_reach_their_optima():
    out = _load("luksan_vlcek").main(n=20, iterations=3000, every=0)
    x, gap = out["maxq"]
    assert 0.0 <= gap < 1e-8 and np.abs(x).max() < 1e-4
    x, gap = out["chained_lq"]
    assert 0.0 <= gap < 1e-6


def test_every_example_is_run_by_a_test():
    """Each file of examples/ is loaded by some test (cuda_multistart.py by
    tests/test_cuda_sim.py on the CUDA simulator, hinge.py by the certificate
    tests)."""
    tests = pathlib.Path(__file__).resolve().parent
    text = "\n".join(p.read_text(encoding="utf-8") for p in tests.glob("test_*.py"))
    loaded = set(re.findall(r'_load\("(\w+)"\)', text))  # this file
    loaded |= set(re.findall(r"^\s*import (\w+)$", text, flags=re.M))  # test_cuda_sim.py's simulator script
    loaded |= {p.stem for p in EXAMPLES.glob("*.py") if f'"examples" / "{p.name}"' in text}
    missing = sorted(p.stem for p in EXAMPLES.glob("*.py") if p.stem not in loaded)
    assert not missing, f"examples no test runs: {missing}"


@pytest.mark.slow
def test_the_getting_started_page_prints_what_it_says(tmp_path):
    """docs/index.md's first derivative, run as the page says (saved as
    model.py): each printed value matches the comment beside it."""
    import subprocess
    import sys

    root = EXAMPLES.parent
    page = (root / "docs" / "index.md").read_text(encoding="utf-8")
    code = page.split("## A first derivative")[1].split("```python\n")[1].split("```")[0]
    (tmp_path / "model.py").write_text(code)
    env = {**__import__("os").environ, "PYTHONPATH": str(root)}
    run = subprocess.run([sys.executable, "model.py"], cwd=tmp_path, capture_output=True, text=True, env=env,
                         timeout=300)
    assert run.returncode == 0, run.stderr
    comments = [line.split("#", 1)[1].strip() for line in code.splitlines()
                if line.startswith("print(") and "#" in line and "source(" not in line]
    # a location up to its comma ("...model.py:6:32, the abs"), a value up to its colon
    comments = [c.split(",")[0] if c.startswith("...") else c.split(":")[0] for c in comments]
    printed = run.stdout.splitlines()
    assert len(printed) >= len(comments)
    number = r"-?\d+(?:\.\d+)?(?:e-?\d+)?"
    for said, out in zip(comments, printed):
        if said.startswith("..."):
            assert out.endswith(said[3:]), (said, out)
            continue
        expected = [float(v) for v in re.findall(number, said)]
        got = [float(v) for v in re.findall(number, out)][:len(expected)]
        np.testing.assert_allclose(got, expected, rtol=5e-3, atol=5e-3, err_msg=f"{said!r} vs {out!r}")
        for word in ("True", "False"):
            assert (word in said) == (word in out), (said, out)
