"""Functions evaluated exactly at their kinks."""

import math

import numpy as np


def k_abs(x):
    return abs(x)


def k_relu(x):
    return max(x, 0.0)


def k_relu_const_first(x):
    return max(0.0, x)


def k_min_const_first(x):
    return min(0.0, x)


def k_max2(x, y):
    return max(x, y)


def k_min2(x, y):
    return min(x, y)


def k_max3(x, y, z):
    return max(x, y, z)


def k_max3_const(x, y):
    return max(x, y, 1.0)


def k_min3(x, y, z):
    return min(x, y, z)


def k_clip(x):
    return np.clip(x, 0.0, 1.0)


def k_hypot(x, y):
    return math.hypot(x, y)


def k_copysign(x, y):
    return math.copysign(x, y)


def k_floor(x):
    return math.floor(x) + x


def k_branch(x, y):
    if x > y:
        return x
    return y


def k_relu_difference(x):
    # relu(x) - relu(-x) == x: the classic artificial critical point at 0
    return max(x, 0.0) - max(-x, 0.0)


def k_loop(x, n: int):
    s = 0.0
    for i in range(n):
        s += abs(x - i)
    return s
