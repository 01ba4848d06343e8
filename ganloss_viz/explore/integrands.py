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


def _cdf(m: Measure1D, x: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return m.cdf(torch.as_tensor(x, dtype=torch.float64)).numpy().astype(float)


def _with_defaults(div, params: dict[str, float]) -> dict[str, float]:
    return {name: float(params.get(name, default)) for name, default in div.params.items()}


def _pointwise(div, p: np.ndarray, q: np.ndarray, params: dict[str, float]
               ) -> Integrand | None:
    """The density-based integrands (f-divergences and those that declare one), any shape."""
    params = _with_defaults(div, params)
    if div.f is not None:
        f = div.generator(**params)["f"]
        values = f_integrand(f, p.ravel(), q.ravel()).reshape(p.shape)
        return Integrand(values, "q·f(p/q)", F_CAPTION.format(div=div.name))
    pic = div.pointwise
    if pic is None or pic.of != "densities":
        return None
    return Integrand(pic.values(p, q, params), pic.name, pic.caption(params))


def integrand_1d(div, x: np.ndarray, p_density: np.ndarray, q_density: np.ndarray,
                 mp: Measure1D, mq: Measure1D, params: dict[str, float]
                 ) -> Integrand | None:
    """The integrand of registry entry `div` on the 1-D grid `x` (None if none).

    p_density, q_density: the continuous parts' densities on x; mp, mq: the realised
    measures (their CDFs include the atoms); params: the divergence's parameters.
    """
    pic = div.pointwise
    if pic is not None and pic.of == "cdfs":
        params = _with_defaults(div, params)
        return Integrand(pic.values(_cdf(mp, x), _cdf(mq, x), params), pic.name,
                         pic.caption(params))
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
