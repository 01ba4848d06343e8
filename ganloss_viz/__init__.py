"""ganloss-viz: an exact, visual explorer of GAN losses and the divergences behind them."""

from .distributions import dist
from .divergences import DIVERGENCES, divergence, fit, sweep

__all__ = ["DIVERGENCES", "dist", "divergence", "fit", "sweep"]
