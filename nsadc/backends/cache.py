"""Emitted modules live as real files in a cache directory.

Numba's on-disk cache needs a real file and a module it can re-import by name,
so each emitted module is written once under a name derived from the hash of
its content, registered in ``sys.modules``, then executed.  A second process
that asks for the same source finds the file and numba's cache beside it.

Nothing read back from the directory is trusted (docs/cache.md):

* a module file is used only when the hash of its text is the one in its name;
* a metadata file carries the hash of its own content;
* numba's index (``.nbi``) and data (``.nbc``) files of emitted modules carry a
  hash of their content too (:func:`_verify_numba_cache`);

anything that fails its check is discarded and rebuilt.  Every write goes to a
temporary file renamed over the target, so a reader never sees half a file.
A directory that cannot be used (read-only, not creatable, a file, deleted
while running) is replaced by a private temporary one, with one warning.
Loading is serialized by a lock, so threads that make their first calls
together never see a module whose code has not finished running.
"""

from __future__ import annotations

import atexit
import hashlib
import importlib.util
import json
import os
import shutil
import sys
import tempfile
import threading
import warnings
from pathlib import Path

from nsadc.errors import NsadcError
from nsadc.version import __version__


class CacheWarning(UserWarning):
    """The cache directory cannot be used; a private temporary one is used instead."""


_LOCK = threading.RLock()  # guards the directory choice and every module load
_LOADED: dict[str, object] = {}  # modules whose code has run to the end
_FALLBACK: dict[str, Path] = {}  # configured directory -> the private one used instead
_CHECKED: set[str] = set()  # directories found writable
_FAILED: dict[str, str] = {}  # directories a write into failed -> the error


def configured_dir() -> Path:
    """The directory the environment names: ``$NSADC_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/nsadc``, else ``~/.cache/nsadc``."""
    root = os.environ.get("NSADC_CACHE_DIR")
    if root:
        return Path(root)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "nsadc"


