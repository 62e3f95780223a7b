#!/usr/bin/env bash
# Emit the derivative modules the CUDA probe loads, and fetch the numpy wheel
# the GPU machine needs (the numpy installed there broke numba-cuda, so a
# known-good wheel is carried along).
# Then, on the GPU machine, with .whl/ and benchmarks/cuda_probe/emitted/ copied there:
#   python3 -m pip install -q --no-index --no-deps --target /tmp/site .whl/*.whl \
#     && export PYTHONPATH=/tmp/site:$PWD && python3 benchmarks/cuda_probe/run.py
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
mkdir -p "$here/emitted"
nsadc emit "$here/problems.py:ncr2_4" --mode both -o "$here/emitted/ncr2_4_d.py"
for f in nonsmooth_sum branchy tent_recurrence; do
    nsadc emit "$root/benchmarks/scalar_programs.py:$f" --mode both -o "$here/emitted/${f}_d.py"
done
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 -d "$root/.whl" numpy==2.4.6
