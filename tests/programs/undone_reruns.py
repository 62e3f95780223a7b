"""Time loops whose inner loops update a state array in place, one element
per iteration, and look-alikes that read or write other elements.  The
reverse sweep re-runs each step's inner loop before reversing it; where the
inner loop touches only its own element, that forward re-run is not needed."""

import numpy as np


def bucket_cascade(s0, rain, k, cap):
    """Linear reservoirs with a capped outflow, one per catchment, stepped daily."""
    n_days, n_b = rain.shape
    s = s0.copy()
    runoff = 0.0
    for t in range(n_days):
        for b in range(n_b):
            out = min(k * s[b], cap)
            s[b] = s[b] + rain[t, b] - out
            runoff += out * out
    return runoff + np.sum(np.abs(s))


def drift_by_neighbours(x0, y, c):
    """Each element moves by a fixed field's difference; the field is read at i + 1, the state only at i."""
    x = x0.copy()
    n = x.shape[0]
    moved = 0.0
    for step in range(6):
        for i in range(n - 1):
            dx = c * max(y[i + 1] - y[i], 0.1 * x[i])
            x[i] += dx
            moved += dx * dx
    return np.sum(np.abs(x)) + np.sum(x ** 2) + moved


def clipped_decay(x0, rate, lo, hi):
    """Reads its element back after the store: the read takes the stored value's name, and the rule applies."""
    x = x0.copy()
    n = x.shape[0]
    clipped = 0.0
    for step in range(12):
        for i in range(n):
            v = x[i] - rate * x[i] * abs(x[i])
            x[i] = min(max(v, lo), hi)
            clipped += abs(v - x[i])
    return np.sum(x * x) + clipped


def reads_whole_state(x0, c):
    """Reads the state's running maximum beside its own element, and the element back after the store."""
    x = x0.copy()
    n = x.shape[0]
    for step in range(4):
        m = 0.0
        for i in range(n):
            x[i] = max(x[i] - c * m, 0.2 * x[i])
            m = max(m, x[i])
    return np.sum(x ** 2)


def recurrent_readout(s0, W, v, ys):
    """A leaky-ReLU recurrence whose state is copied in from a buffer while the readout is summed; the loss
    of each step stands between the readout's loop and its reverse."""
    T = ys.shape[0]
    h = s0.shape[0]
    state = s0.copy()
    new = np.empty(h)
    loss = 0.0
    for t in range(T):
        for k in range(h):
            z = 0.0
            for j in range(h):
                z += W[k, j] * state[j]
            new[k] = max(z, 0.1 * z)
        out = 0.0
        for k in range(h):
            state[k] = new[k]
            out += v[k] * state[k]
        loss += (out - ys[t]) ** 2
    return loss / T


# ------------------------------------------------------------ look-alikes


def _soil_day(d, cap, et, rain, kc):
    """One day of a soil bucket: new depletion, actual evaporation."""
    ks = 1.0 if d <= 0.5 * cap else (cap - d) / (0.5 * cap)
    eta = ks * kc * et
    d_new = d - min(rain, 0.8 * rain + 2.0) + eta
    if d_new < 0.0:
        d_new = 0.0
    elif d_new > cap:
        d_new = cap
    return d_new, eta


def _crop_coefficient(frac, peak):
    if frac < 0.3:
        return 0.4 + (peak - 0.4) * frac / 0.3
    if frac < 0.8:
        return peak
    return peak - (peak - 0.5) * (frac - 0.8) / 0.2


def soil_fields(cap, et, rain, kc_peak):
    """Fields stepped daily by a helper that returns a tuple; the crop coefficient, a curve with early returns."""
    n_days = et.shape[0]
    n_f = cap.shape[0]
    d = 0.3 * cap
    eta_sum = np.zeros(n_f)
    for day in range(n_days):
        kc = _crop_coefficient(day / n_days, kc_peak)
        for f in range(n_f):
            d_new, eta = _soil_day(d[f], cap[f], et[day], rain[day], kc)
            d[f] = d_new
            eta_sum[f] += eta
    return np.sum(np.maximum(1.0 - 0.002 * eta_sum, 0.0) * cap)


