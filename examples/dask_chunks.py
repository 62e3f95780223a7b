"""Gradients over data chunks on a Dask cluster, with the emitted standalone module.

When the data outgrow one machine, each worker holds some chunks of it and
computes the loss and gradient of its chunks; the driver adds them up.  The
workers need neither nsadc nor the source of the loss: only the module that
``nsadc emit`` writes (plain Python with math and numpy, compiled by Numba
where the worker has it), shipped to them with ``Client.upload_file``.

    python examples/dask_chunks.py

The loss is an L1-regularised hinge loss (a linear SVM), a sum over samples,
so the full gradient is the sum of the chunks' gradients.
"""

import pathlib
import tempfile

import numpy as np

import nsadc


def svm_loss(w, X, y, lam):
    """Sum over the chunk's samples of max(0, 1 - y_i <x_i, w>), plus lam |w|_1
    (counted once: the driver passes lam = 0 to every chunk but one)."""
    n = X.shape[0]
    d = X.shape[1]
    s = 0.0
    for i in range(n):
        margin = 0.0
        for j in range(d):
            margin += X[i, j] * w[j]
        s += max(0.0, 1.0 - y[i] * margin)
    for j in range(d):
        s += lam * abs(w[j])
    return s


def emitted_module(folder: pathlib.Path) -> pathlib.Path:
    """``nsadc emit examples/dask_chunks.py:svm_loss --mode reverse --wrt w``, from Python."""
    d = nsadc.differentiate(svm_loss, wrt="w", target="python")
    example = (np.zeros(3), np.zeros((2, 3)), np.zeros(2), 0.0)
    path = folder / "svm_loss_derivatives.py"
    path.write_text(d.source("reverse", *example))
    return path


def chunk_value_and_grad(w, X, y, lam):
    """Runs on a worker: the uploaded module's reverse mode, compiled there."""
    import svm_loss_derivatives as m  # shipped by Client.upload_file

    vjp = getattr(m, "compiled_vjp", None)
    if vjp is None:  # once per worker process: the module stays imported there
        try:
            import numba

            vjp = numba.njit(m.svm_loss_vjp)
        except ImportError:  # plain Python works too, only slower
            vjp = m.svm_loss_vjp
        m.compiled_vjp = vjp
    value, (g,) = vjp(w, X, y, lam, 1.0)
    return value, g


def gradient_over_chunks(client, parts, w, lam, n):
    """The mean loss and its gradient: each chunk's on the worker holding it, added here."""
    futures = [client.submit(lambda part, w, lam: chunk_value_and_grad(w, *part, lam), part, w,
                             lam if k == 0 else 0.0, pure=False)
               for k, part in enumerate(parts)]
    results = client.gather(futures)
    return sum(v for v, _ in results) / n, sum(g for _, g in results) / n


def main(n: int = 20000, d: int = 20, chunks: int = 8, steps: int = 30, workers: int = 2, verbose: bool = True,
         check_at=None):
    from dask.distributed import Client, LocalCluster

    rng = np.random.default_rng(0)
    w_true = rng.standard_normal(d)
    X = rng.standard_normal((n, d))
    y = np.sign(X @ w_true + 0.1 * rng.standard_normal(n))
    lam = 0.01
    with tempfile.TemporaryDirectory() as tmp, \
            LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        client.upload_file(str(emitted_module(pathlib.Path(tmp))))
        parts = [client.scatter((Xc, yc)) for Xc, yc in zip(np.array_split(X, chunks), np.array_split(y, chunks))]
        w = np.zeros(d)
        history = []
        for step in range(steps):
            value, grad = gradient_over_chunks(client, parts, w, lam, n)
            history.append(value)
            w = w - 0.5 / np.sqrt(step + 1) * grad  # a subgradient step
            if verbose and step % 10 == 0:
                print(f"step {step:3d}  loss {value:.4f}")
        checked = None if check_at is None else gradient_over_chunks(client, parts, check_at, lam, n)
    accuracy = float(np.mean(np.sign(X @ w) == y))
    if verbose:
        print(f"training accuracy {accuracy:.3f} after {steps} steps on {chunks} chunks, {workers} workers")
    return w, history, accuracy, (X, y, lam), checked


if __name__ == "__main__":
    main()
