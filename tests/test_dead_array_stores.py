"""Stores into a function's own arrays that no later load reads are dropped
(passes/dead_assignments.py): in a reverse sweep, the re-run of a loop that
only fills an array no adjoint reads, and the tape that put back its old
elements.  A store does not kill its array; a loop over the whole array that
stores every element on every path, and loads none, does."""

import numpy as np
import pytest

import nsadc
from helpers import check_program_gradient, load_function
from nsadc.ir.nodes import Assign, Call, Const, For, Function, If, Param, Return, Var, walk
from nsadc.passes.dead_assignments import drop_dead_assignments, filled_arrays
from nsadc.transforms.stored_loads import own_arrays

RELAXATION = '''
import numpy as np

def relax(x, n_iter):
    n = x.shape[0]
    u = np.zeros(n)
    v = np.zeros(n)
    for i in range(n):
        u[i] = x[i]
    for it in range(n_iter):
        for i in range(n):
            if u[i] > 0.0:
                v[i] = u[i] * 2.0
            elif u[i] < -1.0:
                v[i] = u[i] + 1.0
            else:
                v[i] = u[i] / (1.0 + u[i] * u[i])
        for i in range(n):
            u[i] = v[i] + 0.1 * u[i] * u[i]
    s = 0.0
    for i in range(n):
        s += u[i]
    return s
'''

# v enters u nonlinearly: its values are read by the reverse, whose stores must stay
NONLINEAR = RELAXATION.replace("u[i] = v[i] + 0.1 * u[i] * u[i]", "u[i] = v[i] * v[i] * 0.1 + u[i]")

# the loop fills v[:n - 1] only: v[n - 1] keeps what the previous iteration left there
PARTIAL = RELAXATION.replace("""        for i in range(n):
            if u[i] > 0.0:""", """        for i in range(n - 1):
            if u[i] > 0.0:""").replace("u[i] = v[i] + 0.1 * u[i] * u[i]",
                                       "u[i] = v[i] + 0.1 * u[i] * u[i] + v[n - 1] * v[n - 1] * 0.01")


def _point():
    return np.array([0.7, -0.4, -1.6, 0.3, 1.1, -0.2]), 3


@pytest.mark.parametrize("text", [RELAXATION, NONLINEAR, PARTIAL], ids=["linear", "nonlinear", "partial"])
def test_gradients_against_central_differences(tmp_path, target, text):
    fn = load_function(tmp_path, text, "relax")
    check_program_gradient(fn, _point(), target)


def test_the_re_run_that_only_fills_an_array_no_adjoint_reads_goes(tmp_path):
    fn = load_function(tmp_path, RELAXATION, "relax")
    src = nsadc.differentiate(fn, wrt=["x"], target="python").source("reverse", *_point())
    reverse = src[src.index("# reverse sweep"):]
    # v's stores stay in the forward sweep (u reads them), and nowhere after
    assert "v[i] = " not in reverse and "v_elements" not in src
    assert src.count("v[i] = ") == 3


def test_stores_a_later_load_reads_stay(tmp_path):
    fn = load_function(tmp_path, NONLINEAR, "relax")
    src = nsadc.differentiate(fn, wrt=["x"], target="python").source("reverse", *_point())
    assert "v[i] = " in src[src.index("# reverse sweep"):]  # the reverse reads v for v * v's partial


def test_a_loop_that_fills_part_of_the_array_kills_nothing(tmp_path):
    fn = load_function(tmp_path, PARTIAL, "relax")
    d = nsadc.differentiate(fn, wrt=["x"], target="python")
    src = d.source("reverse", *_point())
    assert "v[i] = " in src[src.index("# reverse sweep"):]


def _store(a, i, value):
    return Assign(a, Call("store", (Var(a), Var(i), value)))


def _fn(body, types):
    f = Function("f", [Param("x", "array1")], body)
    f.types = types
    return f


def test_only_arrays_touched_element_by_element_are_followed():
    n = Call("shape", (Var("x"), Const(0)))
    body = [Assign("a", Call("zeros", (n,))),
            Assign("b", Call("zeros", (n,))),
            Assign("view", Var("b")),  # b is aliased: its stores are never dropped
            For("i", Const(0), n, Const(1), [_store("a", "i", Const(1.0)), _store("b", "i", Const(1.0))]),
            Return(Const(0.0))]
    fn = _fn(body, {"a": "array1", "b": "array1", "view": "array1"})
    assert own_arrays(fn) == {"a"}


