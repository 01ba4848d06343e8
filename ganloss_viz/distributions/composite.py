"""Atoms, mixtures, products and the 2-D families (mvnormal, ring, grid, points)."""

from __future__ import annotations

import math

import torch

from .base import (
    DIST,
    DISTS,
    INT,
    MATRIX,
    MAX_COMPONENTS,
    SCALAR,
    VECTOR,
    WEIGHTS,
    Distribution,
    Family,
    Param,
    register,
)
from .constraints import integer_interval, nonnegative, positive, real
from .measure import Measure1D, Measure2D, MVNormalLaw, _cat


@register
class DiracFamily(Family):
    name, dim, doc = "dirac", 1, "a point mass at loc"
    params = (Param("loc", SCALAR, real, 0.0, "location of the atom"),)

    def build(self, v):
        return Measure1D.atom(v["loc"])


def is_degenerate(d: Distribution) -> bool:
    """True when a 2-D law puts mass on lines or points (a Dirac coordinate)."""
    if d.name == "dirac":
        return True
    if d.name == "product":
        return is_degenerate(d.values["x"]) or is_degenerate(d.values["y"])
    if d.name == "mixture":
        return any(is_degenerate(c) for c in d.values["components"])
    return False


@register
class MixtureFamily(Family):
    name, dim, keyword_spec = "mixture", None, True
    doc = "a finite mixture; weights are normalised to sum to one"
    params = (Param("components", DISTS, real, None, "list of component specs"),
              Param("weights", WEIGHTS, nonnegative, None, "one weight per component (>= 0)"))

    def dim_of(self, values):
        return values["components"][0].dim

    def check(self, values):
        comps, w = values["components"], values["weights"]
        if len(w) != len(comps):
            return f"needs one weight per component: {len(comps)} components, {len(w)} weights"
        if not sum(w) > 0:
            return "weights must not all be zero"
        dims = {c.dim for c in comps}
        if len(dims) > 1:
            return "components must all be 1-D or all be 2-D"
        if dims == {2} and any(is_degenerate(c) for c in comps):
            return ("2-D mixtures of components with a Dirac coordinate (lines, points) "
                    "are not supported; use product(...) for lines")
        return None

    def build(self, v):
        parts, w = v["components"], v["weights"]
        w = w / w.sum(-1, keepdim=True)
        if isinstance(parts[0], Measure1D):
            comps = [law for m in parts for law in m.comps]
            comp_w = _cat([w[..., i:i + 1] * m.comp_w for i, m in enumerate(parts)])
            atom_loc = _cat([m.atom_loc for m in parts])
            atom_w = _cat([w[..., i:i + 1] * m.atom_w for i, m in enumerate(parts)])
            return Measure1D(comps, comp_w, atom_loc, atom_w)
        comps = [law for m in parts for law in m.comps]
        comp_w = _cat([w[..., i:i + 1] * m.comp_w for i, m in enumerate(parts)])
        return Measure2D(comps, comp_w)


@register
class ProductFamily(Family):
    name, dim = "product", 2
    doc = "independent coordinates X and Y; product(dirac(0), uniform(0, 1)) is a segment"
    params = (Param("x", DIST, real, None, "1-D law of the first coordinate"),
              Param("y", DIST, real, None, "1-D law of the second coordinate"))

    def check(self, values):
        if values["x"].dim != 1 or values["y"].dim != 1:
            return "both factors must be 1-D"
        return None

    def build(self, v):
        return Measure2D.product(v["x"], v["y"])


@register
class MVNormalFamily(Family):
    name, dim, keyword_spec = "mvnormal", 2, True
    doc = "2-D Gaussian with mean loc and covariance cov"
    params = (Param("loc", VECTOR, real, (0.0, 0.0), "mean [x, y]"),
              Param("cov", MATRIX, real, ((1.0, 0.0), (0.0, 1.0)), "covariance [[a, b], [b, c]]"))

    def check(self, values):
        (a, b), (b2, c) = values["cov"]
        if b != b2:
            return f"cov must be symmetric, got off-diagonal entries {b:g} and {b2:g}"
        if not (a > 0 and c > 0 and a * c - b * b > 0):
            return ("cov must be positive definite (a > 0, c > 0, a*c > b^2), "
                    f"got [[{a:g}, {b:g}], [{b:g}, {c:g}]]")
        return None

    def build(self, v):
        return Measure2D.of_law(MVNormalLaw(v["loc"], v["cov"]))


