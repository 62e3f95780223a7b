"""Boolean-mask indexing in whole-array code: reductions of a masked selection
(``np.sum(w[mask])``, ``np.mean(x[x > 0])``, ``np.max(v[~m])``), assignment
through a mask (``v[m] = w[m]``, ``v[v < 0] = 0.0``, ``v[m] *= c``), masks
combined with ``&``, ``|``, ``~`` and ``np.logical_*``.  A selection kept as an
array of its own (``y = w[w > a]``) has a length that depends on the data and
is refused with a located message."""

from __future__ import annotations


import numpy as np
import pytest

import nsadc
from helpers import load_function
from test_regressions import check

W = np.array([0.3, -1.2, 0.8, 1.7, -0.1, 0.55])

PROGRAMS = {
    "masked_copy": """
        def masked_copy(w, a):
            v = np.zeros_like(w)
            v[np.abs(w) < a] = w[np.abs(w) < a]
            return np.sum(v * v)
    """,
    "named_mask_sum": """
        def named_mask_sum(w, a):
            mask = np.abs(w) < a
            return np.sum(w[mask])
    """,
    "mask_reductions": """
        def mask_reductions(w, a):
            mask = w > a
            return np.sum(w[mask] ** 2) + np.mean(w[mask]) + np.max(w[~mask]) + np.min(w[mask] * a)
    """,
    "masked_updates": """
        def masked_updates(w, a):
            v = w.copy()
            v[v < 0.0] = 0.0
            v[(v > a) & (v < 2.0)] *= 3.0
            v[np.logical_or(w < -1.0, w > 1.5)] += a
            return np.sum(v * w)
    """,
}


def _load(tmp_path, name):
    return load_function(tmp_path, PROGRAMS[name], name)


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_masked_program(tmp_path, name):
    check(_load(tmp_path, name), (W.copy(), 0.6), "python")


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_masked_program_compiled(tmp_path, name):
    check(_load(tmp_path, name), (W.copy(), 0.6), "cpu")


def test_a_kept_selection_is_refused(tmp_path):
    PROGRAMS["kept"] = """
        def kept(w, a):
            y = w[w > a]
            return np.sum(y)
    """
    try:
        fn = _load(tmp_path, "kept")
    finally:
        del PROGRAMS["kept"]
    with pytest.raises(nsadc.NsadcError, match=r"kept_mod.py:\d+:\d+: w\[w > a\] selects elements by a boolean mask"):
        nsadc.differentiate(fn, target="python")
