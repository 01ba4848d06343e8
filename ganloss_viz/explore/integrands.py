"""Where a divergence comes from: its pointwise integrand on the grid of the figures.

`integrand_1d` and `integrand_2d` return an `Integrand` (values on the grid, a name
for the axis, a caption saying how its integral gives D) or None where no pointwise
picture is meaningful (e.g. W2 or MMD, or a 2-D IPM). Plain numpy from the densities
that `ganloss_viz.explore.densities` computed; the generators f come from the divergence
registry. No Streamlit here.

* f-divergences: q·f(p/q), whose integral is D where both densities are positive
  (mass where one of them is 0 adds P(q = 0)·f′(∞) + Q(p = 0)·f(0));
* w1 in 1-D: |F_P − F_Q|, whose integral is W1 exactly;
* energy in 1-D: 2(F_P − F_Q)², whose integral is the energy distance exactly;
* renyi and bhattacharyya: p^α q^(1−α) (α = ½ for Bhattacharyya), the integrand of
  the coefficient inside their logarithm.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ganloss_viz.distributions import Measure1D
from ganloss_viz.explore.densities import f_integrand

F_CAPTION = ("Where {div} comes from: the integrand q·f(p/q). Its signed area is the part "
             "of D where both densities are positive; mass where one of them is 0 adds "
             "P(q = 0)·f′(∞) + Q(p = 0)·f(0).")


@dataclass(frozen=True)
class Integrand:
    """values: on the grid (NaN where undefined); name: axis title; caption: how its
    integral gives the divergence."""

    values: np.ndarray
    name: str
    caption: str


def _generator(div, params: dict[str, float]):
    """The generator f of an f-divergence, with its parameter (alpha) applied."""
    if div.name == "alpha":
        from ganloss_viz.divergences.fdivs import amari_generator
        return amari_generator(float(params.get("alpha", div.params["alpha"])))["f"]
    return div.f


def _cdf(m: Measure1D, x: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return m.cdf(torch.as_tensor(x, dtype=torch.float64)).numpy().astype(float)


def _coefficient(p: np.ndarray, q: np.ndarray, a: float) -> np.ndarray:
    """p^a q^(1-a), 0 where either density is 0."""
    p, q = np.asarray(p, float), np.asarray(q, float)
    both = (p > 0) & (q > 0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = np.exp(a * np.log(np.where(both, p, 1.0)) + (1 - a) * np.log(np.where(both, q, 1.0)))
    return np.where(both, out, 0.0)


def _pointwise(div, p: np.ndarray, q: np.ndarray, params: dict[str, float]
               ) -> Integrand | None:
    """The density-based integrands (f-divergences, renyi, bhattacharyya), any shape."""
    if div.f is not None:
        values = f_integrand(_generator(div, params), p.ravel(), q.ravel()).reshape(p.shape)
        return Integrand(values, "q·f(p/q)", F_CAPTION.format(div=div.name))
    if div.name == "bhattacharyya":
        return Integrand(_coefficient(p, q, 0.5), "√(p·q)",
                         "Where bhattacharyya comes from: √(p·q), whose integral is the "
                         "Bhattacharyya coefficient BC; the distance is −ln BC.")
    if div.name == "renyi":
        a = float(params.get("alpha", div.params["alpha"]))
        return Integrand(_coefficient(p, q, a), "p^α·q^(1−α)",
                         f"Where renyi comes from: p^α·q^(1−α) with α = {a:g}; the "
                         "divergence is ln(its integral)/(α − 1) (plus mass where q = 0 "
                         "when α > 1, which makes it ∞).")
    return None


def integrand_1d(div, x: np.ndarray, p_density: np.ndarray, q_density: np.ndarray,
                 mp: Measure1D, mq: Measure1D, params: dict[str, float]
                 ) -> Integrand | None:
    """The integrand of registry entry `div` on the 1-D grid `x` (None if none).

    p_density, q_density: the continuous parts' densities on x; mp, mq: the realised
    measures (their CDFs include the atoms); params: the divergence's parameters.
    """
    if div.name == "w1":
        return Integrand(np.abs(_cdf(mp, x) - _cdf(mq, x)), "|F_P − F_Q|",
                         "Where w1 comes from: in 1-D, W1 = ∫ |F_P − F_Q| dx, the area "
                         "between the two CDFs (atoms included).")
    if div.name == "energy":
        return Integrand(2 * (_cdf(mp, x) - _cdf(mq, x)) ** 2, "2(F_P − F_Q)²",
                         "Where energy comes from: in 1-D the energy distance is "
                         "2 ∫ (F_P − F_Q)² dx.")
    if not (np.any(p_density > 0) or np.any(q_density > 0)):
        return None          # atoms only: everything is in the singular parts
    return _pointwise(div, np.asarray(p_density, float), np.asarray(q_density, float), params)


def integrand_2d(div, p_z: np.ndarray | None, q_z: np.ndarray | None,
                 params: dict[str, float]) -> Integrand | None:
    """The integrand of `div` on the 2-D grid of the density figure (None if none).

    Needs both densities in the plane (a segment or a point mass has none).
    """
    if p_z is None or q_z is None:
        return None
    return _pointwise(div, np.asarray(p_z, float), np.asarray(q_z, float), params)
