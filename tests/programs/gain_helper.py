"""A helper whose module constant another module's function reads through it
(tests/test_numba_project_idioms.py rebinds GAIN)."""

GAIN = 2.0


def scaled_relu(x):
    return max(x, 0.0) * GAIN
