"""Control-flow and language constructs of the scalar subset."""

import math

SCALE = 0.75  # a module constant: nsadc freezes it


def c_augassign(x, y):
    s = x
    s += y
    s -= 0.5 * x
    s *= y
    s /= 1.5 + x * x
    s **= 2
    return s


def c_tuple_unpack(x, y):
    a, b = x * y, x + y
    a, b = b, a
    return a * 2.0 - b


def c_if_elif_else(x, y):
    if x > y:
        r = x * x
    elif x > 0.5 * y:
        r = x * y
    else:
        r = -y
    return r + 0.1 * x


def c_ifexp(x, y):
    return (x * y if x > 0 else x - y) + (y if y < x else x)


def c_conditions(x, y):
    r = 0.0
    if x > 0 and y > 0:
        r = x * y
    if x < 0 or not y > 0.3:
        r = r + x
    if 0.1 < x < 2.0:
        r = r - y * y
    return r


def c_for_nested(x, y, n: int):
    s = 0.0
    for i in range(n):
        for j in range(1, i + 2, 2):
            s += math.sin(x * i + y * j) * SCALE
    return s


def c_for_negative_step(x, y, n: int):
    s = 0.0
    for i in range(n, 0, -1):
        s = s * 0.5 + x * i - y
    for k in range(2, n, 3):
        s += k * y * x
    return s


def c_while(x, y):
    s = x
    k = 0
    while s < 10.0 * (1.0 + abs(y)):
        s = s * 1.7 + abs(y)
        k += 1
    return s + k


def c_break_continue(x, y, n: int):
    s = 0.0
    for i in range(n):
        if i % 3 == 1:
            continue
        s += x * i - y
        if s > 4.0:
            break
    return s


def c_while_break(x, y):
    s = y
    while True:
        s = s * x + 0.1
        if s > 3.0:
            break
    return s


def c_early_return(x, y, n: int):
    s = x
    for i in range(n):
        s = s * y + math.sin(s)
        if s > 5.0:
            return s * 2.0
    if s < -1.0:
        return -s
    return s + 1.0


def helper_square_plus(a, b=1.0):
    if a > b:
        return a * a + b
    return a + b * b


def helper_pair(a, b):
    return a + b, a * b


def c_calls(x, y):
    u = helper_square_plus(x, y)
    v = helper_square_plus(y)
    p, q = helper_pair(u, v)
    return p * 0.5 + q + helper_square_plus(b=x, a=0.3)


def c_recurrence(x, y, n: int):
    # a nonsmooth dynamical system: tent-like map
    z = x
    for i in range(n):
        z = 1.0 - abs(1.9 * z - y)
        z = max(z, -0.5)
    return z


def c_int_ops(x, y, n: int):
    m = n // 2 + 1
    s = 0.0
    for i in range(m):
        s += x ** (i % 3) * y
    return s * m


def c_reassign_param(x, y):
    x = x * y
    y = x + y
    x = math.exp(-x * x) + y
    return x * y


def c_bool_param(x, y, flag: bool):
    if flag:
        return x * y
    return x + y


def c_assigned_in_branches_of_a_loop(x, y, n: int):
    # a temporary assigned on both branches inside a loop, and loop-carried state
    s = 0.0
    for i in range(n):
        if x * i > y:
            t = x * y
        else:
            t = y - x
        s = s * 0.5 + t * x
    return s


def c_overwritten_constant_param(x, c):
    """c is not differentiated, but later takes a value that depends on x."""
    t = c * math.sin(x)
    c = x * x
    return t + c


CONSTRUCT_CASES = [
    (c_augassign, (0.7, 1.3)),
    (c_tuple_unpack, (0.7, 1.3)),
    (c_if_elif_else, (0.7, 1.3)),
    (c_if_elif_else, (1.7, 1.3)),
    (c_if_elif_else, (0.1, 1.3)),
    (c_ifexp, (0.7, 1.3)),
    (c_ifexp, (-0.7, 1.3)),
    (c_conditions, (0.7, 1.3)),
    (c_conditions, (-0.7, 0.2)),
    (c_for_nested, (0.7, 1.3, 6)),
    (c_for_negative_step, (0.7, 1.3, 9)),
    (c_while, (0.7, 1.3)),
    (c_break_continue, (0.7, 0.3, 10)),
    (c_while_break, (1.3, 0.4)),
    (c_early_return, (0.7, 1.3, 10)),
    (c_early_return, (0.2, 0.4, 3)),
    (c_early_return, (-3.0, 0.4, 2)),
    (c_calls, (0.7, 1.3)),
    (c_calls, (1.7, 0.3)),
    (c_recurrence, (0.31, 0.17, 25)),
    (c_int_ops, (0.7, 1.3, 9)),
    (c_reassign_param, (0.7, 1.3)),
    (c_bool_param, (0.7, 1.3, True)),
    (c_bool_param, (0.7, 1.3, False)),
    (c_assigned_in_branches_of_a_loop, (0.7, 1.3, 5)),
]
