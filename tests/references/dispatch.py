"""`reference(div, P, Q)`: the right reference for a pair, 1-D (`one_d`) or 2-D."""

from __future__ import annotations

import functools
import math

from .closed_2d import _gauss_parts_2d, gaussian_closed_2d, mmd_closed_2d
from .fdivs_1d import F_DIVERGENCES
from .laws import INF, Law
from .one_d import reference_1d
from .plane import (
    _dense,
    _line_factors,
    _lines,
    _mutually_singular,
    _products,
    _thin,
    f_divergence_2d,
)

# ===================================================================== 1-D dispatch




def reference_2d(div: str, P: Law, Q: Law, alpha=None, bandwidth=1.0) -> float:
    lines = _line_factors(P, Q)
    if lines is not None:
        return _lines(div, *lines, alpha, bandwidth)
    if (_thin(P) and _dense(Q)) or (_dense(P) and _thin(Q)):
        return _mutually_singular(div, alpha)
    gp, gq = _gauss_parts_2d(P), _gauss_parts_2d(Q)
    if gp is not None and gq is not None:
        if div == "mmd":
            return mmd_closed_2d(P, Q, bandwidth)
        if len(gp) == 1 and len(gq) == 1 and div not in ("js", "gan"):
            return gaussian_closed_2d(div, P, Q, alpha, bandwidth)
    elif P.family == "product" and Q.family == "product" and div not in ("js", "gan", "tv"):
        return _products(div, P, Q, alpha, bandwidth)
    if div in F_DIVERGENCES:
        return f_divergence_2d(div, P, Q, alpha)[0]
    if div == "renyi":
        a = float(alpha)
        A, overlap = f_divergence_2d("alpha", P, Q, a)
        if A == INF or (not overlap and a < 1):
            return INF
        return math.log1p(a * (a - 1.0) * A) / (a - 1.0)
    if div == "bhattacharyya":
        H, overlap = f_divergence_2d("hellinger", P, Q)
        return INF if not overlap else -math.log1p(-H)
    raise NotImplementedError(f"no 2-D reference for {div} between {P} and {Q}")


# ===================================================================== entry point


@functools.lru_cache(maxsize=4096)
def _reference(div: str, P: Law, Q: Law, alpha, bandwidth) -> float:
    if P.dim == 1 and Q.dim == 1:
        return float(reference_1d(div, P, Q, alpha=alpha, bandwidth=bandwidth))
    if P.dim == 2 and Q.dim == 2:
        return float(reference_2d(div, P, Q, alpha=alpha, bandwidth=bandwidth))
    raise ValueError("P and Q must have the same dimension")


def reference(div: str, P: Law, Q: Law, alpha: float | None = None,
              bandwidth: float = 1.0) -> float:
    """The reference value of divergence `div` between P and Q (cached).

    `alpha` is the order of `alpha` and `renyi`; `bandwidth` the MMD kernel width.
    Mathematically infinite values are `math.inf`.
    """
    return _reference(div, P, Q, None if alpha is None else float(alpha), float(bandwidth))
