"""The parameters and pointwise pictures that the catalogue's divergences declare.

A `Param` carries a parameter's rule for the engine, the URL and the widgets; a
`Pointwise` says what the explorer draws as "where D comes from" for a divergence that
is not an f-divergence (those draw q·f(p/q) from their generator). NumPy only.
"""

from __future__ import annotations

import math

import numpy as np

from .registry import Param, Pointwise


def _finite(x: float) -> bool:
    return math.isfinite(x)


AMARI_ALPHA = Param("alpha", 0.5, lambda a: _finite(a) and a not in (0.0, 1.0),
                    "a finite number other than 0 and 1", label="α",
                    help="α → 1 gives KL, α → 0 reverse KL (both excluded)")
RENYI_ALPHA = Param("alpha", 0.5, lambda a: _finite(a) and a > 0 and a != 1.0,
                    "a finite number > 0 other than 1", label="α",
                    help="the order α > 0 (α → 1 gives KL, excluded)")
BANDWIDTH = Param("bandwidth", 1.0, lambda b: _finite(b) and b > 0, "> 0",
                  label="bandwidth ℓ", help="Gaussian kernel bandwidth ℓ > 0", minimum=1e-3)


def coefficient(p: np.ndarray, q: np.ndarray, a: float) -> np.ndarray:
    """p^a q^(1-a), 0 where either density is 0."""
    p, q = np.asarray(p, float), np.asarray(q, float)
    both = (p > 0) & (q > 0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = np.exp(a * np.log(np.where(both, p, 1.0)) + (1 - a) * np.log(np.where(both, q, 1.0)))
    return np.where(both, out, 0.0)


BHATTACHARYYA = Pointwise(
    "densities", lambda p, q, params: coefficient(p, q, 0.5), "√(p·q)",
    lambda params: "Where bhattacharyya comes from: √(p·q), whose integral is the "
                   "Bhattacharyya coefficient BC; the distance is −ln BC.")
RENYI = Pointwise(
    "densities", lambda p, q, params: coefficient(p, q, params["alpha"]), "p^α·q^(1−α)",
    lambda params: f"Where renyi comes from: p^α·q^(1−α) with α = {params['alpha']:g}; the "
                   "divergence is ln(its integral)/(α − 1) (plus mass where q = 0 when "
                   "α > 1, which makes it ∞).")
W1 = Pointwise(
    "cdfs", lambda fp, fq, params: np.abs(fp - fq), "|F_P − F_Q|",
    lambda params: "Where w1 comes from: in 1-D, W1 = ∫ |F_P − F_Q| dx, the area between "
                   "the two CDFs (atoms included).")
ENERGY = Pointwise(
    "cdfs", lambda fp, fq, params: 2 * (fp - fq) ** 2, "2(F_P − F_Q)²",
    lambda params: "Where energy comes from: in 1-D the energy distance is "
                   "2 ∫ (F_P − F_Q)² dx.")
