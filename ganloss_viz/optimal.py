"""The optimal discriminator of each GAN loss, its loss value, and the divergence it measures.

For data P and generator Q, a separable loss (D loss = E_P[d_real(v)] + E_Q[d_fake(v)])
is minimised pointwise by the raw output v*(x) that the loss declares (`optimal_d`),
and a Wasserstein critic over 1-Lipschitz functions by a critic whose slope is
sign(F_Q − F_P) (1-D). `optimal` integrates the loss's own per-sample terms at that
optimum against P and Q on the divergence engine's node sets (panels fitted to both
supports, atoms and singular parts by the Lebesgue decomposition) and, separately, asks
the engine for the divergence that the loss's identity names: the identity is then a
prediction that can be checked, not the way the value is computed.

`vanishing_gradients` is Arjovsky & Bottou (2017)'s picture: at the optimal D, the
saturating generator's gradient dies as P and Q separate, the non-saturating one's does
not, and the latter equals ∇[KL(Q‖P) − 2·JS(P‖Q)] (their Theorem 2.5).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from . import losses as L
from .distributions import Distribution, dist
from .divergences import divergence, sweep
from .divergences.engine import pair
from .divergences.fdivs import Integrand
from .divergences.integrals import integral
from .divergences.nodes import crossings, nodes_1d
from .divergences.precision import coarse, embedded_error
from .losses.base import Loss

NOTES = {
    "wgan": "Weight clipping makes the critic K-Lipschitz for a network-dependent K; "
            "this is the optimum over 1-Lipschitz critics.",
    "wgan_gp": "The gradient penalty is left out: this is the optimum of the unpenalised "
               "critic loss over 1-Lipschitz critics (its slope is ±1 wherever F_P ≠ F_Q, "
               "where the two-sided penalty vanishes).",
    "wgan_lp": "The Lipschitz penalty is left out: this is the optimum of the unpenalised "
               "critic loss over 1-Lipschitz critics (where the one-sided penalty is 0).",
    "ns_r1": "The R1 penalty is left out: this is the optimum of the unpenalised D loss "
             "(the penalty moves the trained D away from it wherever ∇D* ≠ 0 on P).",
}


def note(loss: Loss) -> str:
    """What the optimum leaves out of the trained discriminator (NOTES, the output cap)."""
    if loss.output_cap is not None:
        return (f"Training caps D's raw output softly at {loss.output_cap:g}: the trained D "
                f"can follow this optimum only where v* < {loss.output_cap:g}, not where one "
                "distribution has mass that the other lacks.")
    return NOTES.get(loss.name, "")


def _has_optimum(loss: Loss) -> bool:
    return (loss.d_real is not None and (loss.critic or loss.optimal_d is not None)
            and loss.identity_check() is not None)


OPTIMAL_LOSSES: tuple[str, ...] = tuple(n for n, lo in L.LOSSES.items() if _has_optimum(lo))


@dataclass(frozen=True)
class OptimalResult:
    """The D loss at the optimal D (integrated), and the divergence its identity names.

    d_loss_at_optimum: E_P[d_real(v*)] + E_Q[d_fake(v*)] by quadrature; divergence /
    divergence_value: the registry divergence and its engine value; predicted: the
    identity's right-hand side at that value; method / error: how d_loss_at_optimum was
    integrated and the quadrature's error estimate (the gap to a coarser rule on the same
    panels); curve_units: what
    `optimal_curve` returns; note: what the optimum leaves out (penalties, clipping).
    """

    loss: str
    p: str
    q: str
    d_loss_at_optimum: float
    divergence: str
    divergence_value: float
    identity: str
    predicted: float
    method: str
    error: float
    curve_units: str
    note: str = ""

    @property
    def difference(self) -> float:
        """d_loss_at_optimum − predicted (0 when both are the same infinity)."""
        if self.d_loss_at_optimum == self.predicted:
            return 0.0
        return self.d_loss_at_optimum - self.predicted

    def to_dict(self) -> dict:
        """The DESIGN.md JSON of `optimal`, plus the checks and how they were computed."""
        return {"loss": self.loss, "d_loss_at_optimum": self.d_loss_at_optimum,
                "divergence": self.divergence, "divergence_value": self.divergence_value,
                "identity": self.identity, "predicted": self.predicted,
                "difference": self.difference, "method": self.method, "error": self.error,
                "p": self.p, "q": self.q, "curve_units": self.curve_units, "note": self.note}


def optimal_loss(name: str | Loss) -> Loss:
    """The registered loss `name`, if it has a known optimum; ValueError saying why not."""
    loss = L.get(name)
    if not _has_optimum(loss):
        raise ValueError(f"loss '{loss.name}' has no known optimal discriminator "
                         f"({loss.identity or loss.minimises}); losses with one: "
                         f"{', '.join(OPTIMAL_LOSSES)}")
    return loss


def _critic_pair(loss: Loss, pd: Distribution, qd: Distribution) -> None:
    if loss.critic and pd.dim != 1:
        raise ValueError(f"the optimal critic of '{loss.name}' is computed in 1-D only "
                         f"(from the CDFs); P and Q are {pd.dim}-D")


# --- pointwise optima --------------------------------------------------------------------


MAX_LOG_RATIO = 1400.0


def _raw_optimum(loss: Loss, lp: torch.Tensor, lq: torch.Tensor) -> torch.Tensor:
    """v*(x) from log-densities, through `optimal_d(p, q)` on stand-ins with the same ratio.

    p/q = e^r is passed as (e^{r/2}, e^{−r/2}), representable for |r| < 1400, so that no
    density underflow turns a finite ratio into 0 or ∞; a finite |r| beyond that (one
    density below e^{−1400} times the other: nothing there counts) is clamped, and the
    zero densities (r = ±∞) stay exact.
    """
    r = lp - lq
    r = torch.where(torch.isfinite(r), r.clamp(-MAX_LOG_RATIO, MAX_LOG_RATIO), r)
    return loss.optimal_d(torch.exp(r / 2), torch.exp(-r / 2))


def _finite_bound(loss: Loss) -> float:
    """The largest R <= MAX_LOG_RATIO with d_real(v*) and d_fake(v*) finite at r = ±R.

    Some optima overflow their raw output long before the densities do (Jeffreys:
    v* = 1 + r − e^{−r}; Pearson: f*(v*) ~ e^{2r}); at a node where that happens the
    optimum is taken at r clamped to ±R (a D within e^{−R} of optimal there).
    """
    def finite(r: float) -> bool:
        t = torch.tensor([r, -r], dtype=torch.float64)
        v = _raw_optimum(loss, t, torch.zeros_like(t))
        return bool(torch.isfinite(loss.d_real(v)).all() and torch.isfinite(loss.d_fake(v)).all())
    if finite(MAX_LOG_RATIO):
        return MAX_LOG_RATIO
    lo, hi = 0.0, MAX_LOG_RATIO
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if finite(mid) else (lo, mid)
    return lo


def _pointwise_integrand(loss: Loss) -> Integrand:
    """p·d_real(v*) + q·d_fake(v*) as a function of (log p, log q), with its singular parts."""
    bound = _finite_bound(loss)

    def terms(lp: torch.Tensor, lq: torch.Tensor) -> torch.Tensor:
        v = _raw_optimum(loss, lp, lq)
        p, q = torch.exp(lp), torch.exp(lq)
        zero = torch.zeros_like(p)
        return (torch.where(p > 0, p * loss.d_real(v), zero)
                + torch.where(q > 0, q * loss.d_fake(v), zero))

    def value(lp: torch.Tensor, lq: torch.Tensor) -> torch.Tensor:
        out = terms(lp, lq)
        overflow = ~torch.isfinite(out) & torch.isfinite(lp) & torch.isfinite(lq)
        if bool(overflow.any()):
            r = (lp - lq).clamp(-bound, bound)
            out = torch.where(overflow, terms(lq + r, lq), out)
        # Still no number where both masses are below e^-100 (a far tail node, where the
        # critic's raw output itself overflows): the term is O(p + q) there, so 0.
        tiny = ~torch.isfinite(out) & (torch.maximum(lp, lq) < -100.0)
        return torch.where(tiny, torch.zeros_like(out), out)

    one, none = torch.ones((), dtype=torch.float64), torch.zeros((), dtype=torch.float64)
    # Per unit of P-mass where q = 0 (v* for p/q = ∞) and of Q-mass where p = 0.
    p_only = float(loss.d_real(loss.optimal_d(one, none)))
    q_only = float(loss.d_fake(loss.optimal_d(none, one)))
    return Integrand(value, f0=q_only, fprime_inf=p_only, kink=True)


def _pointwise_d_loss(loss: Loss, pd: Distribution, qd: Distribution
                      ) -> tuple[float, str, float]:
    h = _pointwise_integrand(loss)
    with torch.no_grad(), embedded_error():
        total, inf, method, error = integral(h, pd.realize(), qd.realize())
    if bool(inf.any()):
        # An infinite singular part: its sign is that of the per-mass constant.
        signs = [c for c in (h.f0, h.fprime_inf) if math.isinf(c)]
        return (signs[0] if signs else math.inf), method, 0.0
    if error is None:
        # No embedded rule (2-D): the gap to a coarser rule, as the engine estimates it.
        with torch.no_grad(), coarse():
            rough = integral(h, pd.realize(), qd.realize())[0]
        error = abs(float(total) - float(rough))
    return float(total), method, float(error)


# --- the 1-Lipschitz critic in 1-D ------------------------------------------------------


@dataclass(frozen=True)
class _Critic:
    """f(x) = c + s_0·x + Σ_j (s_j − s_{j−1})·relu(x − r_j): slope s_j after break r_j."""

    breaks: np.ndarray
    slopes: np.ndarray
    shift: float = 0.0

    def __call__(self, x):
        x = np.asarray(x, dtype=np.float64)
        out = self.shift + self.slopes[0] * x
        for r, ds in zip(self.breaks, np.diff(self.slopes), strict=True):
            out = out + ds * np.maximum(x - r, 0.0)
        return out


def _critic(pd: Distribution, qd: Distribution):
    """The optimal 1-Lipschitz critic (slope sign(F_Q − F_P)), centred so E_P f = −E_Q f,
    and the node set it was integrated on.

    Its breaks are the crossings of F_P and F_Q and the jumps of either law; the slope
    on each piece is the sign of F_Q − F_P there (0 where the CDFs agree, where any
    slope in [−1, 1] is optimal).
    """
    P, Q = pd.realize(), qd.realize()
    with torch.no_grad():
        def gap(x):
            return Q.cdf_value(x) - P.cdf_value(x)
        n = nodes_1d(P, Q, kink=gap, coarse=True)
        roots = crossings(gap, torch.sort(n.x).values).numpy()
        jumps = torch.cat([P.jumps().reshape(-1), Q.jumps().reshape(-1)]).numpy()
        breaks = np.unique(np.concatenate([roots, jumps]))
        if breaks.size == 0:
            breaks = np.array([0.0])
        mids = np.concatenate([[breaks[0] - 1.0], (breaks[:-1] + breaks[1:]) / 2,
                               [breaks[-1] + 1.0]])
        slopes = np.sign(gap(torch.as_tensor(mids)).numpy())
        f = _Critic(breaks, slopes)
        ep, eq = _expect(n, n.lp, f), _expect(n, n.lq, f)
    return _Critic(breaks, slopes, -(ep + eq) / 2), n


def _expect(n, log_density: torch.Tensor, fn, coarse_rule: bool = False) -> float:
    """Σ w·density·fn(x) over a 1-D node set (atoms included, zero density skipped);
    with `coarse_rule`, the weights of the node set's coarser rule."""
    fx = torch.as_tensor(fn(n.x.numpy()))
    w = n.w_coarse if coarse_rule and n.w_coarse is not None else n.w
    terms = torch.where(w != 0, w * torch.exp(log_density) * fx, torch.zeros_like(fx))
    return float(torch.where(torch.isfinite(log_density), terms, torch.zeros_like(fx)).sum())


