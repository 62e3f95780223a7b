import os
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

# Compiled modules go to a per-session cache so tests never see stale files.
os.environ.setdefault("NSADC_CACHE_DIR", tempfile.mkdtemp(prefix="nsadc-test-cache-"))


@pytest.fixture(params=["python", pytest.param("cpu", marks=pytest.mark.slow)])
def target(request):
    """Both targets: plain Python (fast) and numba CPU (slow: compiles)."""
    return request.param
