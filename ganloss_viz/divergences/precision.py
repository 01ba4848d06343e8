"""Quadrature order in force (a coarser order gives the error estimate)."""

from __future__ import annotations

import contextlib
from contextvars import ContextVar

PANEL_NODES: ContextVar[int] = ContextVar("panel_nodes", default=12)


@contextlib.contextmanager
def coarse(n: int = 8):
    """Evaluate with n Gauss-Legendre nodes per panel instead of 12."""
    token = PANEL_NODES.set(n)
    try:
        yield
    finally:
        PANEL_NODES.reset(token)
