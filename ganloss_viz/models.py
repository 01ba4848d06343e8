"""Small MLP generators and discriminators for the GAN trainer, with a fast hand-written path.

`MLP(sizes, activation, generator)` is a fully connected network
x -> a(x W_1^T + b_1) -> ... -> x W_L^T + b_L (no activation on the output: a
generator outputs points, a discriminator raw outputs / logits). All its weights and
biases live in ONE flat float32 parameter, `flat` (layer by layer: W_1, b_1, W_2, ...),
so that an optimizer step, a weight clip or a finiteness check is a single operation.

Two ways to evaluate it:

- `mlp(x)` (nn.Module `forward`): plain autograd ops on views of `flat`; use it when a
  graph is needed (gradient penalties, gradients with respect to the input).
- `mlp.forward_fast(x)` / `mlp.backward_fast(grad_out, ...)`: the training loop's path.
  No autograd graph: the forward writes every layer's output into buffers preallocated
  per batch size and keeps them; the backward applies the chain rule by hand (for a
  layer y = a(z), z = h W^T + b: dz = dy * a'(z) with a' computed from the stored y,
  dW = dz^T h, db = sum_rows dz, dh = dz W) and writes the parameter gradient into
  `grad`, a flat buffer laid out like `flat`. tests/test_models.py checks both paths
  against torch.autograd.
- `mlp.input_grad_fast()` / `mlp.penalty_backward_fast(r)`: gradient penalties by hand,
  for piecewise-linear activations (relu, leaky_relu: a'' = 0 a.e.). With the
  activation pattern of the last forward fixed, the input gradient g = ∂y/∂x is the
  backward chain u_k = δ_k W_k, δ_{k-1} = u_k ⊙ a'(z_{k-1}) from δ_last = 1, g = u_0,
  linear in each W_k; so for a penalty P(g) with r = ∂P/∂g, the "double backward" is a
  forward-like pass ρ_0 = r, ρ_{k+1} = (ρ_k W_k^T) ⊙ a'(z_k), ∂P/∂W_k = δ_k^T ρ_k
  (biases only move the pattern: no gradient). tests/test_models.py checks it against
  autograd's double backward.

These passes are written once, in `Passes`, over per-layer weight views that are either
2-D (out, in), one network, or 3-D (K, out, in), K networks of one architecture stacked
(ganloss_viz.train.stacked.Stack, the batched trainer's networks): the same code runs
torch.addmm / mm for one network and torch.baddbmm / bmm for a stack, chosen once when
the views are set, so one network pays nothing for the stacked case and its results are
those of plain 2-D products.

Initialisation is that of torch.nn.Linear (weights and biases uniform on
[-1/sqrt(fan_in), 1/sqrt(fan_in)]), drawn from a given torch.Generator, so a seed fixes
the networks.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn

_aten = torch.ops.aten
LEAKY_SLOPE = 0.2


def _relu_back(dy, y, out):
    return _aten.threshold_backward.grad_input(dy, y, 0, grad_input=out)


def _leaky_back(dy, y, out):
    return _aten.leaky_relu_backward.grad_input(dy, y, LEAKY_SLOPE, True, grad_input=out)


def _tanh_back(dy, y, out):
    return _aten.tanh_backward.grad_input(dy, y, grad_input=out)


def _elu_back(dy, y, out):
    return _aten.elu_backward.grad_input(dy, 1.0, 1.0, 1.0, True, y, grad_input=out)


# name -> (in-place activation on a buffer, functional activation for autograd,
#          derivative applied to dy from the stored OUTPUT y, written into `out`)
ACTIVATIONS: dict[str, tuple[Callable, Callable, Callable]] = {
    "relu": (torch.relu_, torch.relu, _relu_back),
    "leaky_relu": (lambda h: nn.functional.leaky_relu_(h, LEAKY_SLOPE),
                   lambda h: nn.functional.leaky_relu(h, LEAKY_SLOPE), _leaky_back),
    "tanh": (torch.tanh_, torch.tanh, _tanh_back),
    "elu": (nn.functional.elu_, nn.functional.elu, _elu_back),
}

# Activations with a' piecewise constant (a'' = 0 almost everywhere): for them the input
# gradient of the network is linear in each weight matrix once the activation pattern is
# fixed, which `penalty_backward_fast` uses.
PIECEWISE_LINEAR = frozenset({"relu", "leaky_relu"})

# Settings bounds checked here (the trainer's caps are tighter; see ganloss_viz.train).
MIN_WIDTH, MIN_DEPTH = 1, 1


def _check_int(name: str, value, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return value


def _layout(sizes: list[int]) -> tuple[list[tuple[int, int]], list[tuple[int, int, int]]]:
    """Each layer's (out, in) and its (W start, b start, b end) offsets in `flat`."""
    shapes = [(o, i) for i, o in zip(sizes[:-1], sizes[1:], strict=True)]
    slices, k = [], 0
    for o, i in shapes:
        slices.append((k, k + o * i, k + o * i + o))
        k += o * i + o
    return shapes, slices


