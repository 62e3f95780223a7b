"""Three-level loop nests that update an array in place and whose innermost
loop can stop early (``break``, a ``while`` on the element, a helper's
``return`` from inside two loops), in a time or pass loop: the middle loop
keeps the array whole per iteration, the innermost restores the elements
it overwrote.  The gradients were wrong, or the emitted code did not run."""

import numpy as np


def first_pair_over(u0):
    """The first pair over a threshold cuts the first element, twice over."""
    u = u0.copy()
    for k in range(2):
        for i in range(1):
            for j in range(4):
                if u[0] + u[j] > 0.6:
                    u[0] -= 0.5 * u[j]
                    break
            break
    return np.sum(u * u)


def first_pair_with_a_flag(u0):
    u = u0.copy()
    for k in range(2):
        done = False
        for i in range(5):
            for j in range(i + 1, 5):
                if u[i] + u[j] > 0.6:
                    u[i] -= 0.5 * u[j]
                    done = True
                    break
            if done:
                break
    return np.sum(u * u)


def _find_and_cut(u, t):
    for i in range(u.shape[0]):
        for j in range(i + 1, u.shape[0]):
            if u[i] + u[j] > t:
                u[i] -= 0.5 * u[j]
                return j
    return 0


def cuts_by_a_helper(u0, t):
    u = u0.copy()
    acc = 0.0
    for k in range(3):
        j = _find_and_cut(u, t)
        acc += u[j]
    return acc + np.sum(u * u)


def scaled_by_the_first_large(x):
    u = x.copy()
    for k in range(2):
        for i in range(1):
            for j in range(1, 3):
                if u[j] > 0.5:
                    u[0] = u[0] * u[j]
                    break
    return u[0]


def scaled_until_a_large_one(u0):
    u = u0.copy()
    for k in range(2):
        for i in range(1):
            for j in range(3):
                if u[j] > 0.5:
                    break
                u[0] = u[0] * u[j]
    return u[0]


def sweeps_stopped_by_a_large_one(x0, a):
    x = x0.copy()
    n = x.shape[0]
    for t in range(3):
        for i in range(n):
            for j in range(n):
                if x[j] > 0.7:
                    break
                x[i] = x[i] * 0.9 + a * 0.05 * x[j]
    return np.sum(x * x)


def shrink_while_large(x0, c):
    x = x0.copy()
    n = x.shape[0]
    for t in range(2):
        for i in range(n):
            it = 0
            while x[i] > 0.3 and it < 4:
                x[i] = x[i] * c
                it += 1
    return np.sum(x * x)


def products_of_two(x0):
    x = x0.copy()
    for t in range(2):
        for i in range(2):
            for j in range(3):
                x[i] = x[i] * x[j + 2]
                if j == 1:
                    break
    return np.sum(x)


def arguments(name: str):
    u5 = np.array([0.2739, -0.4604, -0.9181, 0.6265, 0.8255])
    u6 = np.array([0.2739, -0.4604, -0.9181, -0.9669, 0.6265, 0.8255])
    return {
        "first_pair_over": (u5,),
        "first_pair_with_a_flag": (u5,),
        "cuts_by_a_helper": (u6, 0.6),
        "scaled_by_the_first_large": (np.array([0.5, 0.9, 0.7]),),
        "scaled_until_a_large_one": (np.array([0.3, -0.4, 0.8, 0.9, 0.6]),),
        "sweeps_stopped_by_a_large_one": (np.array([0.27, -0.46, -0.92, 0.83, 0.63, 0.1]), 0.5),
        "shrink_while_large": (np.array([0.27, -0.46, 0.92, 0.83, 0.63]), 0.4),
        "products_of_two": (np.array([0.27, -0.46, 0.92, 0.83, 0.63]),),
    }[name]


NAMES = ("first_pair_over", "first_pair_with_a_flag", "cuts_by_a_helper", "scaled_by_the_first_large",
         "scaled_until_a_large_one", "sweeps_stopped_by_a_large_one", "shrink_while_large", "products_of_two")