def grid_relax(u0, f, w):
    """Rows of a grid relaxed towards a source; each row's re-run keeps a running maximum on a tape."""
    u = u0.copy()
    m, n = u.shape
    change = 0.0
    for sweep in range(5):
        for r in range(m):
            for c in range(n):
                new = max(u[r, c] + w * (f[r, c] - u[r, c]), 0.0)
                change = max(change, abs(new - u[r, c]))
                u[r, c] = new
    return np.sum(u ** 2) + change


def gauss_seidel_chain(x0, b, w):
    """Reads the element an earlier iteration just wrote: the forward run is needed."""
    x = x0.copy()
    n = x.shape[0]
    res = 0.0
    for sweep in range(4):
        for i in range(1, n):
            new = (1.0 - w) * x[i] + w * max(x[i - 1], b[i])
            res += abs(new - x[i])
            x[i] = new
    return np.sum(x * x) + res


def read_after_store(x0, c):
    """Reads another element (the first) after storing its own."""
    x = x0.copy()
    n = x.shape[0]
    acc = 0.0
    for step in range(5):
        for i in range(n):
            x[i] = abs(x[i] - c)
            acc += x[i] * x[0]
    return acc


def capped_where_high(x0, lim):
    """Stores only where a test holds."""
    x = x0.copy()
    n = x.shape[0]
    cut = 0.0
    for step in range(5):
        for i in range(n):
            if x[i] > lim:
                cut += x[i] - lim
                x[i] = lim + 0.5 * (x[i] - lim)
            x[i] = x[i] * 1.1
    return np.sum(x ** 2) + cut


def permuted_update(x0, perm, c):
    """Writes the element an index array names."""
    x = x0.copy()
    n = x.shape[0]
    lost = 0.0
    for step in range(4):
        for i in range(n):
            j = perm[i]
            new = max(x[j] * c, x[j] - 1.0)
            lost += x[j] - new
            x[j] = new
    return np.sum(x * x) + lost


def arguments(name: str):
    rng = np.random.default_rng(7)
    n = 6
    return {
        "bucket_cascade": (rng.uniform(1.0, 3.0, 4), rng.uniform(0.0, 2.0, (9, 4)), 0.3, 0.7),
        "clipped_decay": (rng.uniform(-1.0, 1.0, n), 0.2, -0.6, 0.55),
        "grid_relax": (rng.uniform(-1.0, 1.0, (3, 4)), rng.uniform(-1.0, 1.0, (3, 4)), 0.4),
        "drift_by_neighbours": (rng.uniform(-1.0, 1.0, n), rng.uniform(-1.0, 1.0, n), 0.3),
        "soil_fields": (rng.uniform(80.0, 160.0, 4), rng.uniform(2.0, 7.0, 20), rng.gamma(0.9, 8.0, 20), 1.1),
        "recurrent_readout": (rng.uniform(-1.0, 1.0, 4), rng.uniform(-0.8, 0.8, (4, 4)), rng.uniform(-1.0, 1.0, 4),
                              rng.uniform(-1.0, 1.0, 7)),
        "gauss_seidel_chain": (rng.uniform(-1.0, 1.0, n), rng.uniform(-1.0, 1.0, n), 0.6),
        "read_after_store": (rng.uniform(-1.0, 1.0, n), 0.3),
        "capped_where_high": (rng.uniform(-1.0, 1.0, n), 0.2),
        "permuted_update": (rng.uniform(0.5, 2.0, n), rng.permutation(n), 0.8),
        "reads_whole_state": (rng.uniform(0.5, 2.0, n), 0.1),
    }[name]


# the rule drops these programs' forward re-runs
FIRES = ("bucket_cascade", "drift_by_neighbours", "clipped_decay", "reads_whole_state", "recurrent_readout")
# ... and with it the whole forward re-run (reads_whole_state's keeps its running maximum on a tape,
# recurrent_readout's sums the readout its loss needs)
RERUN_GONE = ("bucket_cascade", "drift_by_neighbours", "clipped_decay")
# these it must leave alone: a look-alike touches other elements, stores under a test or keeps a value of
# each row on a tape; soil_fields
# keeps each day's fields on an element tape in the forward sweep, with no re-run to drop
LOOK_ALIKES = ("soil_fields", "grid_relax", "gauss_seidel_chain", "read_after_store", "capped_where_high",
               "permuted_update")
