"""Cached library calls for the pages.

Results are plain values (floats, strings, dicts, numpy arrays) keyed only on spec
strings, names and numbers, so one global `st.cache_data` is safe to share between
users; nothing per-user is ever cached here. Every engine call is wrapped: a
`ValueError` (bad input) comes back as ``{"ok": False, "message": ...}`` for the page
to show with `st.error`, never as a traceback.
"""

from __future__ import annotations

import time
from typing import Any

import streamlit as st

Params = tuple[tuple[str, float], ...]


def _fail(exc: Exception) -> dict[str, Any]:
    if isinstance(exc, ValueError):
        return {"ok": False, "message": str(exc)}
    return {"ok": False, "message": f"internal error ({type(exc).__name__}: {exc}); "
                                    "please report it with this page's URL"}


@st.cache_data(show_spinner=False, max_entries=4096)
def divergence(div: str, p: str, q: str, params: Params = ()) -> dict[str, Any]:
    """gv.divergence(div, p, q, **params) as a plain dict (ok, value, method, error, grad)."""
    import ganloss_viz as gv

    start = time.perf_counter()
    try:
        r = gv.divergence(div, p, q, **dict(params))
    except Exception as exc:  # shown to the user, never a traceback
        return _fail(exc)
    return {"ok": True, "div": r.div, "value": float(r.value), "method": str(r.method),
            "error": float(r.error), "grad": {k: float(v) for k, v in r.grad.items()},
            "seconds": time.perf_counter() - start}


@st.cache_data(show_spinner=False, max_entries=256)
def densities_1d(p: str, q: str) -> dict[str, Any]:
    """Grid and densities/atoms of two 1-D specs for `figures.density_1d`."""
    from ganloss_viz.distributions import dist
    from ganloss_viz.ui.densities import densities_1d as compute

    try:
        x, dp, dq = compute(dist(p), dist(q))
    except Exception as exc:
        return _fail(exc)
    return {"ok": True, "x": x, "p_density": dp.density, "q_density": dq.density,
            "p_atoms": (dp.atom_loc, dp.atom_mass), "q_atoms": (dq.atom_loc, dq.atom_mass)}


@st.cache_data(show_spinner=False, max_entries=64)   # about 1 MB each
def densities_2d(p: str, q: str) -> dict[str, Any]:
    """Grid, densities, segments and points of two 2-D specs for `figures.density_2d`."""
    from ganloss_viz.distributions import dist
    from ganloss_viz.ui.densities import densities_2d as compute

    try:
        x, y, dp, dq = compute(dist(p), dist(q))
    except Exception as exc:
        return _fail(exc)
    return {"ok": True, "x": x, "y": y, "p_z": dp.z, "q_z": dq.z,
            "p_lines": dp.lines, "q_lines": dq.lines,
            "p_points": dp.points, "q_points": dq.points}