def _critic_d_loss(loss: Loss, pd: Distribution, qd: Distribution) -> tuple[float, str, float]:
    """E_P[d_real(f*)] + E_Q[d_fake(f*)] on the critic's node set."""
    f, n = _critic(pd, qd)

    def value(coarse_rule: bool) -> float:
        with torch.no_grad():
            return (_expect(n, n.lp, lambda x: loss.d_real(torch.as_tensor(f(x))), coarse_rule)
                    + _expect(n, n.lq, lambda x: loss.d_fake(torch.as_tensor(f(x))),
                              coarse_rule))
    fine = value(False)
    return fine, "quadrature", abs(fine - value(True))


# --- public API ---------------------------------------------------------------------------


def curve_units(name: str | Loss) -> str:
    """What `optimal_curve` returns for this loss, in words."""
    return optimal_loss(name).optimum_units


def optimal_curve(name: str | Loss, p, q, x: np.ndarray) -> np.ndarray:
    """The optimal discriminator / critic at points x, in the loss's natural units.

    x: (n,) in 1-D, (n, 2) in 2-D. See `curve_units`: D* = p/(p + q) (minimax, ns,
    ns_r1), v* (lsgan: p/(p + q); hinge: sign(p − q)), T* = f'(p/q) (f-GANs), the
    1-Lipschitz critic (wgan family, 1-D). NaN where p = q = 0 (any value is optimal).
    """
    loss = optimal_loss(name)
    pd, qd = pair(p, q)
    _critic_pair(loss, pd, qd)
    xs = np.asarray(x, dtype=np.float64)
    if (pd.dim == 1 and xs.ndim != 1) or (pd.dim == 2 and (xs.ndim != 2 or xs.shape[1] != 2)):
        raise ValueError(f"x must have shape (n,) for 1-D laws and (n, 2) for 2-D ones; "
                         f"got {xs.shape}")
    if loss.critic:
        return _critic(pd, qd)[0](xs)
    with torch.no_grad():
        t = torch.as_tensor(xs)
        v = _raw_optimum(loss, pd.realize().log_density(t), qd.realize().log_density(t))
        return loss.natural_output(v).numpy()


