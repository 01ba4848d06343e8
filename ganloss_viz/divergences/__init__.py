"""Divergences between parametric distributions: values, methods and gradients.

`divergence("js", "normal(0, 1)", "normal(1, 2)")` returns the value, how it was
computed and its gradient in every parameter; `DIVERGENCES` is the registry.
"""

from .engine import DivergenceResult, FitResult, SweepResult, check_params, divergence, fit, sweep
from .registry import DIVERGENCES, Divergence, get

__all__ = ["DIVERGENCES", "Divergence", "DivergenceResult", "FitResult", "SweepResult",
           "check_params", "divergence", "fit", "get", "sweep"]
