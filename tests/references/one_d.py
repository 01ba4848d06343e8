"""`reference_1d(div, P, Q)`: the reference of a 1-D pair for each divergence."""

from __future__ import annotations

from .fdivs_1d import F_DIVERGENCES, bhattacharyya_1d, f_divergence_1d, renyi_1d
from .laws import Law
from .measures import measure1
from .mmd import mmd_1d
from .transport_1d import energy_1d, w1_1d, w2_1d


def reference_1d(div: str, P: Law, Q: Law, alpha=None, bandwidth=1.0) -> float:
    """Numerical (quadrature) reference of a divergence between two 1-D laws."""
    mp, mq = measure1(P), measure1(Q)
    if div in F_DIVERGENCES:
        return f_divergence_1d(div, mp, mq, alpha)
    if div == "renyi":
        return renyi_1d(mp, mq, float(alpha))
    if div == "bhattacharyya":
        return bhattacharyya_1d(mp, mq)
    if div == "w1":
        return w1_1d(mp, mq)
    if div == "w2":
        return w2_1d(mp, mq)
    if div == "energy":
        return energy_1d(mp, mq)
    if div == "mmd":
        return mmd_1d(P, Q, bandwidth)
    raise ValueError(div)
