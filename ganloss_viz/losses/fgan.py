"""f-GAN losses (Nowozin et al. 2016), one per f-divergence of the registry.

With T = activation(v) the critic value of the raw output v (the registry's output
activation, already rescaled to our f, e.g. our JS f is half the paper's), the
variational bound D_f(P‖Q) >= E_P[T] - E_Q[f*(T)] is tight at T* = f'(p/q). So

  D: -(E_P[T(v)] - E_Q[f*(T(v))])     (= -D_f(P‖Q) at the optimal critic),
  G: -E_Q[f*(T(v))]                    (saturating: G minimises the bound itself),

or, with nonsaturating=True, G: -E_Q[T(v)] (the paper's practical alternative). The
composites T(v) and f*(T(v)) are written in closed form in v, so that no intermediate
overflows where the result is finite (e.g. reverse KL: f*(T(v)) = v - 1 although
T(v) = -e^{-v} underflows). A registry f-divergence without such a form here falls
back to the registry's f_conj(activation(v)).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import torch

from ..divergences.registry import DIVERGENCES
from .base import Loss, log_ratio, ops, softplus
from .classic import DCGAN

LN2 = math.log(2.0)
DIVS = ("kl", "reverse_kl", "pearson", "neyman", "hellinger", "jeffreys", "js", "tv")

# Learning rates (both networks) replacing DCGAN's 2e-4 for the f-GANs that diverge at it.
# Measured with ganloss_viz.train on ring8 (width 128, depth 3, batch 256; seeds 0-2,
# benchmarks/train.py): uncapped, fgan_neyman diverged at 2e-4 (step 783), 1e-4 (steps
# 2299, 2387) and 5e-5 (step 3114, seed 2), not at 2e-5, which was slow (0-4 of 8 modes
# after 4000 steps, grid25 0/25) and still diverged on parallel_lines (step 3192); with
# its output capped (below) 5e-5 is finite on all 10 targets and better on 8 (grid25 15/25,
# W1 0.31; trimodal 2/3; parallel_lines W1 0.09; ring8 1 / 3 / 6 of 8, seeds 0-2). At
# 1e-3 pearson, neyman, jeffreys and tv all fail; reverse_kl, pearson, hellinger and js do
# best at 2e-4; tv stays at 0-2/8 modes at every rate tried (5e-5 to 1e-3): its critic
# output tanh(v)/2 saturates and the generator's gradient vanishes.
FGAN_LR = {"neyman": 5e-5}

# KL and Jeffreys: the critic value is T = v, and the D objective E_P[T] − E_Q[f*(T)] with
# f* ~ e^T is unbounded wherever P has mass that Q lacks (T* = 1 + log(p/q) → ∞). A
# generator that misses a mode lets D's output there climb without end (bimodal, seed 0,
# uncapped at 5e-5: 132 by step 1000) until a fake sample lands in it, e^{v-1} explodes and
# the run diverges (grid25 step 4072, trimodal 1113, bimodal 1087, moons 2452; Jeffreys at
# 1e-4 on grid25, step 2612). Capping the trained D's output softly at OUTPUT_CAP (density
# ratios up to e^9 ≈ 8100 stay representable) cures it at DCGAN's own rates (2e-4, seed 0,
# default steps): KL ring8 8/8 modes (seeds 0-2), grid25 16/25 (seed 1: 23/25), trimodal
# 3/3 with W1 0.19, moons W1 0.08, bimodal 1/2 (as ns and fgan_js there); Jeffreys ring8
# 8/8, grid25 21/25, trimodal 3/3 (benchmarks/train_all.py has the full table). Neyman is
# the mirror case: T = 1 − e^v, f*(T(v)) = 2 − 2e^{v/2}, unbounded where Q has mass that P
# lacks (v* = 2 log(q/p) → ∞); uncapped it diverged on parallel_lines, whose lines the
# generator's samples leave.
OUTPUT_CAP = 10.0
CAPPED = ("kl", "jeffreys", "neyman")

# What the default runs (saturating G) are measured to do badly (benchmarks/train.py,
# seeds 0-2 on ring8; benchmarks/train_all.py, seed 0 on every target).
FGAN_CAVEATS = {
    "tv": "Weak at every setting measured: its critic T = ½·tanh(v) saturates once D "
          "tells real from fake, and the generator's gradient vanishes (ring8: at most 2 "
          "of 8 modes at every learning rate tried, 5e-5 to 1e-3).",
    "neyman": "Slow at its learning rate of 5e-5 (higher rates diverged before its output "
              "was capped): 1, 3 and 6 of ring8's 8 modes on seeds 0-2 after 4,000 steps.",
    "pearson": "Thrown off on the 1-D mixtures (bimodal, trimodal: W1 31 and 19 at the "
               "defaults): its generator maximises f*(T) = T²/4 + T, which also grows as "
               "D's output T falls below −2, where D is surest a sample is fake.",
}


class _JeffreysConj(torch.autograd.Function):
    """f*(t) for f(u) = (u - 1) log u, exact for every finite t.

    The maximiser u of t·u - f(u) solves log u + 1 - 1/u = t; with s = 1/u this is
    s + log s = 1 - t, i.e. s = ω(1 - t) (Wright omega, s = W(e^{1-t})), found by
    Newton on ℓ = log s: e^ℓ + ℓ = z. Then f*(t) = u - 1 + log u = expm1(-ℓ) - ℓ,
    which is the f-GAN table's W(e^{1-t}) + 1/W(e^{1-t}) + t - 2; df*/dt = u.
    """

    @staticmethod
    def forward(ctx, t):
        with torch.no_grad():
            z = 1 - t
            ell = torch.where(z > 1, torch.log(z.clamp(min=1)), z - 1)
            for _ in range(60):
                e = torch.exp(ell)
                ell = ell - (e + ell - z) / (e + 1)
            u = torch.exp(-ell)
        ctx.save_for_backward(u)
        return torch.expm1(-ell) - ell

    @staticmethod
    def backward(ctx, grad):
        (u,) = ctx.saved_tensors
        return grad * u


def _sign_inf(lr):
    """+inf where lr > 0, -inf where lr < 0, 0 where lr = 0 (tanh's preimage of ±½, 0)."""
    inf = math.inf
    if isinstance(lr, torch.Tensor):
        big = torch.full_like(lr, inf)
        return torch.where(lr > 0, big, torch.where(lr < 0, -big, torch.zeros_like(lr)))
    return np.where(lr > 0, inf, np.where(lr < 0, -inf, 0.0))


# name -> (T(v), f*(T(v)), optimal raw output from lr = log(p/q)); our f conventions.
FORMS = {
    "kl": (lambda v: v, lambda v: torch.exp(v - 1), lambda lr: 1 + lr),
    "reverse_kl": (lambda v: -torch.exp(-v), lambda v: v - 1, lambda lr: lr),
    "pearson": (lambda v: v, lambda v: v * v / 4 + v, lambda lr: 2 * ops(lr).expm1(lr)),
    "neyman": (lambda v: -torch.expm1(v), lambda v: 2 - 2 * torch.exp(v / 2),
               lambda lr: -2 * lr),
    "hellinger": (lambda v: -0.5 * torch.expm1(-v), lambda v: 0.5 * torch.expm1(v),
                  lambda lr: 0.5 * lr),
    "jeffreys": (lambda v: v, _JeffreysConj.apply,
                 lambda lr: 1 + lr - ops(lr).exp(-lr)),
    "js": (lambda v: 0.5 * (LN2 - softplus(-v)), lambda v: 0.5 * (softplus(v) - LN2),
           lambda lr: lr),
    "tv": (lambda v: 0.5 * torch.tanh(v), lambda v: 0.5 * torch.tanh(v), _sign_inf),
}


class FGan(Loss):
    """The f-GAN loss for registry f-divergence `div` (see the module docstring)."""

    divergence: str
    identity = "d_loss(T*) = −D_f(P‖Q) at the optimal critic T* = f'(p/q)"
    # DCGAN's Adam(2e-4, (0.5, 0.999)) (classic.DCGAN), lowered where it diverged; see
    # FGAN_LR for the measurements, and OUTPUT_CAP for KL, Jeffreys and Neyman.
    defaults = DCGAN

    def __init__(self, div: str, nonsaturating: bool = False):
        entry = DIVERGENCES.get(div)
        if entry is None or entry.f_conj is None or entry.activation is None:
            known = [k for k, d in DIVERGENCES.items() if d.f_conj is not None]
            raise ValueError(f"f-GAN needs an f-divergence with a conjugate and an activation; "
                             f"got '{div}', known: {', '.join(known)}")
        self.divergence = div
        self.nonsaturating = nonsaturating
        if div in FGAN_LR:
            self.defaults = replace(DCGAN, lr_g=FGAN_LR[div], lr_d=FGAN_LR[div])
        self.name = f"fgan_{div}" + ("_ns" if nonsaturating else "")
        self.label = f"f-GAN ({entry.label})" + (", non-saturating G" if nonsaturating else "")
        g_text = "−E_Q[T(G(z))] (non-saturating)" if nonsaturating else \
            "−E_Q[f*(T(G(z)))] (saturating)"
        self.doc = f"Nowozin et al. 2016 with f = {div}: D maximises E_P[T] − E_Q[f*(T)]; " \
                   f"G: {g_text}"
        if div in CAPPED:
            self.output_cap = OUTPUT_CAP
            self.doc += f"; the trained D's output is capped softly at {OUTPUT_CAP:g}"
        self.minimises = f"D_f(P‖Q) for f = {div}"
        self.optimum_units = f"T*(x) = f'(p/q), the critic value for f = {div}"
        self.caveat = "" if nonsaturating else FGAN_CAVEATS.get(div, "")
        if div in FORMS:
            self._act, self._conj, self._opt = FORMS[div]
        else:
            self._act = entry.activation
            self._conj = lambda v: entry.f_conj(entry.activation(v))
            self._opt = None

    def activation(self, v: torch.Tensor) -> torch.Tensor:
        """The critic value T(v) (inside dom f*)."""
        return self._act(v)

    def natural_output(self, v: torch.Tensor) -> torch.Tensor:
        """The critic value T(v), in which the optimum is f'(p/q)."""
        return self._act(v)

    def conjugate(self, v: torch.Tensor) -> torch.Tensor:
        """f*(T(v))."""
        return self._conj(v)

    def d_real(self, v):
        return -self._act(v)

    def d_fake(self, v):
        return self._conj(v)

    def g_fake(self, v):
        return -self._act(v) if self.nonsaturating else -self._conj(v)

    @staticmethod
    def optimum_value(v: float) -> float:
        return -v

    @property
    def optimal_d(self):
        if self._opt is None:
            return None
        opt = self._opt

        def optimal_d(p, q):
            """Raw output v* with T(v*) = f'(p/q); ±inf where T* is an end of T's range."""
            return opt(log_ratio(p, q))
        return optimal_d