def _mixture(loss: Loss, pd: Distribution, qd: Distribution) -> Distribution:
    """M = (P + Q)/2, for an identity measured against the mixture (lsgan's)."""
    try:
        return dist(f"mixture(components=[{pd.to_spec()}, {qd.to_spec()}], weights=[1, 1])")
    except ValueError as exc:
        raise ValueError(f"{loss.name}'s D loss at the optimum is measured against the "
                         f"mixture M = (P + Q)/2, which cannot be built for P = "
                         f"{pd.to_spec()}, Q = {qd.to_spec()}: {exc}") from None


def optimal(name: str | Loss, p, q) -> OptimalResult:
    """The D loss at the optimal discriminator of loss `name` for data P and generator Q.

    p, q: spec strings or Distributions (1-D; 2-D for the pointwise optima). The value is
    integrated from the loss's own terms; the identity's prediction comes from the
    divergence engine. ValueError for a loss without a known optimum or a bad pair.
    """
    loss = optimal_loss(name)
    pd, qd = pair(p, q)
    _critic_pair(loss, pd, qd)
    check = loss.identity_check()
    other = _mixture(loss, pd, qd) if check.against_mixture else qd
    div_value = divergence(check.divergence, pd, other).value
    predicted = check.predict(div_value)
    compute = _critic_d_loss if loss.critic else _pointwise_d_loss
    value, method, error = compute(loss, pd, qd)
    if math.isinf(predicted) and math.isfinite(value):
        # The divergence engine finds the integral infinite (tails or singular parts);
        # a finite quadrature sum cannot show that, so the optimum is that limit.
        value, method, error = predicted, "limit", 0.0
    return OptimalResult(loss=loss.name, p=pd.to_spec(), q=qd.to_spec(),
                         d_loss_at_optimum=value, divergence=check.divergence,
                         divergence_value=div_value, identity=check.text,
                         predicted=float(predicted) + 0.0, method=method, error=error,
                         curve_units=curve_units(loss), note=note(loss))