def test_a_fill_is_a_loop_over_the_whole_array_storing_every_element_on_every_path():
    n = Var("n")
    fill = For("i", Const(0), n, Const(1), [
        If(Var("c"), [_store("a", "i", Const(1.0))], [_store("a", "i", Const(2.0))])])
    half = For("i", Const(0), n, Const(1), [If(Var("c"), [_store("a", "i", Const(1.0))], [])])
    reading = For("i", Const(0), n, Const(1), [
        _store("a", "i", Call("add", (Call("load", (Var("a"), Var("i"))), Const(1.0))))])
    body = [Assign("n", Call("shape", (Var("x"), Const(0)))),
            Assign("c", Call("gt", (Call("load", (Var("x"), Const(0))), Const(0.0)))),
            Assign("a", Call("zeros", (n,))),
            fill, half, reading,
            Return(Call("load", (Var("a"), Const(0))))]
    fn = _fn(body, {"a": "array1", "n": "int", "c": "bool"})
    assert filled_arrays(fn, own_arrays(fn)) == {id(fill): {"a"}}


def test_stores_before_a_fill_go_and_those_after_it_stay():
    n = Var("n")
    body = [Assign("n", Call("shape", (Var("x"), Const(0)))),
            Assign("a", Call("zeros", (n,))),
            For("i", Const(0), n, Const(1), [_store("a", "i", Const(1.0))]),  # overwritten whole below
            For("i", Const(0), n, Const(1), [_store("a", "i", Call("load", (Var("x"), Var("i"))))]),
            Return(Call("load", (Var("a"), Const(0))))]
    fn = _fn(body, {"a": "array1", "n": "int"})
    drop_dead_assignments(fn)
    loops = [s for s in fn.body if isinstance(s, For)]
    assert len(loops) == 1 and "load" in repr(loops[0].body[0].value.args[2])
    assert [s for s in walk(fn.body) if isinstance(s, Return)]


ALLOCATED_THEN_FILLED = '''
import numpy as np

def pair_hinge(X, w):
    n, d = X.shape
    s = np.empty(n)
    for i in range(n):
        t = 0.0
        for j in range(d):
            t += X[i, j] * w[j]
        s[i] = t
    loss = 0.0
    for i in range(n):
        for j in range(n):
            loss += max(0.0, 1.0 - (s[i] - s[j]))
    return loss / n
'''


def test_an_array_filled_by_a_loop_keeps_its_allocation(tmp_path, target):
    # the fill kills what the array held before, not the array: its stores need it allocated
    fn = load_function(tmp_path, ALLOCATED_THEN_FILLED, "pair_hinge")
    rng = np.random.default_rng(3)
    check_program_gradient(fn, (rng.standard_normal((9, 4)), 0.3 * rng.standard_normal(4)), target)


SHRUNK_BOUND = '''
import numpy as np

def tail_kept(x, m: int):
    a = np.zeros(m)
    for i in range(m):
        a[i] = x[i] * x[i]
    m = m - 1
    for i in range(m):  # fills all but the last element, which keeps x[-1] ** 2
        a[i] = 3.0 * x[i]
    s = 0.0
    for i in range(a.shape[0]):
        s += a[i] * a[i]
    return s
'''


def test_a_bound_bound_again_fills_nothing_whole(tmp_path, target):
    # m is the array's length where it is made and one less at the second loop: no kill there.
    # (The reverse sweep's rule for work arrays filled before they are read took a parameter
    # assigned once for one value too, and left the first loop out: value 28.89, not 28.8981.)
    fn = load_function(tmp_path, SHRUNK_BOUND, "tail_kept")
    x = np.array([0.7, -0.4, 1.6, 0.3])
    check_program_gradient(fn, (x, 4), target)
    d = nsadc.differentiate(fn, wrt=["x"], target=target)
    assert d(x, 4) == pytest.approx(fn(x, 4), rel=1e-14)
