"""Tests of ganloss_viz.models: the flat-parameter MLP, its hand-written forward / backward.

The reference is an independent torch.nn.Sequential of nn.Linear layers holding the
same weights, differentiated by torch.autograd.
"""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from ganloss_viz.models import ACTIVATIONS, MLP, make_discriminator, make_generator

torch.set_num_threads(1)

TORCH_ACT = {
    "relu": nn.ReLU(),
    "leaky_relu": nn.LeakyReLU(0.2),
    "tanh": nn.Tanh(),
    "elu": nn.ELU(),
}


def reference(m: MLP) -> nn.Sequential:
    """nn.Sequential with m's weights copied in (a separate copy, not views)."""
    layers = []
    for k, (o, i) in enumerate(m.shapes):
        lin = nn.Linear(i, o)
        with torch.no_grad():
            lin.weight.copy_(m.W[k])
            lin.bias.copy_(m.b[k])
        layers.append(lin)
        if k < len(m.shapes) - 1:
            layers.append(TORCH_ACT[m.activation])
    return nn.Sequential(*layers)


def reference_grads(ref: nn.Sequential, x: torch.Tensor, gy: torch.Tensor):
    x = x.clone().requires_grad_(True)
    y = ref(x)
    params = [p for lin in ref if isinstance(lin, nn.Linear) for p in (lin.weight, lin.bias)]
    grads = torch.autograd.grad(y, [x, *params], gy)
    return y.detach(), grads[0], torch.cat([g.reshape(-1) for g in grads[1:]])


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@pytest.mark.parametrize("sizes", [[2, 16, 16, 16, 1], [3, 8, 2], [1, 5, 7, 1]])
def test_fast_path_matches_autograd_of_nn_linear(activation, sizes):
    m = MLP(sizes, activation, torch.Generator().manual_seed(1))
    ref = reference(m)
    x = torch.randn(11, sizes[0], generator=torch.Generator().manual_seed(2))
    gy = torch.randn(11, sizes[-1], generator=torch.Generator().manual_seed(3))
    y_ref, gx_ref, gp_ref = reference_grads(ref, x, gy)
    y = m.forward_fast(x)
    torch.testing.assert_close(y, y_ref, rtol=1e-5, atol=1e-6)
    gx = m.backward_fast(gy, param_grad=True, input_grad=True)
    torch.testing.assert_close(gx, gx_ref, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(m.grad, gp_ref, rtol=1e-5, atol=1e-6)
    # the autograd path (module call) agrees too, and differentiates the flat vector
    y2 = m(x)
    torch.testing.assert_close(y2.detach(), y_ref, rtol=1e-5, atol=1e-6)
    (g_flat,) = torch.autograd.grad(y2, m.flat, gy)
    torch.testing.assert_close(g_flat, gp_ref, rtol=1e-5, atol=1e-6)


def test_backward_without_param_grad_leaves_grad_alone_and_buffers_per_row_count():
    m = MLP([2, 8, 8, 1], "relu", torch.Generator().manual_seed(0))
    m.grad.fill_(7.0)
    x = torch.randn(5, 2)
    m.forward_fast(x)
    assert m.backward_fast(torch.ones(5, 1), param_grad=False, input_grad=False) is None
    assert torch.all(m.grad == 7.0)
    # two row counts use separate buffers: a 3-row forward does not clobber the 5-row one
    y5 = m.forward_fast(x).clone()
    m.forward_fast(torch.randn(3, 2))
    torch.testing.assert_close(m.forward_fast(x), y5)


def test_seeded_init_is_nn_linear_like_and_reproducible():
    a = make_generator(2, 2, 64, 3, generator=torch.Generator().manual_seed(5))
    b = make_generator(2, 2, 64, 3, generator=torch.Generator().manual_seed(5))
    c = make_generator(2, 2, 64, 3, generator=torch.Generator().manual_seed(6))
    assert torch.equal(a.flat, b.flat)
    assert not torch.equal(a.flat, c.flat)
    for k, (_, i) in enumerate(a.shapes):
        bound = 1 / math.sqrt(i)
        assert float(a.W[k].abs().max()) <= bound and float(a.b[k].abs().max()) <= bound
        # uniform on [-bound, bound]: the spread is not tiny
        assert float(a.W[k].std()) > 0.4 * bound
    n_params = (2 * 64 + 64) + 2 * (64 * 64 + 64) + (64 * 2 + 2)
    assert a.n_params == n_params and a.depth == 3


def test_views_share_the_flat_vector():
    m = make_discriminator(2, 4, 1, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        m.flat.zero_()
    assert all(float(w.abs().sum()) == 0 for w in m.W)
    assert m.sizes == [2, 4, 1]
    out = m(torch.randn(3, 2))
    assert out.shape == (3, 1) and torch.all(out == 0)


@pytest.mark.parametrize("kwargs, text", [
    (dict(noise_dim=0), "noise_dim"),
    (dict(width=0), "width"),
    (dict(depth=0), "depth"),
    (dict(width=2.5), "width"),
    (dict(activation="swish"), "unknown activation 'swish'"),
])
def test_bad_settings_raise_clear_errors(kwargs, text):
    args = dict(noise_dim=2, out_dim=2, width=8, depth=2, activation="relu")
    args.update(kwargs)
    with pytest.raises(ValueError, match=text):
        make_generator(**args)


@pytest.mark.parametrize("activation", ["relu", "leaky_relu"])
@pytest.mark.parametrize("penalty", ["r1", "gp", "lp"])
def test_hand_written_penalty_gradient_matches_autograd_double_backward(activation, penalty):
    from ganloss_viz.losses.penalties import GradientPenalty, R1Penalty

    pen = {"r1": R1Penalty(10.0), "gp": GradientPenalty(10.0),
           "lp": GradientPenalty(3.0, one_sided=True)}[penalty]
    m = make_discriminator(2, 16, 3, activation, torch.Generator().manual_seed(4))
    real = torch.randn(13, 2, generator=torch.Generator().manual_seed(5))
    fake = 3 * torch.randn(13, 2, generator=torch.Generator().manual_seed(6))
    # reference: torch.autograd through the penalty's own __call__ (create_graph=True)
    (ref,) = torch.autograd.grad(pen(m, real, fake, torch.Generator().manual_seed(7)), m.flat)
    x = pen.points(real, fake, torch.Generator().manual_seed(7))
    m.forward_fast(x)
    g = m.input_grad_fast().detach().requires_grad_()
    (r,) = torch.autograd.grad(pen.of_gradient(g), g)
    m.grad.zero_()
    m.penalty_backward_fast(r)
    torch.testing.assert_close(m.grad, ref, rtol=1e-5, atol=1e-6)


def test_hand_written_penalty_refuses_smooth_activations():
    m = make_discriminator(2, 8, 2, "tanh", torch.Generator().manual_seed(0))
    m.forward_fast(torch.randn(4, 2))
    assert not m.piecewise_linear
    with pytest.raises(ValueError, match="piecewise-linear"):
        m.input_grad_fast()


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "tanh"])
def test_a_stack_runs_each_network_s_own_passes_on_a_range_of_it(activation):
    """Stack (3-D weights, batched products) and MLP (2-D) share one set of passes: on
    networks 1..2 of a stack of 3, each gives what that network gives alone."""
    from ganloss_viz.train.stacked import Stack

    nets = [make_discriminator(2, 8, 2, activation, torch.Generator().manual_seed(s))
            for s in range(3)]
    stack, runs = Stack(nets), slice(1, 3)
    x = torch.randn(3, 6, 2, generator=torch.Generator().manual_seed(9))
    gy = torch.randn(2, 6, 1, generator=torch.Generator().manual_seed(10))
    y = stack.forward_fast(x, runs).clone()
    gx = stack.backward_fast(gy, input_grad=True, runs=runs).clone()
    if activation != "tanh":
        u = stack.input_grad_fast(runs).clone()
        stack.penalty_backward_fast(u, runs)
    for j, r in enumerate(range(1, 3)):
        m = nets[r]
        torch.testing.assert_close(y[j], m.forward_fast(x[r]), rtol=1e-6, atol=1e-7)
        torch.testing.assert_close(gx[j], m.backward_fast(gy[j], input_grad=True),
                                   rtol=1e-6, atol=1e-7)
        if activation != "tanh":
            torch.testing.assert_close(u[j], m.input_grad_fast(), rtol=1e-6, atol=1e-7)
            m.penalty_backward_fast(m.input_grad_fast().clone())
        torch.testing.assert_close(stack.grad[r], m.grad, rtol=1e-6, atol=1e-7)
    assert torch.all(stack.grad[0] == 0)
