"""The GAN-loss registry: raw discriminator outputs in, scalar losses out.

`get("ns")` returns a `Loss` (see `base.Loss` for the interface); `LOSSES` maps every
name, in the order of DESIGN.md, to its loss with default hyperparameters.
"""

from __future__ import annotations

from .base import Loss, LossDefaults, softplus
from .classic import Hinge, LeastSquares, Minimax, NonSaturating
from .fgan import DIVS, FGan
from .penalties import GradientPenalty, R1Penalty
from .regularised import NonSaturatingR1
from .relativistic import RSGAN, RaGAN
from .wasserstein import WGAN, WGANGP, WGANLP

LOSSES: dict[str, Loss] = {}


def register(loss: Loss) -> Loss:
    LOSSES[loss.name] = loss
    return loss


for _loss in (Minimax(), NonSaturating(), LeastSquares(), Hinge(), WGAN(), WGANGP(), WGANLP(),
              NonSaturatingR1(), RSGAN(), RaGAN(), *(FGan(d) for d in DIVS)):
    register(_loss)


def names() -> list[str]:
    """Registered loss names, in registry order."""
    return list(LOSSES)


def get(name: str | Loss) -> Loss:
    """The registered loss `name` (a Loss passes through); ValueError listing the names."""
    if isinstance(name, Loss):
        return name
    try:
        return LOSSES[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown loss '{name}'; known: {', '.join(LOSSES)}") from None


__all__ = ["LOSSES", "FGan", "GradientPenalty", "Hinge", "LeastSquares", "Loss", "LossDefaults",
           "Minimax", "NonSaturating", "NonSaturatingR1", "R1Penalty", "RSGAN", "RaGAN", "WGAN",
           "WGANGP", "WGANLP", "get", "names", "softplus"]
