"""A corpus of nonsmooth programs written the way Numba users write them.

``CASES``: name -> ``Case``. Each program is plain Python with loops
(``math``, element reads and writes), taken as it would be written for
``numba.njit``; beside it a hand-written ``@numba.njit`` gradient (the
practical limit: branch-free selections where they pay, nothing computed that
the gradient does not need, each output written once; it returns the
gradients alone, in ``wrt`` order) and a JAX version as a JAX user writes it
(vectorized ``jax.numpy``, for ``jax.jit(jax.grad(...))``).

Modules: ``existing`` (the eight programs of the scalar and array benchmarks,
imported), ``chained`` (Lukšan–Vlček test problems), ``imaging``, ``learning``,
``dynamics``.  ``python -m benchmarks.user_programs`` times them (``__main__.py``)."""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from benchmarks.user_programs import chained, dynamics, existing, imaging, learning

MODULES = (existing, chained, imaging, learning, dynamics)


@dataclass
class Case:
    name: str
    module: object
    wrt: tuple
    make: Callable  # (size, rng) -> the arguments
    size: int  # the benchmark's size (a primal of 1-10 ms)
    quick: int  # for --quick
    test: int  # for the tests (plain Python)
    what: str = ""
    rtol: float = 1e-8  # agreement required between the gradients
    jax_rtol: float = 1e-8  # looser where XLA's sin of large arguments differs from libm's
    scaling: tuple = ()  # sizes for the scaling plot
    max_repeat: int = 1000  # fewer timing rounds where one nsadc call takes seconds
    size_label: Callable = field(default=str)

    @property
    def fn(self):
        return getattr(self.module, self.name)

    @property
    def hand(self):
        return getattr(self.module, self.name + "_grad")

    @property
    def params(self):
        return list(inspect.signature(self.fn).parameters)

    def static(self, args):
        """Names of the int arguments (static for JAX)."""
        return tuple(p for p, a in zip(self.params, args) if isinstance(a, (int, np.integer)) and
                     not isinstance(a, bool))

    def args(self, size, seed=0):
        return self.make(size, np.random.default_rng(seed))

    def jax_grad(self, jax, jnp, args):
        """``jax.jit(jax.grad(f, argnums=wrt), static_argnums=<int arguments>)``."""
        f = self.module.jax_versions(jax, jnp)[self.name]
        params = self.params
        return jax.jit(jax.grad(f, argnums=tuple(params.index(w) for w in self.wrt)),
                       static_argnums=tuple(params.index(s) for s in self.static(args)))


def _n(a):
    return f"{a:.0e}".replace("e+0", "e") if a >= 100_000 else str(a)


def _sq(a):
    return f"{a}x{a}"


CASES: dict[str, Case] = {}


def _add(*cases):
    for c in cases:
        CASES[c.name] = c



