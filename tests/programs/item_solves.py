"""Loops over items that each solve something of their own by iteration
(Newton, fixed points, paths that stop early, time steps), written as users
write them.
Each takes (x, y, lam) with x and y 1-D float arrays of one length (y > 0)
and a float lam > 0."""

import math

import numpy as np


def cubic_roots(x, y, lam):
    s = 0.0
    for i in range(x.shape[0]):
        t = x[i] / (y[i] + 1.0)
        step = 1.0
        while abs(step) > 1e-13:
            f = t * t * t + y[i] * t - x[i]
            step = f / (3.0 * t * t + y[i])
            t = t - step
        s += t * t
    return s


def kepler_anomaly(x, y, lam):
    """Eccentric anomaly E - e sin E = M per orbit, e = lam / (1 + lam) < 1."""
    e = lam / (1.0 + lam)
    total = 0.0
    for k in range(len(x)):
        M = x[k]
        E = M
        for it in range(50):
            dE = (E - e * math.sin(E) - M) / (1.0 - e * math.cos(E))
            E -= dE
            if abs(dE) < 1e-12:
                break
        total += y[k] * math.cos(E)
    return total


def fixed_point_cos(x, y, lam):
    n = x.shape[0]
    acc = 0.0
    for i in range(n):
        z = 0.5
        z_old = 10.0
        while abs(z - z_old) > 1e-12:
            z_old = z
            z = math.cos(0.3 * x[i] * z) * y[i] / (1.0 + y[i])
        acc = acc + lam * z
    return acc


def hinge_newton(x, y, lam):
    """Newton on t**3 + y*max(t, 0) + t = x: a kink inside the solve."""
    out = 0.0
    for i in range(x.shape[0]):
        t = 0.0
        for it in range(40):
            g = t ** 3 + y[i] * max(t, 0.0) + t - x[i]
            dg = 3.0 * t * t + (y[i] if t > 0.0 else 0.0) + 1.0
            t = t - g / dg
            if abs(g) < 1e-14:
                break
        out -= abs(t - lam)
    return out


def barrier_paths(x, y, lam):
    """A path per item from x[i], drifting by lam * y[i], stopped at a barrier."""
    payoff = 0.0
    for p in range(x.shape[0]):
        v = x[p]
        k = 0
        while k < 30 and v < 3.0:
            v = v + lam * y[p] * 0.1 + 0.05 * math.sin(v + k)
            k += 1
        payoff += max(v - 1.0, 0.0) * math.exp(-0.01 * k)
    return payoff


def neighbours_solve(x, y, lam):
    """Two elements of x per item, an index computed first, the sum used after."""
    s = 0.0
    n = x.shape[0]
    for i in range(n - 1):
        j = i + 1
        a = x[i]
        b = x[j]
        r = 1.0
        while True:
            r_new = 0.5 * (r + (a * a + b * b + 1.0) / r)
            if abs(r_new - r) < 1e-13:
                break
            r = r_new
        s += r * y[i]
    return math.sqrt(s + 1.0) + lam * s


def shrinkage_solve(x, y, lam):
    """Solve t + lam * tanh(t / y) = x per item: a scalar parameter outside the loop."""
    loss = 0.0
    for i in range(x.shape[0]):
        t = x[i]
        it = 0
        while it < 60:
            h = math.tanh(t / y[i])
            g = t + lam * h - x[i]
            dg = 1.0 + lam * (1.0 - h * h) / y[i]
            t -= g / dg
            it += 1
            if abs(g) < 1e-14:
                break
        loss += (t - 0.1) ** 2
    return loss


def stored_roots(x, y, lam):
    """The roots stored, then summed after the loop (not a sum the loop carries)."""
    n = x.shape[0]
    roots = np.zeros(n)
    for i in range(n):
        t = 1.0
        while True:
            step = (t * t - y[i] - x[i] * x[i]) / (2.0 * t)
            t -= step
            if abs(step) < 1e-13:
                break
        roots[i] = t
    return np.sum(roots * roots) + lam


