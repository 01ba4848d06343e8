"""ganloss-viz: an exact, visual explorer of GAN losses and the divergences behind them.

`dist`, `divergence`, `sweep`, `fit`, `DIVERGENCES` and the submodules `losses`,
`targets` and `metrics` are imported on first use, so that `python -m ganloss_viz
--help` and the app's first paint do not wait for torch.
"""

from importlib import import_module

_LAZY = {
    "dist": "ganloss_viz.distributions",
    "divergence": "ganloss_viz.divergences",
    "sweep": "ganloss_viz.divergences",
    "fit": "ganloss_viz.divergences",
    "DIVERGENCES": "ganloss_viz.divergences",
}

__all__ = list(_LAZY)


_SUBMODULES = ("losses", "targets", "metrics")

__all__ += list(_SUBMODULES)


def __getattr__(name: str):
    if name in _SUBMODULES:
        return import_module(f"ganloss_viz.{name}")
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'ganloss_viz' has no attribute {name!r}")
