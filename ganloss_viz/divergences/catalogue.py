"""The 16 divergences of DESIGN.md: how each is computed, and what the UI shows of it.

A compute function takes the realised measures P and Q, the Distributions they came
from (for structural shortcuts) and the divergence's parameters, and returns
(value tensor, infinite mask, method, error or None). Closed forms come first (the
pair table of `closed`), the general path (quadrature over node sets) next, Monte
Carlo last.
"""

from __future__ import annotations

import contextlib
import math

import torch

from ..distributions.mesh import end_power
from . import gaussian as G
from . import kernels as K
from . import pictures as PIC
from . import transport as T
from .analytic import end_decay
from .chernoff import log_chernoff
from .closed import NO_INF, closed
from .fdivs import (
    AMARI_LATEX,
    GAN,
    GAN_F,
    HELLINGER,
    HELLINGER_F,
    JEFFREYS,
    JEFFREYS_F,
    JS,
    JS_F,
    KL,
    KL_BALANCED,
    KL_F,
    NEYMAN,
    NEYMAN_F,
    PEARSON,
    PEARSON_F,
    REVERSE_KL,
    REVERSE_KL_BALANCED,
    REVERSE_KL_F,
    TV,
    TV_F,
    Generator,
    Integrand,
    amari,
    amari_generator,
)
from .integrals import QUADRATURE, SINGULAR, integral, unresolved_mass
from .montecarlo import estimate
from .powercells import joint_ends
from .precision import EMBEDDED_ERROR, coarse
from .registry import GROUP_F, GROUP_IPM, GROUP_OTHER, Divergence, register
from .stable import EPS, expm1

CLOSED = "closed_form"
MONTE_CARLO = "monte_carlo"


def _pure_atoms(M) -> bool:
    if M.dim == 1:
        return not M.has_continuous
    return M.factors is not None and all(not f.has_continuous for f in M.factors)


@contextlib.contextmanager
def _graded_for(forms, diff: bool, P, Q):
    """`end_power` for an integrand of tail forms p^a q^b (Pearson's p²/q: 2 and −1),
    and `joint_ends` for the power it has at ends both laws share (1-D)."""
    joint = end_decay(forms, diff, P, Q) if P.dim == 1 else {}
    with end_power(*(k for form in forms for k in form)), joint_ends(joint):
        yield


def _integral(h: Integrand, P, Q):
    """`integral` with support ends graded for the integrand (`_graded_for`)."""
    with _graded_for(h.tail_forms, h.tail_diff, P, Q):
        return integral(h, P, Q)


def _f_compute(name: str, h: Integrand, power=None):
    """Its closed form where one applies (`closed`), else the integral of `h`. `power` =
    (a, swap, c) for the divergences that are (C − 1)/c in the Chernoff coefficient
    C = ∫ p^a q^(1−a) (of Q‖P when swap): where their integrand overflows (p²/q of a
    Laplace of scale 1e-282 is 1e563 at its peak, the value 4e287), they take the
    log-space coefficient instead."""
    def compute(P, Q, pd, qd, params):
        if (c := closed(name, P, Q, params)) is not None:
            return c[0], c[1], CLOSED, c[2]
        value, inf, method, error = _integral(h, P, Q)
        if power is not None:
            value, error = _unless_overflow(value, inf, error, P, Q, *power)
        return value, inf, method, error
    return compute


def _unless_overflow(value, inf, error, P, Q, a, swap, c):
    """(value, error) with (e^lc − 1)/c where the integral overflowed to ∞ although the
    support and tail rules find it finite (lc: the log-space Chernoff coefficient
    (`_log_coefficient`, graded like the integral), whose error is relative: the value's
    error is |value| times it; None lets the engine compare with the coarse rule). A
    single value takes the new form's graph alone: the overflowed one's backward would be
    0·inf = NaN. p³/q² of gamma(6.9, 5.62) ‖ gamma(10.35, 0.125) goes like x^-0.99 times
    e^708 near 1e-300: its integral overflowed, the log form, graded for neither law's
    joint power there, gave 2.68e38 for 7.67e38, and the value, shaped (1,) by its
    frames, took a sweep's `where` and every derivative was NaN."""
    over = ~torch.isfinite(value.detach()) & ~inf
    if not bool(over.any()):
        return value, error
    lc, _, _, lc_error = _log_coefficient(*((Q, P) if swap else (P, Q)), a)
    alt = (expm1(lc) / c).reshape(value.shape)
    if value.numel() == 1:
        if lc_error is None:
            return alt, None
        # the log's own rounding, a few ulps of its size (662 for a value of 4e287), is
        # relative error of the value after exp: 4.8e-14 there
        rounding = 16 * EPS * float(lc.detach().abs())
        return alt, 1.01 * float(alt.detach().abs()) * (lc_error + rounding)
    # a sweep: its other points keep their integral (and the error is not used)
    return torch.where(over, alt, value), None


