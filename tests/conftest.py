import os
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

# Compiled modules go to a per-session cache so tests never see stale files;
# it is removed when the session ends (unless NSADC_CACHE_DIR was given).
# Under pytest-xdist the workers inherit the controller's environment: each
# worker then uses a folder of its own inside the controller's cache (the
# controller removes the whole tree at the end), so no two processes write or
# load the same generated modules and Numba cache files at once.
_OWN_CACHE = None
_SESSION_CACHE = "NSADC_TEST_SESSION_CACHE"  # set when the cache below is this test session's own
_WORKER = os.environ.get("PYTEST_XDIST_WORKER")
if "NSADC_CACHE_DIR" not in os.environ:
    _OWN_CACHE = tempfile.mkdtemp(prefix="nsadc-test-cache-")
    os.environ["NSADC_CACHE_DIR"] = _OWN_CACHE
    os.environ[_SESSION_CACHE] = _OWN_CACHE
elif _WORKER and os.environ.get(_SESSION_CACHE) == os.environ["NSADC_CACHE_DIR"]:
    worker_cache = os.path.join(os.environ[_SESSION_CACHE], _WORKER)
    os.makedirs(worker_cache, exist_ok=True)
    os.environ["NSADC_CACHE_DIR"] = worker_cache


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
