"""The Dirac-GAN of Mescheder, Geiger & Nowozin (2018), "Which training methods for
GANs do actually converge?": why some GAN training methods converge and others circle.

The data are a point mass at 0, the generator a point mass at θ, the discriminator
linear, D_ψ(x) = ψ·x. In the paper's convention the discriminator scores *fakeness*:

    L(θ, ψ) = f(D_ψ(θ)) + f(−D_ψ(0)) = f(ψθ) + f(0),

the generator minimises L_G and the discriminator minimises L_D (= −L for the plain
game). f(t) = −log(1 + e^(−t)) for the GAN (f'(0) = 1/2, f''(0) = −1/4); f(t) = t for
the WGAN. The **gradient vector field** is the simultaneous-gradient-descent direction

    v(θ, ψ) = (−∂L_G/∂θ, −∂L_D/∂ψ),

computed here by autograd (torch, float64) from each method's losses, elementwise on
grids. The only equilibrium is (0, 0); the eigenvalues λ of the Jacobian of v there
decide local convergence: all Re λ < 0 → gradient descent converges for small enough
steps; a purely imaginary pair → the flow circles (simultaneous GD spirals outwards
for every step size, alternating GD keeps circling). Every method is one `Method`
entry in `METHODS`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from dataclasses import field as dc_field

import numpy as np
import torch

from .dirac_noise import HERMITE_NODES, expect_f, hermite_rule

Tensor = torch.Tensor
DTYPE = torch.float64
MAX_STEPS = 2000         # trajectory length cap (the page and the CLI share it)
ZERO_TOL = 1e-12         # |Re λ| below this counts as 0 (purely imaginary)


# --- parameters -------------------------------------------------------------------------


@dataclass(frozen=True)
class Params:
    """The methods' parameters (a method reads only the ones in `Method.params`).

    gamma: penalty / consensus weight γ ≥ 0; sigma: instance-noise standard deviation
    σ ≥ 0; clip: WGAN weight clipping, ψ ∈ [−clip, clip], clip > 0; g0: WGAN-GP's
    target gradient norm (1 in the WGAN-GP paper) ≥ 0.
    """

    gamma: float = 0.3
    sigma: float = 1.0
    clip: float = 1.0
    g0: float = 1.0

    def validated(self) -> Params:
        for name, low, strict in (("gamma", 0.0, False), ("sigma", 0.0, False),
                                  ("clip", 0.0, True), ("g0", 0.0, False)):
            x = getattr(self, name)
            if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
                raise ValueError(f"{name}={x!r} is not a finite number")
            if x < low or (strict and x == low):
                raise ValueError(f"{name}={x!r} must be {'>' if strict else '>='} {low:g}")
        return replace(self, **{n: float(getattr(self, n)) for n in ("gamma", "sigma",
                                                                     "clip", "g0")})


# --- the loss functions f -------------------------------------------------------------------


def f_gan(t: Tensor) -> Tensor:
    """f(t) = −log(1 + e^(−t)) = log sigmoid(t), as −softplus(−t) (never log of 0)."""
    return -torch.nn.functional.softplus(-t)


def f_wgan(t: Tensor) -> Tensor:
    return t


# --- the methods -----------------------------------------------------------------------------

Losses = Callable[[Tensor, Tensor, Params], "tuple[Tensor, Tensor]"]


def _gan(theta: Tensor, psi: Tensor, p: Params) -> tuple[Tensor, Tensor]:
    loss = f_gan(psi * theta) + f_gan(torch.zeros_like(theta))
    return loss, -loss


def _ns(theta: Tensor, psi: Tensor, p: Params) -> tuple[Tensor, Tensor]:
    _, l_d = _gan(theta, psi, p)
    return -f_gan(-psi * theta), l_d


def _wgan(theta: Tensor, psi: Tensor, p: Params) -> tuple[Tensor, Tensor]:
    loss = f_wgan(psi * theta)
    return loss, -loss


def _wgan_gp(theta: Tensor, psi: Tensor, p: Params) -> tuple[Tensor, Tensor]:
    l_g, l_d = _wgan(theta, psi, p)
    # |∇_x D| = |ψ| everywhere; |ψ| written with `where` so that its slope at ψ = 0 is
    # the one-sided +1 (autograd's abs has slope sign(0) = 0 there, and its double
    # backward loads torch's decompositions, seconds on first use).
    abs_psi = torch.where(psi >= 0, psi, -psi)
    return l_g, l_d + p.gamma * (abs_psi - p.g0) ** 2


def _r1(theta: Tensor, psi: Tensor, p: Params) -> tuple[Tensor, Tensor]:
    l_g, l_d = _gan(theta, psi, p)
    return l_g, l_d + p.gamma / 2 * psi**2                   # ∇_x D = ψ at the data (and anywhere)


def _instance_noise(theta: Tensor, psi: Tensor, p: Params) -> tuple[Tensor, Tensor]:
    """L = E f(ψ(θ + σε)) + E f(−ψσε), ε ~ N(0, 1), by quadrature (see dirac_noise)."""
    loss = expect_f(psi * theta, psi * p.sigma) + expect_f(torch.zeros_like(psi), psi * p.sigma)
    return loss, -loss


def _consensus_field(theta: Tensor, psi: Tensor, p: Params,
                     graph: bool = True) -> tuple[Tensor, Tensor]:
    """Consensus optimisation (Mescheder et al. 2017): v − γ∇(½‖v‖²), v the GAN's field."""
    v_t, v_p = gradient_field(_gan, theta, psi, p)
    half_norm = 0.5 * (v_t**2 + v_p**2)
    g_t, g_p = torch.autograd.grad(half_norm.sum(), (theta, psi), create_graph=graph)
    return v_t - p.gamma * g_t, v_p - p.gamma * g_p