def _usable(path: Path) -> str | None:
    """None when ``path`` is (or could be made) a writable directory, else why not."""
    if str(path) in _FAILED:
        return f"writing into it failed: {_FAILED[str(path)]}"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        return "it is not a directory"
    except OSError as e:
        return f"it cannot be created ({e.strerror or e})"
    if not path.is_dir():
        return "it is not a directory"
    if str(path) in _CHECKED:
        return None
    try:  # os.access says yes to root on a read-only directory: try it
        fd, probe = tempfile.mkstemp(dir=path, prefix=".nsadc-probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        return f"it is not writable ({e.strerror or e})"
    _CHECKED.add(str(path))
    return None


def cache_dir() -> Path:
    """The directory to use now: the configured one when it is usable, else a
    private temporary directory (with one warning per configured directory)."""
    configured = configured_dir()
    key = str(configured)
    with _LOCK:
        fallback = _FALLBACK.get(key)
        if fallback is not None:
            if _usable(fallback) is None:
                return fallback
        else:
            why = _usable(configured)
            if why is None:
                return configured
            warnings.warn(f"nsadc: cannot use the cache directory {configured} ({why}); using a private "
                          "temporary directory for this process (set NSADC_CACHE_DIR to a writable "
                          "directory)", CacheWarning, stacklevel=3)
        try:
            fallback = Path(tempfile.mkdtemp(prefix="nsadc-cache-"))
        except OSError as e:
            raise NsadcError(f"nsadc: no writable directory for its cache: {configured} cannot be used and "
                             f"neither can the temporary directory ({e.strerror or e}); set NSADC_CACHE_DIR "
                             "to a writable directory") from None
        atexit.register(shutil.rmtree, fallback, ignore_errors=True)  # private: nobody else reuses it
        _FALLBACK[key] = fallback
        _CHECKED.add(str(fallback))
        return fallback


def _write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, then rename it over ``path``."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _write(name: str, text: str) -> Path:
    """Write a cache file named ``name``; when the directory fails, once more in
    the directory :func:`cache_dir` then chooses."""
    for attempt in range(3):
        directory = cache_dir()
        path = directory / name
        try:
            _write_atomic(path, text)
            return path
        except OSError as e:
            error = e
            with _LOCK:
                _CHECKED.discard(str(directory))
                # it exists but refuses files (full, read-only), or it keeps vanishing: leave it
                if attempt or directory.is_dir():
                    _FAILED[str(directory)] = e.strerror or str(e)
    raise NsadcError(f"nsadc: cannot write its cache file {name}: {error}") from None


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def module_name(source: str, prefix: str = "nsadc_gen") -> str:
    return f"{prefix}_{_digest(source)[:20]}"


def _name_matches(name: str, text: str) -> bool:
    """Whether ``text`` is the source the module ``name`` was named after."""
    prefix, _, digest = name.rpartition("_")
    return bool(prefix) and module_name(text, prefix) == name


def _exec(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # before exec: numba's cache re-imports it by name
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    _verify_numba_cache(module)
    _LOADED[name] = module
    return module


def load_module(source: str | None = None, prefix: str = "nsadc_gen", name: str | None = None):
    """Import an emitted module, the one loader of the package.

    With ``source``: that text as a module (one per distinct text, named after
    its digest), written to the cache directory first unless the file there
    already holds it.  With ``name`` alone: the module an earlier call wrote,
    or None when its file is gone or its text is not the one its name was
    made from (damaged, edited), so that the caller rebuilds it."""
    if source is not None:
        name = module_name(source, prefix)
    with _LOCK:
        module = _LOADED.get(name)
        if module is not None:
            return module
        if source is None:
            path = cache_dir() / f"{name}.py"
            text = _read(path)
            if text is None or not _name_matches(name, text):
                return None
            try:
                return _exec(name, path)
            except Exception:  # noqa: BLE001 - the caller rebuilds it
                return None
        error = None
        for attempt in range(3):
            path = cache_dir() / f"{name}.py"
            try:
                if _read(path) != source:
                    path = _write(f"{name}.py", source)
                return _exec(name, path)
            except (OSError, RuntimeError) as e:
                # the directory vanished between the write and the import (numba:
                # "no locator available"): write it again; a second time, elsewhere
                error = e
                _CHECKED.discard(str(path.parent))
                if attempt:
                    _FAILED[str(path.parent)] = f"{type(e).__name__}: {e}"
        raise NsadcError(f"nsadc: cannot import its emitted module {name} from the cache "
                         f"({type(error).__name__}: {error})") from None


# ------------------------------------------------------------ numba's files
# Numba's own cache files of an emitted module (``__pycache__/*.nbi``, ``*.nbc``)
# are unpickled as they are: a truncated or garbled one raises from inside numba
# on every later run.  The dispatchers of emitted modules write them with a
# header (a magic string and the SHA-256 of the rest) and read only files whose
# header checks out; any other file is deleted and the function compiled again.

_MAGIC = b"nsadc-verified-1\n"


def _verified_file_class():
    from numba.core import caching

    base = caching.IndexDataCacheFile

    class VerifiedIndexDataCacheFile(base):
        def _dump(self, obj):
            raw = super()._dump(obj)
            return _MAGIC + hashlib.sha256(raw).digest() + raw

        @staticmethod
        def _checked(blob: bytes) -> bytes | None:
            head = len(_MAGIC)
            if not blob.startswith(_MAGIC) or len(blob) < head + 32:
                return None
            digest, raw = blob[head:head + 32], blob[head + 32:]
            return raw if hashlib.sha256(raw).digest() == digest else None

        def _discard(self, path: str) -> None:
            try:
                os.unlink(path)
            except OSError:
                pass

        def _load_index(self):
            import io
            import pickle

            try:
                with open(self._index_path, "rb") as f:
                    blob = f.read()
            except FileNotFoundError:
                return {}
            try:
                stream = io.BytesIO(blob)
                version = pickle.load(stream)  # numba's version, pickled first
                if version != self._version:
                    return {}
                rest = stream.read()
                raw = self._checked(rest)
                if raw is None:
                    raise ValueError("damaged")
                stamp, overloads = pickle.loads(raw)
                if not isinstance(overloads, dict):
                    raise ValueError("damaged")
            except Exception:  # noqa: BLE001 - any damage: start a new index
                self._discard(self._index_path)
                return {}
            caching._cache_log("[cache] index loaded from %r", self._index_path)
            return overloads if stamp == self._source_stamp else {}

        def _load_data(self, name):
            import pickle

            path = self._data_path(name)
            with open(path, "rb") as f:
                blob = f.read()
            raw = self._checked(blob)
            try:
                if raw is None:
                    raise ValueError("damaged")
                data = pickle.loads(raw)
                caching._cache_log("[cache] data loaded from %r", path)
                return data
            except Exception:  # noqa: BLE001 - numba reads OSError as "not cached"
                self._discard(path)
                raise OSError(f"damaged cache file {path}") from None

    return VerifiedIndexDataCacheFile


_VERIFIED = None


def _verify_numba_cache(module) -> None:
    """Give every numba dispatcher of ``module`` that caches to disk the
    verified file format (see above)."""
    global _VERIFIED
    if "numba" not in sys.modules:
        return
    for value in vars(module).values():
        cache = getattr(value, "_cache", None)
        cache_file = getattr(cache, "_cache_file", None)
        if cache_file is None:
            continue
        if _VERIFIED is None:
            _VERIFIED = _verified_file_class()
        if isinstance(cache_file, _VERIFIED.__mro__[1]):
            cache_file.__class__ = _VERIFIED
        load = cache.load_overload

        def safe_load(sig, target_context, load=load):
            try:
                return load(sig, target_context)
            except Exception:  # noqa: BLE001 - a cache that cannot be read is a cache miss
                return None

        cache.load_overload = safe_load
        save = cache.save_overload

        def safe_save(sig, data, save=save):
            try:
                save(sig, data)
            except OSError:  # the directory vanished or refuses files: the compiled code still runs
                pass

        cache.save_overload = safe_save


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
    text = "\x1f".join([__version__, _nsadc_code_hash(), *map(str, parts)])
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:24]


def load_meta(key: str) -> dict | None:
    """The metadata stored under ``key``; None when absent or when the file is
    not exactly what :func:`save_meta` wrote (its content hash is checked)."""
    text = _read(cache_dir() / f"nsadc_meta_{key}.json")
    if text is None:
        return None
    try:
        envelope = json.loads(text)
        meta = envelope["meta"]
        if not isinstance(meta, dict) or envelope.get("key") != key or \
                envelope.get("sha256") != _digest(json.dumps(meta, sort_keys=True)):
            return None
    except (ValueError, TypeError, KeyError):
        return None
    return meta


def save_meta(key: str, meta: dict) -> None:
    """Store ``meta`` under ``key`` (atomically, with its content hash).  A
    cache that cannot be written only costs time: the error is not raised."""
    envelope = {"key": key, "sha256": _digest(json.dumps(meta, sort_keys=True)), "meta": meta}
    try:
        _write(f"nsadc_meta_{key}.json", json.dumps(envelope))
    except NsadcError:
        pass
