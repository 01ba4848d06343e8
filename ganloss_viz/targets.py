"""Training data sets for the GAN trainer: named toy targets and any distribution spec.

`get_target("ring8")` or `get_target("normal(0, 1)")` returns a `Target` with

- name, dim (1 or 2), doc (one line), spec (its spec string, or None for the
  procedural 2-D sets);
- sample(n, generator) -> float32 tensor (n, dim), i.i.d., a function of the generator's
  state only (CPU generator; move the batch to the training device afterwards);
- modes (K, dim) float32 and mode_std, for the mode metrics, or None;
- density(x) -> density values (float64) of the continuous part, or None (has_density);
- scale: a typical extent: the 0.995-quantile of max_i |x_i| over 20 000 samples drawn
  with seed 0, so [-scale, scale]^dim frames the data and the origin.

Named targets (TARGETS, in this order):

=============== ====================================================================
ring8           ring(8, 2, 0.02): 8 Gaussians, std 0.02, on the circle of radius 2
grid25          grid(25, 2, 0.05): 25 Gaussians, std 0.05, centres {-4,-2,0,2,4}^2
spiral          two interleaved Archimedean arms, 2 turns, radius <= 2, noise std 0.05
swiss_roll      sklearn's 2-D swiss roll t(cos t, sin t)/5, t ~ U(1.5π, 4.5π), noise 0.05
moons           sklearn's two moons, centred and scaled by 2, noise std 0.1
circles         two concentric circles, radii 1 and 2, equal mass, noise std 0.05
checkerboard    uniform on the 8 dark unit squares of a 4x4 board on [-2, 2]^2
parallel_lines  two vertical segments x = ±1, y ~ U(-1, 1): the WGAN paper's
                product(dirac(0), uniform(0, 1)) doubled, a target with no density
bimodal         0.5 N(-2, 0.25²) + 0.5 N(2, 0.25²)
trimodal        three equal modes N(c, 0.25²), c = -3, 0, 3
=============== ====================================================================

Spec targets (1-D or 2-D) sample their realised measure exactly: a component index per
sample from the mixture weights, then the component (Gaussians by location-scale,
other 1-D laws by inverse CDF, products coordinate-wise). Their modes are the
component centres when every component is Gaussian (atoms count as Gaussians of zero
width), with mode_std the largest component standard deviation (the square root of
the largest covariance eigenvalue in 2-D); when that is 0 (atoms only), modes are None.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable

import torch

from .distributions import Distribution, dist
from .distributions.measure import Measure1D, Measure2D, MVNormalLaw, ProductLaw

F64 = torch.float64
SCALE_SAMPLES = 20_000
SCALE_LEVEL = 0.995
U_TINY = 1e-12

Sampler = Callable[[int, torch.Generator], torch.Tensor]


class Target:
    """A training data set; see the module docstring for the attributes."""

    def __init__(self, name: str, dim: int, sampler: Sampler, *, doc: str = "",
                 spec: str | None = None, modes: torch.Tensor | None = None,
                 mode_std: float | None = None,
                 log_density: Callable[[torch.Tensor], torch.Tensor] | None = None):
        self.name = name
        self.dim = dim
        self.doc = doc
        self.spec = spec
        self.modes = None if modes is None else modes.to(torch.float32).reshape(-1, dim)
        self.mode_std = None if mode_std is None else float(mode_std)
        self._sampler = sampler
        self._log_density = log_density
        self._scale: float | None = None

    @property
    def has_density(self) -> bool:
        return self._log_density is not None

    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """n i.i.d. samples, float32 (n, dim), drawn from `generator` (a CPU generator)."""
        try:
            count = operator.index(n)
        except TypeError:
            count = -1
        if count < 0:
            raise ValueError(f"number of samples must be an integer >= 0, got {n!r}")
        n = count
        if not isinstance(generator, torch.Generator):
            raise ValueError("sample needs a torch.Generator, e.g. "
                             "torch.Generator().manual_seed(0)")
        if n == 0:
            return torch.zeros(0, self.dim)
        x = self._sampler(n, generator)
        return x.reshape(n, self.dim).to(torch.float32)

    def density(self, x: torch.Tensor) -> torch.Tensor | None:
        """Density (float64) at points x: (n,) or (n, 1) in 1-D, (n, 2) in 2-D; None if none.

        For a target with atoms or lines, the density of its continuous part.
        """
        if self._log_density is None:
            return None
        x = torch.as_tensor(x, dtype=F64)
        if self.dim == 1:
            return torch.exp(self._log_density(x.reshape(-1)))
        if x.dim() != 2 or x.shape[-1] != 2:
            raise ValueError(f"density of the 2-D target '{self.name}' needs points of shape "
                             f"(n, 2), got {tuple(x.shape)}")
        return torch.exp(self._log_density(x))

    @property
    def scale(self) -> float:
        if self._scale is None:
            x = self.sample(SCALE_SAMPLES, torch.Generator().manual_seed(0)).to(F64)
            extent = x.abs().amax(dim=1)
            self._scale = float(torch.quantile(extent, SCALE_LEVEL))
        return self._scale

    def __repr__(self) -> str:
        return f"<target {self.name} ({self.dim}-D)>"


# ----------------------------------------------------------------------- spec sampling

def _sample_1d(M: Measure1D, n: int, gen: torch.Generator) -> torch.Tensor:
    """n i.i.d. draws (float64) from a realised 1-D measure (continuous laws and atoms)."""
    w = torch.cat([M.comp_w.reshape(-1), M.atom_w.reshape(-1)]).detach()
    idx = torch.multinomial(w, n, replacement=True, generator=gen)
    u = torch.rand(n, generator=gen, dtype=F64).clamp(U_TINY, 1 - U_TINY)
    x = torch.empty(n, dtype=F64)
    for c, law in enumerate(M.comps):
        m = idx == c
        if m.any():
            x[m] = law.ppf(u[m]).detach().reshape(-1).to(F64)
    for a, loc in enumerate(M.atom_loc.detach().reshape(-1)):
        x[idx == len(M.comps) + a] = loc
    return x


def _gaussian_1d_sampler(w, means, var) -> Sampler:
    sd = var.sqrt()

    def sample(n, gen):
        idx = torch.multinomial(w, n, replacement=True, generator=gen)
        eps = torch.randn(n, generator=gen, dtype=F64)
        return means[idx] + sd[idx] * eps
    return sample


def _gaussian_2d_sampler(w, means, covs) -> Sampler:
    chol = torch.linalg.cholesky(covs)                       # (K, 2, 2)

    def sample(n, gen):
        idx = torch.multinomial(w, n, replacement=True, generator=gen)
        eps = torch.randn(n, 2, 1, generator=gen, dtype=F64)
        return means[idx] + (chol[idx] @ eps).squeeze(-1)
    return sample


def _sample_2d(M: Measure2D, n: int, gen: torch.Generator) -> torch.Tensor:
    if M.factors is not None:
        return torch.stack([_sample_1d(M.factors[0], n, gen), _sample_1d(M.factors[1], n, gen)], -1)
    idx = torch.multinomial(M.comp_w.reshape(-1).detach(), n, replacement=True, generator=gen)
    x = torch.empty(n, 2, dtype=F64)
    for c, law in enumerate(M.comps):
        m = idx == c
        k = int(m.sum())
        if not k:
            continue
        if isinstance(law, MVNormalLaw):
            L = torch.linalg.cholesky(law.cov.detach().reshape(2, 2))
            eps = torch.randn(k, 2, generator=gen, dtype=F64)
            x[m] = law.loc.detach().reshape(2) + eps @ L.T
        elif isinstance(law, ProductLaw):
            x[m] = torch.stack([_sample_1d(law.x, k, gen), _sample_1d(law.y, k, gen)], -1)
        else:  # pragma: no cover - every 2-D family builds one of the two
            raise ValueError(f"cannot sample the 2-D law {type(law).__name__}")
    return x


def _modes_of(M) -> tuple[torch.Tensor | None, float | None]:
    g = M.gaussian_mixture()
    if g is None:
        return None, None
    w, means, var = (t.detach() for t in g)
    keep = w > 0
    if M.dim == 1:
        centres, std = means[keep].reshape(-1, 1), float(var[keep].max().sqrt())
    else:
        centres = means[keep].reshape(-1, 2)
        std = float(torch.linalg.eigvalsh(var[keep]).amax().clamp(min=0).sqrt())
    if not std > 0:
        return None, None
    return centres, std


def from_distribution(d: Distribution, name: str | None = None, doc: str = "") -> Target:
    """A target sampling the realised measure of distribution `d`."""
    M = d.realize()
    spec = d.to_spec()
    modes, std = _modes_of(M)
    g = M.gaussian_mixture()
    if M.dim == 1:
        sampler = (_gaussian_1d_sampler(*(t.detach() for t in g)) if g is not None
                   else lambda n, gen: _sample_1d(M, n, gen))
        log_density = M.log_density if M.has_continuous else None
    else:
        pure = g is not None and M.factors is None
        sampler = (_gaussian_2d_sampler(*(t.detach() for t in g)) if pure
                   else lambda n, gen: _sample_2d(M, n, gen))
        log_density = M.log_density if M.continuous else None
    return Target(name or spec, M.dim, sampler, doc=doc or f"samples of {spec}", spec=spec,
                  modes=modes, mode_std=std, log_density=log_density)


# ----------------------------------------------------------------- procedural 2-D sets

def _u(n, gen):
    return torch.rand(n, generator=gen, dtype=F64)


def _noise(n, gen, std):
    return std * torch.randn(n, 2, generator=gen, dtype=F64)


def _spiral(n, gen):
    arm = torch.randint(0, 2, (n,), generator=gen)
    theta = 4 * math.pi * _u(n, gen).sqrt()               # uniform in arc length
    r = theta / (2 * math.pi)                              # one unit of radius per turn
    phi = theta + math.pi * arm
    return torch.stack([r * phi.cos(), r * phi.sin()], -1) + _noise(n, gen, 0.05)


def _swiss_roll(n, gen):
    t = 1.5 * math.pi * (1 + 2 * _u(n, gen))
    return torch.stack([t * t.cos(), t * t.sin()], -1) / 5 + _noise(n, gen, 0.05)


def _moons(n, gen):
    upper = torch.randint(0, 2, (n,), generator=gen).bool()
    a = math.pi * _u(n, gen)
    x = torch.where(upper, a.cos(), 1 - a.cos())
    y = torch.where(upper, a.sin(), 0.5 - a.sin())
    return 2 * (torch.stack([x, y], -1) - torch.tensor([0.5, 0.25], dtype=F64)) \
        + _noise(n, gen, 0.1)


def _circles(n, gen):
    r = 1.0 + torch.randint(0, 2, (n,), generator=gen).to(F64)
    a = 2 * math.pi * _u(n, gen)
    return torch.stack([r * a.cos(), r * a.sin()], -1) + _noise(n, gen, 0.05)


_DARK = torch.tensor([(i, j) for i in range(4) for j in range(4) if (i + j) % 2 == 0],
                     dtype=F64)


def _checkerboard(n, gen):
    cell = _DARK[torch.randint(0, len(_DARK), (n,), generator=gen)]
    return cell - 2 + torch.rand(n, 2, generator=gen, dtype=F64)


def _spec_target(name: str, spec: str, doc: str) -> Target:
    return from_distribution(dist(spec), name=name, doc=doc)


TARGETS: dict[str, Target] = {t.name: t for t in (
    _spec_target("ring8", "ring(8, 2, 0.02)",
                 "8 Gaussians (std 0.02) evenly spaced on the circle of radius 2"),
    _spec_target("grid25", "grid(25, 2, 0.05)",
                 "25 Gaussians (std 0.05) on the grid {−4, −2, 0, 2, 4}²"),
    Target("spiral", 2, _spiral, doc="two interleaved spiral arms, two turns, radius ≤ 2"),
    Target("swiss_roll", 2, _swiss_roll, doc="the 2-D swiss roll t(cos t, sin t)/5"),
    Target("moons", 2, _moons, doc="two interleaving half circles"),
    Target("circles", 2, _circles, doc="two concentric circles of radii 1 and 2"),
    Target("checkerboard", 2, _checkerboard, doc="uniform on the dark squares of a 4×4 board"),
    _spec_target("parallel_lines",
                 "product(mixture(components=[dirac(-1), dirac(1)], weights=[0.5, 0.5]), "
                 "uniform(-1, 1))",
                 "two vertical segments x = ±1, y ∈ [−1, 1]: supports a line apart"),
    _spec_target("bimodal",
                 "mixture(components=[normal(-2, 0.25), normal(2, 0.25)], weights=[0.5, 0.5])",
                 "0.5·N(−2, 0.25²) + 0.5·N(2, 0.25²)"),
    _spec_target("trimodal",
                 "mixture(components=[normal(-3, 0.25), normal(0, 0.25), normal(3, 0.25)], "
                 "weights=[1, 1, 1])",
                 "three equal modes N(c, 0.25²), c ∈ {−3, 0, 3}"),
)}


def names() -> list[str]:
    """The named targets, in registry order."""
    return list(TARGETS)


def get_target(name_or_spec: str | Distribution | Target) -> Target:
    """A named target, or one built from a spec string / Distribution.

    Raises ValueError naming the known targets and why the text is not a valid spec.
    """
    if isinstance(name_or_spec, Target):
        return name_or_spec
    if isinstance(name_or_spec, str) and name_or_spec in TARGETS:
        return TARGETS[name_or_spec]
    try:
        d = dist(name_or_spec)
    except ValueError as e:
        raise ValueError(f"unknown target '{name_or_spec}'; known: {', '.join(TARGETS)}, "
                         f"or a 1-D / 2-D distribution spec such as 'normal(0, 1)' "
                         f"(not a valid spec: {e})") from None
    return from_distribution(d)
