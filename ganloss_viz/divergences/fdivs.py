"""Integrands of the f-divergences and of the Chernoff coefficient, in log space.

Each `Integrand` gives q·f(p/q) from log p and log q (stable: no overflow where the
true value is representable), the Lebesgue-decomposition constants f(0) (per unit of
Q-mass where p = 0) and f'(inf) = lim f(u)/u (per unit of P-mass where q = 0), and,
where the integral may diverge, its dominant term p^a q^b (times |log p − log q| for
the KL family), from which the tail rules decide an infinite value (KL(Cauchy‖Normal)
= inf) analytically.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch.nn.functional import softplus

from .stable import expm1

INF = math.inf
LN2 = math.log(2.0)


@dataclass(frozen=True)
class Integrand:
    value: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    f0: float                 # f(0)
    fprime_inf: float         # lim f(u)/u
    # The dominant term where the integral may diverge: the largest of p^a q^b over
    # (a, b) in tail_forms, times |log p − log q| when tail_diff. Empty: never diverges.
    tail_forms: tuple[tuple[float, float], ...] = ()
    tail_diff: bool = False
    kink: bool = False        # |p - q|: panels must break where p = q
    # For a bounded divergence, (top, log g) with D = top − ∫ g and g ≥ 0 an overlap of p
    # and q (zero where either vanishes): near the top of its range (laws almost disjoint)
    # the engine takes this form, whose value and gradient keep their relative digits
    # (summed in logs: g underflows in tails whose panels weigh 1e299).
    overlap: tuple[float, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] | None = None
    # log of the part of the integrand that peaks between two laws far apart (min(p, q),
    # p^a q^(1−a)): its highest point gets graded panels (nodes.peak_breaks).
    peak: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None

    def tail_log(self, lp: torch.Tensor, lq: torch.Tensor) -> torch.Tensor:
        """log of the dominant term from log-densities (the 2-D probes use it)."""
        terms = torch.stack(torch.broadcast_tensors(*(a * lp + b * lq
                                                      for a, b in self.tail_forms)))
        out = terms.amax(0)
        return out + torch.log((lp - lq).abs() + 1e-300) if self.tail_diff else out


def _e(t: torch.Tensor) -> torch.Tensor:
    """exp(t), without a gradient where it underflows to 0: far-tail nodes carry huge
    weights, and a huge weight times a huge log-ratio times exp's 0 would be inf·0 = NaN."""
    out = torch.exp(t)
    return torch.where(out > 0, out, out.detach())


def _xlogx_diff(la: torch.Tensor, lb: torch.Tensor) -> torch.Tensor:
    """a·log(a/b) from logs."""
    return _e(la) * (la - lb)


def _pearson(lp: torch.Tensor, lq: torch.Tensor) -> torch.Tensor:
    """(p - q)^2 / q without cancellation near p = q and without spurious overflow."""
    d = lp - lq
    big = d > 1.0
    d_small = torch.where(big, torch.zeros_like(d), d)
    # (stable.expm1: torch's own has a zero derivative below d = −37, and Neyman's
    # ∂/∂weight of a far component of weight 1e-228 lost its −2/W there)
    small = _e(lq) * expm1(d_small) ** 2
    lp_big = torch.where(big, lp, lq + 2.0)
    large = _e(2 * lp_big - lq) - 2 * _e(lp_big) + _e(lq)
    return torch.where(big, large, small)


def _js(lp: torch.Tensor, lq: torch.Tensor) -> torch.Tensor:
    lm = torch.logaddexp(lp, lq) - LN2
    return 0.5 * (_xlogx_diff(lp, lm) + _xlogx_diff(lq, lm))


def _log_softplus(d: torch.Tensor) -> torch.Tensor:
    """log log(1 + e^d), = d (to 1e-18) below −40, where softplus underflows."""
    return torch.where(d < -40, d, torch.log(softplus(d.clamp(min=-40))))


def _js_log_overlap(lp: torch.Tensor, lq: torch.Tensor) -> torch.Tensor:
    """log of ½[p log(1 + q/p) + q log(1 + p/q)]: ln 2 − JS = ∫ of it (∫p = ∫q = 1)."""
    return torch.logaddexp(lp + _log_softplus(lq - lp), lq + _log_softplus(lp - lq)) - LN2