class Passes:
    """The hand-written forward, backward and penalty passes (see the module docstring),
    over per-layer views of one network (2-D weights) or of a stack of K (3-D).

    A subclass sets the views with `_set_views(W, b, gW, gb)`: weights (out, in) or (K,
    out, in), biases broadcastable against a layer's output ((out,) or (K, 1, out)),
    and the gradient views written by the backward ((out, in) / (out,) or (K, out, in)
    / (K, out)). `runs`, where a pass takes it, is a slice of the stack (a contiguous
    range of its networks: views, never copies); None means every network, the only
    choice for one network. Buffers hold every network's rows, so a network outside
    `runs` keeps the activations of its own last pass: a backward over more networks
    than the last forward (a generator step after critic steps on a prefix of the
    stack) sees each network's own last forward.
    """

    sizes: list[int]
    activation: str

    def _set_views(self, W: list[torch.Tensor], b: list[torch.Tensor],
                   gW: list[torch.Tensor], gb: list[torch.Tensor]) -> None:
        stacked = W[0].dim() == 3
        self._affine = torch.baddbmm if stacked else torch.addmm
        self._mm = torch.bmm if stacked else torch.mm
        self._addmm_ = torch.Tensor.baddbmm_ if stacked else torch.Tensor.addmm_
        self._lead = (W[0].shape[0],) if stacked else ()
        self._act_, self._act, self._act_back = ACTIVATIONS[self.activation]
        self.W, self.b, self.gW, self.gb = W, b, gW, gb
        self.WT = [w.transpose(-1, -2) for w in W]
        self._by_runs: dict[tuple, tuple] = {}
        self._bufs: dict[tuple[str, int], list[list[torch.Tensor]]] = {}
        self._x = None

    @property
    def piecewise_linear(self) -> bool:
        """Whether penalty_backward_fast applies (relu / leaky_relu)."""
        return self.activation in PIECEWISE_LINEAR

    def _params(self, runs: slice | None) -> tuple[list[torch.Tensor], ...]:
        """(W, W^T, b, ∂W, ∂b) per layer of networks `runs` (views made once per range)."""
        full = (self.W, self.WT, self.b, self.gW, self.gb)
        if runs is None:
            return full
        key = ("params", runs.start, runs.stop)
        views = self._by_runs.get(key)
        if views is None:
            views = self._by_runs[key] = tuple([t[runs] for t in ts] for ts in full)
        return views

    def _scratch(self, kind: str, rows: int, runs: slice | None) -> list[list[torch.Tensor]]:
        """Per-layer buffers for `rows` rows, made once, as views for networks `runs`:
        kind "pass", each layer's output and input gradient; kind "penalty", the input
        gradient chain's δ_k, u_k (reused for ρ_k) and ρ_k W_k^T."""
        bufs = self._bufs.get((kind, rows))
        if bufs is None:
            dev, lead = self.W[0].device, self._lead
            outs = [(lead + (rows, w.shape[-2])) for w in self.W]
            ins = [(lead + (rows, w.shape[-1])) for w in self.W]
            shapes = (outs, ins) if kind == "pass" else (outs, ins, outs)
            bufs = self._bufs[(kind, rows)] = [[torch.empty(s, device=dev) for s in ss]
                                               for ss in shapes]
        if runs is None:
            return bufs
        key = (kind, rows, runs.start, runs.stop)
        views = self._by_runs.get(key)
        if views is None:
            views = self._by_runs[key] = [[t[runs] for t in ts] for ts in bufs]
        return views

    def _layers(self, h: torch.Tensor, WT: list[torch.Tensor], b: list[torch.Tensor],
                act: Callable, outs: list[torch.Tensor] | None = None) -> torch.Tensor:
        """The forward pass, the one definition: h -> act(h W_1^T + b_1) -> ... -> h W_L^T
        + b_L, into `outs` (act then works in place) or into new tensors (autograd)."""
        last = len(WT) - 1
        for layer in range(last + 1):
            h = self._affine(b[layer], h, WT[layer], out=None if outs is None else outs[layer])
            if layer < last:
                h = act(h)
        return h

    def forward_fast(self, x: torch.Tensor, runs: slice | None = None) -> torch.Tensor:
        """The output for x (no graph), keeping every layer's output for `backward_fast`.

        x: (rows, in), or for a stack (K, rows, in) of which networks `runs` read theirs.
        The returned tensor is a buffer reused by the next pass with the same number of
        rows: clone it to keep it.
        """
        acts = self._scratch("pass", x.shape[-2], runs)[0]
        _, WT, b, _, _ = self._params(runs)
        self._x = x
        return self._layers(x if runs is None else x[runs], WT, b, self._act_, acts)

    def _inputs(self, runs: slice | None) -> list[torch.Tensor]:
        """Each layer's input in the last forward of networks `runs` (x, then outputs)."""
        x = self._x
        acts = self._scratch("pass", x.shape[-2], runs)[0]
        return [x if runs is None else x[runs]] + acts

    def backward_fast(self, grad_out: torch.Tensor, param_grad: bool = True,
                      input_grad: bool = False, runs: slice | None = None
                      ) -> torch.Tensor | None:
        """Backpropagate grad_out (d loss / d output of the last `forward_fast`) through
        networks `runs`.

        param_grad: write d loss / d flat into `grad` (overwriting it); input_grad:
        return d loss / d x (a reused buffer), else None.
        """
        hs = self._inputs(runs)
        dbuf = self._scratch("pass", hs[0].shape[-2], runs)[1]
        W, _, _, gW, gb = self._params(runs)
        d = grad_out
        for layer in range(len(W) - 1, -1, -1):
            if param_grad:
                self._mm(d.transpose(-1, -2), hs[layer], out=gW[layer])
                torch.sum(d, -2, out=gb[layer])
            if layer == 0 and not input_grad:
                return None
            d = self._mm(d, W[layer], out=dbuf[layer])
            if layer > 0:
                d = self._act_back(d, hs[layer], dbuf[layer])
        return d

    def input_grad_fast(self, runs: slice | None = None) -> torch.Tensor:
        """∂ output / ∂ x per row of the last `forward_fast` (a one-output network).

        Keeps the backward chain for `penalty_backward_fast`; returns a reused buffer.
        """
        if not self.piecewise_linear:
            raise ValueError(f"input_grad_fast needs a piecewise-linear activation "
                             f"({', '.join(sorted(PIECEWISE_LINEAR))}), not {self.activation}")
        if self.sizes[-1] != 1:
            raise ValueError(f"input_grad_fast needs one output, got {self.sizes[-1]}")
        hs = self._inputs(runs)
        deltas, us, _ = self._scratch("penalty", hs[0].shape[-2], runs)
        W = self._params(runs)[0]
        last = len(W) - 1
        deltas[last].fill_(1.0)
        for k in range(last, -1, -1):
            u = self._mm(deltas[k], W[k], out=us[k])
            if k > 0:
                self._act_back(u, hs[k], deltas[k - 1])
        return us[0]

    def penalty_backward_fast(self, r: torch.Tensor, runs: slice | None = None) -> None:
        """Add ∂P/∂flat to `grad`, for r = ∂P/∂g at the last `input_grad_fast` g."""
        hs = self._inputs(runs)
        deltas, rhos, tmp = self._scratch("penalty", hs[0].shape[-2], runs)
        _, WT, _, gW, _ = self._params(runs)
        last = len(WT) - 1
        rho = r
        for k in range(last + 1):
            self._addmm_(gW[k], deltas[k].transpose(-1, -2), rho)
            if k < last:
                t = self._mm(rho, WT[k], out=tmp[k])
                rho = self._act_back(t, hs[k + 1], rhos[k + 1])


