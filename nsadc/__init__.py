"""nsadc: a nonsmooth automatic-differentiation compiler for numerical Python."""

__version__ = "0.1.0"

from nsadc.api import (Differentiable, clarke_grad, differentiate, grad, jvp,  # noqa: E402
                       value_and_grad, vjp)
from nsadc.batched import Batched  # noqa: E402
from nsadc.certificate.report import KinkHit, KinkReport  # noqa: E402
from nsadc.errors import ArgumentError, NsadcError, PolicyError, UnsupportedError  # noqa: E402

__all__ = [
    "Differentiable", "Batched", "differentiate", "grad", "value_and_grad", "jvp", "vjp", "clarke_grad",
    "KinkReport", "KinkHit", "NsadcError", "UnsupportedError", "PolicyError", "ArgumentError",
]