def gradient_field(losses: Losses, theta: Tensor, psi: Tensor, p: Params,
                   graph: bool = True) -> tuple[Tensor, Tensor]:
    """(−∂L_G/∂θ, −∂L_D/∂ψ) elementwise (theta, psi must require grad); graph: keep the
    graph for differentiating v again (Jacobian, consensus), not needed for stepping."""
    l_g, l_d = losses(theta, psi, p)
    (d_t,) = torch.autograd.grad(l_g.sum(), theta, create_graph=graph, retain_graph=True)
    (d_p,) = torch.autograd.grad(l_d.sum(), psi, create_graph=graph)
    return -d_t, -d_p


@dataclass(frozen=True)
class Method:
    """One training method of the Dirac-GAN.

    losses: (θ, ψ, params) -> (L_G, L_D), elementwise; or direct: (θ, ψ, params) -> v
    directly (consensus). params: the parameters it reads (names of `Params` fields).
    defaults: its own default values of those parameters. clipped: ψ is clipped to
    [−clip, clip] after every discriminator step. kink: the field jumps across ψ = 0
    (|ψ| in the penalty) when g0 > 0, so it has no Jacobian at the equilibrium.
    """

    name: str
    label: str
    doc: str
    losses: Losses | None = None
    direct: Callable[..., tuple[Tensor, Tensor]] | None = None
    params: tuple[str, ...] = ()
    defaults: dict[str, float] = dc_field(default_factory=dict)
    clipped: bool = False
    kink: bool = False

    def params_of(self, **given: float | None) -> Params:
        """Params with this method's defaults where `given` is None or missing."""
        values = {**Params().__dict__, **self.defaults}
        values.update({k: v for k, v in given.items() if v is not None})
        return Params(**values).validated()

    def kink_at(self, p: Params) -> bool:
        """Whether the field jumps across ψ = 0 at the equilibrium for these parameters."""
        return self.kink and p.g0 > 0

    def vector_field(self, theta: Tensor, psi: Tensor, p: Params,
                     graph: bool = True) -> tuple[Tensor, Tensor]:
        if self.direct is not None:
            return self.direct(theta, psi, p, graph)
        return gradient_field(self.losses, theta, psi, p, graph)


METHODS: dict[str, Method] = {m.name: m for m in (
    Method("gan", "GAN (saturating)",
           "L_G = f(ψθ), L_D = −L: the unregularised game; the flow circles the equilibrium.",
           losses=_gan),
    Method("ns", "Non-saturating GAN",
           "L_G = −f(−ψθ): the same linearisation as the GAN, so it circles too (higher-order "
           "terms damp large orbits, d/dt ½‖z‖² = −θψ·tanh(θψ/2), but not exponentially).",
           losses=_ns),
    Method("wgan", "WGAN (weight clipping)",
           "f(t) = t, ψ clipped to [−clip, clip]: rotation at unit speed, never converges.",
           losses=_wgan, params=("clip",), clipped=True),
    Method("wgan_gp", "WGAN-GP",
           "L_D + γ(|ψ| − g0)²: for g0 > 0 the penalty drives |ψ| to g0, so θ keeps moving.",
           losses=_wgan_gp, params=("gamma", "g0"), defaults={"gamma": 0.3}, kink=True),
    Method("r1", "GAN + R1 penalty",
           "L_D + γ/2·ψ² (gradient penalty on the data): converges for every γ > 0.",
           losses=_r1, params=("gamma",), defaults={"gamma": 0.3}),
    Method("r2", "GAN + R2 penalty",
           "L_D + γ/2·ψ² on the generated point: in the Dirac-GAN ∇_x D = ψ everywhere, "
           "so R2 equals R1.",
           losses=_r1, params=("gamma",), defaults={"gamma": 0.3}),
    Method("instance_noise", "GAN + instance noise",
           "N(0, σ²) noise added to real and fake points (expectation by quadrature, "
           "never sampling): converges for every σ > 0.",
           losses=_instance_noise, params=("sigma",), defaults={"sigma": 1.0}),
    Method("consensus", "Consensus optimisation",
           "v − γ∇(½‖v‖²) on the GAN's field: converges for γ > 0 and small steps.",
           direct=_consensus_field, params=("gamma",), defaults={"gamma": 1.0}),
)}