class MLP(Passes, nn.Module):
    """A fully connected network with one flat parameter vector (see the module docstring).

    sizes: [in, hidden_1, ..., hidden_depth, out]; activation: a name in ACTIVATIONS
    (applied after every hidden layer); generator: torch.Generator for the
    initialisation (None: torch's global one); device: where the parameters live.
    """

    def __init__(self, sizes: list[int], activation: str = "relu",
                 generator: torch.Generator | None = None, device: str | torch.device = "cpu"):
        super().__init__()
        if len(sizes) < 2:
            raise ValueError(f"an MLP needs at least input and output sizes, got {sizes!r}")
        for s in sizes:
            _check_int("every layer size", s, 1)
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation '{activation}'; known: {', '.join(ACTIVATIONS)}")
        self.sizes = list(sizes)
        self.activation = activation
        self.shapes, self._slices = _layout(self.sizes)
        flat = torch.empty(self._slices[-1][2], dtype=torch.float32)
        for (a, _, c), (_, i) in zip(self._slices, self.shapes, strict=True):
            bound = 1.0 / math.sqrt(i)                # nn.Linear's default init
            flat[a:c].uniform_(-bound, bound, generator=generator)
        self.flat = nn.Parameter(flat.to(device))
        self.grad = torch.zeros_like(self.flat, requires_grad=False)
        data = self.flat.detach()
        pairs = list(zip(self._slices, self.shapes, strict=True))
        self._set_views([data[a:b].view(o, i) for (a, b, _), (o, i) in pairs],
                        [data[b:c] for a, b, c in self._slices],
                        [self.grad[a:b].view(o, i) for (a, b, _), (o, i) in pairs],
                        [self.grad[b:c] for a, b, c in self._slices])

    @property
    def n_params(self) -> int:
        return self.flat.numel()

    @property
    def depth(self) -> int:
        return len(self.shapes) - 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The network's output, differentiable in x and in `flat` (autograd ops)."""
        pairs = list(zip(self._slices, self.shapes, strict=True))
        return self._layers(x, [self.flat[a:b].view(o, i).t() for (a, b, _), (o, i) in pairs],
                            [self.flat[b:c] for a, b, c in self._slices], self._act)

    def extra_repr(self) -> str:
        return f"sizes={self.sizes}, activation={self.activation}, params={self.n_params}"


def make_generator(noise_dim: int, out_dim: int, width: int, depth: int,
                   activation: str = "relu", generator: torch.Generator | None = None,
                   device: str | torch.device = "cpu") -> MLP:
    """G: R^noise_dim -> R^out_dim, `depth` hidden layers of `width` units, linear output."""
    _check_int("noise_dim", noise_dim, 1)
    _check_int("width", width, MIN_WIDTH)
    _check_int("depth", depth, MIN_DEPTH)
    return MLP([noise_dim] + [width] * depth + [out_dim], activation, generator, device)


def make_discriminator(in_dim: int, width: int, depth: int, activation: str = "relu",
                       generator: torch.Generator | None = None,
                       device: str | torch.device = "cpu") -> MLP:
    """D: R^in_dim -> R (raw output / logit), `depth` hidden layers of `width` units."""
    _check_int("width", width, MIN_WIDTH)
    _check_int("depth", depth, MIN_DEPTH)
    return MLP([in_dim] + [width] * depth + [1], activation, generator, device)