def _gan(lp: torch.Tensor, lq: torch.Tensor) -> torch.Tensor:
    ls = torch.logaddexp(lp, lq)
    return _xlogx_diff(lp, ls) + _xlogx_diff(lq, ls)


KL = Integrand(lambda lp, lq: _xlogx_diff(lp, lq), 0.0, INF, ((1.0, 0.0),), True)
REVERSE_KL = Integrand(lambda lp, lq: _xlogx_diff(lq, lp), INF, 0.0, ((0.0, 1.0),), True)


def _kl_balanced(la: torch.Tensor, lb: torch.Tensor) -> torch.Tensor:
    """a·log(a/b) − a + b = a·d − (a − b), d = log(a/b), with a − b = b·expm1(d) (to an
    ulp of itself; a − b directly where d > 1, past expm1's overflow): a constant error
    in d moves the two terms alike, and each keeps the rounding of a·d, ε·a·|d|."""
    return _KLBalanced.apply(la, lb)


class _KLBalanced(torch.autograd.Function):
    """`_kl_balanced` with its exact derivatives, a·d in log a and b − a in log b: the
    autograd graph of its dozen operations took a third of a KL sweep's time. (Where a
    underflows to 0, a·d is 0: no inf·0 from a huge weight, as `_e` guards elsewhere.)"""

    @staticmethod
    def forward(ctx, la: torch.Tensor, lb: torch.Tensor) -> torch.Tensor:
        d = la - lb
        ea, eb = torch.exp(la), torch.exp(lb)
        big = d > 1.0
        diff = torch.where(big, ea - eb, eb * torch.expm1(d.clamp(max=1.0)))
        ctx.save_for_backward(d, ea, eb)
        return ea * d - diff

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        d, ea, eb = ctx.saved_tensors
        ga, gb = grad * (ea * d), grad * (eb - ea)
        # a node of weight 0 (inside an end cell) may hold a·d = 1e306 · 2e5 = inf: 0, not
        # the 0 · inf = nan that left ∂KL/∂a of beta(0.005, 3) ‖ lognormal nan
        off = grad == 0
        return torch.where(off, 0.0, ga), torch.where(off, 0.0, gb)


# KL's generator plus the affine −(u − 1), which integrates to 0 (f(0) = 1 accounts for Q's
# mass where p = 0): the same KL, but a constant error in log p − log q (the rounding of a
# normalising constant, 7e-15 for Student t's lgamma(26.5)) now costs it only that error
# times KL, where ∫ p·(log p − log q) took it in full (see catalogue's kl, reverse_kl).
KL_BALANCED = Integrand(lambda lp, lq: _kl_balanced(lp, lq), 1.0, INF, ((1.0, 0.0),), True)
REVERSE_KL_BALANCED = Integrand(lambda lp, lq: _kl_balanced(lq, lp), INF, 1.0,
                                ((0.0, 1.0),), True)
JEFFREYS = Integrand(lambda lp, lq: (_e(lp) - _e(lq)) * (lp - lq), INF, INF,
                     ((1.0, 0.0), (0.0, 1.0)), True)
JS = Integrand(_js, 0.5 * LN2, 0.5 * LN2, overlap=(LN2, _js_log_overlap), peak=torch.minimum)
GAN = Integrand(_gan, 0.0, 0.0)
PEARSON = Integrand(_pearson, 1.0, INF, ((2.0, -1.0),))
NEYMAN = Integrand(lambda lp, lq: _pearson(lq, lp), INF, 1.0, ((-1.0, 2.0),))
HELLINGER = Integrand(lambda lp, lq: 0.5 * (_e(0.5 * lp) - _e(0.5 * lq)) ** 2, 0.5, 0.5,
                      overlap=(1.0, lambda lp, lq: 0.5 * (lp + lq)),
                      peak=lambda lp, lq: 0.5 * (lp + lq))
TV = Integrand(lambda lp, lq: 0.5 * (_e(lp) - _e(lq)).abs(), 0.5, 0.5, kink=True,
               overlap=(1.0, torch.minimum), peak=torch.minimum)


