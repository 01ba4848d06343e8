"""Optimizers of one flat parameter vector: torch.optim's Adam (fused), RMSprop and SGD.

The engine computes each network's gradient into one flat vector (the hand-written
backward of `ganloss_viz.models`) and hands it to `FlatOptimizer.step`, which sets it
as the parameter's gradient and steps torch's optimizer with its default options (no
weight decay, no momentum, no amsgrad, not centred; RMSprop's α = 0.99, ε = 1e-8).

A hand-written Adam calling the same fused kernel was tried and measured
(`benchmarks/train.py --ablation`, quiet 2-core Xeon): it bought 1.07-1.12x over
torch.optim.Adam(fused=True), short of the 1.2x that pays for code of our own.
"""

from __future__ import annotations

import torch

OPTIMIZERS = ("adam", "rmsprop", "sgd")


class FlatOptimizer:
    """torch.optim's `name` ("adam", "rmsprop" or "sgd") on one tensor, stepped with a
    gradient computed elsewhere: step(grad) updates `param` in place."""

    def __init__(self, name: str, param: torch.Tensor, lr: float,
                 betas: tuple[float, float]):
        self.param = param
        if name == "adam":
            fused = param.device.type in ("cpu", "cuda")
            self.opt = torch.optim.Adam([param], lr, betas=betas, fused=fused)
        elif name == "rmsprop":
            self.opt = torch.optim.RMSprop([param], lr, alpha=0.99, eps=1e-8)
        elif name == "sgd":
            self.opt = torch.optim.SGD([param], lr)
        else:
            raise ValueError(f"unknown optimizer '{name}'; known: {', '.join(OPTIMIZERS)}")

    def set_lr(self, lr: float) -> None:
        """Change the learning rate (a run steered mid-way); the moments stay."""
        for group in self.opt.param_groups:
            group["lr"] = lr

    def step(self, grad: torch.Tensor) -> None:
        self.param.grad = grad
        self.opt.step()


def make_optimizer(name: str, param: torch.Tensor, lr: float,
                   betas: tuple[float, float]) -> FlatOptimizer:
    """The optimizer `name` ("adam", "rmsprop" or "sgd") updating `param` in place."""
    return FlatOptimizer(name, param, lr, betas)
