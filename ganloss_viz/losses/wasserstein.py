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
    critic = True
    optimum_units = ("critic f*(x), 1-Lipschitz with slope sign(F_Q − F_P), centred: "
                     "E_P f* = −E_Q f*")
    # Algorithm 1 of Arjovsky et al. 2017: RMSprop, lr 5e-5, n_critic 5, c = 0.01.
    published = LossDefaults("rmsprop", 5e-5, 5e-5, (0.5, 0.999), 5)
    # The same at lr 2e-4. Measured with ganloss_viz.train on ring8 (width 128, depth 3,
    # batch 256, 3000 steps, seeds 0-2; benchmarks/train.py): at 5e-5 the runs ended with
    # 7, 1 and 1 of 8 modes; at 2e-4 with 8, 8 and 7 (W1 0.10-0.13), at 5e-4 with 8, 7, 8.
    defaults = replace(published, lr_g=2e-4, lr_d=2e-4)

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
    published = LossDefaults("adam", 1e-4, 1e-4, (0.0, 0.9), 5, 10.0)
    # Adam with betas (0.5, 0.9) (the paper's toy-data code), n_critic 5, λ = 10, and
    # learning rates 5e-4 (G) and 1e-3 (D). Measured with ganloss_viz.train on ring8
    # (width 128, depth 3, batch 256, seeds 0-2; benchmarks/train.py): the published
    # settings end 2000 steps with 0/8 modes (seed 0); at 1e-3 for both networks the
    # coverage swings between 4 and 8 modes from snapshot to snapshot (betas (0, 0.9):
    # seed 2 stuck at 0-4 modes); with G at half D's rate every seed holds 7-8 of 8 from
    # step 1000 on (one snapshot at 5) and ends 4000 steps with 8/8, HQ 0.50-0.70.
    defaults = LossDefaults("adam", 5e-4, 1e-3, (0.5, 0.9), 5, 10.0)

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
