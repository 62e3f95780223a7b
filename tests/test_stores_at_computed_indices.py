"""A top-level loop that reads an array and then stores into it at an index
the iteration computes (a multi-server queue: ``k = np.argmin(free_at)``,
then ``free_at[k] = start + service[i]``; a running maximum per bin ``h[b] =
max(h[b], v)`` with ``b`` from ``np.searchsorted``). The re-run of an
iteration in the reverse sweep must read the array as the iteration found
it; each store's index and old value now go on a journal, popped back
before the re-run (it was refused as "read here and overwritten later")."""

import numpy as np
import pytest

from helpers import check_program_gradient


def multi_server_queue(inter, service, c):
    n = inter.shape[0]
    free_at = np.zeros(c)
    t = 0.0
    wait = 0.0
    for i in range(n):
        t += inter[i]
        k = np.argmin(free_at)
        start = max(t, free_at[k])
        wait += start - t
        free_at[k] = start + service[i]
    return wait / n


def earliest_server_by_loop(inter, service, c):
    n = inter.shape[0]
    free_at = np.zeros(c)
    t = 0.0
    wait = 0.0
    for i in range(n):
        t += inter[i]
        k = 0
        for j in range(1, c):
            if free_at[j] < free_at[k]:
                k = j
        start = max(t, free_at[k])
        wait += (start - t) ** 2
        free_at[k] = start + service[i]
    return wait / n + np.sum(free_at)


def binned_maxima(x, w, edges):
    h = np.zeros(edges.shape[0] + 1)
    for i in range(x.shape[0]):
        b = np.searchsorted(edges, x[i])
        h[b] = max(h[b], w[i] * x[i])
    return np.sum(h * h)


rng = np.random.default_rng(0)
CASES = [
    (multi_server_queue, (rng.exponential(1.0, 20), rng.exponential(2.5, 20), 3)),
    (earliest_server_by_loop, (rng.exponential(1.0, 20), rng.exponential(2.5, 20), 3)),
    (binned_maxima, (rng.uniform(0.0, 1.0, 30), rng.standard_normal(30), np.linspace(0.1, 0.9, 5))),
]


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
@pytest.mark.parametrize("fn, args", CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_value_and_gradient(fn, args, target):
    check_program_gradient(fn, args, target)
