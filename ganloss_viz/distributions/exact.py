"""Error-free float arithmetic where a closed form would cancel catastrophically."""

from __future__ import annotations

import torch


def _split(a: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Veltkamp's split: a = hi + lo with 26-bit halves, so hi·hi' etc. are exact."""
    t = 134217729.0 * a                                    # 2^27 + 1
    hi = t - (t - a)
    return hi, a - hi


def _exact_product(a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(p, e) with p = fl(a·b) and a·b = p + e exactly (Dekker's TwoProduct)."""
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    return p, e


def det2(a: torch.Tensor, b: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
    """a·c − b² for a symmetric 2x2 matrix, without cancellation: both products are
    carried exactly (near-singular covariances, ρ = 1 − 1e-13, keep their digits)."""
    p1, e1 = _exact_product(a, c)
    p2, e2 = _exact_product(b, b)
    return (p1 - p2) + (e1 - e2)
