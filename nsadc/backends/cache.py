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


def module_name(source: str, prefix: str = "nsadc_gen") -> str:
    return f"{prefix}_{hashlib.sha256(source.encode()).hexdigest()[:20]}"


def load_module(source: str, prefix: str = "nsadc_gen"):
    """Import ``source`` as a module (one per distinct source text)."""
    name = module_name(source, prefix)
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


# ------------------------------------------------------------ pipeline cache
# A second process should not re-parse and re-transform a function it has seen:
# the emitted module and what the API needs to know about it (argument types,
# kink sites) are stored under a key made of everything that determines them.


_CODE_HASH: str | None = None


def _nsadc_code_hash() -> str:
    """A hash of nsadc's own sources: a cached result is only reused by the
    compiler that produced it (a new refusal or rule must not be skipped)."""
    global _CODE_HASH
    if _CODE_HASH is None:
        root = Path(__file__).resolve().parent.parent
        h = hashlib.sha256()
        for path in sorted(root.rglob("*.py")):
            h.update(path.read_bytes())
        _CODE_HASH = h.hexdigest()
    return _CODE_HASH


def pipeline_key(*parts) -> str:
    import nsadc

    text = "\x1f".join([nsadc.__version__, _nsadc_code_hash(), *map(str, parts)])
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def load_meta(key: str) -> dict | None:
    import json

    path = cache_dir() / f"nsadc_meta_{key}.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def save_meta(key: str, meta: dict) -> None:
    import json

    path = cache_dir() / f"nsadc_meta_{key}.json"
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w") as fh:
        json.dump(meta, fh)
    os.replace(tmp, path)


def load_cached_module(name: str):
    """Import a module that :func:`load_module` wrote earlier (None if gone)."""
    module = sys.modules.get(name)
    if module is not None:
        return module
    path = cache_dir() / f"{name}.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module
