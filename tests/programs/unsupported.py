"""A catalogue of constructs outside the differentiable subset, written as a user
would write them.  nsadc must refuse every one with a located error.

Each offending line ends with a comment ``<- refused: NAME @TOKEN``: NAME is the
function whose differentiation is refused there, TOKEN the text the caret must
point at.  tests/test_errors.py reads these markers, so moving a line moves the
expected location with it.
"""

import math

import numpy as np

COUNTER = 0.0
WEIGHTS = [0.5, 1.5]
LABEL = "mse"
SQUARE = lambda t: t * t  # noqa: E731


# ---------------------------------------------------------------- classes and closures

def u_class_inside(x):
    class Point:  # <- refused: u_class_inside @class
        pass

    return x


class Box:
    def __init__(self, k):
        self.k = k

    def scaled(self, x):  # <- refused: scaled @scaled
        return self.k * x


def u_nested_def(x):
    def inner(t):  # <- refused: u_nested_def @def
        return t * t

    return inner(x)


def u_lambda(x):
    sq = lambda t: t * t  # <- refused: u_lambda @lambda  # noqa: E731
    return sq(x)


def u_call_lambda(x):
    return SQUARE(x)  # <- refused: u_call_lambda @SQUARE


def make_accumulator():
    total = 0.0

    def accumulate(x):
        nonlocal total  # <- refused: accumulate @nonlocal
        total += x
        return total

    return accumulate


def make_scaled():
    scale = 1.0

    def scaled_by_closure(x):
        return x * scale  # <- refused: scaled_by_closure @scale

    scale = 2.0
    return scaled_by_closure


def make_weighted():
    weights = [0.5, 2.0]

    def weighted(x):
        return x * weights[0]  # <- refused: weighted @weights

    return weighted


def u_global(x):
    global COUNTER  # <- refused: u_global @global
    COUNTER += 1.0
    return x * COUNTER


def u_read_mutated_global(x):
    return x * COUNTER  # <- refused: u_read_mutated_global @COUNTER


def u_global_list(x):
    w = WEIGHTS  # <- refused: u_global_list @WEIGHTS
    return x * w


def u_global_str(x):
    name = LABEL  # <- refused: u_global_str @LABEL
    return x


# ---------------------------------------------------------------- generators and comprehensions

def u_yield(x):
    for i in range(3):
        yield x * i  # <- refused: u_yield @yield


def u_list_comp(x):
    vals = [x * k for k in range(3)]  # <- refused: u_list_comp @[
    return vals


def u_dict_comp(x):
    table = {k: x * k for k in range(3)}  # <- refused: u_dict_comp @{
    return table


def u_set_comp(x):
    seen = {x * k for k in range(3)}  # <- refused: u_set_comp @{
    return seen


def u_generator_exp(x):
    return max(x * k for k in range(3)) if x > 0 else x  # <- refused: u_generator_exp @x * k


def u_sum_generator(x):
    return sum(x * k for k in range(3)) if x > 0 else x  # <- refused: u_sum_generator @sum


# ---------------------------------------------------------------- statements

def u_try(x):
    try:  # <- refused: u_try @try
        return math.log(x)
    except ValueError:
        return 0.0


def u_with(x):
    with open("log.txt") as fh:  # <- refused: u_with @with
        fh.write("x")
    return x


def u_assert(x):
    assert x > 0, "x = " + str(x)  # <- refused: u_assert @"x = "
    return math.sqrt(x)


def u_raise(x):
    if x < 0:
        raise ValueError(f"negative: {x}")  # <- refused: u_raise @f"negative
    return math.sqrt(x)


def u_del(x):
    y = x * 2.0
    del y  # <- refused: u_del @del
    return x


def u_import(x):
    import cmath  # <- refused: u_import @import
    return x


def u_from_import(x):
    from math import exp  # <- refused: u_from_import @from
    return exp(x)


def u_match(x, n: int):
    match n:  # <- refused: u_match @match
        case 0:
            return x
        case _:
            return 2.0 * x


def u_walrus(x):
    if (y := x * 2.0) > 1.0:  # <- refused: u_walrus @y := x
        return y
    return x


def u_print(x):
    print(x)  # <- refused: u_print @print
    return x * x


def u_list_method(x):
    vals = []  # <- refused: u_list_method @[]
    vals.append(x)
    return x


# ---------------------------------------------------------------- loops

def u_for_tuple(x, y):
    s = 0.0
    for v in (x, y):  # <- refused: u_for_tuple @x, y
        s += v
    return s


def u_for_else(x, n: int):
    s = 0.0
    for i in range(n):
        s += x
    else:  # <- refused: u_for_else @else
        s = -s
    return s


def u_while_else(x):
    s = x
    while s < 10.0:
        s = s * 2.0
    else:  # <- refused: u_while_else @else
        s = -s
    return s


def u_loop_var_after(x, n: int):
    s = 0.0
    for i in range(n):
        s += x
    return s + i  # <- refused: u_loop_var_after @s + i


def u_loop_var_assigned(x, n: int):
    s = 0.0
    for i in range(n):
        i = i + 1  # <- refused: u_loop_var_assigned @i = i
        s += x * i
    return s


