"""The parameters a page can sweep, and sensible default ranges for them.

`parameters(p, q)` lists the differentiable parameters of a pair of spec strings
under the engine's names (``q.loc``, ``q.cov.0.1``, ``p.scale``), Q's first: Q is the
model, the side a GAN moves. `default_range(p, q, name)` frames a parameter's sweep:
around P's value of the same parameter when P has one (so the curve's minimum sits
in the middle), clipped to the values the family allows, also jointly (``low < high``
for a uniform, a positive definite covariance).

Spec strings in, plain values out, memoised (pure functions of their arguments).
The library (and torch) is imported on first use, so the app's first paint does not
wait for it.
"""

from __future__ import annotations

import math
from functools import lru_cache

MIN_WIDTH = 4.0        # half-width of a default range on the real line
SHRINK_STEPS = 40      # bisection steps to the edge of the allowed values
EDGE = 0.98            # keep 2% of the range off an edge of the allowed values


def _dist(spec: str):
    from ganloss_viz.distributions import dist
    return dist(spec)


@lru_cache(maxsize=512)
def parameters(p: str, q: str) -> tuple[str, ...]:
    """Every differentiable parameter of Q, then of P: ``("q.loc", "q.scale", "p.loc", ...)``."""
    out: list[str] = []
    for side, spec in (("q", q), ("p", p)):
        out += [f"{side}.{k}" for k in _dist(spec).flat_params()]
    return tuple(out)


def value_of(p: str, q: str, name: str) -> float:
    """The current value of parameter `name` (``q.loc``) of the pair (KeyError if none)."""
    side, _, flat = name.partition(".")
    return float(_dist({"p": p, "q": q}[side]).flat_params()[flat])


def constraint_error(p: str, q: str, name: str, x: float) -> str | None:
    """None when `x` satisfies the declared constraint of `name` alone, else why not."""
    side, _, flat = name.partition(".")
    c = _dist({"p": p, "q": q}[side]).flat_constraints()[flat]
    return None if c.check(float(x)) else f"{name} = {x:g} is not allowed; it must be {c!r}"


def allowed(p: str, q: str, name: str, x: float) -> str | None:
    """None when `name` may take the value `x` (jointly with the others), else why not."""
    why = constraint_error(p, q, name, x)
    if why:
        return why
    side, _, flat = name.partition(".")
    d = _dist({"p": p, "q": q}[side])
    try:
        d.with_params({flat: float(x)})
    except ValueError as exc:
        return f"{name} = {x:g} is not allowed: {exc}"
    return None


def _edge(p: str, q: str, name: str, inside: float, outside: float) -> tuple[float, bool]:
    """(the last allowed value from `inside` (allowed) towards `outside`, clipped?)."""
    if allowed(p, q, name, outside) is None:
        return outside, False
    a, b = inside, outside
    for _ in range(SHRINK_STEPS):
        mid = (a + b) / 2
        a, b = (mid, b) if allowed(p, q, name, mid) is None else (a, mid)
    return a, True


@lru_cache(maxsize=512)
def default_range(p: str, q: str, name: str) -> tuple[float, float]:
    """A range for sweeping parameter `name` that shows its story.

    Real line: centred on P's value of the same parameter (else the current value),
    half-width max(4, 2·distance); positive numbers: from a quarter of the smaller to
    four times the larger of the two values; bounded ones: their UI range. Then
    clipped to the allowed values, also jointly.
    """
    side, _, flat = name.partition(".")
    other = {"p": q, "q": p}[side]
    d = _dist({"p": p, "q": q}[side])
    v = float(d.flat_params()[flat])
    c = d.flat_constraints()[flat]
    twin = _dist(other).flat_params().get(flat)
    ref = v if twin is None else float(twin)
    if math.isinf(c.low) and math.isinf(c.high):
        half = max(MIN_WIDTH, 2 * abs(v - ref))
        lo, hi = ref - half, ref + half
    elif c.low == 0 and math.isinf(c.high):
        small, big = sorted((abs(v), abs(ref)))
        lo = max(c.ui_low, small / 4 if small > 0 else c.ui_low)
        hi = 4 * big if big > 0 else c.ui_high
    else:
        lo = c.ui_low if math.isinf(c.low) else max(c.low, c.ui_low)
        hi = c.ui_high if math.isinf(c.high) else min(c.high, c.ui_high)
        lo, hi = min(lo, v), max(hi, v)
    (lo, lo_cut), (hi, hi_cut) = _edge(p, q, name, v, lo), _edge(p, q, name, v, hi)
    margin = (1 - EDGE) * (hi - lo)         # keep off an edge of the allowed values
    lo, hi = lo + margin * lo_cut, hi - margin * hi_cut
    if not lo < hi:
        lo, hi = v - 1.0, v + 1.0
    return float(f"{lo:.6g}"), float(f"{hi:.6g}")
