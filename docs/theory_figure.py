"""The function of docs/img/artificial_critical_point.png: relu(x) - relu(-x),
which is x, written with two kinks at 0.

    pip install -e ".[plot]"        # matplotlib
    nsadc plot docs/theory_figure.py:f --from -1 --to 1 -o docs/img/artificial_critical_point.png
"""


def f(x):
    return max(x, 0.0) - max(-x, 0.0)