def amari(alpha: float) -> Integrand:
    """f(u) = (u^a - 1 - a(u - 1)) / (a(a - 1))."""
    a = alpha
    c = a * (a - 1)

    def value(lp, lq):
        return (_e(a * lp + (1 - a) * lq) - _e(lq) - a * (_e(lp) - _e(lq))) / c

    f0 = 1 / a if a > 0 else INF
    fprime_inf = INF if a > 1 else 1 / (1 - a)
    tail = ((a, 1 - a),) if (a > 1 or a < 0) else ()
    # 0 < a < 1: D = (1 − ∫ p^a q^(1−a)) / (a(1 − a)), bounded by 1 / (a(1 − a)).
    overlap = (1 / (a * (1 - a)), lambda lp, lq: a * lp + (1 - a) * lq - math.log(a * (1 - a))) \
        if 0 < a < 1 else None
    return Integrand(value, f0, fprime_inf, tail, overlap=overlap,
                     peak=(lambda lp, lq: a * lp + (1 - a) * lq) if overlap else None)


def chernoff(alpha: float) -> Integrand:
    """The coefficient ∫ p^a q^(1-a) (a > 0): singular parts add 0, or inf when a > 1."""
    a = alpha

    def value(lp, lq):
        return _e(a * lp + (1 - a) * lq)

    tail = ((a, 1 - a),) if a > 1 else ()
    return Integrand(value, 0.0, INF if a > 1 else 0.0, tail,
                     peak=lambda lp, lq: a * lp + (1 - a) * lq)


# --- generators, conjugates, activations (for the f-GAN losses and the theory page) ---


