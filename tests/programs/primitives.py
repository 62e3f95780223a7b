"""One small function per primitive (and per construct), for rule tests.

Each is written as a user would; the tests differentiate them with nsadc and
compare with central finite differences at generic points."""

import math

import numpy as np


def p_add(x, y):
    return x + y * 2.0


def p_sub(x, y):
    return x - y - 1.5


def p_mul(x, y):
    return x * y * x


def p_div(x, y):
    return x / y + 1.0 / x


def p_pow(x, y):
    return x ** y + x ** 3 + 2.0 ** y + x ** 0.5


def p_neg(x, y):
    return -x * +y


def p_floordiv_mod(x, y):
    return x % 0.7 + (x // 0.3) * y + x % y


def p_exp_log(x, y):
    return math.exp(x) * math.log(y) + np.exp(y) - np.log(x)


def p_log1p_expm1(x, y):
    return math.log1p(x * y) + math.expm1(x) + np.log1p(y) + math.log2(y) + math.log10(x)


def p_sqrt(x, y):
    return math.sqrt(x * x + y) + np.sqrt(y)


def p_trig(x, y):
    return math.sin(x) * math.cos(y) + math.tan(x * 0.3) + np.sin(y) + np.cos(x)


def p_inverse_trig(x, y):
    return math.asin(x * 0.5) + math.acos(y * 0.3) + math.atan(x * y) + np.arctan(y)


def p_atan2(x, y):
    return math.atan2(y, x) + np.arctan2(x, y)


def p_hyperbolic(x, y):
    return math.sinh(x) + math.cosh(y) * math.tanh(x * y)


def p_erf(x, y):
    return math.erf(x * y) + math.erf(y)


def p_math_pow(x, y):
    return math.pow(x, y) + pow(y, 2.0) + np.power(x, 3)


def p_abs(x, y):
    return abs(x - y) + math.fabs(x * y) + np.abs(y)


def p_max2(x, y):
    return max(x, y) * 2.0 + max(x, 0.0)


def p_min2(x, y):
    return min(x, y) * 2.0 + min(y, 1.0)


def p_max3(x, y):
    return max(x, y, x * y) + min(x, y, 0.5)


def p_np_maximum(x, y):
    return np.maximum(x, y) + np.minimum(x, 0.25)


def p_clip(x, y):
    return np.clip(x, -0.5, 0.5) + np.clip(y, x, 2.0)


def p_hypot(x, y):
    return math.hypot(x, y) + np.hypot(y, 2.0)


def p_copysign(x, y):
    return math.copysign(x, y) + np.copysign(y * y, x)


def p_piecewise_constant(x, y):
    return math.floor(x) * y + math.ceil(y) + round(x) * x + np.sign(y) * x + int(x * 3.0)


def p_np_rounding(x, y):
    return np.floor(x) + np.ceil(y) * x + np.trunc(y) + np.rint(x) * y + math.trunc(y)


def p_float_int(x, y):
    return float(x) * y + float(3)


PRIMITIVE_FUNCTIONS = [
    p_add, p_sub, p_mul, p_div, p_pow, p_neg, p_floordiv_mod, p_exp_log, p_log1p_expm1, p_sqrt,
    p_trig, p_inverse_trig, p_atan2, p_hyperbolic, p_erf, p_math_pow, p_abs, p_max2, p_min2,
    p_max3, p_np_maximum, p_clip, p_hypot, p_copysign, p_piecewise_constant, p_np_rounding,
    p_float_int,
]
