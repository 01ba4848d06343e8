"""The GAN-loss interface: `Loss`, its `LossDefaults`, and shared numerics.

A loss maps raw discriminator outputs (logits / critic values, any shape) to scalar
batch means. Everything a trainer or a figure needs to know about a loss is an
attribute (`penalty`, `clip`, `defaults`, `divergence`, `optimal_d`, ...), so no
caller ever needs to ask which loss it holds.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import torch

OPTIMIZERS = ("adam", "rmsprop", "sgd")


def softplus(x: torch.Tensor) -> torch.Tensor:
    """log(1 + e^x), exact in both tails (no linear cut-off as in F.softplus)."""
    return torch.logaddexp(x, torch.zeros((), dtype=x.dtype, device=x.device))


def softplus_any(x):
    """Exact softplus of a numpy array or a tensor."""
    if isinstance(x, torch.Tensor):
        return softplus(x)
    return np.logaddexp(x, 0.0)


def log_ratio(p, q):
    """log(p / q) from density values, numpy in numpy out, torch in torch out.

    Computed as log p - log q, so a tiny p or q gives a large finite value, and
    p = 0 < q gives -inf (q = 0 < p gives +inf).
    """
    if isinstance(p, torch.Tensor) or isinstance(q, torch.Tensor):
        p, q = torch.as_tensor(p), torch.as_tensor(q)
        return torch.log(p) - torch.log(q)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(np.asarray(p, dtype=np.float64)) - np.log(np.asarray(q, dtype=np.float64))


def soft_cap(v: torch.Tensor, cap: float) -> torch.Tensor:
    """cap − softplus(cap − v): about v well below `cap`, never above it, smooth."""
    return cap - softplus(cap - v)


def ops(x):
    """The array namespace of x: torch for tensors, numpy otherwise."""
    return torch if isinstance(x, torch.Tensor) else np


@dataclass(frozen=True)
class LossDefaults:
    """Training settings under which a loss's default run is a fair demo.

    optimizer: "adam", "rmsprop" or "sgd"; lr_g / lr_d: learning rates of the
    generator and the discriminator; betas: Adam's (beta1, beta2), used only when the
    optimizer is Adam (also when a user switches an RMSprop loss to Adam); n_critic:
    discriminator steps per generator step; penalty_weight: the weight already inside
    `Loss.penalty` (None when the loss has no penalty).
    """

    optimizer: str = "adam"
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)
    n_critic: int = 1
    penalty_weight: float | None = None

    def __post_init__(self):
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, "
                             f"got '{self.optimizer}'")
        for key in ("lr_g", "lr_d"):
            v = getattr(self, key)
            if not (isinstance(v, int | float) and math.isfinite(v) and v > 0):
                raise ValueError(f"{key} must be a finite number > 0, got {v!r}")
        if len(self.betas) != 2 or not all(0 <= b < 1 for b in self.betas):
            raise ValueError(f"betas must be two numbers in [0, 1), got {self.betas!r}")
        if not (isinstance(self.n_critic, int) and self.n_critic >= 1):
            raise ValueError(f"n_critic must be an integer >= 1, got {self.n_critic!r}")
        w = self.penalty_weight
        if w is not None and not (math.isfinite(w) and w >= 0):
            raise ValueError(f"penalty_weight must be a finite number >= 0 or None, got {w!r}")


@dataclass(frozen=True)
class Identity:
    """D loss at the optimal D = `predict(divergence value)`, as `text` says.

    divergence: the registry divergence measured; against_mixture: whether it compares P
    with the mixture M = (P + Q)/2 instead of with Q.
    """

    divergence: str
    predict: Callable[[float], float]
    text: str
    against_mixture: bool = False


class Loss:
    """A GAN loss: discriminator and generator objectives on raw outputs, plus metadata.

    Interface (every loss):
      d_loss(real_out, fake_out) -> scalar tensor, minimised by the discriminator;
      g_loss(fake_out, real_out) -> scalar tensor, minimised by the generator.
    Both take raw outputs of any (matching where paired) shape and return batch means.

    Separable losses (all but the relativistic ones) are written per element:
    d_loss = mean d_real(real_out) + mean d_fake(fake_out) and
    g_loss = mean g_fake(fake_out); `d_real`, `d_fake` and `g_fake` are then
    callables (else None), which lets the optimum be integrated against densities.

    Attributes: name, label, doc (one line); minimises (what G minimises at the
    optimal D, as text); divergence (registry name of the divergence that the D loss
    at its optimum measures, or None); identity (that relation, as text);
    optimum_value (divergence value -> D loss at the optimal D, or None);
    optimal_d ((p, q) density values -> optimal raw output, or None); g_uses_real
    (whether g_loss reads real_out); penalty (None, or a `penalties.Penalty`:
    penalty(D, real, fake, generator=None) -> weighted scalar); clip (None, or c:
    clamp every D parameter to [-c, c] after each D step); output_cap (None, or c: the
    trained discriminator's raw output v is capped softly, `soft_cap(v, c)`, before the
    loss sees it: a bound on the network, for losses whose objective rewards an
    unbounded output; the loss itself and its optimum stay exact); critic (D is a
    Wasserstein critic, optimal over 1-Lipschitz functions rather than pointwise);
    optimum_units (what `optimal.optimal_curve` draws, in words; "" without an optimum)
    and natural_output (raw output v -> those units); defaults (LossDefaults: the
    settings of the loss's default training run, measured on the toy targets);
    published (LossDefaults of the paper's own recipe when our defaults depart from it,
    else None); caveat (what its default runs are measured to do badly, and why, for
    the pages to say beside the loss; "" when nothing stands out).
    """

    name: str = ""
    label: str = ""
    doc: str = ""
    minimises: str = ""
    divergence: str | None = None
    identity: str = ""
    clip: float | None = None
    output_cap: float | None = None
    penalty = None
    defaults: LossDefaults = LossDefaults()
    published: LossDefaults | None = None
    caveat: str = ""
    critic: bool = False
    optimum_units: str = ""
    optimal_d: Callable | None = None
    optimum_value: Callable[[float], float] | None = None
    d_real: Callable[[torch.Tensor], torch.Tensor] | None = None
    d_fake: Callable[[torch.Tensor], torch.Tensor] | None = None
    g_fake: Callable[[torch.Tensor], torch.Tensor] | None = None

    def d_loss(self, real_out: torch.Tensor, fake_out: torch.Tensor) -> torch.Tensor:
        return self.d_real(real_out).mean() + self.d_fake(fake_out).mean()

    def g_loss(self, fake_out: torch.Tensor, real_out: torch.Tensor | None = None
               ) -> torch.Tensor:
        return self.g_fake(fake_out).mean()

    def natural_output(self, v: torch.Tensor) -> torch.Tensor:
        """The raw output v in the units that `optimum_units` names (here v itself)."""
        return v

    def identity_check(self) -> Identity | None:
        """How `optimal.optimal` checks the D loss at the optimum against the engine: the
        identity's divergence, measured between P and Q (None when there is none)."""
        if self.divergence is None or self.optimum_value is None:
            return None
        return Identity(self.divergence, self.optimum_value, self.identity)

    @property
    def g_uses_real(self) -> bool:
        """Whether g_loss reads real_out: True unless the loss is separable (g_fake set).

        A trainer computes D on real data for the generator step only when this holds
        (the relativistic losses).
        """
        return self.g_fake is None

    def with_penalty_weight(self, weight: float) -> Loss:
        """A copy whose penalty (and defaults.penalty_weight) uses `weight`."""
        if self.penalty is None:
            raise ValueError(f"loss '{self.name}' has no penalty; losses with one: "
                             "wgan_gp, wgan_lp, ns_r1")
        other = copy.copy(self)
        other.penalty = self.penalty.with_weight(weight)
        other.defaults = replace(self.defaults, penalty_weight=float(weight))
        return other

    def __repr__(self) -> str:
        return f"<loss {self.name}: {self.label}>"


def pair_check(name: str, real_out: torch.Tensor, fake_out: torch.Tensor) -> None:
    """Relativistic losses pair real and fake outputs by index: shapes must agree."""
    if real_out.shape != fake_out.shape:
        raise ValueError(f"{name} pairs real and fake outputs by index; shapes must match, "
                         f"got {tuple(real_out.shape)} and {tuple(fake_out.shape)}")
