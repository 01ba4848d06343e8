"""Public entry points: `divergence`, `sweep` and `fit`.

Values and gradients come from one autograd pass in float64: every flat parameter of
P and Q becomes a leaf tensor ("p.loc", "q.cov.0.1", ...). A sweep replaces one leaf
by a batch of values and evaluates the whole batch at once.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from ..distributions import Distribution, dist
from . import catalogue  # noqa: F401  (registers the divergences)
from .closed import closed
from .frames import logged, recentred, rescaled, rescaled_unit
from .precision import coarse, embedded_error
from .registry import GROUP_IPM, Divergence, get
from .smoothness import (
    FAILED,
    KINK,
    NAN_NOTES,
    OVERFLOW,
    idle_params,
    one_sided,
    tails_matched,
    zero_weights,
)

METHODS = ("closed_form", "quadrature", "monte_carlo", "analytic_singular")
# The transport distances that are lengths: D(P, Q) = k·D(P/k, Q/k) (MMD is not: its
# kernel has a bandwidth).
LENGTHS = ("w1", "w2", "energy")


@dataclass(frozen=True)
class DivergenceResult:
    """D(P‖Q) with how it was computed and its gradient in every parameter.

    `error` bounds |value − truth| (0 only for a closed form evaluated stably).
    `accurate` is False where no method could guarantee the engine's accuracy: the value
    is then only as good as `error`. `grad_notes` names the parameters whose derivative
    is not a plain number (`smoothness.NOTES` says each in words): "one_sided" (the two
    one-sided derivatives differ, e.g. at a support end shared by P and Q), "jump",
    "tails", "kink" (TV, W1, W2 at P = Q), "zero_weight" (a weight of 0: from above
    only), "overflow" (the value overflowed), "failed" (numerically): the entry is nan;
    "inf" or "-inf": the entry is that infinity.
    """

    div: str
    value: float
    method: str
    error: float
    grad: dict[str, float] = field(default_factory=dict)
    accurate: bool = True
    grad_notes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SweepResult:
    """Values and derivatives of D along one parameter (grads are nan where D = inf, and
    where a point-by-point sweep meets a derivative that is not a number: `grad_notes`)."""

    div: str
    param: str
    values: np.ndarray
    div_values: np.ndarray
    grads: np.ndarray
    method: str


@dataclass(frozen=True)
class FitResult:
    """Direct minimisation of D(P‖Q) over the parameters of Q."""

    div: str
    q: Distribution
    params: dict[str, float]
    value: float
    trajectory: list[dict[str, float]]
    values: list[float]
    steps: int


def check_params(div: Divergence, params: Mapping[str, float]) -> dict[str, float]:
    """The divergence's parameters with defaults filled in; ValueError on a bad one."""
    unknown = set(params) - set(div.params)
    if unknown:
        allowed = ", ".join(div.params) or "none"
        raise ValueError(f"divergence '{div.name}' has no parameter "
                         f"{', '.join(sorted(unknown))}; its parameters: {allowed}")
    out = dict(div.params)
    for k, v in params.items():
        try:
            v = float(v)
        except (TypeError, ValueError):
            raise ValueError(f"parameter {k} must be a number, got {v!r}") from None
        out[k] = div.parameter(k).check(v, div.name)
    return out


def pair(p, q) -> tuple[Distribution, Distribution]:
    """P and Q from spec strings or Distributions; ValueError unless of one dimension."""
    pd, qd = dist(p), dist(q)
    if pd.dim != qd.dim:
        raise ValueError(f"P is {pd.dim}-D but Q is {qd.dim}-D; both must have the same dimension")
    return pd, qd


def _leaves(d: Distribution, requires_grad: bool) -> dict[str, torch.Tensor]:
    return {k: torch.tensor(v, dtype=torch.float64, requires_grad=requires_grad)
            for k, v in d.flat_params().items()}


