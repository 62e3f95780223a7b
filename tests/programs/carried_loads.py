"""Loops that load an array at an index they carry, written the ways users write them.

``CARRIED``: the load follows the index (nsadc/transforms/carried_loads.py);
``AS_WRITTEN``: look-alikes left alone."""


def window_argmax(key, val, w, k):
    n = key.shape[0]
    s = 0.0
    for win in range(n // k):
        st = win * k
        a = st
        for t in range(st + 1, st + k):
            if key[t] > key[a]:
                a = t
        s += w[win] * val[a] * val[a]
    return s


def argmin_then_margin(key, val, w, k):
    """The carried index's load is read twice: in the test and in the value."""
    best = 0
    total = 0.0
    for t in range(1, key.shape[0]):
        if key[t] < key[best]:
            best = t
        total += (key[best] - key[t]) * val[t] * w[t % k]
    return total + val[best]


def backwards_search(key, val, w, k):
    """A loop that counts down, the index moved in a nested loop and a branch."""
    a = key.shape[0] - 1
    s = 0.0
    for t in range(key.shape[0] - 2, -1, -k):
        for u in range(k):
            if t - u >= 0:
                if key[t - u] >= key[a]:
                    a = t - u
        s += val[a] * w[0]
    return s


def empty_window(key, val, w, k):
    """No trip at all when k == 1, and then the index before the loop does not index key."""
    a = 0
    if k == 1:
        a = 1000
    for t in range(0, k - 1):
        if key[t] > key[a]:
            a = t
    if a >= key.shape[0]:
        return w[0] * val[0]
    return w[0] * val[a]


def written_in_loop(key, val, w, k):
    """key is written in the loop: the load must see the new value."""
    a = 0
    s = 0.0
    for t in range(1, key.shape[0]):
        key[t - 1] = key[t - 1] * 0.5
        if key[t] > key[a]:
            a = t
        s += val[a] * w[0]
    return s


def active_key(key, val, w, k):
    """The array loaded is differentiated: left as written."""
    a = 0
    s = 0.0
    for t in range(1, val.shape[0]):
        if val[t] > val[a]:
            a = t
        s += val[a] * w[t % k] + key[t]
    return s


def sentinel_past_the_end(key, val, w, k):
    """The index moves past the end (a sentinel), where the program never loads it."""
    n = key.shape[0]
    a = 0
    s = 0.0
    for t in range(1, n):
        if a < n and key[t] > key[a]:
            a = t
        if t % k == 0:
            a = n
        s += val[t] * w[t % k] * (1.0 if a == n else 2.0)
    return s


CARRIED = [window_argmax, argmin_then_margin, backwards_search, empty_window]
AS_WRITTEN = [written_in_loop, active_key, sentinel_past_the_end]
