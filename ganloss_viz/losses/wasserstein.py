"""Wasserstein GANs: weight clipping, gradient penalty, Lipschitz penalty.

Critic loss E_Q[v] - E_P[v], generator loss -E_Q[v], on raw critic values v. Over
1-Lipschitz critics the best critic loss is -W1(P, Q) (Kantorovich-Rubinstein duality);
there is no pointwise optimal critic, so `optimal_d` is None.
"""

from __future__ import annotations

from dataclasses import replace

from .base import Loss, LossDefaults
from .penalties import GradientPenalty

W1_IDENTITY = "d_loss(D*) = −W1(P, Q) over 1-Lipschitz critics"


class WGAN(Loss):
    """WGAN with weight clipping (Arjovsky et al. 2017): clamp D's weights to [-c, c].

    Clipping makes the critic K-Lipschitz for some K that depends on the network, so the
    critic loss at its optimum approaches -K·W1 rather than -W1.
    """

    name = "wgan"
    label = "Wasserstein GAN (weight clipping)"
    doc = "Arjovsky et al. 2017: critic E_P[D] − E_Q[D], weights clipped to [−0.01, 0.01]"
    minimises = "W1(P, Q) (K·W1 for the K-Lipschitz critics that clipping allows)"
    divergence = "w1"
    identity = W1_IDENTITY
    # Algorithm 1 of Arjovsky et al. 2017: RMSprop, lr 5e-5, n_critic 5, c = 0.01.
    defaults = LossDefaults("rmsprop", 5e-5, 5e-5, (0.5, 0.999), 5)

    def __init__(self, clip: float = 0.01):
        if not clip > 0:
            raise ValueError(f"clip must be > 0, got {clip!r}")
        self.clip = float(clip)

    @staticmethod
    def optimum_value(v: float) -> float:
        return -v

    @staticmethod
    def d_real(v):
        return -v

    @staticmethod
    def d_fake(v):
        return v

    @staticmethod
    def g_fake(v):
        return -v


class WGANGP(WGAN):
    """WGAN-GP (Gulrajani et al. 2017): critic loss + λ E[(‖∇D(x̂)‖ − 1)²], no clipping."""

    name = "wgan_gp"
    label = "WGAN-GP (gradient penalty)"
    doc = "Gulrajani et al. 2017: WGAN critic with λ E[(‖∇D(x̂)‖ − 1)²] on interpolates"
    minimises = "W1(P, Q)"
    clip = None
    # Algorithm 1 of Gulrajani et al. 2017: Adam(1e-4, betas (0, 0.9)), n_critic 5, λ = 10.
    defaults = LossDefaults("adam", 1e-4, 1e-4, (0.0, 0.9), 5, 10.0)

    def __init__(self, weight: float = 10.0):
        self.penalty = GradientPenalty(weight, one_sided=False)
        self.defaults = replace(type(self).defaults, penalty_weight=float(weight))


class WGANLP(WGANGP):
    """WGAN-LP (Petzka et al. 2018): the one-sided penalty λ E[max(0, ‖∇D(x̂)‖ − 1)²]."""

    name = "wgan_lp"
    label = "WGAN-LP (Lipschitz penalty)"
    doc = "Petzka et al. 2018: WGAN critic with the one-sided λ E[max(0, ‖∇D(x̂)‖ − 1)²]"
    # WGAN-GP's settings, so that the two runs differ only in the penalty's side.

    def __init__(self, weight: float = 10.0):
        super().__init__(weight)
        self.penalty = GradientPenalty(weight, one_sided=True)