def _evaluate(div: Divergence, P, Q, pd, qd, params):
    """D(P‖Q) of the realized laws P, Q (of the distributions pd, qd): (value, inf,
    method, error)."""
    if div.group != GROUP_IPM:
        # log space for lognormals, unless a closed form takes them as they are (KL's
        # lognormal pair form keeps 1e-16 where the Gaussian one, from σ², keeps 1e-13)
        Pl, Ql = logged(P, Q)
        if Pl is not P and closed(div.name, P, Q, params) is None:
            P, Q = Pl, Ql
    P, Q = recentred(P, Q)
    unit = 1.0
    if div.group != GROUP_IPM:
        P, Q = rescaled(P, Q)
    elif div.name in LENGTHS:
        P, Q, unit = rescaled_unit(P, Q)
    value, inf, method, error = div.compute(P, Q, pd, qd, params)
    if unit != 1.0:
        value = value * unit
        error = None if error is None else error * unit
    # Rounding may leave a value an ulp outside its range (a KL of −1e-304): the nearest
    # end is within the error bound, and the gradient is kept.
    lo, hi = div.bounds
    v = value.detach()
    value = value + torch.where(torch.isfinite(v), v.clamp(lo, hi) - v, torch.zeros_like(v))
    if (torch.isnan(value.detach()) & ~inf).any():
        raise ValueError(f"{div.name}: the computation failed numerically for "
                         f"P = {pd.to_spec()}, Q = {qd.to_spec()}")
    return value, inf, method, error


def divergence(name: str, p, q, **params: float) -> DivergenceResult:
    """D(P‖Q) for the divergence `name`, its method, error and gradient.

    p, q: spec strings (``"normal(0, 1)"``) or Distributions of the same dimension.
    params: the divergence's parameters (``alpha`` for alpha/renyi, ``bandwidth`` for mmd).
    An infinite value is ``math.inf`` and its gradient entries are 0.
    """
    div = get(name)
    pd, qd = pair(p, q)
    params = check_params(div, params)
    if pd == qd:
        # P = Q: the divergence's minimum, exactly, where every gradient vanishes, except
        # that a support end or atom moved off its twin is a kink (one-sided) or a jump.
        zeros = {f"{s}.{k}": 0.0 for s, d in (("p", pd), ("q", qd)) for k in d.flat_params()}
        notes = {}
        if div.group != GROUP_IPM:
            tp, tq = _leaves(pd, True), _leaves(qd, True)
            notes = one_sided(pd.realize(tp), qd.realize(tq),
                              {**{f"p.{k}": t for k, t in tp.items()},
                               **{f"q.{k}": t for k, t in tq.items()}})
        if div.kink_at_equality:
            idle = idle_params({f"{s}.{k}": t for s, d in (("p", pd), ("q", qd))
                                for k, t in _leaves(d, False).items()})
            notes.update({k: KINK for k in zeros if k not in notes and k not in idle})
        zeros.update({k: math.nan for k in notes})
        return DivergenceResult(div.name, div.at_equality, "closed_form", 0.0, zeros,
                                grad_notes=notes)
    tp, tq = _leaves(pd, True), _leaves(qd, True)
    P, Q = pd.realize(tp), qd.realize(tq)
    with embedded_error():
        value, inf, method, error = _evaluate(div, P, Q, pd, qd, params)
    leaves = {**{f"p.{k}": t for k, t in tp.items()}, **{f"q.{k}": t for k, t in tq.items()}}
    infinite = bool(inf.any())
    grads = dict.fromkeys(leaves, 0.0)
    notes: dict[str, str] = {}
    if not infinite and value.requires_grad:
        # the notes first: their own backward passes keep the graph that _gradient frees
        marks = (one_sided(P, Q, leaves) if div.group != GROUP_IPM
                 else tails_matched(div.name, P, Q, leaves))
        grads = _gradient(value, leaves)
        notes = {k: ("inf" if g > 0 else "-inf") for k, g in grads.items() if math.isinf(g)}
        notes.update(marks)
        if pd.dim == 1:
            notes.update(zero_weights(pd, "p.") | zero_weights(qd, "q."))
    idle = idle_params(leaves)
    grads.update(dict.fromkeys(idle, 0.0))        # a component of weight 0 moves nothing
    notes = {k: n for k, n in notes.items() if k not in idle}
    if error is None:
        with torch.no_grad(), coarse():
            rough, rough_inf, _, _ = _evaluate(div, pd.realize(_leaves(pd, False)),
                                               qd.realize(_leaves(qd, False)), pd, qd, params)
        fine = value.detach().item()
        error = 0.0 if infinite or bool(rough_inf.any()) else abs(fine - rough.item())
    v = math.inf if infinite else value.detach().item() + 0.0
    error = 0.0 if infinite else _honest(float(error), v, method)
    if math.isfinite(error):
        # a bounded divergence is never further from the truth than its range is wide
        # (inf stays: no bound at all, a failed estimate)
        error = min(error, div.bounds[1] - div.bounds[0])
    if math.isinf(v) and not infinite or math.isnan(error):
        # A finite divergence that overflowed (or an estimate that failed): no bound.
        error = math.inf
    if math.isinf(v) and not infinite:
        notes.update({k: OVERFLOW for k in grads if k not in idle})
    notes.update({k: FAILED for k, g in grads.items() if math.isnan(g) and k not in notes})
    grads.update({k: math.nan for k, n in notes.items() if n in NAN_NOTES})
    return DivergenceResult(div=div.name, value=v, method=method, error=error, grad=grads,
                            accurate=_accurate(v, error, method), grad_notes=notes)


