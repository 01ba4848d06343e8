"""Minimax, non-saturating, least-squares and hinge losses.

Discriminator probabilities are D = sigmoid(v) of the raw output v, but no sigmoid is
ever computed: -log sigmoid(v) = softplus(-v) and -log(1 - sigmoid(v)) = softplus(v).
"""

from __future__ import annotations

import math

import torch

from .base import Identity, Loss, LossDefaults, log_ratio, ops, softplus, softplus_any

# Adam(2e-4, betas (0.5, 0.999)), one D step per G step: the DCGAN settings (Radford et
# al. 2016), the common baseline of the GAN-loss papers. The f-GANs and ns_r1 keep them.
DCGAN = LossDefaults("adam", 2e-4, 2e-4, (0.5, 0.999), 1)

# DCGAN's Adam at 5x the learning rate: the default of minimax, ns, lsgan, hinge and the
# relativistic losses, so that these runs still differ only by the loss. Measured with
# ganloss_viz.train (ring8, width 128, depth 3, batch 256, 3000 steps, seeds 0 and 1,
# benchmarks/train.py): at 2e-4, ns ended with 8/8 and 4/8 modes but only 1-2% of the
# samples high-quality and never reached coverage, hinge with 2/8 and 8/8; at 1e-3, ns
# reached coverage (all modes, HQ >= 0.5) after 3-5 training seconds in both seeds,
# lsgan after 5 s, rsgan after 3 s (seed 1), minimax after 5 s (seed 0).
TOY = LossDefaults("adam", 1e-3, 1e-3, (0.5, 0.999), 1)

GAN_IDENTITY = "d_loss(D*) = ln 4 − 2·JS(P‖Q)"

# The LSGAN D loss at its optimum is ¼ − Δ/8 with Δ = ∫(p − q)²/(p + q) the triangular
# discrimination, which is not a registry divergence; Δ = 2·χ²(P‖M) with M = (P + Q)/2
# the mixture (∫(p − m)²/m = ½∫(p − q)²/(p + q)), so the engine computes it as a Pearson
# χ² against the mixture. Mao et al. 2017's Pearson result needs b − c = 1 and b − a = 2;
# with our a = 0, b = 1, c = 1 the divergence is Δ instead.
LSGAN_IDENTITY = "d_loss(D*) = ¼ − Δ(P, Q)/8 = ¼ − pearson(P‖M)/4, Δ = ∫(p − q)²/(p + q), " \
                 "M = (P + Q)/2"
LN4 = math.log(4.0)


def _gan_optimum(js: float) -> float:
    return LN4 - 2.0 * js


class Minimax(Loss):
    """The original GAN (Goodfellow et al. 2014), generator saturating.

    D: E_P[softplus(-v)] + E_Q[softplus(v)] = -E_P log D - E_Q log(1 - D).
    G: -E_Q[softplus(v)] = E_Q log(1 - D(G(z))).
    Optimal D: D* = p / (p + q), raw output log(p / q); there d_loss = ln 4 - 2 JS.
    """

    name = "minimax"
    label = "Minimax GAN (saturating)"
    doc = "Goodfellow et al. 2014: G minimises E log(1 − D(G(z))); gradients vanish when D wins"
    minimises = "2·JS(P‖Q) − ln 4"
    divergence = "js"
    identity = GAN_IDENTITY
    defaults = TOY
    optimum_value = staticmethod(_gan_optimum)
    optimum_units = "D*(x) = p/(p + q), the probability that x is real"

    @staticmethod
    def natural_output(v):
        """D = sigmoid(v), the probability that x is real."""
        return torch.sigmoid(v)

    @staticmethod
    def d_real(v):
        return softplus(-v)

    @staticmethod
    def d_fake(v):
        return softplus(v)

    @staticmethod
    def g_fake(v):
        return -softplus(v)

    @staticmethod
    def optimal_d(p, q):
        return log_ratio(p, q)


