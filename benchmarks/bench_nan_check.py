"""What the API's NaN check costs a gradient call.

    python -m benchmarks.bench_nan_check [NAME ...] [--repeat R]

``grad`` looks for a NaN in the adjoints it returns (a sum of squares of each
array, one pass) and, where it finds one, runs the call again with strong
zeros (docs/subset.md, "Values that do not reach the output").  This times
``d.grad`` of programs of the user corpus with that check and with it
switched off, in turns in one process (best of R, median beside).  The raw
kernel (``d.compiled(*args).grad``, the corpus table's "nsadc" column) never
checks.
"""

import argparse

import nsadc
import nsadc.api as api
from benchmarks.timing import interleaved_stats
from benchmarks.user_programs import CASES

DEFAULT = ("max_pool_1d", "ulcer_index", "chained_lq", "tent_recurrence", "kmeans_loss")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", default=list(DEFAULT))
    ap.add_argument("--repeat", type=int, default=15)
    a = ap.parse_args(argv)
    checked = api._holds_nan
    for name in a.names:
        c = CASES[name]
        args = c.args(c.size)
        d = nsadc.differentiate(c.fn, wrt=list(c.wrt), target="cpu")
        d.grad(*args)

        def unchecked():
            api._holds_nan = lambda adjoints: False
            try:
                return d.grad(*args)
            finally:
                api._holds_nan = checked

        t = interleaved_stats({"checked": (lambda: d.grad(*args), ()), "unchecked": (unchecked, ())}, a.repeat)
        (lo, med), (lo0, med0) = t["checked"], t["unchecked"]
        print(f"{name:18s} grad() {lo * 1e3:8.3f} ms ({med * 1e3:8.3f}), without the check {lo0 * 1e3:8.3f} ms "
              f"({med0 * 1e3:8.3f}): {lo / lo0:5.2f}x")


if __name__ == "__main__":
    main()