def _alpha_compute(P, Q, pd, qd, params):
    if (c := closed("alpha", P, Q, params)) is not None:
        return c[0], c[1], CLOSED, c[2]
    a = params["alpha"]
    value, inf, method, error = _integral(amari(a), P, Q)
    if a > 1 or a < 0:
        # C(a) of P‖Q is C(1 − a) of Q‖P, and 1 − a > 1 where a < 0
        power = (a, False, a * (a - 1)) if a > 1 else (1 - a, True, a * (a - 1))
        value, error = _unless_overflow(value, inf, error, P, Q, *power)
    return value, inf, method, error


def _log_coefficient(P, Q, a):
    """(log ∫ p^a q^(1-a), infinite mask, method, error of the log)."""
    if (c := closed("log_chernoff", P, Q, {"alpha": a})) is not None:
        return c[0], c[1], CLOSED, c[2]
    with _graded_for(((a, 1 - a),), False, P, Q):
        return log_chernoff(a, P, Q)


def _from_log_coefficient(value, inf, error):
    """(value, infinite mask) of a divergence taken from a log Chernoff coefficient: a
    coefficient of 0 (laws apart beyond the float range) is an infinite value, unless the
    coefficient carries no error bound (mass that no node saw): then the value is an
    unbounded +inf that the engine reports as not accurate, not as a decided ∞."""
    bad = ~torch.isfinite(value.detach())
    if error is not None and math.isinf(error):
        lost = bad & ~inf
        return torch.where(lost, torch.full_like(value, math.inf).detach(),
                           torch.where(inf, torch.zeros_like(value), value)), inf
    inf = inf | bad
    return torch.where(inf, torch.zeros_like(value), value), inf


def _renyi_compute(P, Q, pd, qd, params):
    a = params["alpha"]
    lc, inf, method, error = _log_coefficient(P, Q, a)
    value, inf = _from_log_coefficient(lc / (a - 1), inf, error)
    return value, inf, method, (None if error is None else error / abs(a - 1))


def _bhattacharyya_compute(P, Q, pd, qd, params):
    lc, inf, method, error = _log_coefficient(P, Q, 0.5)
    value, inf = _from_log_coefficient(-lc, inf, error)
    return value, inf, method, error


def _method_1d(P, Q) -> str:
    return SINGULAR if _pure_atoms(P) and _pure_atoms(Q) else QUADRATURE


def _shared_factor(pd, qd) -> int | None:
    """Axis whose factor the two products share exactly (then W_r reduces to the other)."""
    if pd.name == "product" and qd.name == "product":
        for axis, key in ((0, "x"), (1, "y")):
            if pd.values[key] == qd.values[key]:
                return 1 - axis
    return None


def _point(M):
    """The location (..., 2) when M is a single point of the plane, else None."""
    if M.factors is None or not _pure_atoms(M):
        return None
    x, y = M.factors
    if x.atom_loc.shape[-1] != 1 or y.atom_loc.shape[-1] != 1:
        return None
    return torch.stack(torch.broadcast_tensors(x.atom_loc[..., 0], y.atom_loc[..., 0]), -1)


def _decided_infinite(inf: torch.Tensor, P, Q):
    """An IPM that the tails alone make infinite everywhere: nothing to integrate (a
    Student t of index 0.6 beside a mixture cost W1 40 s and 1.5 GB for that answer)."""
    return torch.zeros((), dtype=torch.float64), inf, _method_1d(P, Q), 0.0


