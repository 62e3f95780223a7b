"""Backends: turn an emitted module's source into callables."""

from nsadc.backends.cache import load_module

__all__ = ["load_module"]
