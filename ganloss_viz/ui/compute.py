"""Cached library calls for the pages.

Results are plain values (floats, strings, dicts, numpy arrays) keyed only on spec
strings, names and numbers, so one process-wide cache is safe to share between users;
nothing per-user is ever cached here. Every engine call is wrapped: a `ValueError`
(bad input) comes back as ``{"ok": False, "message": ...}`` for the page to show with
`st.error`, never as a traceback.

Quick results use `st.cache_data`. Long work that draws a progress bar (landscapes,
fits) uses `Memo`, a small LRU of the same plain keys: a progress bar updated from
inside an `st.cache_data` function would be recorded and replayed on every cache hit.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import numpy as np
import streamlit as st

Params = tuple[tuple[str, float], ...]
Progress = Callable[[float], None] | None


def _fail(exc: Exception) -> dict[str, Any]:
    if isinstance(exc, ValueError):
        return {"ok": False, "message": str(exc)}
    return {"ok": False, "message": f"internal error ({type(exc).__name__}: {exc}); "
                                    "please report it with this page's URL"}


class Memo:
    """A thread-safe LRU of computed results keyed on plain values.

    `get(key, compute)` returns the stored result or computes, stores and returns it.
    Only successful results (``{"ok": True, ...}``) are kept, so a failure is retried.
    """

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._store: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._store

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._store:
                self._store.move_to_end(key)
                return self._store[key]
        value = compute()
        if isinstance(value, dict) and value.get("ok"):
            with self._lock:
                self._store[key] = value
                while len(self._store) > self.max_entries:
                    self._store.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._store.clear()


LANDSCAPES = Memo(64)        # a 41 x 41 landscape is about 40 KB
FITS = Memo(256)


# --- one value ---------------------------------------------------------------------------


def _result(r, start: float) -> dict[str, Any]:
    return {"ok": True, "div": r.div, "value": float(r.value), "method": str(r.method),
            "error": float(r.error), "grad": {k: float(v) for k, v in r.grad.items()},
            "accurate": bool(r.accurate), "grad_notes": dict(r.grad_notes),
            "seconds": time.perf_counter() - start}


@st.cache_data(show_spinner=False, max_entries=4096)
def divergence(div: str, p: str, q: str, params: Params = ()) -> dict[str, Any]:
    """gv.divergence(div, p, q, **params) as a plain dict (ok, value, method, error, grad)."""
    import ganloss_viz as gv

    start = time.perf_counter()
    try:
        return _result(gv.divergence(div, p, q, **dict(params)), start)
    except Exception as exc:  # shown to the user, never a traceback
        return _fail(exc)


@st.cache_data(show_spinner=False, max_entries=512)
def every_divergence(p: str, q: str, params: Params = ()) -> dict[str, dict[str, Any]]:
    """Every registered divergence for the pair: name -> `divergence`'s dict.

    params: values of every divergence parameter (alpha, bandwidth); each divergence
    gets the ones it takes. One cached call instead of one per divergence.
    """
    import ganloss_viz as gv

    out = {}
    for name, d in gv.DIVERGENCES.items():
        own = tuple((k, v) for k, v in params if k in d.params)
        out[name] = divergence(name, p, q, own)
    return out


# --- densities and integrands ------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=256)
def densities_1d(p: str, q: str) -> dict[str, Any]:
    """Grid and densities/atoms of two 1-D specs for `figures.density_1d`."""
    from ganloss_viz.distributions import dist
    from ganloss_viz.explore.densities import densities_1d as compute

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
    from ganloss_viz.explore.densities import densities_2d as compute

    try:
        x, y, dp, dq = compute(dist(p), dist(q))
    except Exception as exc:
        return _fail(exc)
    return {"ok": True, "x": x, "y": y, "p_z": dp.z, "q_z": dq.z,
            "p_lines": dp.lines, "q_lines": dq.lines,
            "p_points": dp.points, "q_points": dq.points}


@st.cache_data(show_spinner=False, max_entries=128)
def integrand(div: str, p: str, q: str, params: Params = ()) -> dict[str, Any]:
    """The integrand of `div` on the density figure's grid: ok, values, name, caption.

    ``{"ok": True, "values": None}`` when the divergence has no pointwise picture.
    """
    import ganloss_viz as gv
    from ganloss_viz.distributions import dist
    from ganloss_viz.explore import integrands

    try:
        info = gv.DIVERGENCES[div]
        if dist(p).dim == 1:
            data = densities_1d(p, q)
            if not data["ok"]:
                return data
            it = integrands.integrand_1d(info, data["x"], data["p_density"],
                                         data["q_density"], dist(p).realize(),
                                         dist(q).realize(), dict(params))
        else:
            data = densities_2d(p, q)
            if not data["ok"]:
                return data
            it = integrands.integrand_2d(info, data["p_z"], data["q_z"], dict(params))
    except Exception as exc:
        return _fail(exc)
    if it is None or not np.isfinite(it.values).any():
        return {"ok": True, "values": None}
    return {"ok": True, "values": it.values, "name": it.name, "caption": it.caption}


# --- sweeps, landscapes, fits ------------------------------------------------------------


def _check_ends(p: str, q: str, param: str, lo: float, hi: float) -> None:
    """ValueError unless the parameter may take both ends of the range (and so, the
    constraints being convex along one parameter, every value between)."""
    from ganloss_viz.state import allowed

    for x in (lo, hi):
        why = allowed(p, q, param, x)
        if why:
            raise ValueError(why)


@st.cache_data(show_spinner=False, max_entries=1024)
def sweep(div: str, p: str, q: str, param: str, lo: float, hi: float, n: int,
          params: Params = ()) -> dict[str, Any]:
    """gv.sweep over `n` evenly spaced values of `param` in [lo, hi]: ok, x, values,
    grads, method, seconds."""
    import ganloss_viz as gv

    start = time.perf_counter()
    try:
        _check_ends(p, q, param, lo, hi)
        x = np.linspace(lo, hi, int(n))
        s = gv.sweep(div, p, q, param, x, **dict(params))
    except Exception as exc:
        return _fail(exc)
    return {"ok": True, "x": x, "values": np.asarray(s.div_values, float),
            "grads": np.asarray(s.grads, float), "method": s.method,
            "seconds": time.perf_counter() - start}


def landscape_key(div: str, p: str, q: str, lx: str, ly: str,
                  xrange: tuple[float, float], yrange: tuple[float, float], n: int,
                  params: Params) -> tuple:
    return ("landscape", div, p, q, lx, ly, tuple(xrange), tuple(yrange), int(n), params)


def landscape(div: str, p: str, q: str, lx: str, ly: str, xrange: tuple[float, float],
              yrange: tuple[float, float], n: int, params: Params = (),
              progress: Progress = None) -> dict[str, Any]:
    """D and ∇D over an n × n grid of parameters lx × ly (see `explore.landscape`): ok, x, y,
    z, gx, gy, method, problems, seconds. Memoised; `progress(fraction)` on a miss."""
    def compute() -> dict[str, Any]:
        from ganloss_viz.explore.landscape import landscape_grid

        start = time.perf_counter()
        try:
            g = landscape_grid(div, p, q, lx, ly, np.linspace(*xrange, int(n)),
                               np.linspace(*yrange, int(n)), dict(params), progress)
        except Exception as exc:
            return _fail(exc)
        return {"ok": True, "x": g.x, "y": g.y, "z": g.z, "gx": g.gx, "gy": g.gy,
                "method": g.method, "problems": g.problems,
                "seconds": time.perf_counter() - start}

    return LANDSCAPES.get(landscape_key(div, p, q, lx, ly, xrange, yrange, n, params),
                          compute)


def fit_key(p: str, q: str, div: str, steps: int, lr: float, params: Params) -> tuple:
    return ("fit", p, q, div, int(steps), float(lr), params)


def fit(p: str, q: str, div: str, steps: int, lr: float, params: Params = (),
        progress: Progress = None) -> dict[str, Any]:
    """A direct fit of Q to P under `div` (see `explore.fitframes.fit_run`): ok, run, seconds.

    Memoised; `progress(fraction)` after every step on a miss.
    """
    def compute() -> dict[str, Any]:
        from ganloss_viz.explore.fitframes import fit_run

        start = time.perf_counter()
        tick = (lambda k, _v: progress(min(1.0, (k + 1) / (steps + 1)))) if progress else None
        try:
            run = fit_run(p, q, div, int(steps), float(lr), dict(params), tick)
        except Exception as exc:
            return _fail(exc)
        return {"ok": True, "run": run, "seconds": time.perf_counter() - start}

    return FITS.get(fit_key(p, q, div, steps, lr, params), compute)
