"""E f(X) for X ~ N(μ, s²) and the GAN's f(t) = −log(1 + e^(−t)): the instance-noise
expectation of the Dirac-GAN, by quadrature (deterministic, never sampling), in torch so
that autograd differentiates it.

One rule cannot serve every s: f has a kink of width about 1 in x, i.e. 1/s in the
standard normal ε, so Gauss-Hermite in ε (exact for polynomials, hence exact for the
Jacobian at ψ = 0) loses accuracy once s is large (0.4 absolute at s = 50). So:

* s ≤ 1: Gauss-Hermite in ε, E f(μ + sε) with `HERMITE_NODES` nodes;
* s > 1: split f(x) = min(x, 0) − g(|x|), g(u) = log(1 + e^(−u)): E min(X, 0) in closed
  form, μΦ(−μ/s) − s·φ(μ/s), and E g(|X|) = ∫₀^∞ g(u) [φ_s(u − μ) + φ_s(u + μ)] du by
  composite Gauss-Legendre on [0, 60] (g < e^(−60) beyond), on pieces short enough for
  g's poles at ±iπ.

Accuracy against scipy.integrate.quad: see tests/test_dirac.py.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import torch

from .distributions.mesh import ndtr

Tensor = torch.Tensor
HERMITE_NODES = 40
LEGENDRE_PIECES = (0.0, 2.0, 5.0, 10.0, 20.0, 35.0, 60.0)
LEGENDRE_NODES = 32          # per piece


@functools.lru_cache(maxsize=4)
def hermite_rule(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of E g(ε), ε ~ N(0, 1): exact for polynomials of degree < 2n."""
    x, w = np.polynomial.hermite_e.hermegauss(n)
    return x, w / math.sqrt(2 * math.pi)


@functools.lru_cache(maxsize=1)
def legendre_rule() -> tuple[np.ndarray, np.ndarray]:
    """Composite Gauss-Legendre nodes and weights on [0, 60] (pieces `LEGENDRE_PIECES`)."""
    x, w = np.polynomial.legendre.leggauss(LEGENDRE_NODES)
    nodes, weights = [], []
    for a, b in zip(LEGENDRE_PIECES[:-1], LEGENDRE_PIECES[1:], strict=True):
        nodes.append((b - a) / 2 * x + (a + b) / 2)
        weights.append((b - a) / 2 * w)
    return np.concatenate(nodes), np.concatenate(weights)


@functools.lru_cache(maxsize=4)
def _rules(dtype: torch.dtype) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """The two rules as tensors (built once: conversions cost more than the sums)."""
    return (*(torch.as_tensor(a, dtype=dtype) for a in hermite_rule(HERMITE_NODES)),
            *(torch.as_tensor(a, dtype=dtype) for a in legendre_rule()))


def _hermite(mu: Tensor, s: Tensor) -> Tensor:
    x, w, _, _ = _rules(mu.dtype)
    return (-torch.nn.functional.softplus(-(mu[..., None] + s[..., None] * x)) * w).sum(-1)


def _wide(mu: Tensor, s: Tensor) -> Tensor:
    """E min(X, 0) − E g(|X|) for s > 0."""
    _, _, u, v = _rules(mu.dtype)
    z = mu / s
    e_min = mu * ndtr(-z) - s * torch.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    sd, m = s[..., None], mu[..., None]
    dens = (torch.exp(-((u - m) / sd) ** 2 / 2) + torch.exp(-((u + m) / sd) ** 2 / 2)) / \
        (sd * math.sqrt(2 * math.pi))
    return e_min - (torch.log1p(torch.exp(-u)) * dens * v).sum(-1)


def expect_f(mu: Tensor, s: Tensor) -> Tensor:
    """E f(μ + sε), ε ~ N(0, 1), elementwise; s may be negative (only s² matters)."""
    small = s * s <= 1
    if bool(small.all()):
        return _hermite(mu, s)
    # s replaced by 1 where the wide branch is not used (no 0/0 in autograd)
    wide = _wide(mu, torch.where(small, torch.ones_like(s), torch.where(s >= 0, s, -s)))
    if not bool(small.any()):
        return wide
    return torch.where(small, _hermite(mu, s), wide)


__all__ = ["HERMITE_NODES", "expect_f", "hermite_rule", "legendre_rule"]
