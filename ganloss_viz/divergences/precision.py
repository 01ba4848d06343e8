"""Quadrature order in force (a coarser order gives the error estimate)."""

from __future__ import annotations

import contextlib
from contextvars import ContextVar

PANEL_NODES: ContextVar[int] = ContextVar("panel_nodes", default=12)
# When set, 1-D node sets also carry the weights of an 8-point rule on the same panels
# (evaluated in the same pass), whose disagreement is the error estimate.
EMBEDDED_ERROR: ContextVar[bool] = ContextVar("embedded_error", default=False)
COARSE_NODES = 8


@contextlib.contextmanager
def coarse(n: int = COARSE_NODES):
    """Evaluate with n Gauss-Legendre nodes per panel instead of 12."""
    token = PANEL_NODES.set(n)
    try:
        yield
    finally:
        PANEL_NODES.reset(token)


@contextlib.contextmanager
def embedded_error():
    """Let 1-D node sets carry a second, coarser rule for the error estimate."""
    token = EMBEDDED_ERROR.set(True)
    try:
        yield
    finally:
        EMBEDDED_ERROR.reset(token)
