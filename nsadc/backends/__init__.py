"""Backends: turn an emitted module's source into callables."""

from nsadc.backends.cache import load_meta, load_module, pipeline_key, save_meta

__all__ = ["load_module", "load_meta", "save_meta", "pipeline_key"]
