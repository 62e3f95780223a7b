"""The eight programs of the scalar and array benchmarks, imported (not
copied) with their hand-written gradients, which return the value first: the
wrappers here keep the gradients alone.  ``jax_versions``: their JAX forms
for ``jax.grad``."""

import os
import sys

import numba

# imported under the names the benchmark scripts and their tests use: Numba's
# cache of the hand-written gradients records the module by name, and the same
# file imported under a second name finds entries it cannot load
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import array_programs as AP  # noqa: E402
import hand_written as HS  # noqa: E402
import hand_written_arrays as HA  # noqa: E402
import scalar_programs as SP  # noqa: E402

nonsmooth_sum = SP.nonsmooth_sum
tent_recurrence = SP.tent_recurrence
branchy = SP.branchy
mlp_loss = AP.mlp_loss
svm_hinge = AP.svm_hinge
lasso = AP.lasso
max_pool_1d = AP.max_pool_1d
l1_regression = AP.l1_regression

# the hand-written gradients return (value, grad_1, ...): keep the gradients
# (they compute the value as well, which the corpus's other references do not)


@numba.njit
def nonsmooth_sum_grad(x, y, n):
    return HS.nonsmooth_sum_grad(x, y, n)[1:]


@numba.njit
def tent_recurrence_grad(x, r, n):
    return HS.tent_recurrence_grad(x, r, n)[1:]


@numba.njit
def branchy_grad(x, y, n):
    return HS.branchy_grad(x, y, n)[1:]


@numba.njit
def mlp_loss_grad(X, y, W1, b1, w2, b2):
    return HA.mlp_loss_grad(X, y, W1, b1, w2, b2)[1:]


@numba.njit
def svm_hinge_grad(X, y, w, b, lam):
    return HA.svm_hinge_grad(X, y, w, b, lam)[1:]


@numba.njit
def lasso_grad(X, y, w, lam):
    return HA.lasso_grad(X, y, w, lam)[1:]


@numba.njit
def max_pool_1d_grad(x, k):
    return HA.max_pool_1d_grad(x, k)[1:]


@numba.njit
def l1_regression_grad(A, b, x):
    return HA.l1_regression_grad(A, b, x)[1:]


def jax_versions(jax, jnp):
    def terms(x, y, n):
        return jnp.sin(x * jnp.arange(n) * 12.9898 + y * 78.233)

    def nonsmooth_sum(x, y, n):
        t = terms(x, y, n)
        return jnp.sum(jnp.abs(t) * x + jnp.maximum(t, 0.3 * y) - jnp.minimum(t * y, 0.1))

    def tent_recurrence(x, r, n):
        def step(z, i):
            z = jnp.abs(r * jnp.minimum(z, 1.0 - z) + 0.4 * jnp.sin(i * 12.9898 + x))
            return z, z

        _, zs = jax.lax.scan(step, x, jnp.arange(n))
        return jnp.sum(zs) / n

    def branchy(x, y, n):
        t = terms(x, y, n)
        return jnp.sum(jnp.where(t > 0.0, t * x, -t * y * y))

    def mlp_loss(X, y, W1, b1, w2, b2):
        return jnp.mean((jax.nn.relu(X @ W1 + b1) @ w2 + b2 - y) ** 2)

    def svm_hinge(X, y, w, b, lam):
        return jnp.mean(jnp.maximum(0.0, 1.0 - y * (X @ w + b))) + lam * jnp.sum(w * w)

    def lasso(X, y, w, lam):
        return 0.5 * jnp.mean((X @ w - y) ** 2) + lam * jnp.sum(jnp.abs(w))

    def max_pool_1d(x, k):
        nw = x.shape[0] // k
        return jnp.sum(jnp.max(x[: nw * k].reshape(nw, k), axis=1) ** 2)

    def l1_regression(A, b, x):
        return jnp.sum(jnp.abs(A @ x - b))

    return dict(nonsmooth_sum=nonsmooth_sum, tent_recurrence=tent_recurrence, branchy=branchy, mlp_loss=mlp_loss,
                svm_hinge=svm_hinge, lasso=lasso, max_pool_1d=max_pool_1d, l1_regression=l1_regression)