# ---------------------------------------------------------------- functions and returns

def u_recursion(x, n: int):
    if n <= 0:
        return x
    return 0.5 * u_recursion(x * x, n - 1)  # <- refused: u_recursion @u_recursion(


def u_mutual_even(x, n: int):
    if n <= 0:
        return x
    return u_mutual_odd(x * 0.5, n - 1)  # <- refused: u_mutual_odd @u_mutual_odd(


def u_mutual_odd(x, n: int):
    if n <= 0:
        return -x
    return u_mutual_even(x + 1.0, n - 1)  # <- refused: u_mutual_even @u_mutual_even(


def u_star_args(x, *rest):  # <- refused: u_star_args @*rest
    return x


def u_kwargs(x, **options):  # <- refused: u_kwargs @**options
    return x


def u_annotation(x: list):  # <- refused: u_annotation @list
    return x


async def u_async(x):  # <- refused: u_async @async
    return x


def u_bare_return(x):
    if x > 0:
        return  # <- refused: u_bare_return @return
    return x


def u_falls_off(x):
    if x > 0:  # <- refused: u_falls_off @if
        return x


def u_no_return(x):
    y = x * x  # <- refused: u_no_return @y = x


def u_maybe_unassigned(x):
    if x > 0:
        y = x * x
    return y  # <- refused: u_maybe_unassigned @return


def helper_maybe(t):
    if t > 0:  # <- refused: u_calls_falls_off @if
        return t * t


def u_calls_falls_off(x):
    return helper_maybe(x) + 1.0


def helper_two(a, b):
    return a + b


def u_too_many_args(x):
    return helper_two(x, x, x)  # <- refused: u_too_many_args @helper_two(x, x, x)


def u_unknown_keyword(x):
    return helper_two(x, c=x)  # <- refused: u_unknown_keyword @c=x


def u_duplicate_argument(x):
    return helper_two(x, a=x)  # <- refused: u_duplicate_argument @a=x


def u_return_mixed(x):
    if x > 0:
        return x, 2.0 * x
    return x  # <- refused: u_return_mixed @return


def u_return_bool(x):
    return x > 0  # <- refused: u_return_bool @return


def u_return_none(x):
    r = None  # <- refused: u_return_none @None
    return r


# ---------------------------------------------------------------- calls

def u_math_gamma(x):
    return math.factorial(x)  # <- refused: u_math_gamma @math.factorial


def u_math_missing(x):
    return math.sign(x)  # <- refused: u_math_missing @math.sign


def u_remainder(x):
    return math.remainder(x, 2.0)  # <- refused: u_remainder @math.remainder


def u_numpy_linalg(x):
    return np.linalg.det(x)  # <- refused: u_numpy_linalg @np.linalg.det


def u_unknown_function(x):
    return special_erfcx(x)  # <- refused: u_unknown_function @special_erfcx  # noqa: F821


def u_round_digits(x):
    return round(x, 2)  # <- refused: u_round_digits @round


def u_wrong_arity(x, y):
    return math.exp(x, y)  # <- refused: u_wrong_arity @math.exp


def u_keyword_to_primitive(x, y):
    return max(x, y, key=abs)  # <- refused: u_keyword_to_primitive @key=abs


def u_method_call(x):
    return x.conjugate()  # <- refused: u_method_call @x.conjugate


def u_len(x):
    return x * len("ab")  # <- refused: u_len @len


# ---------------------------------------------------------------- data and strings

def u_string_concat(x):
    label = "x=" + str(x)  # <- refused: u_string_concat @"x="
    return x


def u_fstring(x):
    msg = f"{x:.3f}"  # <- refused: u_fstring @f"
    return x


def u_dict(x):
    d = {"a": x}  # <- refused: u_dict @{
    return x


def u_list(x, y):
    v = [x, y]  # <- refused: u_list @[
    return x


def u_set(x, y):
    v = {x, y}  # <- refused: u_set @{
    return x


def u_subscript_scalar(x: float):
    return x[0]  # <- refused: u_subscript_scalar @x


def u_attribute_store(x):
    x.grad = 1.0  # <- refused: u_attribute_store @x.grad
    return x


def u_attribute_load(x):
    return x.real  # <- refused: u_attribute_load @x.real


def u_starred_assign(x, y):
    a, *rest = x, y, x  # <- refused: u_starred_assign @*rest
    return a


def u_complex(x):
    return x * 2j  # <- refused: u_complex @2j


def u_ellipsis(x):
    y = ...  # <- refused: u_ellipsis @...
    return x


# ---------------------------------------------------------------- operators

def u_is(x):
    if x is None:  # <- refused: u_is @is
        return 0.0
    return x


def u_in(x):
    if x in (1.0, 2.0):  # <- refused: u_in @in
        return 0.0
    return x


def u_not_in(x):
    if x not in (1.0, 2.0):  # <- refused: u_not_in @not in
        return 0.0
    return x


def u_invert(x, n: int):
    return x * ~n  # <- refused: u_invert @~


