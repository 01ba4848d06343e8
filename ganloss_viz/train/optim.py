"""Optimizers on one flat parameter vector: Adam, RMSprop and plain SGD.

Each does what torch.optim's class of the same name does with default options
(no weight decay, no momentum, no amsgrad, not centred) on a single tensor, in a few
in-place operations and with the step count as a Python integer, so a step launches
no more than about six kernels and never synchronises with the device.
tests/test_train.py checks every update against torch.optim on the same gradients.

- Adam (Kingma & Ba 2015): m <- b1 m + (1 - b1) g, v <- b2 v + (1 - b2) g^2,
  p <- p - lr/(1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps), eps = 1e-8.
- RMSprop (Hinton's lecture 6e, torch's form): s <- a s + (1 - a) g^2, a = 0.99,
  p <- p - lr * g / (sqrt(s) + eps), eps = 1e-8.
- SGD: p <- p - lr * g.
"""

from __future__ import annotations

import math

import torch

EPS = 1e-8
RMS_ALPHA = 0.99


_FUSED_ADAM = getattr(torch, "_fused_adam_", None)


class FlatAdam:
    """Adam on one tensor: torch's fused kernel (one pass; what torch.optim.Adam(fused=True)
    runs) when this torch has it for the device, else the six in-place operations."""

    def __init__(self, param: torch.Tensor, lr: float, betas: tuple[float, float]):
        self.p, self.lr = param, float(lr)
        self.b1, self.b2 = (float(b) for b in betas)
        self.m = torch.zeros_like(param)
        self.v = torch.zeros_like(param)
        self.denom = torch.empty_like(param)
        self.t = 0
        self.step_count = torch.zeros((), dtype=torch.float32, device=param.device)
        self.fused = _FUSED_ADAM is not None and param.device.type in ("cpu", "cuda")

    def step(self, grad: torch.Tensor) -> None:
        self.t += 1
        b1, b2 = self.b1, self.b2
        if self.fused:
            self.step_count.add_(1)              # the kernel reads, not bumps, the count
            _FUSED_ADAM([self.p], [grad], [self.m], [self.v], [], [self.step_count],
                        lr=self.lr, beta1=b1, beta2=b2, weight_decay=0.0, eps=EPS,
                        amsgrad=False, maximize=False)
            return
        self.m.lerp_(grad, 1 - b1)
        self.v.mul_(b2).addcmul_(grad, grad, value=1 - b2)
        denom = torch.sqrt(self.v, out=self.denom).div_(math.sqrt(1 - b2**self.t)).add_(EPS)
        self.p.addcdiv_(self.m, denom, value=-self.lr / (1 - b1**self.t))


class FlatRMSprop:
    def __init__(self, param: torch.Tensor, lr: float, betas=None):
        self.p, self.lr = param, float(lr)
        self.s = torch.zeros_like(param)

    def step(self, grad: torch.Tensor) -> None:
        self.s.mul_(RMS_ALPHA).addcmul_(grad, grad, value=1 - RMS_ALPHA)
        self.p.addcdiv_(grad, self.s.sqrt().add_(EPS), value=-self.lr)


class FlatSGD:
    def __init__(self, param: torch.Tensor, lr: float, betas=None):
        self.p, self.lr = param, float(lr)

    def step(self, grad: torch.Tensor) -> None:
        self.p.add_(grad, alpha=-self.lr)


OPTIMIZERS = {"adam": FlatAdam, "rmsprop": FlatRMSprop, "sgd": FlatSGD}


def make_optimizer(name: str, param: torch.Tensor, lr: float, betas: tuple[float, float]):
    """The optimizer `name` ("adam", "rmsprop" or "sgd") updating `param` in place."""
    try:
        cls = OPTIMIZERS[name]
    except KeyError:
        raise ValueError(f"unknown optimizer '{name}'; known: {', '.join(OPTIMIZERS)}") from None
    return cls(param, lr, betas)
