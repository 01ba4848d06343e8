"""The continuous 1-D families: log-density, CDF, quantiles for meshing, tails.

Each family realises to a `Continuous1D` with float64 parameters shaped (..., 1), so a
batch of parameter values (a sweep) evaluates on points x of shape (..., N) by
broadcasting. Log-densities are written out here (not taken from torch.distributions)
so that they stay finite and differentiable outside the support (-inf there).

The families are split by topic: `law1d` (the base class, `AffineLaw`), `mesh` (mesh levels),
`locscale` (location-scale families) and `bounded` (families with a finite support end);
this module gathers their names, which the rest of the package imports from here.
"""

from __future__ import annotations

from .bounded import BetaLaw, ExponentialLaw, GammaLaw, LogNormalLaw, UniformLaw, _Positive
from .law1d import AffineLaw, Continuous1D
from .locscale import (
    CauchyLaw,
    GumbelLaw,
    LaplaceLaw,
    LogisticLaw,
    NormalLaw,
    StudentTLaw,
    _finite_square,
    _LocScale,
    _log1p_sq,
    _z,
    ratio,
)
from .mesh import (
    _CDF_NODES,
    _RESOLVED,
    FINEST,
    INF,
    LOG_SQRT_2PI,
    MESH_LEVELS,
    MESH_LEVELS_2D,
    _np,
    _special,
    graded,
    heavy_levels,
    ndtr,
    ndtri,
)

__all__ = [
    "FINEST", "INF", "LOG_SQRT_2PI", "MESH_LEVELS", "MESH_LEVELS_2D",
    "AffineLaw",
    "BetaLaw", "CauchyLaw", "Continuous1D", "ExponentialLaw", "GammaLaw", "GumbelLaw",
    "LaplaceLaw", "LogNormalLaw", "LogisticLaw", "NormalLaw", "StudentTLaw", "UniformLaw",
    "_CDF_NODES", "_LocScale", "_Positive", "_RESOLVED", "_finite_square", "_log1p_sq",
    "_np", "_special", "_z", "graded", "heavy_levels", "ndtr", "ndtri",
    "ratio",
]
