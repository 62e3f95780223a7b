"""The emitter's forms for long functions (selections as ``_select`` calls and
as shared helpers, loop-local and reassigned names of their own) compute
exactly what the plain forms compute: every program of a slice of the fuzz
generator, emitted with those forms forced on (thresholds of 1), against the
default emission, value and gradient bit for bit at the program's points."""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

import nsadc
import nsadc.backends.renaming as renaming
import nsadc.emit as emit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tools.fuzz.check import make_args  # noqa: E402
from tools.fuzz.gen import generate  # noqa: E402

SEEDS = range(700, 740)


def _results(prog, tmp_path, tag, monkeypatch, forced: bool):
    monkeypatch.setenv("NSADC_CACHE_DIR", str(tmp_path / f"cache_{tag}"))  # never the other form's module
    if forced:
        monkeypatch.setattr(emit, "SELECT_CALLS", 1)
        monkeypatch.setattr(renaming, "RENAME_LOOP_LOCALS", 1)
    path = tmp_path / f"forms_{tag}.py"
    path.write_text(prog.source)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    name = "f"  # the generator's entry function (the others are its helpers)
    d = nsadc.differentiate(getattr(module, name), target="python")
    out = []
    try:
        for point in prog.points:
            value, grad = d.value_and_grad(*make_args(prog.params, point))
            grads = grad if isinstance(grad, tuple) else (grad,)
            out.append(np.concatenate([[float(value)], *(np.ravel(np.asarray(g, float)) for g in grads)]))
    except nsadc.NsadcError as e:
        out.append(type(e).__name__)
    finally:
        monkeypatch.undo()
    return out


@pytest.mark.slow
def test_long_function_forms_compute_what_the_plain_forms_compute(tmp_path, monkeypatch):
    compared = 0
    for seed in SEEDS:
        prog = generate(seed)
        try:
            plain = _results(prog, tmp_path, f"{seed}_plain", monkeypatch, False)
        except nsadc.NsadcError:
            continue  # refused: nothing to compare
        forced = _results(prog, tmp_path, f"{seed}_forced", monkeypatch, True)
        assert len(plain) == len(forced), seed
        for a, b in zip(plain, forced):
            if isinstance(a, str):
                assert a == b, seed
            else:
                np.testing.assert_array_equal(a, b, err_msg=f"seed {seed}")
        compared += 1
    assert compared >= len(SEEDS) * 3 // 4
