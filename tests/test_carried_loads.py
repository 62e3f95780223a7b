"""A load at a loop-carried index is carried beside the index
(nsadc/transforms/carried_loads.py): values and gradients equal the plain
program's and central differences, in every mode, a loop without trips does
not load, and look-alikes are left alone."""

import sys
from pathlib import Path

import numpy as np
import pytest

import nsadc
from helpers import central_differences
from nsadc.analyses.facts import analyse
from nsadc.pipeline import _lowered
from nsadc.transforms.carried_loads import carry_index_loads

sys.path.insert(0, str(Path(__file__).resolve().parent / "programs"))
import carried_loads as programs  # noqa: E402


def _args(seed, k=3, ties=False):
    rng = np.random.default_rng(seed)
    key = rng.standard_normal(12)
    if ties:
        key = np.round(key)
    return key, rng.standard_normal(12), rng.standard_normal(12), k


@pytest.mark.parametrize("fn", programs.CARRIED + programs.AS_WRITTEN, ids=lambda f: f.__name__)
def test_the_load_follows_the_index_where_it_qualifies(fn):
    d = nsadc.differentiate(fn, wrt=["val", "w"], target="python")
    types = d._bind(_args(0))[1]
    base = _lowered(*d._source(), d._env, types, None)
    facts = analyse(base, ["val", "w"])
    assert carry_index_loads(base, facts, base.names) == (fn in programs.CARRIED)


@pytest.mark.parametrize("fn", programs.CARRIED + programs.AS_WRITTEN, ids=lambda f: f.__name__)
@pytest.mark.parametrize("ties", [False, True])
def test_values_and_gradients_are_the_programs(fn, ties, target):
    d = nsadc.differentiate(fn, wrt=["val", "w"], target=target)
    for seed in range(3):
        for k in (1, 2, 3, 5):
            args = _args(seed, k, ties)
            want = fn(*(a.copy() if isinstance(a, np.ndarray) else a for a in args))
            value, (gv, gw) = d.value_and_grad(*args)
            assert value == pytest.approx(want, rel=1e-13, abs=1e-13)
            assert d(*args) == pytest.approx(want, rel=1e-13, abs=1e-13)
            jv = d.jvp(args, (np.ones(12), np.ones(12)))
            for which, g in ((1, gv), (2, gw)):
                assert g == pytest.approx(central_differences(fn, args, which), rel=1e-5, abs=1e-6), \
                    (fn.__name__, which)
            assert jv[1] == pytest.approx(float(np.sum(gv) + np.sum(gw)), rel=1e-12, abs=1e-12)