def get(name: str) -> Method:
    """The method called `name`; ValueError listing the known names otherwise."""
    if name not in METHODS:
        raise ValueError(f"unknown Dirac-GAN method {name!r}; known: {', '.join(METHODS)}")
    return METHODS[name]


# --- field on a grid -------------------------------------------------------------------------


def field_on(method: str, theta: np.ndarray, psi: np.ndarray,
             params: Params | None = None) -> tuple[np.ndarray, np.ndarray]:
    """v(θ, ψ) at every point of the arrays `theta`, `psi` (same shape), as numpy."""
    m = get(method)
    p = (params or m.params_of()).validated()
    t = torch.as_tensor(np.asarray(theta, dtype=float), dtype=DTYPE).clone().requires_grad_()
    s = torch.as_tensor(np.asarray(psi, dtype=float), dtype=DTYPE).clone().requires_grad_()
    if t.shape != s.shape:
        raise ValueError(f"theta has shape {tuple(t.shape)} but psi {tuple(s.shape)}")
    v_t, v_p = m.vector_field(t, s, p, graph=False)
    return v_t.detach().numpy(), v_p.detach().numpy()


# --- linearisation at the equilibrium ----------------------------------------------------------


@dataclass(frozen=True)
class Analysis:
    """The linearisation at (0, 0) and what it says.

    jacobian: 2×2 Jacobian of v (one-sided, ψ → 0⁺, where the field has a kink);
    eigenvalues: its eigenvalues; verdict: "converges", "oscillates", "diverges" or
    "no_jacobian"; converges: locally, for small enough steps; max_step: the largest
    step h for which simultaneous GD converges locally (h < −2Re λ/|λ|² for every λ),
    None where it never does; reason: one sentence.
    """

    method: str
    params: Params
    jacobian: np.ndarray
    eigenvalues: tuple[complex, ...]
    verdict: str
    converges: bool
    max_step: float | None
    reason: str

    def step_spectra(self, h: float) -> dict[str, np.ndarray]:
        """Eigenvalues of the linearised simultaneous and alternating GD maps at step h."""
        return {"simultaneous": np.linalg.eigvals(simultaneous_map(self.jacobian, h)),
                "alternating": np.linalg.eigvals(alternating_map(self.jacobian, h))}


def jacobian(method: str, params: Params | None = None) -> np.ndarray:
    """The Jacobian of v at the equilibrium by autograd (float64).

    Where the field has a kink at ψ = 0 (WGAN-GP) this is the one-sided limit ψ → 0⁺;
    for g0 = 0 (penalty γψ², smooth) it is the Jacobian itself.
    """
    m = get(method)
    p = (params or m.params_of()).validated()
    z0 = torch.zeros(2, dtype=DTYPE)

    def v(z: Tensor) -> Tensor:
        return torch.stack(m.vector_field(z[0:1], z[1:2], p)).reshape(2)

    return torch.autograd.functional.jacobian(v, z0).numpy()


