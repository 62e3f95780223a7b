"""Rewrites of IR functions that keep their meaning: the preparation before the
AD transforms (constant tests) and the optimisation passes after them (folding,
tidy adjoints, dead code, loop order, tape indexing, reduction interchange)."""
