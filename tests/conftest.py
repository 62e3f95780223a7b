import os
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

# Compiled modules go to a per-session cache so tests never see stale files;
# it is removed when the session ends (unless NSADC_CACHE_DIR was given).
# Under pytest-xdist the controller makes it and the workers inherit it through
# the environment: they share it, so a program one worker compiled is loaded from
# disk by the others.  nsadc writes its files atomically and checks Numba's cache
# files before it loads them (tests/test_faults.py runs processes on one cache);
# the tests that damage or replace a cache point NSADC_CACHE_DIR at their own
# tmp_path.  Only the process that made the cache removes it.
_OWN_CACHE = None
if "NSADC_CACHE_DIR" not in os.environ:
    _OWN_CACHE = tempfile.mkdtemp(prefix="nsadc-test-cache-")
    os.environ["NSADC_CACHE_DIR"] = _OWN_CACHE


def pytest_sessionfinish(session, exitstatus):
    """Leave no temporary folders behind: this session's cache, and the folder
    tests/test_random_programs.py writes its generated programs to."""
    import shutil

    folders = [_OWN_CACHE] if _OWN_CACHE else []
    for module in list(sys.modules.values()):
        folder = getattr(module, "_DIR", None)
        if isinstance(folder, (str, Path)) and Path(folder).name.startswith("nsadc-random-programs-"):
            folders.append(str(folder))
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(params=["python", pytest.param("cpu", marks=pytest.mark.slow)])
def target(request):
    """Both targets: plain Python (fast) and numba CPU (slow: compiles)."""
    return request.param
