"""The divergence explorer's sections, one module each, and what they share.

Each section is a `render(ctx)` drawn inside its tab: `value` (densities, integrand,
gradient, every divergence), `sweep`, `landscape`, `fit` and `optimal` (a GAN loss's
optimal discriminator and the vanishing gradients). Only the open tab runs.
"""

from . import fit, landscape, optimal, sweep, value
from .common import VIEW_LABELS, Context, apply, persist, state_from_widgets

RENDER = {"value": value.render, "sweep": sweep.render, "landscape": landscape.render,
          "fit": fit.render, "optimal": optimal.render}

__all__ = ["RENDER", "VIEW_LABELS", "Context", "apply", "fit", "landscape", "optimal", "persist",
           "state_from_widgets", "sweep", "value"]