def _w_compute(order: int):
    name = f"w{order}"

    def compute(P, Q, pd, qd, params):
        if P.dim == 1:
            if (c := closed(name, P, Q, params)) is not None:
                return c[0], c[1], CLOSED, c[2]
            inf = T.tails_infinite(P, Q, T.TAIL_ORDER[name])
            if bool(inf.all()):
                return _decided_infinite(inf, P, Q)
            if order == 1:
                value, error = T.w1_1d(P, Q)
                return value, inf, _method_1d(P, Q), error
            if not EMBEDDED_ERROR.get():
                return T.w2_1d(P, Q), inf, _method_1d(P, Q), None
            # a single value: the coarse rule's gap (as the engine would take it) plus
            # what the levels' own rounding costs (transport._level_rounding)
            value, rounding = T.w2_1d(P, Q, with_rounding=True)
            with torch.no_grad(), coarse():
                rough = T.w2_1d(P, Q)
            gap = float(torch.where(inf, torch.zeros_like(value), (value - rough).abs()
                                    ).detach().max())
            return value, inf, _method_1d(P, Q), gap + rounding
        axis = _shared_factor(pd, qd)
        if axis is not None:
            a, b = P.factors[axis], Q.factors[axis]
            value, error = T.w1_1d(a, b) if order == 1 else (T.w2_1d(a, b), None)
            return value, T.tails_infinite(a, b, T.TAIL_ORDER[name]), _method_1d(a, b), error
        if (c := closed(name, P, Q, params)) is not None:
            return c[0], c[1], CLOSED, c[2]
        if order == 2 and P.factors is not None and Q.factors is not None:
            wx = T.w2_1d(P.factors[0], Q.factors[0])
            wy = T.w2_1d(P.factors[1], Q.factors[1])
            inf = (T.tails_infinite(P.factors[0], Q.factors[0], T.TAIL_ORDER["w2"])
                   | T.tails_infinite(P.factors[1], Q.factors[1], T.TAIL_ORDER["w2"]))
            method = SINGULAR if _pure_atoms(P) and _pure_atoms(Q) else QUADRATURE
            return G.safe_sqrt(wx**2 + wy**2), inf, method, None
        for point, other in ((_point(P), Q), (_point(Q), P)):
            if point is not None and (gm := other.gaussian_mixture()) is not None:
                fn = K.w1_point_gm_2d if order == 1 else K.w2_point_gm_2d
                return fn(point, gm), NO_INF, CLOSED if order == 2 else QUADRATURE, None
        value, se = estimate(name, P, Q)
        return value, NO_INF, MONTE_CARLO, se
    return compute


def _mmd_compute(P, Q, pd, qd, params):
    if (c := closed("mmd", P, Q, params)) is not None:
        return c[0], c[1], CLOSED, c[2]
    ell = params["bandwidth"]
    if P.dim == 1:
        value = K.mmd_cf_1d(P, Q, ell)
        if value is not None:
            return value.clamp(min=0.0), NO_INF, _method_1d(P, Q), None
        value = K.mmd_quad_1d(P, Q, ell).clamp(min=0.0)
        hidden = unresolved_mass(P, Q)
        if not (hidden and EMBEDDED_ERROR.get()):
            return value, NO_INF, _method_1d(P, Q), None
        # Mass no node sees (a gamma of shape 0.0042 keeps 5.5 % of it within 1e-300 of
        # 0: MMD² of two such mixtures came out 5 % off under an error of 4e-14) moves
        # MMD² = ‖μP − μQ‖² by at most 2‖μP − μQ‖·m + m² ≤ 4m (k ≤ 1, m = mP + mQ ≤ 1),
        # on top of the coarse rule's gap (as the engine would take it)
        with torch.no_grad(), coarse():
            rough = K.mmd_quad_1d(P, Q, ell).clamp(min=0.0)
        gap = float((value - rough).detach().abs().max())
        return value, NO_INF, _method_1d(P, Q), gap + 4 * hidden
    if P.factors is not None and Q.factors is not None:
        return K.mmd_quad_product(P, Q, ell).clamp(min=0.0), NO_INF, QUADRATURE, None
    value, se = estimate("mmd", P, Q, ell)
    return value, NO_INF, MONTE_CARLO, se


