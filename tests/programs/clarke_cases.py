"""More nonsmooth test problems (PROBLEMS.md), written as a user would, for
Clarke mode at points where several pieces are active."""

import math


def maxq5(x1, x2, x3, x4, x5):
    return max(x1 * x1, x2 * x2, x3 * x3, x4 * x4, x5 * x5)


def goffin4(x1, x2, x3, x4):
    return 4.0 * max(x1, x2, x3, x4) - (x1 + x2 + x3 + x4)


def hilbert_row(i, x1, x2, x3):
    return x1 / (i + 1.0) + x2 / (i + 2.0) + x3 / (i + 3.0)


def mxhilb3(x1, x2, x3):
    m = 0.0
    for i in range(3):
        m = max(m, abs(hilbert_row(i, x1, x2, x3)))
    return m


def l1hilb3(x1, x2, x3):
    s = 0.0
    for i in range(3):
        s += abs(hilbert_row(i, x1, x2, x3))
    return s


def _cb3_piece(a, b):
    return max(a ** 4 + b * b, (2.0 - a) ** 2 + (2.0 - b) ** 2, 2.0 * math.exp(-a + b))


def chained_cb3_1(x1, x2, x3, x4):
    return _cb3_piece(x1, x2) + _cb3_piece(x2, x3) + _cb3_piece(x3, x4)


def chained_crescent_2(x1, x2, x3, x4):
    s = 0.0
    s += max(x1 * x1 + (x2 - 1) ** 2 + x2 - 1, -x1 * x1 - (x2 - 1) ** 2 + x2 + 1)
    s += max(x2 * x2 + (x3 - 1) ** 2 + x3 - 1, -x2 * x2 - (x3 - 1) ** 2 + x3 + 1)
    s += max(x3 * x3 + (x4 - 1) ** 2 + x4 - 1, -x3 * x3 - (x4 - 1) ** 2 + x4 + 1)
    return s


def shor(x1, x2, x3, x4, x5):
    b1, b2, b3 = 1.0, 5.0, 10.0
    f1 = b1 * (x1 ** 2 + x2 ** 2 + x3 ** 2 + x4 ** 2 + x5 ** 2)
    f2 = b2 * ((x1 - 2) ** 2 + (x2 - 1) ** 2 + (x3 - 1) ** 2 + (x4 - 1) ** 2 + (x5 - 3) ** 2)
    f3 = b3 * ((x1 - 1) ** 2 + (x2 - 2) ** 2 + (x3 - 1) ** 2 + (x4 - 1) ** 2 + (x5 - 2) ** 2)
    return max(f1, f2, f3)


def relu_difference(x):
    return max(x, 0.0) - max(-x, 0.0)


def abs_plain(x):
    return abs(x)


def abs_as_max(x):
    return max(x, -x)


def abs_as_branch(x):
    if x >= 0.0:
        return x
    return -x


def abs_as_relus(x):
    return max(x, 0.0) + max(-x, 0.0)
