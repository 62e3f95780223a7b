"""Draws docs/img/conservative_vs_clarke.png: f, nsadc's conservative derivative
(reverse mode, min-norm policy) and the Clarke-mode derivative along a line
through a kink, for f(x) = relu(x) - relu(-x) + 0.5*|x| (which is 1.5x for x > 0
and 0.5x for x < 0).

    pip install -e ".[plot]"        # matplotlib
    python docs/clarke_figure.py

(`nsadc plot docs/clarke_figure.py:f --from -1 --to 1 -o OUT.png` draws the
same data without the annotations.)
"""

import os
import sys

try:
    import matplotlib
except ImportError:
    sys.exit('docs/clarke_figure.py draws with matplotlib: pip install -e ".[plot]"')

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import nsadc  # noqa: E402


def f(x):
    return max(x, 0.0) - max(-x, 0.0) + 0.5 * abs(x)


def main():
    from nsadc.plot import segment

    d = nsadc.differentiate(f, target="python")
    seg = segment(d, (-1.0,), (1.0,), points=201)  # includes x = 0 exactly
    # the segment's direction is b - a = 2: divide by it for d/dx
    xs, values, conservative, clarke = seg.axis_values, seg.value, seg.reverse / 2.0, seg.clarke / 2.0
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(6.4, 5.2), sharex=True)
    top.plot(xs, values, color="black")
    top.set_ylabel("f(x)")
    top.set_title("f(x) = relu(x) - relu(-x) + |x|/2")
    bottom.plot(xs, conservative, "o", ms=3, color="tab:red", label="grad (conservative, min-norm)")
    bottom.plot(xs, clarke, ".", ms=3, color="tab:blue", label="clarke_grad (lexicographic)")
    bottom.axhspan(0.5, 1.5, xmin=0.49, xmax=0.51, color="tab:gray", alpha=0.3,
                   label="Clarke set at 0: [0.5, 1.5]")
    bottom.annotate(f"grad(0) = {d.grad(0.0):g}", (0.0, d.grad(0.0)), (0.25, 0.1),
                    arrowprops={"arrowstyle": "->"})
    bottom.annotate(f"clarke_grad(0) = {d.clarke_grad(0.0):g}", (0.0, d.clarke_grad(0.0)), (-0.95, 1.25),
                    arrowprops={"arrowstyle": "->"})
    bottom.set_xlabel("x")
    bottom.set_ylabel("derivative")
    bottom.legend(loc="center right", fontsize=8)
    fig.tight_layout()
    out = os.path.join(os.path.dirname(__file__), "img", "conservative_vs_clarke.png")
    fig.savefig(out, dpi=110)
    print(out)


if __name__ == "__main__":
    main()
