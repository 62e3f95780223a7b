"""The version of nsadc, in a module of its own: the package's modules read it
from here (the emitted header, the certificate, the cache key) rather than from
``nsadc``, whose ``__init__`` imports the whole API."""

__version__ = "0.1.0"
