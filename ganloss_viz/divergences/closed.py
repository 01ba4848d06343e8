"""Closed forms, looked up by (divergence, kind of P, kind of Q), as torch's `register_kl`.

A compute function of the catalogue asks `closed(name, P, Q, params)` first and takes
the general path (quadrature, Monte Carlo) only when no closed form applies. The kinds:

* ``gaussian``: each law exactly one non-degenerate Gaussian, 1-D or 2-D
  (`gaussian.single_gaussian`); the form gets ((mean, cov) of P, of Q);
* ``law``: each a single continuous 1-D law of torch's KL registry (`kl_pairs`, which
  keeps its own pair table by law class); the form gets the measures;
* ``mixture``: each a Gaussian mixture (Diracs included); the form gets
  (weights, means, variances) of each and the dimension.

A form returns (value, infinite mask, rounding bound) or None where it does not apply
after all (W1 of two Gaussians of different scales). Adding one is one `@closed_form`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from . import gaussian as G
from . import kl_pairs as KP
from . import transport as T
from .stable import expm1

NO_INF = torch.zeros((), dtype=torch.bool)
Closed = tuple[torch.Tensor, torch.Tensor, float]

FORMS: dict[tuple[str, str, str], Callable[..., Closed | None]] = {}


def closed_form(div: str, kind: str) -> Callable:
    """Register the decorated function as the closed form of `div` between two laws of
    `kind` (``gaussian``, ``law`` or ``mixture``)."""
    def register(fn: Callable[..., Closed | None]) -> Callable[..., Closed | None]:
        FORMS[(div, kind, kind)] = fn
        return fn
    return register


def _gaussians(P, Q):
    gp, gq = G.single_gaussian(P), G.single_gaussian(Q)
    return (gp, gq) if gp is not None and gq is not None else None


def _laws(P, Q):
    return (P, Q) if P.dim == 1 else None


def _mixtures(P, Q):
    gp, gq = P.gaussian_mixture(), Q.gaussian_mixture()
    return (gp, gq, P.dim) if gp is not None and gq is not None else None


KINDS = (("gaussian", _gaussians), ("law", _laws), ("mixture", _mixtures))


def closed(div: str, P, Q, params: dict[str, float]) -> Closed | None:
    """The closed form of `div` between the realised measures P and Q: (value, infinite
    mask, rounding bound), or None when none is registered for their kinds."""
    for kind, pair in KINDS:
        form = FORMS.get((div, kind, kind))
        if form is not None and (laws := pair(P, Q)) is not None:
            out = form(*laws, params)
            if out is not None:
                return out
    return None


# --- Gaussians: KL and the Chernoff coefficient ------------------------------------------


@closed_form("kl", "gaussian")
def _kl(gp, gq, params=None) -> Closed:
    v = G.kl(gp, gq)
    return v, NO_INF, G.rounding(gq[1], gp[1], v)


@closed_form("reverse_kl", "gaussian")
def _reverse_kl(gp, gq, params) -> Closed:
    return _kl(gq, gp)


@closed_form("jeffreys", "gaussian")
def _jeffreys(gp, gq, params) -> Closed:
    a, _, ea = _kl(gp, gq)
    b, _, eb = _kl(gq, gp)
    return a + b, NO_INF, ea + eb


def _chernoff(gp, gq, a: float) -> Closed:
    """(log ∫ p^a q^(1-a), infinite mask, its rounding bound) for two Gaussians."""
    lc, inf = G.log_chernoff(gp, gq, a)
    return lc, inf, G.rounding(gp[1], gq[1], lc, a)


def _expm1_bound(lc: torch.Tensor, error: float) -> float:
    """Rounding bound of expm1(lc) from that of lc."""
    big = torch.where(torch.isfinite(lc), lc.detach(), torch.zeros_like(lc)).max()
    return error * math.exp(min(float(big), 700.0)) * 1.01


@closed_form("log_chernoff", "gaussian")
def _log_chernoff(gp, gq, params) -> Closed:
    return _chernoff(gp, gq, params["alpha"])


@closed_form("pearson", "gaussian")
def _pearson(gp, gq, params=None) -> Closed:
    lc, inf, e = _chernoff(gp, gq, 2.0)
    return expm1(lc), inf, _expm1_bound(lc, e)


@closed_form("neyman", "gaussian")
def _neyman(gp, gq, params) -> Closed:
    return _pearson(gq, gp)


@closed_form("hellinger", "gaussian")
def _hellinger(gp, gq, params) -> Closed:
    lc, inf, e = _chernoff(gp, gq, 0.5)
    return -expm1(lc), inf, _expm1_bound(lc, e)


@closed_form("alpha", "gaussian")
def _alpha(gp, gq, params) -> Closed:
    a = params["alpha"]
    lc, inf, e = _chernoff(gp, gq, a)
    return expm1(lc) / (a * (a - 1)), inf, _expm1_bound(lc, e) / abs(a * (a - 1))


# --- single 1-D laws: torch's KL registry ------------------------------------------------


@closed_form("kl", "law")
def _kl_laws(P, Q, params) -> Closed | None:
    return KP.kl(P, Q)


@closed_form("reverse_kl", "law")
def _reverse_kl_laws(P, Q, params) -> Closed | None:
    return KP.reverse_kl(P, Q)


@closed_form("jeffreys", "law")
def _jeffreys_laws(P, Q, params) -> Closed | None:
    return KP.jeffreys(P, Q)


# --- transport between Gaussians, kernels between Gaussian mixtures ----------------------


@closed_form("w2", "gaussian")
def _w2(gp, gq, params) -> Closed:
    value = G.w2(gp, gq)
    one_d = gp[0].shape[-1] == 1
    return value, NO_INF, 0.0 if one_d else G.w2_error(gp, gq, value)


@closed_form("w1", "gaussian")
def _w1(gp, gq, params) -> Closed | None:
    """|m1 − m2| (its norm in 2-D) when the covariances are equal: a translation."""
    (m1, S1), (m2, S2) = gp, gq
    if not bool((S1 == S2).all()):
        return None
    if m1.shape[-1] == 1:
        return (m1 - m2).abs()[..., 0], NO_INF, 0.0
    return ((m1 - m2) ** 2).sum(-1).sqrt(), NO_INF, 0.0


@closed_form("mmd", "mixture")
def _mmd(gp, gq, dim: int, params) -> Closed:
    fn = T.mmd_gm_1d if dim == 1 else T.mmd_gm_2d
    return fn(gp, gq, params["bandwidth"]).clamp(min=0.0), NO_INF, 0.0


@closed_form("energy", "mixture")
def _energy(gp, gq, dim: int, params) -> Closed | None:
    """1-D only: in the plane the mixtures' energy needs a quadrature over directions."""
    if dim != 1:
        return None
    return T.energy_gm_1d(gp, gq).clamp(min=0.0), NO_INF, 0.0