def sweep(name: str, p, q, param: str, values: Sequence[float], **params: float) -> SweepResult:
    """D and dD/d(param) at every value of one parameter ("p.loc", "q.scale", ...), batched."""
    div = get(name)
    pd, qd = pair(p, q)
    params = check_params(div, params)
    side, _, flat = param.partition(".")
    target = {"p": pd, "q": qd}.get(side)
    if target is None or flat not in target.flat_params():
        known = [f"p.{k}" for k in pd.flat_params()] + [f"q.{k}" for k in qd.flat_params()]
        raise ValueError(f"unknown parameter '{param}'; known: {', '.join(known)}")
    xs = np.asarray(values, dtype=np.float64).reshape(-1)
    constraint = target.flat_constraints()[flat]
    # Values strictly inside the interval pass (one numpy test; 201 calls of `check`
    # took a sixth of a closed-form sweep); the others are checked one by one.
    inside = np.isfinite(xs) & (xs > constraint.low) & (xs < constraint.high)
    if constraint.integer or not inside.all():
        bad = [x for x in xs if not constraint.check(float(x))]
        if bad:
            raise ValueError(f"{param} = {bad[0]:g} is not allowed; it must be {constraint!r}")
    if target.has_joint_constraints():
        for x in xs:          # low < high, positive-definite covariances, ...: named errors
            target.with_params({flat: float(x)})
    probe = None
    if pd.dim == 2:
        # Which method this pair takes (Monte Carlo ones go point by point below), probed
        # at a point of the sweep where P ≠ Q: at P = Q every divergence is exactly 0.
        pairs = (_swap(pd, qd, side, flat, x) for x in xs)
        probe = divergence(name, *next((ab for ab in pairs if ab[0] != ab[1]), (pd, qd)),
                           **params)
    if probe is not None and probe.method == "monte_carlo":
        rows = [divergence(name, *_swap(pd, qd, side, flat, x), **params) for x in xs]
        return SweepResult(div.name, param, xs, np.array([r.value for r in rows]),
                           np.array([r.grad[param] if math.isfinite(r.value) else np.nan
                                     for r in rows]), probe.method)
    tp, tq = _leaves(pd, False), _leaves(qd, False)
    leaf = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
    (tp if side == "p" else tq)[flat] = leaf
    value, inf, method, _ = _evaluate(div, pd.realize(tp), qd.realize(tq), pd, qd, params)
    value = value.expand(leaf.shape)
    inf = inf.expand(leaf.shape)
    finite_sum = torch.where(inf, torch.zeros_like(value), value).sum()
    (grad,) = torch.autograd.grad(finite_sum, leaf, allow_unused=True) \
        if finite_sum.requires_grad else (None,)
    grad = torch.zeros_like(leaf) if grad is None else grad
    vals = np.where(inf.numpy(), np.inf, value.detach().numpy())
    grads = np.where(inf.numpy(), np.nan, grad.detach().numpy())
    return SweepResult(div.name, param, xs, vals, grads, method)