def _energy_compute(P, Q, pd, qd, params):
    if P.dim == 1:
        if (c := closed("energy", P, Q, params)) is not None:
            return c[0], c[1], CLOSED, c[2]
        inf = T.tails_infinite(P, Q, T.TAIL_ORDER["energy"])
        if bool(inf.all()):
            return _decided_infinite(inf, P, Q)
        value, error = T.energy_value_1d(P, Q)
        return value, inf, _method_1d(P, Q), error
    # Lines and points first: exact projections (Gaussian formulas with zero variance
    # would average kinked functions over directions).
    lines = K.energy_lines_2d(P, Q)
    if lines is not None:
        method = SINGULAR if _pure_atoms(P) and _pure_atoms(Q) else QUADRATURE
        return lines.clamp(min=0.0), NO_INF, method, None
    gp, gq = P.gaussian_mixture(), Q.gaussian_mixture()
    if gp is not None and gq is not None:
        return K.energy_gm_2d(gp, gq).clamp(min=0.0), NO_INF, QUADRATURE, None
    value, se = estimate("energy", P, Q)
    return value, NO_INF, MONTE_CARLO, se


def _gan_compute(P, Q, pd, qd, params):
    """2·JS − ln 4 from JS's integrand, which vanishes where p = q: GAN's own integrand
    sums −ln 2·(p + q) there, and the nodes' mass error (1e-12) would be its error."""
    value, inf, method, error = integral(JS, P, Q)
    return 2 * value - math.log(4.0), inf, method, None if error is None else 2 * error


def fdiv(name: str, label: str, latex: str, range_text: str, h: Integrand,
         generator: Generator, symmetric: bool = False, doc: str = "",
         at_equality: float = 0.0, unit: str = "nats", compute=None, power=None,
         kink_at_equality: bool = False) -> Divergence:
    """Register an f-divergence: its log-space integrand `h` (`fdivs.Integrand`) and its
    `generator` (f, f*, activation, optimal critic, with their LaTeX) are all the engine,
    the f-GAN losses and the pages need; its closed forms, if any, are registered in
    `closed` under its name; `power` as in `_f_compute`. One call adds it to the CLI,
    the explorer and the URL."""
    return register(Divergence(
        name=name, label=label, group=GROUP_F, latex=latex, range_text=range_text,
        compute=compute or _f_compute(name, h, power), symmetric=symmetric, f0=h.f0,
        unit=unit, fprime_inf=h.fprime_inf, at_equality=at_equality, doc=doc,
        kink_at_equality=kink_at_equality, **generator.fields()))


# KL and reverse KL integrate their balanced forms (fdivs.KL_BALANCED); the registry keeps
# f = u log u (f(0) = 0), which the pages and the f-GAN losses show.
fdiv("kl", "Kullback-Leibler KL(P‖Q)", r"\int p \log \frac{p}{q}\,dx", "[0, ∞]", KL, KL_F,
     doc="Mode covering when Q is fitted to P; infinite if P has mass where q = 0.",
     compute=_f_compute("kl", KL_BALANCED))
fdiv("reverse_kl", "Reverse KL, KL(Q‖P)", r"\int q \log \frac{q}{p}\,dx", "[0, ∞]",
     REVERSE_KL, REVERSE_KL_F, doc="Mode seeking when Q is fitted to P.",
     compute=_f_compute("reverse_kl", REVERSE_KL_BALANCED))
fdiv("jeffreys", "Jeffreys (symmetrised KL)", r"\int (p - q) \log \frac{p}{q}\,dx", "[0, ∞]",
     JEFFREYS, JEFFREYS_F, symmetric=True)
fdiv("js", "Jensen-Shannon",
     r"\tfrac12 \int p \log \frac{2p}{p+q} + q \log \frac{2q}{p+q}\,dx", "[0, ln 2]", JS,
     JS_F, symmetric=True,
     doc="Constant ln 2, with zero gradient, when the supports are disjoint.")
fdiv("gan", "Minimax GAN value 2·JS − ln 4",
     r"\int p \log \frac{p}{p+q} + q \log \frac{q}{p+q}\,dx = 2\,\mathrm{JS} - \ln 4",
     "[−ln 4, 0]", GAN, GAN_F, symmetric=True, at_equality=-math.log(4.0),
     compute=_gan_compute,
     doc="The minimax GAN objective at the optimal discriminator D* = p/(p+q).")
