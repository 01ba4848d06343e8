"""Facts about single 1-D laws that the cross-family closed-form KLs are built from.

−H(P) (`neg_entropy`), E X − c and Var X (`moments`), log E e^(−tX) (`log_mgf_neg`),
the Gaussian cross term (`spread`) and KL between two betas (`beta_beta`, which the
beta's entropy uses), each as a `Part` (value, magnitude) for `kl_pairs`' rounding bound.
"""

from __future__ import annotations

import math

import torch

from ..distributions.continuous import (
    BetaLaw,
    ExponentialLaw,
    GammaLaw,
    GumbelLaw,
    LaplaceLaw,
    NormalLaw,
    UniformLaw,
)
from .stable import HALF_LOG_2PI, Part, breg, gamma_entropy, psi_part, scaled, total

EULER = 0.57721566490153286061


def beta_beta(ap, bp, aq, bq) -> Part:
    # torch: lnB(aq, bq) − lnB(ap, bp) + (ap − aq)ψ(ap) + (bp − bq)ψ(bp) + (sq − sp)ψ(sp)
    # = B(aq ← ap) + B(bq ← bp) − B(sq ← sp), s = a + b.
    da, db = aq - ap, bq - bp
    return total(breg(ap, da, aq), breg(bp, db, bq),
                  scaled(-1.0, breg(ap + bp, da + db, aq + bq)))


def neg_entropy(p) -> Part:
    """−H(P) for the laws that meet other families below."""
    if isinstance(p, BetaLaw):
        # KL(P‖uniform(0, 1)) for small shapes (exactly 0 at a = b = 1); from a + b = 12
        # on, H_Γ(a + b) − H_Γ(a) − H_Γ(b) + ψ(a + b) (H_Γ: `gamma_entropy`), in which
        # the a log a terms have cancelled analytically
        one, s = torch.ones_like(p.a), p.a + p.b
        small = beta_beta(p.a, p.b, one, one)
        big = total(gamma_entropy(s), scaled(-1.0, gamma_entropy(p.a)),
                     scaled(-1.0, gamma_entropy(p.b)), psi_part(one, s))
        use = s >= 12
        return torch.where(use, big[0], small[0]), torch.where(use, big[1], small[1])
    return _NEG_ENTROPY[type(p)](p)


_NEG_ENTROPY = {
    NormalLaw: lambda p: total(-0.5 - HALF_LOG_2PI, -torch.log(p.scale)),
    LaplaceLaw: lambda p: total(-1.0, -torch.log(2 * p.scale)),
    GumbelLaw: lambda p: total(-1.0 - EULER, -torch.log(p.scale)),
    ExponentialLaw: lambda p: total(torch.log(p.rate), -1.0),
    UniformLaw: lambda p: total(-torch.log(p.hi - p.lo)),
    GammaLaw: lambda p: total(scaled(-1.0, gamma_entropy(p.k)), torch.log(p.rate)),
}


def moments(p, c: torch.Tensor) -> tuple[Part, torch.Tensor]:
    """(E X − c as (value, magnitude), Var X): the difference is formed without
    cancelling the location; its magnitude counts a computed mean (a/(a + b), 1/λ, ...)
    whose rounding survives the subtraction."""
    if isinstance(p, BetaLaw):
        s = p.a + p.b
        mean = p.a / s
        return total(mean, -c), p.a * p.b / (s * s * (s + 1))
    offset, var = _MOMENTS[type(p)](p, c)
    return (offset if isinstance(offset, tuple) else total(offset)), var


_MOMENTS = {
    NormalLaw: lambda p, c: (p.loc - c, p.scale**2),
    LaplaceLaw: lambda p, c: (p.loc - c, 2 * p.scale**2),
    GumbelLaw: lambda p, c: (total(p.loc - c, EULER * p.scale), (math.pi * p.scale) ** 2 / 6),
    ExponentialLaw: lambda p, c: (total(1 / p.rate, -c), 1 / p.rate**2),
    UniformLaw: lambda p, c: (((p.lo - c) + (p.hi - c)) / 2, (p.hi - p.lo) ** 2 / 12),
    GammaLaw: lambda p, c: (total(p.k / p.rate, -c), p.k / p.rate**2),
}


def spread(offset: Part, var: torch.Tensor, sigma2: torch.Tensor) -> Part:
    """(Var + offset²)/(2σ²), the offset's rounding (a few ulp of its magnitude m)
    carried through the square: 2|offset|·m/(2σ²)."""
    v = (var + offset[0] ** 2) / (2 * sigma2)
    return v, (v.abs() + offset[0].abs() * offset[1] / sigma2).detach()


def log_mgf_neg(p, t: torch.Tensor) -> torch.Tensor:
    """log E exp(−t X) (t > 0): what E e^{−z} of a Gumbel Q needs."""
    if isinstance(p, NormalLaw):
        return -t * p.loc + 0.5 * (t * p.scale) ** 2
    if isinstance(p, ExponentialLaw):
        return -torch.log1p(t / p.rate)
    if isinstance(p, GammaLaw):
        return -p.k * torch.log1p(t / p.rate)
    w = p.hi - p.lo                                   # uniform
    return -t * p.lo + torch.log(-torch.expm1(-t * w) / (t * w))
