"""Realised measures: what the divergence engine computes with.

A `Measure1D` is a finite mixture of continuous laws plus atoms (Dirac masses); a
`Measure2D` is either absolutely continuous (a mixture of 2-D laws) or a product of
two `Measure1D` (which may have atoms: lines and points in the plane). All tensors are
float64; parameters may carry a batch shape (...,), which every method broadcasts.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from .continuous import MESH_LEVELS, MESH_LEVELS_2D, Continuous1D, heavy_levels, ndtri
from .exact import det2
from .law1d import LOST_LOG

INF = math.inf


def _np(t: torch.Tensor) -> np.ndarray:
    return t.detach().cpu().numpy()


def _cat(xs: list[torch.Tensor]) -> torch.Tensor:
    """Concatenate along the last axis after broadcasting the batch shapes."""
    xs = [x for x in xs if x.shape[-1] > 0]
    if not xs:
        return torch.zeros(0, dtype=torch.float64)
    if all(x.shape[:-1] == xs[0].shape[:-1] for x in xs):
        return torch.cat(xs, dim=-1)                # one batch shape: nothing to broadcast
    batch = np.broadcast_shapes(*(x.shape[:-1] for x in xs))
    return torch.cat([x.expand(*batch, x.shape[-1]) for x in xs], dim=-1)


def log_or_minus_inf(t: torch.Tensor) -> torch.Tensor:
    """log t for t ≥ 0: -inf where t = 0, with a zero gradient there (log's own would be
    0/0 = NaN as soon as anything downstream masks that entry out)."""
    pos = t > 0
    return torch.where(pos, torch.where(pos, t, torch.ones_like(t)).log(),
                       torch.full_like(t, -INF))


def _log_mixture(w: torch.Tensor, lps: list[torch.Tensor]) -> torch.Tensor:
    """log Σ_c w_c·exp(lp_c) for weights w (..., C) and log-densities lp_c (..., N).

    A log-sum-exp of log w_c + lp_c when every weight is positive. With a zero weight
    (typed, or reached by a sweep) log w_c would make d/dw_c = 0·inf = NaN; it is then
    m + log Σ_c w_c·exp(lp_c − m) (m: the largest log-term, detached), whose d/dw_c is
    p_c / p, and -inf with a zero gradient where every term is 0.
    """
    if bool((w.detach() > 0).all()):           # the usual case, and the fast one
        lw = w.log()
        terms = [lw[..., c:c + 1] + lp for c, lp in enumerate(lps)]
        if len(terms) == 1:
            return terms[0]
        out = torch.logsumexp(torch.stack(torch.broadcast_tensors(*terms), 0), dim=0)
        # where every component's density is 0 (below 0 for laws on (0, ∞)), logsumexp is
        # −inf and its gradient 0/0: those points take the masked path below (the test
        # on the result: a C-th of the entries of the terms)
        if not out.numel() or out.detach().min().item() > -INF:   # (NaN fails too)
            return out
    parts = [torch.broadcast_tensors(w[..., c:c + 1], lp) for c, lp in enumerate(lps)]
    shape = torch.broadcast_shapes(*(a.shape for a, _ in parts))
    W = torch.stack([a.expand(shape) for a, _ in parts])
    L = torch.stack([b.expand(shape) for _, b in parts])
    finite = torch.isfinite(L)
    with torch.no_grad():
        m = torch.where((W > 0) & finite, W.clamp(min=1e-300).log() + L, -INF).amax(0)
        ok = torch.isfinite(m)
        m = torch.where(ok, m, torch.zeros_like(m))
    z = torch.where(finite, L, m) - m
    # A zero weight's term is 0 whatever its density: its exponent is capped at 700 in
    # value (not in slope) so that 0·exp stays 0 (the gradient p_c/p is then capped at
    # e^700). Written as 700 + (z − z) with the difference detached on one side: as
    # z + (700 − z) it rounded to 2048 where z is 8.8e18, and exp to inf.
    z = torch.where(z > 700.0, 700.0 + (z - z.detach()), z)
    e = torch.where(finite, torch.exp(z), torch.zeros_like(z))
    total = (W * e).sum(0)
    return torch.where(ok, log_or_minus_inf(total) + m, torch.full_like(total, -INF))


_ONE = torch.ones(1, dtype=torch.float64)      # the weight of a measure of one law


def _beyond(law: Continuous1D, x: torch.Tensor) -> int:
    """+1 where every x lies at or below the law's support (F = 0, S = 1 there, for any
    nearby parameters), −1 where every x lies at or above it (F = 1, S = 0), 0 otherwise.
    A bounded law seen from a frame far away (a beta at 2e42 from a logistic's frame) has
    a support narrower than the float spacing there, and its CDF's quadrature, asked at
    points it does not reach, returned NaN."""
    lo, hi = law.lo, law.hi
    if not (isinstance(lo, torch.Tensor) or isinstance(hi, torch.Tensor)) or not x.numel():
        return 0
    xd = x.detach()
    if isinstance(lo, torch.Tensor) and float(xd.max()) <= float(lo.detach().min()):
        return 1
    if isinstance(hi, torch.Tensor) and float(xd.min()) >= float(hi.detach().max()):
        return -1
    return 0


class Measure1D:
    """sum_c w_c * law_c + sum_a m_a * delta(loc_a), weights summing to one."""

    dim = 1

    def __init__(self, comps: list[Continuous1D], comp_w: torch.Tensor,
                 atom_loc: torch.Tensor, atom_w: torch.Tensor):
        self.comps = comps
        self.comp_w = comp_w          # (..., C)
        self.atom_loc = atom_loc      # (..., A)
        self.atom_w = atom_w          # (..., A)

    @classmethod
    def of_law(cls, law: Continuous1D) -> Measure1D:
        empty = torch.zeros(0, dtype=torch.float64)
        return cls([law], _ONE, empty, empty)

    @classmethod
    def atom(cls, loc: torch.Tensor) -> Measure1D:
        loc = loc.unsqueeze(-1)
        return cls([], torch.zeros(0, dtype=torch.float64), loc, torch.ones_like(loc))

    @property
    def has_atoms(self) -> bool:
        return self.atom_loc.shape[-1] > 0

    def shifted(self, c: torch.Tensor) -> Measure1D:
        """The measure of X − c, c a tensor of batch shape (...) (attached: the shift's
        own gradient path, see `frames.recentred`)."""
        c1 = c.unsqueeze(-1)
        return Measure1D([law.shifted(c1) for law in self.comps], self.comp_w,
                         self.atom_loc - c1, self.atom_w)

    def scaled(self, k: float) -> Measure1D | None:
        """The measure of X / k, or None if one of its laws has no scaled form."""
        comps = [law.scaled(k) for law in self.comps]
        if any(c is None for c in comps):
            return None
        return Measure1D(comps, self.comp_w, self.atom_loc / k, self.atom_w)

    @property
    def has_continuous(self) -> bool:
        return len(self.comps) > 0

    def log_density(self, x: torch.Tensor) -> torch.Tensor:
        """Log-density of the continuous part (weights included); -inf where zero."""
        if not self.comps:
            return torch.full_like(x, -INF)
        if self.comp_w is _ONE:
            return self.comps[0].log_prob(x)      # one law: no weights to fold in
        return _log_mixture(self.comp_w, [law.log_prob(x) for law in self.comps])

    def log_neg_log_density(self, x: torch.Tensor) -> tuple[torch.Tensor, bool]:
        """(log(−log p(x)), whether exact) where the log-density has rounded to −inf inside
        the support (see Continuous1D.log_neg_log_prob): the smallest over the laws, since
        −log Σ w_k p_k is min_k (−log p_k) up to the −log w_k ≤ 745 that it drops beside
        5e299; exact where every law's is, else a lower bound."""
        if not self.comps:
            return torch.full_like(x.detach(), LOST_LOG), False
        parts = torch.broadcast_tensors(*(law.log_neg_log_prob(x) for law in self.comps))
        return torch.stack(parts).amin(0), all(law.far_log_exact for law in self.comps)

    def cdf(self, x: torch.Tensor) -> torch.Tensor:
        """P(X <= x), atoms included."""
        total = torch.zeros_like(x)
        for c, law in enumerate(self.comps):
            side = _beyond(law, x)
            if side == 0:
                total = total + self.comp_w[..., c:c + 1] * law.cdf(x)
            elif side < 0:
                total = total + self.comp_w[..., c:c + 1] * torch.ones_like(x)
        if self.has_atoms:
            step = (self.atom_loc.detach().unsqueeze(-1) <= x.detach().unsqueeze(-2))
            total = total + (self.atom_w.unsqueeze(-1) * step).sum(-2)
        return total

    def sf(self, x: torch.Tensor) -> torch.Tensor:
        """P(X > x), atoms included, with its digits in the right tail (see Continuous1D.sf)."""
        total = torch.zeros_like(x)
        for c, law in enumerate(self.comps):
            side = _beyond(law, x)
            if side == 0:
                total = total + self.comp_w[..., c:c + 1] * law.sf(x)
            elif side > 0:
                total = total + self.comp_w[..., c:c + 1] * torch.ones_like(x)
        if self.has_atoms:
            step = (self.atom_loc.detach().unsqueeze(-1) > x.detach().unsqueeze(-2))
            total = total + (self.atom_w.unsqueeze(-1) * step).sum(-2)
        return total

    def cdf_value(self, x: torch.Tensor) -> torch.Tensor:
        """P(X <= x), detached and fast (exact values; no gradient bookkeeping)."""
        with torch.no_grad():
            total = torch.zeros_like(x)
            for c, law in enumerate(self.comps):
                total = total + self.comp_w[..., c:c + 1].detach() * law.cdf_value(x)
            if self.has_atoms:
                step = self.atom_loc.detach().unsqueeze(-1) <= x.unsqueeze(-2)
                total = total + (self.atom_w.detach().unsqueeze(-1) * step).sum(-2)
            return total

    def mesh_np(self, levels: np.ndarray = MESH_LEVELS) -> np.ndarray:
        """Detached points where quadrature panels should break (quantiles, atoms)."""
        heavy = levels is MESH_LEVELS
        parts = [np.atleast_1d(law.quantile_np(heavy_levels(law.tail_alpha)
                                               if heavy and law.tail_alpha < INF else levels))
                 for law in self.comps]
        parts += [law.extra_mesh_np() for law in self.comps if law.extra_mesh_np() is not None]
        if not parts:                       # atoms only: they are in jumps()
            return np.zeros(_np(self.atom_loc).shape[:-1] + (0,))
        batch = np.broadcast_shapes(*(p.shape[:-1] for p in parts))
        return np.concatenate([np.broadcast_to(p, batch + p.shape[-1:]) for p in parts], -1)

    def jumps(self) -> torch.Tensor:
        """Attached points where the measure jumps: finite support ends and atoms."""
        ends = []
        for law in self.comps:
            for e in (law.lo, law.hi):
                if isinstance(e, torch.Tensor):
                    ends.append(e)
        return _cat(ends + [self.atom_loc])

    def tails(self) -> tuple[float, np.ndarray]:
        """(alpha, coef): sf(x) ~ coef * |x|^-alpha on both sides (alpha=inf: light).
        A component of weight 0 (in every row) has no tail; where only some rows give the
        heaviest weight 0, their coef is 0."""
        w = _np(self.comp_w)
        alphas = [law.tail_alpha for c, law in enumerate(self.comps)
                  if self.comp_w is _ONE or bool((w[..., c] > 0).any())]
        alpha = min(alphas, default=INF)
        coef = np.zeros(())
        if math.isfinite(alpha):
            for c, law in enumerate(self.comps):
                if law.tail_alpha == alpha:
                    coef = coef + w[..., c] * law.tail_coef()
        return alpha, coef

    def char_fn(self, w: torch.Tensor) -> torch.Tensor | None:
        """E exp(i w X) at frequencies w (..., N), or None if a component has none."""
        parts = [law.char_fn(w) for law in self.comps]
        if any(p is None for p in parts):
            return None
        total = torch.zeros_like(w, dtype=torch.complex128)
        for c, p in enumerate(parts):
            total = total + self.comp_w[..., c:c + 1] * p
        if self.has_atoms:
            phase = torch.exp(1j * self.atom_loc.unsqueeze(-1) * w.unsqueeze(-2))
            total = total + (self.atom_w.unsqueeze(-1) * phase).sum(-2)
        return total

    def gaussian_mixture(self):
        """(weights, means, variances) when every part is Gaussian or an atom, else None."""
        if any(law.gaussian is None for law in self.comps):
            return None
        means = [law.gaussian[0] for law in self.comps] + [self.atom_loc]
        vars_ = [law.gaussian[1] for law in self.comps] + [torch.zeros_like(self.atom_loc)]
        return _cat([self.comp_w, self.atom_w]), _cat(means), _cat(vars_)

    def moment(self, k: int) -> torch.Tensor | None:
        """E[X^k] for Gaussian mixtures with atoms (None otherwise)."""
        g = self.gaussian_mixture()
        if g is None:
            return None
        w, m, v = g
        if k == 1:
            return (w * m).sum(-1)
        return (w * (m * m + v)).sum(-1)


class Continuous2D:
    """A realised absolutely continuous law in the plane."""

    gaussian: tuple[torch.Tensor, torch.Tensor] | None = None  # (mean (...,2), cov (...,2,2))

    def log_prob(self, xy: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def mesh_np(self, axis: int, levels: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def jumps(self, axis: int) -> torch.Tensor:
        """Attached coordinates (along `axis`) where the density jumps."""
        return torch.zeros(0, dtype=torch.float64)


class MVNormalLaw(Continuous2D):
    def __init__(self, loc: torch.Tensor, cov: torch.Tensor):
        self.loc = loc          # (..., 2)
        self.cov = cov          # (..., 2, 2)
        self.gaussian = (loc, cov)

    def log_prob(self, xy):
        d = xy - self.loc.unsqueeze(-2)                       # (..., N, 2)
        a, b, c = self.cov[..., 0, 0], self.cov[..., 0, 1], self.cov[..., 1, 1]
        det = det2(a, b, c).unsqueeze(-1)
        a, b, c = a.unsqueeze(-1), b.unsqueeze(-1), c.unsqueeze(-1)
        quad = (c * d[..., 0] ** 2 - 2 * b * d[..., 0] * d[..., 1] + a * d[..., 1] ** 2) / det
        return -0.5 * quad - 0.5 * det.log() - math.log(2 * math.pi)

    def mesh_np(self, axis, levels):
        m = _np(self.loc[..., axis])[..., None]
        s = np.sqrt(_np(self.cov[..., axis, axis]))[..., None]
        return m + s * ndtri(levels)


class ProductLaw(Continuous2D):
    """Independent coordinates, both absolutely continuous."""

    def __init__(self, x: Measure1D, y: Measure1D):
        self.x, self.y = x, y
        gx, gy = x.gaussian_mixture(), y.gaussian_mixture()
        if gx is not None and gy is not None and gx[0].shape[-1] == 1 == gy[0].shape[-1]:
            zero = torch.zeros_like(gx[2][..., 0] + gy[2][..., 0])
            mean = torch.stack(torch.broadcast_tensors(gx[1][..., 0], gy[1][..., 0]), -1)
            cov = torch.stack([torch.stack([gx[2][..., 0] + zero, zero], -1),
                               torch.stack([zero, gy[2][..., 0] + zero], -1)], -2)
            self.gaussian = (mean, cov)

    def log_prob(self, xy):
        return self.x.log_density(xy[..., 0]) + self.y.log_density(xy[..., 1])

    def mesh_np(self, axis, levels):
        return (self.x, self.y)[axis].mesh_np(levels)

    def jumps(self, axis):
        return (self.x, self.y)[axis].jumps()


class Measure2D:
    """A mixture of 2-D laws (absolutely continuous), or a product of two 1-D measures."""

    dim = 2

    def __init__(self, comps: list[Continuous2D] | None, comp_w: torch.Tensor | None,
                 factors: tuple[Measure1D, Measure1D] | None = None):
        self.comps = comps
        self.comp_w = comp_w
        self.factors = factors

    @classmethod
    def of_law(cls, law: Continuous2D) -> Measure2D:
        return cls([law], torch.ones(1, dtype=torch.float64))

    @classmethod
    def product(cls, x: Measure1D, y: Measure1D) -> Measure2D:
        """Independent coordinates; `comps` holds the part with a density in the plane."""
        comps = [ProductLaw(x, y)] if (x.has_continuous and y.has_continuous) else []
        return cls(comps, torch.ones(len(comps), dtype=torch.float64), (x, y))

    @property
    def continuous(self) -> bool:
        """True when the whole mass has a density in the plane (no lines or points)."""
        return self.factors is None or not (self.factors[0].has_atoms
                                            or self.factors[1].has_atoms)

    def continuous_mass(self) -> torch.Tensor:
        """Mass of the part with a density in the plane."""
        if self.factors is None:
            return torch.ones((), dtype=torch.float64)
        x, y = self.factors
        return x.comp_w.sum(-1) * y.comp_w.sum(-1)

    def log_density(self, xy: torch.Tensor) -> torch.Tensor:
        """Log-density of the part with a density in the plane (-inf if none)."""
        if not self.comps:
            return torch.full_like(xy[..., 0], -INF)
        return _log_mixture(self.comp_w, [law.log_prob(xy) for law in self.comps])

    def mesh_np(self, axis: int, levels: np.ndarray = MESH_LEVELS_2D) -> np.ndarray:
        """Mesh points of the part with a density in the plane (none without one)."""
        parts = [np.atleast_1d(law.mesh_np(axis, levels)) for law in self.comps]
        if not parts:
            return np.zeros(0)
        batch = np.broadcast_shapes(*(p.shape[:-1] for p in parts))
        return np.concatenate([np.broadcast_to(p, batch + p.shape[-1:]) for p in parts], -1)

    def jumps(self, axis: int) -> torch.Tensor:
        return _cat([law.jumps(axis) for law in self.comps])

    def gaussian_mixture(self):
        """(weights (...,M), means (...,M,2), covs (...,M,2,2)) or None."""
        if self.factors is not None:
            gx, gy = self.factors[0].gaussian_mixture(), self.factors[1].gaussian_mixture()
            if gx is None or gy is None:
                return None
            w = gx[0].unsqueeze(-1) * gy[0].unsqueeze(-2)
            mx, my = torch.broadcast_tensors(gx[1].unsqueeze(-1), gy[1].unsqueeze(-2))
            vx, vy = torch.broadcast_tensors(gx[2].unsqueeze(-1), gy[2].unsqueeze(-2))
            zero = torch.zeros_like(vx)
            mean = torch.stack([mx, my], -1).flatten(-3, -2)
            cov = torch.stack([torch.stack([vx, zero], -1), torch.stack([zero, vy], -1)], -2)
            return w.flatten(-2), mean, cov.flatten(-4, -3)
        if any(law.gaussian is None for law in self.comps):
            return None
        means = torch.stack(torch.broadcast_tensors(*[law.gaussian[0] for law in self.comps]), -2)
        covs = torch.stack(torch.broadcast_tensors(*[law.gaussian[1] for law in self.comps]), -3)
        return self.comp_w, means, covs