fdiv("pearson", "Pearson χ²", r"\int \frac{(p - q)^2}{q}\,dx", "[0, ∞]", PEARSON, PEARSON_F,
     unit="", power=(2.0, False, 1.0))
fdiv("neyman", "Neyman χ²", r"\int \frac{(p - q)^2}{p}\,dx", "[0, ∞]", NEYMAN, NEYMAN_F,
     unit="", power=(2.0, True, 1.0))
fdiv("hellinger", "Squared Hellinger",
     r"\tfrac12 \int (\sqrt p - \sqrt q)^2\,dx = 1 - \int \sqrt{pq}\,dx", "[0, 1]",
     HELLINGER, HELLINGER_F, symmetric=True, unit="")
fdiv("tv", "Total variation", r"\tfrac12 \int |p - q|\,dx", "[0, 1]", TV, TV_F,
     symmetric=True, unit="", kink_at_equality=True)

register(Divergence(
    name="alpha", label="Amari α-divergence", group=GROUP_F,
    latex=(r"\int q\, f(p/q)\,dx,\quad "
           r"f(u) = \frac{u^\alpha - 1 - \alpha(u - 1)}{\alpha(\alpha - 1)}"),
    range_text="[0, ∞]", compute=_alpha_compute, parameters=(PIC.AMARI_ALPHA,), unit="",
    doc="α → 1 gives KL, α → 0 reverse KL, α = ½ four times squared Hellinger, α = 2 half χ².",
    make_generator=lambda alpha: amari_generator(alpha), **amari_generator(0.5),
    f0=amari(0.5).f0, fprime_inf=amari(0.5).fprime_inf, **AMARI_LATEX))
register(Divergence(
    name="renyi", label="Rényi divergence", group=GROUP_OTHER,
    latex=r"\frac{1}{\alpha - 1} \log \int p^\alpha q^{1-\alpha}\,dx", range_text="[0, ∞]",
    compute=_renyi_compute, parameters=(PIC.RENYI_ALPHA,), pointwise=PIC.RENYI,
    doc="α → 1 gives KL; α = ½ gives twice the Bhattacharyya distance."))
register(Divergence(
    name="bhattacharyya", label="Bhattacharyya distance", group=GROUP_OTHER,
    latex=r"-\log \int \sqrt{p q}\,dx", range_text="[0, ∞]", compute=_bhattacharyya_compute,
    symmetric=True, pointwise=PIC.BHATTACHARYYA))
register(Divergence(
    name="w1", label="Wasserstein-1 (earth mover's)", group=GROUP_IPM,
    latex=r"\inf_{\gamma \in \Pi(P, Q)} \mathbb{E}_\gamma \|x - y\| "
          r"\;\overset{1\text{-D}}{=}\; \int |F_P - F_Q|\,dx",
    range_text="[0, ∞)", compute=_w_compute(1), symmetric=True, unit="units of x",
    pointwise=PIC.W1, kink_at_equality=True,
    doc="Keeps growing (slope 1) as P and Q move apart, where JS is stuck at ln 2."))
register(Divergence(
    name="w2", label="Wasserstein-2", group=GROUP_IPM,
    latex=r"\Big(\inf_{\gamma \in \Pi(P, Q)} \mathbb{E}_\gamma \|x - y\|^2\Big)^{1/2}",
    range_text="[0, ∞)", compute=_w_compute(2), symmetric=True, unit="units of x",
    kink_at_equality=True))
register(Divergence(
    name="mmd", label="Squared MMD (Gaussian kernel)", group=GROUP_IPM,
    latex=r"\mathbb{E}\,k(X, X') + \mathbb{E}\,k(Y, Y') - 2\,\mathbb{E}\,k(X, Y),\quad "
          r"k(x, y) = e^{-\|x - y\|^2 / (2\ell^2)}",
    range_text="[0, 2]", compute=_mmd_compute, parameters=(PIC.BANDWIDTH,), symmetric=True,
    unit=""))
register(Divergence(
    name="energy", label="Energy distance", group=GROUP_IPM,
    latex=r"2\,\mathbb{E}\|X - Y\| - \mathbb{E}\|X - X'\| - \mathbb{E}\|Y - Y'\|",
    range_text="[0, ∞)", compute=_energy_compute, symmetric=True, unit="units of x",
    pointwise=PIC.ENERGY))
