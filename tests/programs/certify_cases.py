"""Programs with a known certificate status (tests/test_certificate.py).

The comment on each function says what the static certificate must find, and
what the numeric probes add where they change it.
"""

import math


# ------------------------------------------------------------ certified


def relu_branch(x):
    # continuous branch: both sides are 0 at x == 0 (proved)
    return x if x > 0 else 0.0


def max_as_if(x, y):
    # max written as an if with an early return (proved: x == y on the boundary)
    if x > y:
        return x
    return y


def sign_times(x):
    # s jumps, s * x does not: |x| (proved by substituting x = 0)
    s = 1.0 if x > 0 else -1.0
    return s * x


def crescent_branch(x1, x2):
    # max(f1, f2) as a branch: the difference of the sides is the boundary's equation
    f1 = x1 ** 2 + (x2 - 1) ** 2 + x2 - 1
    f2 = -x1 ** 2 - (x2 - 1) ** 2 + x2 + 1
    if f1 >= f2:
        return f1
    return f2


def huber(r, delta):
    # abs(r) ** 2 == r * r on the boundary abs(r) == delta
    if abs(r) <= delta:
        return 0.5 * r * r
    return delta * (abs(r) - 0.5 * delta)


def both_positive(x, y):
    # a boolean condition: each comparison's boundary makes the product 0
    if x > 0 and y > 0:
        return x * y
    return 0.0


def hard_tanh_loop(w, u, n: int):
    # branches inside a loop, continuous: proved for one iteration
    h = 0.0
    for k in range(n):
        pre = w * h + u
        if pre > 1.0:
            a = 1.0
        elif pre < -1.0:
            a = -1.0
        else:
            a = pre
        h = a
    return h


def floor_unused(x):
    # floor of a differentiable value that does not reach the result
    k = math.floor(x)
    return x * x + 0.0 * k


def norm_hypot(x, y):
    # hypot: a kink at the origin with the unit disc as Clarke set
    return math.hypot(x, y)


def hinge_l1(w, x, y, lam):
    m = 1.0 - y * (w * x)
    return max(m, 0.0) + lam * abs(w)


def positive_denominator(x, y):
    # 1 + exp(y) > 0 and x*x + 1 > 0: no domain restriction
    return x / (1.0 + math.exp(y)) + math.sqrt(x * x + 1.0) + math.log(1.0 + y * y)


# ------------------------------------------------------------ conditional


def root_of_sum(x, y):
    # sqrt at 0: a domain restriction x * x + y > 0
    return math.sqrt(x * x + y)


def norm_sqrt(x, y):
    # a norm written out: a kink at the origin (the unit ball), not a domain restriction
    return math.sqrt(x * x + y * y)


def log_ratio(x, y):
    # log at 0 and division by a value that can be 0
    return math.log(x) + x / y


def trig_identity_branch(x, y):
    # continuous (sin² + cos² = 1), which the symbolic check cannot see:
    # sampling the boundary finds no jump (probed)
    if x > 0.0:
        r = math.sin(y) ** 2 + math.cos(y) ** 2
    else:
        r = 1.0
    return r + x * y


def feeds_loop(x, n: int):
    # a continuous branch whose value feeds a loop: open statically, probed by `nsadc check`
    s = x if x > 0.0 else 0.0
    for i in range(n):
        s = s * 0.5 + 0.1
    return s


def halving(x):
    # a while loop whose trip count changes at x == 1, 2, 4 ...: open statically,
    # the probes find the jump (rejected)
    while x > 1.0:
        x = x / 2.0
    return x


# ------------------------------------------------------------ rejected


def jump_branch(x):
    # the canonical discontinuous program: f jumps by 1 at 0
    return x + 1 if x > 0 else x


def floor_path(x):
    # floor in a differentiable path: f jumps at every integer
    return math.floor(x) + x


def sawtooth(x):
    return x % 1.0


def copysign_y(x, y):
    # copysign jumps in its second argument
    return math.copysign(x, y)


def early_return_jump(x, y):
    if x > y:
        return x + 1.0
    return y


# ------------------------------------------------------------ probes


def smooth_wave(x, y):
    return math.sin(x) * y + x * x


def relu_difference(x):
    # relu(x) - relu(-x) == x: AD gives 0 at 0 (an artificial critical point)
    return max(x, 0.0) - max(-x, 0.0)


def abs_loop(x, n: int):
    s = 0.0
    for i in range(n):
        s += abs(x - i)
    return s
