"""Programs for the certificate's stated and derived domains
(tests/test_certificate_domains.py).  `nsadc certify` reads this file;
`nsadc check` imports it."""

import math

import numpy as np


def soft_threshold(x, t):
    if x > t:
        s = x - t
    elif x < -t:
        s = x + t
    else:
        s = 0.0
    return 0.5 * s * s + 0.1 * x


def clip(x, lo, hi):
    return lo if x < lo else (hi if x > hi else x)


def jump(x):
    return x + 1 if x > 0 else x


def jump_far(x):
    return x + 1 if x > 5.0 else x


def jump_mid(x, y):
    return x * y + 1.0 if x > 0.5 else x * y


def thin(x, y):
    if x > 0 and x < 1e-3:
        return y + 1.0
    return y


def thin_param(x, t):
    if x > 0 and t > 0 and t < 1e-6:
        return x + 1.0
    return x


def jump_on_boundary_of_t(x, t):
    # continuous only where t == 0: no derived condition leaves room
    return x + t * t + 1.0 if x > t else x


def where_jump(x):
    return np.sum(np.where(x > 0.0, x + 1.0, x))


def where_threshold(x, t):
    return np.sum(np.where(x > t, x - t, 0.0) ** 2)


def sort_and_rows(X, v):
    s = np.sort(v)
    return s[-1] + np.sum(np.max(X, axis=1)) + np.max(np.abs(v))


def tiny_jump(x):
    return x + 1e-9 if x > 0 else x


def singular(x, y):
    return math.sqrt(x) + math.log(y) + x / y


def spread(lo, hi, x):
    return math.sqrt(hi - lo) + x


def needle(x):
    return x + 1 if abs(x - 0.3) < 1e-9 else x


def needle_between(x, t):
    s = x - t
    return s + 1.0 if s * s < 1e-14 else s