def _isotropic_mixture(centres: torch.Tensor, scale: torch.Tensor) -> Measure2D:
    """Equal-weight isotropic Gaussians N(centre_i, scale^2 I); centres (..., k, 2)."""
    k = centres.shape[-2]
    var = (scale * scale)[..., None, None] * torch.eye(2, dtype=torch.float64)
    laws = [MVNormalLaw(centres[..., i, :], var) for i in range(k)]
    return Measure2D(laws, torch.full((k,), 1.0 / k, dtype=torch.float64))


@register
class RingFamily(Family):
    name, dim = "ring", 2
    doc = "k Gaussians of std `scale` at radius*(cos 2 pi i/k, sin 2 pi i/k)"
    params = (Param("k", INT, integer_interval(1, 64), 8, "number of modes"),
              Param("radius", SCALAR, positive, 2.0, "radius of the ring"),
              Param("scale", SCALAR, positive, 0.02, "std of each mode"))

    def build(self, v):
        k = v["k"]
        ang = torch.arange(k, dtype=torch.float64) * (2 * math.pi / k)
        unit = torch.stack([ang.cos(), ang.sin()], -1)           # (k, 2)
        return _isotropic_mixture(v["radius"][..., None, None] * unit, v["scale"])


@register
class GridFamily(Family):
    name, dim = "grid", 2
    doc = "k = m^2 Gaussians of std `scale` on an m x m grid with `spacing`, centred at 0"
    params = (Param("k", INT, integer_interval(1, 64), 25, "number of modes (a square)"),
              Param("spacing", SCALAR, positive, 2.0, "distance between neighbours"),
              Param("scale", SCALAR, positive, 0.05, "std of each mode"))

    def check(self, values):
        m = math.isqrt(values["k"])
        if m * m != values["k"]:
            return f"k must be a perfect square (4, 9, 16, 25, ...), got {values['k']}"
        return None

    def build(self, v):
        m = math.isqrt(v["k"])
        ticks = torch.arange(m, dtype=torch.float64) - (m - 1) / 2
        gx, gy = torch.meshgrid(ticks, ticks, indexing="ij")
        unit = torch.stack([gx.flatten(), gy.flatten()], -1)     # (k, 2)
        return _isotropic_mixture(v["spacing"][..., None, None] * unit, v["scale"])


MAX_POINTS = MAX_COMPONENTS
"""Most points in a `points(...)` spec: as many modes as ring/grid allow, and the
spec grammar's longest list (`spec.MAX_LIST_LENGTH`)."""


@register
class PointsFamily(Family):
    """Hand-placed modes: the family a drawing on the Train page becomes.

    ``points(x=[x_1, ...], y=[y_1, ...], scale=s)`` is (1/k) sum_i N((x_i, y_i), s^2 I),
    the same equal-weight isotropic mixture as ring and grid but with free centres, so
    a drawn target is a plain spec string (URL, CLI, Compare) and its centres are the
    modes of the mode metrics. Coordinates are two lists rather than a list of pairs
    because the grammar's lists of numbers map onto declared parameters one to one and
    give gradient names `x.3`, `y.3` like a mixture's `weights.3`.
    """

    name, dim, keyword_spec = "points", 2, True
    doc = "equal-weight Gaussians of std `scale` centred at the points (x_i, y_i)"
    params = (Param("x", WEIGHTS, real, (-1.0, 1.0), f"first coordinates (at most {MAX_POINTS})"),
              Param("y", WEIGHTS, real, (0.0, 0.0), "second coordinates, one per x"),
              Param("scale", SCALAR, positive, 0.1, "std of each mode"))

    def check(self, values):
        xs, ys, scale = values["x"], values["y"], values["scale"]
        if len(xs) != len(ys):
            return (f"x and y must have the same length (one pair per point): "
                    f"{len(xs)} x values, {len(ys)} y values")
        if not 1 <= len(xs) <= MAX_POINTS:
            return f"needs 1 to {MAX_POINTS} points, got {len(xs)}"
        bad = next((i for i, c in enumerate(zip(xs, ys, strict=True))
                    if not all(math.isfinite(v) for v in c)), None)
        if bad is not None:
            return f"point {bad} = ({xs[bad]}, {ys[bad]}) must have finite coordinates"
        if not (math.isfinite(scale) and scale > 0):
            return f"scale must be a number > 0, got {scale}"
        seen: dict[tuple[float, float], int] = {}
        for i, c in enumerate(zip(xs, ys, strict=True)):
            if c in seen:
                return (f"point {i} = ({c[0]:g}, {c[1]:g}) repeats point {seen[c]}; "
                        "each point is one mode, so give it once")
            seen[c] = i
        return None

    def build(self, v):
        return _isotropic_mixture(torch.stack(torch.broadcast_tensors(v["x"], v["y"]), -1),
                                  v["scale"])