@dataclass(frozen=True)
class Generator:
    """An f-divergence's generator f, its conjugate f*, the f-GAN output activation and
    the optimal critic T*(u) = f'(u), each beside its LaTeX (u = p/q, t the critic value,
    v the raw output) for the theory page's table, so that the two are read together."""

    f: Callable[[torch.Tensor], torch.Tensor]
    f_latex: str
    f_conj: Callable[[torch.Tensor], torch.Tensor]
    f_conj_latex: str
    activation: Callable[[torch.Tensor], torch.Tensor]
    activation_latex: str
    optimal_critic: Callable[[torch.Tensor], torch.Tensor]
    optimal_critic_latex: str

    def fields(self) -> dict:
        """The eight as keywords of `registry.Divergence`."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _xlogx(u: torch.Tensor) -> torch.Tensor:
    return torch.xlogy(u, u)


KL_F = Generator(_xlogx, r"u \log u", lambda t: torch.exp(t - 1), r"e^{t - 1}",
                 lambda v: v, r"v", lambda u: 1 + torch.log(u), r"1 + \log u")
REVERSE_KL_F = Generator(lambda u: -torch.log(u), r"-\log u",
                         lambda t: -1 - torch.log(-t), r"-1 - \log(-t),\ t < 0",
                         lambda v: -torch.exp(-v), r"-e^{-v}", lambda u: -1 / u, r"-1/u")
JEFFREYS_F = Generator(lambda u: (u - 1) * torch.log(u), r"(u - 1) \log u",
                       lambda t: _jeffreys_conj(t), r"W(e^{1-t}) + 1/W(e^{1-t}) + t - 2",
                       lambda v: v, r"v", lambda u: 1 + torch.log(u) - 1 / u,
                       r"1 + \log u - 1/u")
# Our JS is half the f-GAN paper's f; f*(t) = c g*(t / c) with c = 1/2.
JS_F = Generator(lambda u: 0.5 * (_xlogx(u) - (u + 1) * torch.log((u + 1) / 2)),
                 r"\tfrac12 \big(u \log u - (u + 1) \log \tfrac{u + 1}{2}\big)",
                 lambda t: -0.5 * torch.log(2 - torch.exp(2 * t)),
                 r"-\tfrac12 \log(2 - e^{2t}),\ t < \tfrac12 \ln 2",
                 lambda v: 0.5 * (LN2 - softplus(-v)),
                 r"\tfrac12 \big(\ln 2 - \log(1 + e^{-v})\big)",
                 lambda u: 0.5 * torch.log(2 * u / (u + 1)), r"\tfrac12 \log \frac{2u}{u + 1}")
GAN_F = Generator(lambda u: _xlogx(u) - (u + 1) * torch.log(u + 1),
                  r"u \log u - (u + 1) \log(u + 1)",
                  lambda t: -torch.log1p(-torch.exp(t)), r"-\log(1 - e^{t}),\ t < 0",
                  lambda v: -softplus(-v), r"-\log(1 + e^{-v})",
                  lambda u: torch.log(u / (u + 1)), r"\log \frac{u}{u + 1}")
PEARSON_F = Generator(lambda u: (u - 1) ** 2, r"(u - 1)^2", lambda t: t * t / 4 + t,
                      r"\tfrac14 t^2 + t", lambda v: v, r"v", lambda u: 2 * (u - 1),
                      r"2(u - 1)")
NEYMAN_F = Generator(lambda u: (1 - u) ** 2 / u, r"(1 - u)^2 / u",
                     lambda t: 2 - 2 * torch.sqrt(1 - t), r"2 - 2\sqrt{1 - t},\ t < 1",
                     lambda v: 1 - torch.exp(v), r"1 - e^{v}", lambda u: 1 - 1 / u**2,
                     r"1 - 1/u^2")
# Squared Hellinger with the 1/2: half the paper's (sqrt(u) - 1)^2.
HELLINGER_F = Generator(lambda u: 0.5 * (torch.sqrt(u) - 1) ** 2, r"\tfrac12 (\sqrt u - 1)^2",
                        lambda t: t / (1 - 2 * t), r"\frac{t}{1 - 2t},\ t < \tfrac12",
                        lambda v: 0.5 * (1 - torch.exp(-v)), r"\tfrac12 (1 - e^{-v})",
                        lambda u: 0.5 * (1 - 1 / torch.sqrt(u)), r"\tfrac12 (1 - 1/\sqrt u)")
TV_F = Generator(lambda u: 0.5 * (u - 1).abs(), r"\tfrac12 |u - 1|", lambda t: t,
                 r"t,\ |t| \le \tfrac12", lambda v: 0.5 * torch.tanh(v), r"\tfrac12 \tanh v",
                 lambda u: 0.5 * torch.sign(u - 1), r"\tfrac12 \operatorname{sign}(u - 1)")

AMARI_LATEX = dict(
    f_latex=r"\frac{u^\alpha - 1 - \alpha(u - 1)}{\alpha(\alpha - 1)}",
    f_conj_latex=r"\frac{(1 + (\alpha - 1)t)^{\alpha/(\alpha - 1)} - 1}{\alpha}",
    activation_latex=r"\tfrac{1}{1 - \alpha} - \log(1 + e^{-v})\ (\alpha < 1),\ "
                     r"\log(1 + e^{v}) - \tfrac{1}{\alpha - 1}\ (\alpha > 1)",
    optimal_critic_latex=r"\frac{u^{\alpha - 1} - 1}{\alpha - 1}")


def _jeffreys_conj(t: torch.Tensor) -> torch.Tensor:
    """f*(t) for f(u) = (u - 1) log u: sup at u with log u + 1 - 1/u = t (Newton in log u)."""
    # Start near the root: y ~ t - 1 for large t, y ~ -log(1 - t) for very negative t.
    y = torch.where(t >= 1, t - 1, -torch.log(2 - t.clamp(max=1)))
    for _ in range(60):
        u = torch.exp(y)
        g = y + 1 - 1 / u - t
        y = y - g / (1 + 1 / u)
    u = torch.exp(y)
    return t * u - (u - 1) * y


def amari_generator(alpha: float) -> dict[str, Callable]:
    a = alpha
    c = a * (a - 1)

    def conj(t):
        u = (1 + (a - 1) * t) ** (1 / (a - 1))
        return (u**a - 1) / a

    def act(v):
        return softplus(v) - 1 / (a - 1) if a > 1 else 1 / (1 - a) - softplus(-v)

    return dict(f=lambda u: (u**a - 1 - a * (u - 1)) / c, f_conj=conj, activation=act,
                optimal_critic=lambda u: (u ** (a - 1) - 1) / (a - 1))
