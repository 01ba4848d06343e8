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


class MLP(nn.Module):
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
        self._act_, self._act, self._act_back = ACTIVATIONS[activation]
        self.shapes = [(o, i) for i, o in zip(sizes[:-1], sizes[1:], strict=True)]
        n = sum(o * i + o for o, i in self.shapes)
        flat = torch.empty(n, dtype=torch.float32)
        k = 0
        for o, i in self.shapes:                      # nn.Linear's default init
            bound = 1.0 / math.sqrt(i)
            flat[k:k + o * i + o].uniform_(-bound, bound, generator=generator)
            k += o * i + o
        self.flat = nn.Parameter(flat.to(device))
        self.grad = torch.zeros_like(self.flat, requires_grad=False)
        self._slices = []
        k = 0
        for o, i in self.shapes:
            self._slices.append((k, k + o * i, k + o * i + o))
            k += o * i + o
        data = self.flat.detach()
        pairs = list(zip(self._slices, self.shapes, strict=True))
        self.W = [data[a:b].view(o, i) for (a, b, _), (o, i) in pairs]
        self.b = [data[b:c] for a, b, c in self._slices]
        self.gW = [self.grad[a:b].view(o, i) for (a, b, _), (o, i) in pairs]
        self.gb = [self.grad[b:c] for a, b, c in self._slices]
        self._buffers_by_rows: dict[int, tuple[list[torch.Tensor], list[torch.Tensor]]] = {}
        self._pen_buffers: dict[int, tuple] = {}
        self._hs: list[torch.Tensor] = []
        self._dbuf: list[torch.Tensor] = []

    @property
    def n_params(self) -> int:
        return self.flat.numel()

    @property
    def depth(self) -> int:
        return len(self.shapes) - 1

    # --------------------------------------------------------------- autograd path

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The network's output, differentiable in x and in `flat` (autograd ops)."""
        h = x
        last = len(self.shapes) - 1
        for layer, ((a, b, c), (o, i)) in enumerate(zip(self._slices, self.shapes, strict=True)):
            h = torch.addmm(self.flat[b:c], h, self.flat[a:b].view(o, i).t())
            if layer < last:
                h = self._act(h)
        return h

    # --------------------------------------------------------------- hand-written path

    def _scratch(self, rows: int):
        bufs = self._buffers_by_rows.get(rows)
        if bufs is None:
            dev = self.flat.device
            acts = [torch.empty(rows, o, device=dev) for o, _ in self.shapes]
            dins = [torch.empty(rows, i, device=dev) for _, i in self.shapes]
            bufs = self._buffers_by_rows[rows] = (acts, dins)
        return bufs

    def forward_fast(self, x: torch.Tensor) -> torch.Tensor:
        """The output for x (no graph), keeping every layer's output for `backward_fast`.

        The returned tensor is a buffer reused by the next call with the same number of
        rows: clone it to keep it.
        """
        acts, dins = self._scratch(x.shape[0])
        hs = [x]
        h = x
        last = len(self.W) - 1
        for layer in range(last + 1):
            h = torch.addmm(self.b[layer], h, self.W[layer].t(), out=acts[layer])
            if layer < last:
                self._act_(h)
            hs.append(h)
        self._hs, self._dbuf = hs, dins
        return h

    def backward_fast(self, grad_out: torch.Tensor, param_grad: bool = True,
                      input_grad: bool = False) -> torch.Tensor | None:
        """Backpropagate grad_out (d loss / d output of the last `forward_fast`).

        param_grad: write d loss / d flat into `grad` (overwriting it); input_grad:
        return d loss / d x (a reused buffer), else None.
        """
        hs, dbuf = self._hs, self._dbuf
        d = grad_out
        for layer in range(len(self.W) - 1, -1, -1):
            if param_grad:
                torch.mm(d.t(), hs[layer], out=self.gW[layer])
                torch.sum(d, 0, out=self.gb[layer])
            if layer == 0 and not input_grad:
                return None
            d = torch.mm(d, self.W[layer], out=dbuf[layer])
            if layer > 0:
                d = self._act_back(d, hs[layer], dbuf[layer])
        return d

    # --------------------------------------------------------------- penalties by hand

    @property
    def piecewise_linear(self) -> bool:
        """Whether penalty_backward_fast applies (relu / leaky_relu)."""
        return self.activation in PIECEWISE_LINEAR

    def input_grad_fast(self) -> torch.Tensor:
        """∂ output / ∂ x per row of the last `forward_fast` (a one-output network).

        Keeps the backward chain for `penalty_backward_fast`; returns a reused buffer.
        """
        if not self.piecewise_linear:
            raise ValueError(f"input_grad_fast needs a piecewise-linear activation "
                             f"({', '.join(sorted(PIECEWISE_LINEAR))}), not {self.activation}")
        if self.sizes[-1] != 1:
            raise ValueError(f"input_grad_fast needs one output, got {self.sizes[-1]}")
        hs = self._hs
        rows = hs[0].shape[0]
        bufs = self._pen_buffers.get(rows)
        if bufs is None:
            dev = self.flat.device
            bufs = self._pen_buffers[rows] = (
                [torch.empty(rows, o, device=dev) for o, _ in self.shapes],   # δ_k
                [torch.empty(rows, i, device=dev) for _, i in self.shapes],   # u_k / ρ_k
                [torch.empty(rows, o, device=dev) for o, _ in self.shapes])   # ρ_k W_k^T
        deltas, us, _ = bufs
        last = len(self.W) - 1
        deltas[last].fill_(1.0)
        for k in range(last, -1, -1):
            u = torch.mm(deltas[k], self.W[k], out=us[k])
            if k > 0:
                self._act_back(u, hs[k], deltas[k - 1])
        self._pen_hs, self._pen_bufs = hs, bufs
        return us[0]

    def penalty_backward_fast(self, r: torch.Tensor) -> None:
        """Add ∂P/∂flat to `grad`, for r = ∂P/∂g at the last `input_grad_fast` g."""
        hs, (deltas, rhos, tmp) = self._pen_hs, self._pen_bufs
        last = len(self.W) - 1
        rho = r
        for k in range(last + 1):
            self.gW[k].addmm_(deltas[k].t(), rho)
            if k < last:
                t = torch.mm(rho, self.W[k].t(), out=tmp[k])
                rho = self._act_back(t, hs[k + 1], rhos[k + 1])

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
