"""Gradient penalties on the discriminator: WGAN-GP, WGAN-LP and R1.

A penalty is called as penalty(D, real, fake, generator=None) with D a module mapping
(n, dim) -> (n, 1); it returns a scalar tensor, already multiplied by its weight, whose
graph reaches D's parameters (create_graph=True), so it is simply added to the D loss.
`real` and `fake` are detached inside: a penalty only ever trains the discriminator.

Each penalty here has the form P = of_gradient(∇_x D(x)) at x = points(real, fake,
generator), and exposes those two parts, so that a trainer may compute ∇_x D and the
penalty's parameter gradient by other means (ganloss_viz.models does it by hand for
piecewise-linear networks) and still leave the penalty's formula to the penalty.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod

import torch


def _check_weight(weight: float) -> float:
    if not (isinstance(weight, int | float) and math.isfinite(weight) and weight >= 0):
        raise ValueError(f"penalty weight must be a finite number >= 0, got {weight!r}")
    return float(weight)


def input_gradient(D: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    """∇_x D(x) per sample, shape of x, differentiable in D's parameters."""
    x = x.detach().requires_grad_(True)
    out = D(x)
    (grad,) = torch.autograd.grad(out.sum(), x, create_graph=True)
    return grad


class Penalty(ABC):
    """A penalty of the form of_gradient(∇_x D) at points(real, fake, generator).

    Every penalty has this form, so a trainer may take ∇_x D and the penalty's parameter
    gradient by other means (by hand for piecewise-linear networks) and leave the formula
    to `of_gradient`; calling the penalty takes them by autograd.
    """

    name: str
    weight: float

    @abstractmethod
    def points(self, real: torch.Tensor, fake: torch.Tensor,
               generator: torch.Generator | None = None) -> torch.Tensor:
        """Where ∇_x D is taken (detached)."""

    @abstractmethod
    def of_gradient(self, grad: torch.Tensor) -> torch.Tensor:
        """The weighted penalty from per-sample input gradients at `points`."""

    @abstractmethod
    def with_weight(self, weight: float) -> Penalty:
        """The same penalty with another weight."""

    def __call__(self, D, real: torch.Tensor, fake: torch.Tensor,
                 generator: torch.Generator | None = None) -> torch.Tensor:
        return self.of_gradient(input_gradient(D, self.points(real, fake, generator)))


class GradientPenalty(Penalty):
    """λ E[(‖∇D(x̂)‖ − 1)²] (two-sided, WGAN-GP) or λ E[max(0, ‖∇D(x̂)‖ − 1)²] (one-sided, LP).

    x̂ = εx + (1 − ε)G(z) with one ε ~ U(0, 1) per sample, drawn from `generator` when
    given (else torch's global generator). Gulrajani et al. 2017 (GP), Petzka et al.
    2018 (LP).
    """

    def __init__(self, weight: float = 10.0, one_sided: bool = False):
        self.weight = _check_weight(weight)
        self.one_sided = one_sided
        self.name = "lp" if one_sided else "gp"
        self.label = ("Lipschitz penalty" if one_sided else "gradient penalty") + f" λ = {weight:g}"
        self.formula = ("λ E[max(0, ‖∇D(x̂)‖ − 1)²]" if one_sided
                        else "λ E[(‖∇D(x̂)‖ − 1)²]") + ", x̂ = εx + (1 − ε)G(z)"

    def with_weight(self, weight: float) -> GradientPenalty:
        return GradientPenalty(weight, self.one_sided)

    def points(self, real: torch.Tensor, fake: torch.Tensor,
               generator: torch.Generator | None = None) -> torch.Tensor:
        """The interpolates x̂ = εx + (1 − ε)G(z), detached, one ε per sample."""
        if real.shape != fake.shape:
            raise ValueError(f"{self.name} interpolates real and fake samples; shapes must "
                             f"match, got {tuple(real.shape)} and {tuple(fake.shape)}")
        shape = (real.shape[0],) + (1,) * (real.dim() - 1)
        device = generator.device if generator is not None else real.device
        eps = torch.rand(shape, generator=generator, device=device, dtype=real.dtype)
        eps = eps.to(real.device)
        return eps * real.detach() + (1 - eps) * fake.detach()

    def of_gradient(self, grad: torch.Tensor) -> torch.Tensor:
        """λ mean (‖g‖ − 1)² (two-sided) or λ mean max(0, ‖g‖ − 1)² for per-sample gradients g."""
        gap = grad.flatten(1).norm(dim=1) - 1
        if self.one_sided:
            gap = gap.clamp(min=0)
        return self.weight * (gap**2).mean()

    def __repr__(self) -> str:
        return f"<penalty {self.name}: {self.formula}, λ = {self.weight:g}>"


class R1Penalty(Penalty):
    """(γ/2) E_P[‖∇D(x)‖²] on real samples (Mescheder et al. 2018)."""

    name = "r1"
    formula = "(γ/2) E_P[‖∇D(x)‖²]"

    def __init__(self, weight: float = 10.0):
        self.weight = _check_weight(weight)
        self.label = f"R1 penalty γ = {weight:g}"

    def with_weight(self, weight: float) -> R1Penalty:
        return R1Penalty(weight)

    def points(self, real: torch.Tensor, fake: torch.Tensor | None = None,
               generator: torch.Generator | None = None) -> torch.Tensor:
        """The real samples, detached."""
        return real.detach()

    def of_gradient(self, grad: torch.Tensor) -> torch.Tensor:
        """(γ/2) mean ‖g‖² for per-sample gradients g."""
        return 0.5 * self.weight * grad.flatten(1).pow(2).sum(dim=1).mean()

    def __repr__(self) -> str:
        return f"<penalty r1: {self.formula}, γ = {self.weight:g}>"