class NonSaturating(Minimax):
    """Non-saturating GAN (Goodfellow et al. 2014): G maximises E log D(G(z)).

    D as minimax; G: E_Q[softplus(-v)] = -E_Q log D(G(z)). At the optimal D its
    gradient is that of KL(Q‖P) - 2 JS(P‖Q) (Arjovsky & Bottou 2017).
    """

    name = "ns"
    label = "Non-saturating GAN"
    doc = "Goodfellow et al. 2014's practical variant: G maximises E log D(G(z))"
    minimises = "KL(Q‖P) − 2·JS(P‖Q) (its gradient at the optimal D; Arjovsky & Bottou 2017)"

    @staticmethod
    def g_fake(v):
        return softplus(-v)


class LeastSquares(Loss):
    """Least-squares GAN (Mao et al. 2017) with a = 0, b = 1, c = 1 and the ½ factors.

    D: ½E_P[(v - 1)^2] + ½E_Q[v^2]; G: ½E_Q[(v - 1)^2], on raw outputs v (no sigmoid).
    Optimal D: v* = p / (p + q), where d_loss = ¼ - Δ/8 with the triangular
    discrimination Δ = ∫(p - q)^2 / (p + q); at that D the generator's objective (plus
    the G-independent ½E_P[(v - 1)^2]) is ¼ + Δ/8.
    """

    name = "lsgan"
    label = "Least-squares GAN"
    doc = "Mao et al. 2017 (a=0, b=1, c=1): squared errors on raw outputs, no saturation"
    minimises = "¼ + Δ(P, Q)/8, Δ = ∫(p − q)²/(p + q) the triangular discrimination"
    divergence = None
    identity = "d_loss(D*) = ¼ − Δ(P, Q)/8, Δ = ∫(p − q)²/(p + q)"
    defaults = TOY
    optimum_units = "raw output v*(x) = p/(p + q)"

    def identity_check(self) -> Identity:
        """Δ is not a registry divergence, but Δ = 2·χ²(P‖M) against the mixture M."""
        return Identity("pearson", lambda chi2: 0.25 - chi2 / 4, LSGAN_IDENTITY,
                        against_mixture=True)

    @staticmethod
    def d_real(v):
        return 0.5 * (v - 1) ** 2

    @staticmethod
    def d_fake(v):
        return 0.5 * v**2

    @staticmethod
    def g_fake(v):
        return 0.5 * (v - 1) ** 2

    @staticmethod
    def optimal_d(p, q):
        """p / (p + q) = sigmoid(log(p/q)), computed without overflow."""
        lr = log_ratio(p, q)
        return ops(lr).exp(-softplus_any(-lr))


class Hinge(Loss):
    """Hinge GAN (Lim & Ye 2017; Miyato et al. 2018).

    D: E_P[relu(1 - v)] + E_Q[relu(1 + v)]; G: -E_Q[v].
    Pointwise, p relu(1 - t) + q relu(1 + t) is smallest at t = sign(p - q) with value
    2 min(p, q), so at the optimal D: d_loss = 2∫min(p, q) = 2 - 2 TV(P, Q).
    """

    name = "hinge"
    label = "Hinge GAN"
    doc = "Lim & Ye 2017: margin losses for D, G raises the raw output on its samples"
    minimises = "TV(P, Q) (the D loss at its optimum is 2 − 2·TV)"
    divergence = "tv"
    identity = "d_loss(D*) = 2 − 2·TV(P, Q)"
    defaults = TOY
    optimum_units = "raw output v*(x) = sign(p − q)"

    @staticmethod
    def optimum_value(v: float) -> float:
        return 2.0 - 2.0 * v

    @staticmethod
    def d_real(v):
        return (1 - v).clamp(min=0)

    @staticmethod
    def d_fake(v):
        return (1 + v).clamp(min=0)

    @staticmethod
    def g_fake(v):
        return -v

    @staticmethod
    def optimal_d(p, q):
        """sign(p - q) (0 where p = q, where any value in [-1, 1] is optimal)."""
        lr = log_ratio(p, q)
        return ops(lr).sign(lr)