def implied_rates(x, y, lam):
    """A rate per bond by Newton's method, stored, and a sum carried beside:
    the results and the sum both leave the loop."""
    n = x.shape[0]
    rates = np.empty(n)
    spread = 0.0
    for i in range(n):
        price = 1.0 / (1.0 + abs(x[i]))
        r = 0.05
        for it in range(30):
            g = (1.0 + r) ** -y[i] - price
            dg = -y[i] * (1.0 + r) ** (-y[i] - 1.0)
            r = r - g / dg
            if abs(g) < 1e-14:
                break
        rates[i] = r
        spread += lam * r
    return np.mean(np.maximum(rates - 0.1, 0.0)) + spread


def logistic_particles(x, y, lam):
    """Forty explicit Euler steps per particle: an inner `for` loop."""
    s = 0.0
    for p in range(x.shape[0]):
        v = x[p]
        for k in range(40):
            v = v + 0.01 * (lam * v * (1.0 - v) - y[p] * v)
        s += v * v
    return s


def spring_misfit(x, y, lam):
    """A damped spring per item, its end position's distance to a target."""
    total = 0.0
    for p in range(len(x)):
        q = x[p]
        w = 0.0
        for k in range(30):
            w = w - 0.05 * (q + lam * w)
            q = q + 0.05 * w
        total += abs(q - y[p])
    return total


def grid_solves(x, y, lam):
    """A solve per pair (x[i], y[j]): two loops, the second the whole body of
    the first, so an item is one (i, j)."""
    s = 0.0
    for i in range(x.shape[0]):
        for j in range(y.shape[0]):
            t = 1.0
            for it in range(25):
                g = t * t * t + t - x[i] * y[j] - lam
                t = t - g / (3.0 * t * t + 1.0)
            s += abs(t - 0.2)
    return s


def pair_table(x, y, lam):
    """A square root per pair j <= i by Heron's method, stored in a table
    (a triangular nest), then a loss over the table."""
    n = x.shape[0]
    G = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1):
            r = 1.0
            k = 0
            while k < 8:
                r = 0.5 * (r + (x[i] * x[i] + y[j] + 1.0) / r)
                k += 1
            G[i, j] = r
    return np.sum(np.maximum(G - 1.5, 0.0)) * lam


def tied_hinge(x, y, lam):
    """At x == y every max and min below is at its kink (exact values known)."""
    s = 0.0
    for i in range(x.shape[0]):
        t = x[i]
        k = 0
        while k < 2:
            t = 0.5 * (t + x[i])
            k += 1
        s += max(t, y[i]) + lam * min(t, y[i])
    return s


def walks_a_row(x, y, lam):
    """The inner loop reads elements it moves over: reversed, not by tangents."""
    s = 0.0
    n = x.shape[0]
    for i in range(n):
        j = 0
        acc = 0.0
        while j < n and acc < 2.0:
            acc += abs(x[j]) * y[i]
            j += 1
        s += acc * lam
    return s


def five_inputs(x, y, lam):
    """Five inputs per iteration: more tangents than reverse mode is worth."""
    s = 0.0
    n = x.shape[0]
    for i in range(2, n - 2):
        t = x[i - 2] + x[i - 1] + x[i] + x[i + 1] + x[i + 2]
        while abs(t) > 1.0:
            t = 0.5 * t
        s += t * y[i]
    return s


CASES = [cubic_roots, kepler_anomaly, fixed_point_cos, hinge_newton, barrier_paths, neighbours_solve,
         shrinkage_solve, stored_roots, implied_rates, logistic_particles, spring_misfit, grid_solves, pair_table, tied_hinge, walks_a_row, five_inputs]
# differentiated by a tangent along each of an iteration's inputs
BY_TANGENTS = [cubic_roots, kepler_anomaly, fixed_point_cos, hinge_newton, barrier_paths, neighbours_solve,
               shrinkage_solve, stored_roots, implied_rates, logistic_particles, spring_misfit, grid_solves, pair_table, tied_hinge]


def solve_each(x, y, lam):
    """The roots themselves: a vector output (its Jacobian is diagonal)."""
    n = x.shape[0]
    out = np.zeros(n)
    for i in range(n):
        t = 1.0
        while True:
            step = (t * t * t + y[i] * t - x[i] - lam) / (3.0 * t * t + y[i])
            t -= step
            if abs(step) < 1e-13:
                break
        out[i] = t
    return out
