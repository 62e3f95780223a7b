"""nsadc: a nonsmooth automatic-differentiation compiler for numerical Python."""

from nsadc.version import __version__  # noqa: F401
from nsadc.api import (Differentiable, clarke_grad, clarke_jacobian, differentiate, grad,  # noqa: E402
                       hessian, hvp, jacfwd, jacobian, jacrev, jvp, value_and_grad, vjp)
from nsadc.batched import Batched  # noqa: E402
from nsadc.certificate.report import KinkHit, KinkReport  # noqa: E402
from nsadc.errors import ArgumentError, NsadcError, PolicyError, UnsupportedError  # noqa: E402

__all__ = [
    "Differentiable", "Batched", "differentiate", "grad", "value_and_grad", "jvp", "vjp", "clarke_grad",
    "jacfwd", "jacrev", "jacobian", "clarke_jacobian", "hvp", "hessian",
    "KinkReport", "KinkHit", "NsadcError", "UnsupportedError", "PolicyError", "ArgumentError",
]