def _gradient(value: torch.Tensor, leaves: dict[str, torch.Tensor]) -> dict[str, float]:
    """dD/d(leaf) for each leaf. Where an entry comes out ±inf or NaN for a large value,
    the backward pass is run again from 2^-k ≈ 1/|D| (exact in binary) and that entry
    taken from it: Pearson's 4e287 of a Laplace of scale 1e-282 sends terms of 1e287 ×
    1e282 down the graph, whose inf − inf is NaN although their sum is finite. (Not
    from the start: terms of 1e-200 that matter would underflow 2^-855 times smaller.)"""
    names, tensors = list(leaves), list(leaves.values())
    v = abs(float(value.detach()))
    k = math.frexp(v)[1] if math.isfinite(v) and v > 2.0 ** 64 else 0

    def backward(start: float, retain: bool) -> list[float]:
        got = torch.autograd.grad(value, tensors, grad_outputs=torch.full_like(value, start),
                                  allow_unused=True, retain_graph=retain)
        return [0.0 if g is None else float(g) for g in got]

    grads = backward(1.0, retain=k > 0)
    if k > 0 and not all(math.isfinite(g) for g in grads):
        up = 2.0 ** (k // 2), 2.0 ** (k - k // 2)
        again = backward(2.0 ** -k, retain=False)
        grads = [g if math.isfinite(g) else h * up[0] * up[1]
                 for g, h in zip(grads, again, strict=True)]
    return dict(zip(names, grads, strict=True))


# A value is "accurate" when its error bound keeps the six significant figures the app
# shows (or it is below 1e-12 in absolute terms); Monte Carlo values promise only their
# standard error, which is what they report.
ACCURATE_REL, ACCURATE_ABS = 1e-6, 1e-12
ROUNDING = 1e-15


def _honest(error: float, value: float, method: str) -> float:
    """The error bound, never below float rounding for a computed (not closed) value: two
    quadrature rules agreeing to the last bit is no proof of 16 correct digits."""
    if method in ("closed_form", "analytic_singular") or not math.isfinite(error):
        return error
    return max(error, ROUNDING * max(abs(value), 1.0))


def _accurate(value: float, error: float, method: str) -> bool:
    if math.isinf(value):
        # decided infinite (error 0), or a finite divergence that overflowed (error inf:
        # KL of a beta with 9% of its mass within 1e-300 of 1 came back inf, "accurate")
        return not math.isinf(error)
    if method == "monte_carlo":
        return True
    return error <= ACCURATE_REL * abs(value) + ACCURATE_ABS


def _finite_or_zero(g: float) -> float:
    return g if math.isfinite(g) else 0.0


def _swap(pd, qd, side, flat, x):
    if side == "p":
        return pd.with_params({flat: float(x)}), qd
    return pd, qd.with_params({flat: float(x)})


def fit(p, q0, name: str, steps: int = 200, lr: float = 0.05,
        callback: Callable[[int, float], None] | None = None, **params: float) -> FitResult:
    """Minimise D(P‖Q) over Q's parameters from Q0 by Adam (positive ones in log space).

    Returns Q's parameters after every step (the trajectory) and the divergence along it.
    A step that would leave the family's constraints is halved until it does not.
    `callback(step, value)` is called after every evaluation (for progress bars).
    """
    if not (isinstance(steps, int) and 0 <= steps <= 100_000):
        raise ValueError(f"steps must be an integer in [0, 100000], got {steps!r}")
    if not (math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a number > 0, got {lr!r}")
    div = get(name)
    pd, qd = pair(p, q0)
    params = check_params(div, params)
    names = list(qd.flat_params())
    cons = qd.flat_constraints()
    logs = [cons[k].low == 0.0 and math.isinf(cons[k].high) for k in names]
    x = np.array([qd.flat_params()[k] for k in names])
    z = torch.tensor([math.log(v) if lg else v for v, lg in zip(x, logs, strict=True)],
                     dtype=torch.float64)
    opt_m, opt_v = torch.zeros_like(z), torch.zeros_like(z)
    trajectory, values = [dict(qd.flat_params())], []
    b1, b2 = 0.9, 0.999
    for t in range(1, steps + 2):
        r = divergence(name, pd, qd, **params)
        values.append(r.value)
        if callback is not None:
            callback(t - 1, r.value)
        if t == steps + 1:
            break
        # A one-sided or jump derivative (nan) moves nothing: the fit stays on the side
        # where it is rather than guessing which one-sided slope applies.
        g = torch.tensor([_finite_or_zero(r.grad[f"q.{k}"]) * (qd.flat_params()[k] if lg
                                                                else 1.0)
                          for k, lg in zip(names, logs, strict=True)], dtype=torch.float64)
        opt_m = b1 * opt_m + (1 - b1) * g
        opt_v = b2 * opt_v + (1 - b2) * g * g
        step = lr * (opt_m / (1 - b1**t)) / ((opt_v / (1 - b2**t)).sqrt() + 1e-12)
        for _ in range(30):
            cand = z - step
            vals = {k: (math.exp(float(c)) if lg else float(c))
                    for k, c, lg in zip(names, cand, logs, strict=True)}
            try:
                qd = qd.with_params(vals)
                z = cand
                break
            except ValueError:
                step = step / 2
        trajectory.append(dict(qd.flat_params()))
    return FitResult(div=div.name, q=qd, params=dict(qd.flat_params()), value=values[-1],
                     trajectory=trajectory, values=values, steps=steps)