def vanishing_gradients(separations: np.ndarray, scale: float = 1.0) -> dict[str, np.ndarray]:
    """Generator gradients at the optimal D for P = N(0, s²), Q = N(θ, s²), against θ.

    D = D* (for that θ) held fixed; keys: "separation" (θ), "saturating"
    (d/dθ E_Q[log(1 − D*)], the minimax generator loss), "non_saturating"
    (d/dθ −E_Q[log D*]), "kl_minus_2js" (d/dθ [KL(Q‖P) − 2·JS(P‖Q)] from the divergence
    engine's autograd: equals "non_saturating", Arjovsky & Bottou 2017, Thm 2.5) and
    "js" (JS(P‖Q) in nats; "saturating" is also 2·dJS/dθ).
    """
    seps = np.asarray(separations, dtype=np.float64).reshape(-1)
    if seps.size == 0 or not np.all(np.isfinite(seps)):
        raise ValueError("separations must be a non-empty array of finite numbers")
    if not (isinstance(scale, int | float) and math.isfinite(scale) and scale > 0):
        raise ValueError(f"scale must be a finite number > 0, got {scale!r}")
    p_spec, q_spec = f"normal(0, {scale!r})", f"normal(0, {scale!r})"
    pd, qd = dist(p_spec), dist(q_spec)
    theta = torch.tensor(seps, requires_grad=True)
    P, Q = pd.realize(), qd.realize({"loc": theta})
    n = nodes_1d(P, Q)
    v_star = (n.lp - n.lq).detach()          # D* = sigmoid(v*), fixed while θ moves
    out = {"separation": seps}
    for key, name in (("saturating", "minimax"), ("non_saturating", "ns")):
        g = (n.w * torch.exp(n.lq) * L.get(name).g_fake(v_star)).sum(-1)
        (grad,) = torch.autograd.grad(g.sum(), theta, retain_graph=True)
        out[key] = grad.detach().numpy().copy()
    kl = sweep("reverse_kl", pd, qd, "q.loc", seps)
    js = sweep("js", pd, qd, "q.loc", seps)
    out["kl_minus_2js"] = kl.grads - 2 * js.grads
    out["js"] = js.div_values
    return out


__all__ = ["OPTIMAL_LOSSES", "OptimalResult", "curve_units", "optimal", "optimal_curve",
           "optimal_loss", "vanishing_gradients"]
