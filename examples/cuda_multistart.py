"""Multi-start subgradient descent on the GPU: every thread of your own
``@cuda.jit`` kernel runs its own descent, calling nsadc's gradient of a
nonsmooth function as a CUDA device function.

    python examples/cuda_multistart.py                              # on a GPU
    NUMBA_ENABLE_CUDASIM=1 python examples/cuda_multistart.py       # without one (slowly)

(docs/cuda.md: what the cuda target takes.)
"""

import numpy as np
from numba import cuda

import nsadc


def loss(x, y):
    """Nonsmooth, minimal at (1, -0.5): kinks along x = 1 and y = -0.5."""
    return abs(x - 1.0) + 2.0 * max(y + 0.5, -0.5 - y) + 0.05 * (x * x + y * y)


f = nsadc.differentiate(loss, target="cuda")
grad = f.compiled(0.0, 0.0).grad  # a device function: grad(x, y, cotangent) -> (x_bar, y_bar)


@cuda.jit
def descend(xs, ys, steps, lr):
    t = cuda.grid(1)
    if t < xs.shape[0]:
        x = xs[t]
        y = ys[t]
        for k in range(steps):
            gx, gy = grad(x, y, 1.0)
            step = lr / (1.0 + k)  # diminishing steps: subgradient descent converges
            x -= step * gx
            y -= step * gy
        xs[t] = x
        ys[t] = y


def main(starts: int = 4096, steps: int = 400, lr: float = 0.5, seed: int = 0):
    """``(best point, its value, the gradients at the end points)``."""
    rng = np.random.default_rng(seed)
    xs, ys = rng.uniform(-2.0, 3.0, starts), rng.uniform(-2.0, 2.0, starts)
    threads = 128
    descend[(starts + threads - 1) // threads, threads](xs, ys, steps, lr)
    # the same derivative at every end point at once, by a batched kernel
    values, (gx, gy) = f.batched(in_axes=(0, 0)).value_and_grad(xs, ys)
    best = int(np.argmin(values))
    return (xs[best], ys[best]), values[best], (gx, gy)


if __name__ == "__main__":
    (x, y), value, _ = main()
    print(f"best of the starts: loss({x:.4f}, {y:.4f}) = {value:.6f}  (minimum: loss(1, -0.5) = 0.0625)")
