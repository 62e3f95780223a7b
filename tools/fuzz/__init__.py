"""Differential fuzzing of nsadc.

``gen``       a seeded generator of random programs over the documented subset
``check``     runs one program at a few points and classifies what goes wrong
``worker``    the checker in a child process (per-program timeout, crash isolation)
``minimize``  shrinks a failing program while its failure class persists
``campaign``  the driver behind ``python -m tools.fuzz``
"""

from tools.fuzz.gen import Program, generate  # noqa: F401
