"""Emitted modules live as real files in a cache directory.

Numba's on-disk cache needs a real file and a module it can re-import by name
(shared/NUMBA.md), so each emitted module is written once under a name derived
from the hash of its content, registered in ``sys.modules``, then executed.  A
second process that asks for the same source finds the file and numba's cache
beside it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile
from pathlib import Path


def cache_dir() -> Path:
    root = os.environ.get("NSADC_CACHE_DIR")
    if root:
        path = Path(root)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        path = Path(base) / "nsadc"
    path.mkdir(parents=True, exist_ok=True)
    return path


def load_module(source: str, prefix: str = "nsadc_gen"):
    """Import ``source`` as a module (one per distinct source text)."""
    digest = hashlib.sha256(source.encode()).hexdigest()[:20]
    name = f"{prefix}_{digest}"
    module = sys.modules.get(name)
    if module is not None:
        return module
    path = cache_dir() / f"{name}.py"
    if not path.exists() or path.read_text() != source:
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w") as fh:
            fh.write(source)
        os.replace(tmp, path)  # atomic: concurrent processes never see half a file
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # before exec: numba's cache re-imports it by name
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module