_add(
    # ------------------------------------------------------- existing eight
    Case("nonsmooth_sum", existing, ("x", "y"), lambda n, r: (0.37, 0.21, n), 200_000, 50_000, 30,
         "abs/max/min of sin terms, a reduction", size_label=_n, jax_rtol=1e-5),
    Case("tent_recurrence", existing, ("x", "r"), lambda n, r: (0.31, 0.9, n), 200_000, 50_000, 30,
         "loop-carried state through min and abs", size_label=_n),
    Case("branchy", existing, ("x", "y"), lambda n, r: (0.37, 0.21, n), 200_000, 50_000, 30,
         "data-dependent if in a reduction", size_label=_n, jax_rtol=1e-5),
    Case("mlp_loss", existing, ("W1", "b1", "w2", "b2"),
         lambda n, r: (r.standard_normal((n, 10)), r.standard_normal(n), r.standard_normal((10, 32)) / np.sqrt(10),
                       r.standard_normal(32), r.standard_normal(32) / np.sqrt(32), 0.1), 20_000, 5_000, 6,
         "1-hidden-layer ReLU MLP, squared loss", size_label=lambda n: f"{n}x10, 32"),
    Case("svm_hinge", existing, ("w", "b"),
         lambda n, r: (r.standard_normal((n, 50)), r.choice([-1.0, 1.0], n), r.standard_normal(50) / np.sqrt(50),
                       0.1, 0.01), 100_000, 20_000, 9, "hinge SVM", size_label=lambda n: f"{n}x50"),
    Case("lasso", existing, ("w",),
         lambda n, r: (r.standard_normal((n, 50)), r.standard_normal(n), r.standard_normal(50), 0.01),
         100_000, 20_000, 9, "LASSO", size_label=lambda n: f"{n}x50"),
    Case("max_pool_1d", existing, ("x",), lambda n, r: (r.standard_normal(n), 4), 4_000_000, 400_000, 14,
         "1-D max pooling with max(), width 4", size_label=_n),
    Case("l1_regression", existing, ("x",),
         lambda n, r: (r.standard_normal((n, 250)), r.standard_normal(n), r.standard_normal(250)), 12_000, 1000, 9,
         "L1 regression, residuals accumulated in an array", size_label=lambda n: f"{n}x250"),
    # ------------------------------------------------------------- chained
    Case("chained_lq", chained, ("x",), lambda n, r: (r.standard_normal(n),), 3_000_000, 200_000, 12,
         "Chained LQ", scaling=(1_000, 10_000, 100_000, 1_000_000, 4_000_000), size_label=_n),
    Case("chained_cb3", chained, ("x",), lambda n, r: (r.standard_normal(n),), 500_000, 100_000, 12,
         "Chained CB3 I (3-way max with exp)", scaling=(1_000, 10_000, 100_000, 1_000_000, 4_000_000),
         size_label=_n),
    Case("chained_mifflin2", chained, ("x",), lambda n, r: (0.7 * r.standard_normal(n),), 3_000_000, 200_000, 12,
         "Chained Mifflin 2 (abs)", scaling=(1_000, 10_000, 100_000, 1_000_000, 4_000_000), size_label=_n),
    Case("maxq", chained, ("x",), lambda n, r: (r.standard_normal(n),), 4_000_000, 400_000, 12,
         "MAXQ, max via if", size_label=_n),
    Case("mxhilb", chained, ("x",), lambda n, r: (r.standard_normal(n),), 1500, 400, 9,
         "MXHILB, max |Hilbert row . x| (n^2)"),
    Case("active_faces", chained, ("x",), lambda n, r: (r.standard_normal(n),), 1_000_000, 100_000, 12,
         "Active faces, log(|y|+1) helper", size_label=_n),
    # ------------------------------------------------------------- imaging
    Case("tv_denoise", imaging, ("u",),
         lambda n, r: (r.standard_normal((n, n)), r.standard_normal((n, n)), 0.1), 1200, 300, 5,
         "anisotropic TV energy (2-D stencil, abs)", size_label=_sq),
    Case("huber_tv", imaging, ("u",),
         lambda n, r: (0.05 * r.standard_normal((n, n)), 0.05 * r.standard_normal((n, n)), 0.1, 0.05), 500, 200, 5,
         "isotropic Huber TV (sqrt, if)", size_label=_sq),
    Case("max_pool_2d", imaging, ("img",),
         lambda n, r: (r.standard_normal((n, n)), r.standard_normal((n // 2, n // 2))), 2400, 400, 6,
         "2x2 max pooling with if, squared error", size_label=_sq),
    Case("argmax_pool", imaging, ("val", "w"),
         lambda n, r: (r.standard_normal(n), r.standard_normal(n), r.standard_normal(n // 4), 4), 1_000_000,
         200_000, 16, "value at the argmax of a key per window", size_label=_n),
    Case("pl_fit", imaging, ("c",),
         lambda n, r: (r.standard_normal(100), r.random(n), r.standard_normal(n), 0.01), 1_000_000, 200_000, 20,
         "piecewise-linear fit (int index), TV on knots", size_label=lambda n: f"{_n(n)}, 100 knots"),
    # ------------------------------------------------------------ learning
    Case("kmeans_loss", learning, ("C",),
         lambda n, r: (r.standard_normal((n, 8)), r.standard_normal((10, 8))), 60_000, 5_000, 7,
         "k-means loss, min over centres by if", size_label=lambda n: f"{n}x8, k=10"),
    Case("mlp3_loss", learning, ("W1", "b1", "W2", "b2", "w3", "b3"),
         lambda n, r: (r.standard_normal((n, 10)), r.standard_normal(n), r.standard_normal((10, 32)) / np.sqrt(10),
                       0.1 * r.standard_normal(32), r.standard_normal((32, 32)) / np.sqrt(16),
                       0.1 * r.standard_normal(32), r.standard_normal(32) / np.sqrt(32), 0.1), 4_000, 1_000, 3,
         "3-layer ReLU network", size_label=lambda n: f"{n}x10, 32, 32"),
    Case("softmax_xent", learning, ("W",),
         lambda n, r: (r.standard_normal((n, 20)), r.integers(0, 10, n), r.standard_normal((20, 10)) / 4),
         20_000, 2_000, 6, "softmax cross-entropy, max subtracted", size_label=lambda n: f"{n}x20, 10 classes"),
    Case("quantile_regression", learning, ("w",),
         lambda n, r: (r.standard_normal((n, 20)), r.standard_normal(n), r.standard_normal(20), 0.3), 300_000,
         20_000, 9, "pinball loss via max", size_label=lambda n: f"{n}x20"),
    Case("group_lasso", learning, ("w",),
         lambda n, r: (r.standard_normal((n, 40)), r.standard_normal(n), r.standard_normal(40), 4, 0.1), 150_000,
         10_000, 9, "least squares + group norms", size_label=lambda n: f"{n}x40"),
    Case("robust_factorization", learning, ("U", "V"),
         lambda n, r: (r.standard_normal((n, n)), r.standard_normal((n, 8)), r.standard_normal((n, 8)), 0.01),
         800, 150, 5, "sum |M - U V'| (robust-PCA-like)", size_label=lambda n: f"{n}x{n}, r=8"),
    Case("ranking_hinge", learning, ("w",),
         lambda n, r: (r.standard_normal((n, 10)), r.standard_normal(n), r.standard_normal(10)), 1500, 400, 8,
         "pairwise ranking hinge (n^2 pairs)", size_label=lambda n: f"{n}x10"),
    Case("ista_energy", learning, ("b", "lam"),
         lambda n, r: (r.standard_normal(n), 0.5, 0.1, 30, 0.2), 100_000, 10_000, 12,
         "energy after 30 ISTA steps, soft threshold by if/elif/else", size_label=lambda n: f"{n}, 30 steps"),
    # ------------------------------------------------------------ dynamics
    Case("barrier_call", dynamics, ("S0", "sigma", "r", "K"),
         lambda n, r: (r.standard_normal((n, 50)), 100.0, 0.2, 0.03, 100.0, 85.0, 1.0), 10_000, 2_000, 40,
         "Monte-Carlo down-and-out call (break)", jax_rtol=1e-7, size_label=lambda n: f"{n} paths x 50"),
    Case("smooth_clipped", dynamics, ("alpha", "lo", "hi"),
         lambda n, r: (r.standard_normal(n), 0.3, -1.0, 1.2), 1_000_000, 200_000, 30,
         "exponential smoothing of clipped data", size_label=_n),
    Case("leaky_rnn", dynamics, ("W", "U", "b", "v"),
         lambda n, r: (r.standard_normal((n, 4)), r.standard_normal(n), 0.5 * r.standard_normal((16, 16)) / 4,
                       0.5 * r.standard_normal((16, 4)), 0.1 * r.standard_normal(16), r.standard_normal(16)),
         20_000, 1_000, 6, "leaky-ReLU RNN, loss at every step", size_label=lambda n: f"T={n}, h=16"),
    Case("newton_roots", dynamics, ("a", "b"),
         lambda n, r: (r.uniform(0.5, 2.0, n), r.uniform(-2.0, 2.0, n)), 200_000, 50_000, 10,
         "Newton's method in a while loop", rtol=1e-7, jax_rtol=1e-7, size_label=_n),
    Case("dtw", dynamics, ("x", "y"),
         lambda n, r: (r.standard_normal(n), r.standard_normal(n)), 800, 200, 7,
         "dynamic time warping (min of three)", size_label=lambda n: f"{n}x{n}", max_repeat=3),
    Case("ulcer_index", dynamics, ("x",), lambda n, r: (r.standard_normal(n),), 2_000_000, 200_000, 20,
         "RMS drawdown from a running max", size_label=_n),
)