def analyse(method: str, params: Params | None = None) -> Analysis:
    """Eigenvalues of the Jacobian at the equilibrium and the convergence verdict."""
    m = get(method)
    p = (params or m.params_of()).validated()
    jac = jacobian(method, p)
    eig = tuple(complex(x) for x in sorted(np.linalg.eigvals(jac),
                                           key=lambda z: (z.real, -z.imag)))
    re = max(z.real for z in eig)
    if m.kink_at(p):
        verdict, converges = "no_jacobian", False
        reason = (f"v_ψ jumps by 4γ·g0 = {4 * p.gamma * p.g0:.6g} across ψ = 0 (it tends to "
                  "θ ± 2γ·g0 on either side), so v has no Jacobian at the equilibrium: the "
                  "penalty pushes |ψ| towards g0, where θ' = −ψ never stops; the eigenvalues "
                  "shown are those of the one-sided limit ψ → 0⁺")
    elif re < -ZERO_TOL:
        verdict, converges = "converges", True
        reason = ("every eigenvalue has a negative real part: gradient descent converges "
                  "locally for small enough steps")
    elif re <= ZERO_TOL:
        verdict, converges = "oscillates", False
        reason = ("a purely imaginary pair: the flow circles the equilibrium forever; "
                  "simultaneous GD spirals outwards for every step size "
                  "(|1 + hλ| > 1) and alternating GD keeps circling")
    else:
        verdict, converges = "diverges", False
        reason = "an eigenvalue with a positive real part: the equilibrium repels"
    max_step = min(-2 * z.real / abs(z) ** 2 for z in eig) if converges else None
    if m.clipped and not converges:
        reason += f"; clipping ψ to ±{p.clip:g} only flattens the orbit"
    return Analysis(method, p, jac, eig, verdict, converges, max_step, reason)


def simultaneous_map(jac: np.ndarray, h: float) -> np.ndarray:
    """The linearised simultaneous GD step z ↦ z + h·J z."""
    return np.eye(2) + h * np.asarray(jac)


def alternating_map(jac: np.ndarray, h: float) -> np.ndarray:
    """The linearised alternating step: the discriminator (ψ) first, then θ at the new ψ."""
    j = np.asarray(jac)
    d_step = np.array([[1.0, 0.0], [h * j[1, 0], 1 + h * j[1, 1]]])
    g_step = np.array([[1 + h * j[0, 0], h * j[0, 1]], [0.0, 1.0]])
    return g_step @ d_step


# --- trajectories ----------------------------------------------------------------------------


def check_run(start: tuple[float, float], h: float, steps: int) -> None:
    for name, x in (("theta0", start[0]), ("psi0", start[1]), ("h", h)):
        if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
            raise ValueError(f"{name}={x!r} is not a finite number")
    if h <= 0:
        raise ValueError(f"h={h!r} must be > 0")
    if isinstance(steps, bool) or not isinstance(steps, int) or not 0 <= steps <= MAX_STEPS:
        raise ValueError(f"steps={steps!r} must be a whole number from 0 to {MAX_STEPS}")


def trajectory(method: str, start: tuple[float, float], h: float, steps: int,
               mode: str = "simultaneous", params: Params | None = None) -> np.ndarray:
    """The (steps + 1) × 2 iterates (θ, ψ) of gradient descent on v from `start`.

    mode "simultaneous": z ← z + h·v(z); "alternating": the discriminator first,
    ψ ← ψ + h·v_ψ(θ, ψ), then θ ← θ + h·v_θ(θ, ψ_new). Clipped methods clip ψ to
    [−clip, clip] after each discriminator step. A non-finite iterate ends the path.
    """
    if mode not in ("simultaneous", "alternating"):
        raise ValueError(f"mode={mode!r}; known: simultaneous, alternating")
    check_run(start, h, steps)
    m = get(method)
    p = (params or m.params_of()).validated()
    theta, psi = float(start[0]), float(start[1])
    if m.clipped:
        psi = min(max(psi, -p.clip), p.clip)
    path = [(theta, psi)]

    def v(a: float, b: float) -> tuple[float, float]:
        t = torch.tensor([a], dtype=DTYPE, requires_grad=True)
        s = torch.tensor([b], dtype=DTYPE, requires_grad=True)
        v_t, v_p = m.vector_field(t, s, p, graph=False)
        return v_t.item(), v_p.item()

    for _ in range(steps):
        if mode == "simultaneous":
            v_t, v_p = v(theta, psi)
            theta, psi = theta + h * v_t, psi + h * v_p
            if m.clipped:
                psi = min(max(psi, -p.clip), p.clip)
        else:
            psi = psi + h * v(theta, psi)[1]
            if m.clipped:
                psi = min(max(psi, -p.clip), p.clip)
            theta = theta + h * v(theta, psi)[0]
        if not (math.isfinite(theta) and math.isfinite(psi)):
            break
        path.append((theta, psi))
    return np.array(path)


__all__ = ["Analysis", "HERMITE_NODES", "MAX_STEPS", "METHODS", "Method", "Params",
           "alternating_map", "analyse", "f_gan", "f_wgan", "field_on", "get",
           "gradient_field", "hermite_rule", "jacobian", "simultaneous_map", "trajectory"]
