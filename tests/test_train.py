"""Tests of the training engine (ganloss_viz.train) and its replay figures.

Runs are tiny (tens of steps, width 16) so the file stays fast; whether the default
runs are good demos is measured by benchmarks/train.py, not asserted here.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from playback import controls_apart

from ganloss_viz import losses
from ganloss_viz.figures.train import TICK_NAME, replay_figure, slider_fraction, tick_steps
from ganloss_viz.losses import Loss, NonSaturating
from ganloss_viz.metrics import coverage_reached
from ganloss_viz.train import (
    CAPS,
    HISTORY,
    HOSTED_CAPS,
    NO_GPU,
    TrainConfig,
    default_steps,
    resolve_device,
    train,
)
from ganloss_viz.train.device import flushing_denormals
from ganloss_viz.train.optim import make_optimizer
from tests.test_models import reference

torch.set_num_threads(1)

TINY = dict(steps=30, width=16, depth=2, batch=32, snapshot_every=10, points=40, grid=8,
            metric_samples=300)


def tiny(**kw) -> TrainConfig:
    return TrainConfig(**{**TINY, **kw})


# ----------------------------------------------------------------------------- optimizers


def _adam(p, grads, lr, b1, b2, eps=1e-8):
    """Kingma & Ba 2015, Algorithm 1 with the bias corrections, in float64 NumPy."""
    m, v = np.zeros_like(p), np.zeros_like(p)
    for t, g in enumerate(grads, 1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        p = p - lr / (1 - b1**t) * m / (np.sqrt(v) / np.sqrt(1 - b2**t) + eps)
    return p


def _rmsprop(p, grads, lr, alpha=0.99, eps=1e-8):
    s = np.zeros_like(p)
    for g in grads:
        s = alpha * s + (1 - alpha) * g * g
        p = p - lr * g / (np.sqrt(s) + eps)
    return p


def _sgd(p, grads, lr):
    for g in grads:
        p = p - lr * g
    return p


@pytest.mark.parametrize("name, betas, lr, ref", [
    ("adam", (0.5, 0.9), 1e-2, lambda p, gs: _adam(p, gs, 1e-2, 0.5, 0.9)),
    ("adam", (0.0, 0.99), 1e-2, lambda p, gs: _adam(p, gs, 1e-2, 0.0, 0.99)),
    ("rmsprop", (0.5, 0.999), 5e-3, lambda p, gs: _rmsprop(p, gs, 5e-3)),
    ("sgd", (0.5, 0.999), 0.1, lambda p, gs: _sgd(p, gs, 0.1)),
])
def test_flat_optimizers_follow_their_published_updates(name, betas, lr, ref):
    gen = torch.Generator().manual_seed(0)
    p0 = torch.randn(50, generator=gen)
    grads = [torch.randn(50, generator=gen) for _ in range(25)]
    param = p0.clone()
    opt = make_optimizer(name, param, lr, betas)
    for g in grads:
        opt.step(g.clone())
    want = ref(p0.double().numpy(), [g.double().numpy() for g in grads])
    np.testing.assert_allclose(param.double().numpy(), want, rtol=1e-5, atol=1e-6)


# ----------------------------------------------------------------------------- runs


@pytest.mark.parametrize("target", ["ring8", "trimodal"])
@pytest.mark.parametrize("loss", list(losses.LOSSES))
def test_short_run_every_loss_is_finite_with_snapshot_shapes(loss, target):
    r = train(tiny(loss=loss, target=target))
    dim = 2 if target == "ring8" else 1
    assert not r.diverged and r.message is None and not r.stopped
    assert r.steps == 30 and r.device == "cpu"
    assert [s.step for s in r.snapshots] == [0, 10, 20, 30]
    for s in r.snapshots:
        assert s.samples.shape == (40, dim) and s.grad.shape == (40, dim)
        assert s.d_values.shape == ((8, 8) if dim == 2 else (32,))
        assert s.manifold.shape == (21, 21, dim)
        for arr in (s.samples, s.grad, s.d_values, s.manifold):
            assert arr.dtype == np.float32 and np.isfinite(arr).all()
        assert s.metrics is not None and math.isfinite(s.metrics["w1"])
        assert s.metrics["modes"] == (8 if dim == 2 else 3)
    for s in r.snapshots[1:]:
        assert all(math.isfinite(v) for v in (s.d_loss, s.g_loss, s.g_grad_norm,
                                              s.fake_grad_norm, s.steps_per_s))
    assert set(r.history) == set(HISTORY)
    assert all(len(v) == 30 and np.isfinite(v).all() for v in r.history.values())
    assert r.seconds > 0 and r.wall_seconds >= r.seconds and r.steps_per_s > 0
    assert r.frame.dim == dim and r.frame.real.shape == (40, dim)
    assert r.frame.target_density is not None
    cfg = r.config
    d = losses.get(loss).defaults
    assert (cfg.optimizer, cfg.lr_g, cfg.lr_d, cfg.n_critic) == (d.optimizer, d.lr_g, d.lr_d,
                                                                  d.n_critic)


def test_same_seed_same_run_on_cpu_and_other_seed_differs():
    a = train(tiny(loss="wgan_gp", steps=12, snapshot_every=6, seed=3))
    b = train(tiny(loss="wgan_gp", steps=12, snapshot_every=6, seed=3))
    c = train(tiny(loss="wgan_gp", steps=12, snapshot_every=6, seed=4))
    for sa, sb in zip(a.snapshots, b.snapshots, strict=True):
        assert np.array_equal(sa.samples, sb.samples)
        assert np.array_equal(sa.d_values, sb.d_values)
        assert np.array_equal(sa.grad, sb.grad)
    for k in HISTORY:
        assert np.array_equal(a.history[k], b.history[k])
    assert torch.equal(a.generator.flat, b.generator.flat)
    assert not np.array_equal(a.final.samples, c.final.samples)


def test_snapshot_gradient_is_the_per_sample_generator_loss_gradient():
    """Against an independent nn.Sequential copy of the final D, differentiated by autograd."""
    r = train(tiny(loss="ns", steps=20))
    ref = reference(r.discriminator)
    x = torch.tensor(r.final.samples, requires_grad=True)
    # ns: per-sample G loss softplus(-D(x)) = -log sigmoid(D(x))
    per_sample = -torch.nn.functional.logsigmoid(ref(x))
    (g,) = torch.autograd.grad(per_sample.sum(), x)
    np.testing.assert_allclose(r.final.grad, g.numpy(), rtol=1e-4, atol=1e-6)
    with torch.no_grad():
        gy, gx = np.meshgrid(r.frame.axis, r.frame.axis, indexing="ij")
        pts = torch.tensor(np.stack([gx.ravel(), gy.ravel()], 1))
        np.testing.assert_allclose(r.final.d_values, ref(pts).reshape(8, 8).numpy(),
                                   rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("loss", ["wgan_gp", "wgan_lp", "ns_r1"])
def test_hand_written_penalty_step_matches_the_autograd_step(loss):
    """The discriminator gradient of one step, by hand and by autograd's double backward.

    (Whole runs are not compared: Adam turns rounding-level differences in a near-zero
    gradient into steps of size lr.)
    """
    from ganloss_viz.train.engine import RunState

    cfg = tiny(loss=loss).resolved()
    grads = {}
    for fast in (True, False):
        st = RunState(cfg, torch.device("cpu"))
        assert st.fast_penalty
        st.fast_penalty = fast
        st.opt_d.step = lambda g, fast=fast: grads.setdefault(fast, g.clone())
        st.refill()
        real, z = st.real_block[:cfg.batch], st.noise_block[:cfg.batch]
        st.d_step(real, st.G.forward_fast(z))
    torch.testing.assert_close(grads[True], grads[False], rtol=1e-4, atol=1e-6)
    assert float(grads[True].abs().max()) > 0


def test_smooth_activation_takes_the_autograd_penalty_path():
    r = train(tiny(loss="wgan_gp", activation="tanh", steps=10))
    assert not r.diverged and np.isfinite(r.final.samples).all()


def test_wgan_clip_keeps_every_critic_parameter_in_range():
    r = train(tiny(loss="wgan", steps=10))
    c = losses.get("wgan").clip
    assert float(r.discriminator.flat.detach().abs().max()) <= c


def test_output_cap_is_what_the_loss_and_the_heatmap_see():
    """fgan_kl caps D's raw output v softly: 10 − log(1 + e^{10 − v}), never above 10."""
    r = train(tiny(loss="fgan_kl", target="bimodal", steps=10))
    cap = losses.get("fgan_kl").output_cap
    assert cap == 10.0 and losses.get("ns").output_cap is None
    with torch.no_grad():
        raw = r.discriminator(torch.as_tensor(r.frame.axis).reshape(-1, 1)).double().numpy()
    want = cap - np.log1p(np.exp(cap - raw.ravel()))
    np.testing.assert_allclose(r.final.d_values, want, rtol=1e-5, atol=1e-5)
    assert (r.final.d_values <= cap).all()


@pytest.mark.parametrize(("loss", "target", "steps"), [
    # uncapped, D's output on the mode G missed climbed past 130 until e^{v−1} exploded
    ("fgan_kl", "bimodal", 2000),
    # the mirror case: D's output on G's samples off the lines, 2 − 2e^{v/2} exploded
    ("fgan_neyman", "parallel_lines", 4000),
])
def test_f_gan_default_runs_that_once_diverged_are_finite(loss, target, steps):
    """Their old defaults diverged here (fgan_kl at step 1087, fgan_neyman at 3192)."""
    r = train(TrainConfig(loss=loss, target=target, seed=0))
    assert not r.diverged and r.steps == steps, r.message
    assert max(s.d_values.max() for s in r.snapshots) <= 10.0


def test_seconds_to_coverage_is_the_first_covered_snapshot():
    r = train(tiny(loss="ns", steps=40, lr_g=1e-3, lr_d=1e-3))
    first = next((s.seconds for s in r.snapshots if coverage_reached(s.metrics)), None)
    assert r.seconds_to_coverage == first
    assert r.to_dict()["metrics"]["seconds_to_coverage"] == first


def test_metrics_every_skips_metrics_but_not_the_last_snapshot():
    r = train(tiny(steps=40, metrics_every=3))
    have = [s.metrics is not None for s in r.snapshots]
    assert have == [True, False, False, True, True]


# ----------------------------------------------------------------------------- divergence


def test_huge_learning_rate_diverges_and_keeps_last_good_snapshot():
    r = train(tiny(loss="ns", steps=40, lr_g=1e30, lr_d=1e30))
    assert r.diverged and r.message.startswith("diverged at step ")
    n = int(r.message.split()[-1])
    assert 1 <= n <= 40 and r.steps == n - 1
    assert all(np.isfinite(s.samples).all() for s in r.snapshots)
    assert r.final.step <= r.steps
    assert all(len(v) == r.steps and np.isfinite(v).all() for v in r.history.values())


class NaNAfter(NonSaturating):
    """ns, except that the discriminator loss is NaN from its `after`-th call on."""

    name = "nan_after"

    def __init__(self, after: int):
        self.after, self.calls = after, 0

    def d_loss(self, real_out, fake_out):
        self.calls += 1
        value = super().d_loss(real_out, fake_out)
        return value * math.nan if self.calls >= self.after else value


def test_nan_loss_ends_the_run_at_that_exact_step():
    r = train(tiny(loss=NaNAfter(16), steps=30))
    assert r.diverged and r.message == "diverged at step 16"
    assert r.steps == 15 and [s.step for s in r.snapshots] == [0, 10]
    assert r.metrics == r.snapshots[-1].metrics
    assert r.to_dict()["diverged"] is True


# ----------------------------------------------------------------------------- control


def test_callback_and_stop():
    seen = []
    polls = iter(range(10**6))

    def stop():
        return next(polls) >= 2

    import ganloss_viz.train.trainer as trainer
    old = trainer.STOP_POLL, trainer.CALLBACK_INTERVAL
    trainer.STOP_POLL = trainer.CALLBACK_INTERVAL = 0.0
    try:
        r = train(tiny(steps=30), callback=seen.append, should_stop=stop)
    finally:
        trainer.STOP_POLL, trainer.CALLBACK_INTERVAL = old
    assert r.stopped and not r.diverged and r.steps == 3
    assert r.final.step == 3 and r.final.metrics is not None
    steps = [p.step for p in seen]
    assert steps[0] == 0 and steps == sorted(steps) and steps[-1] == 3
    assert all(p.steps == 30 for p in seen) and seen[-1].snapshot is r.final


# ----------------------------------------------------------------------------- config


def test_defaults_resolve_from_loss_and_target():
    cfg = TrainConfig(loss="wgan_gp", target="ring8").resolved()
    d = losses.get("wgan_gp").defaults
    assert cfg.steps == default_steps(cfg.target_object())
    assert (cfg.optimizer, cfg.lr_g, cfg.n_critic, cfg.penalty_weight) == (
        d.optimizer, d.lr_g, d.n_critic, d.penalty_weight)
    assert cfg.n_snapshots <= CAPS.snapshots
    over = TrainConfig(loss="wgan_gp", lr_g=3e-4, n_critic=2, penalty_weight=1.0).resolved()
    assert (over.lr_g, over.n_critic, over.penalty_weight) == (3e-4, 2, 1.0)
    assert over.loss_object().penalty.weight == 1.0
    assert over.to_dict()["loss"] == "wgan_gp" and over.to_dict()["target"] == "ring8"


@pytest.mark.parametrize("kwargs, text", [
    (dict(steps=CAPS.steps + 1), f"steps = {CAPS.steps + 1} exceeds the cap of {CAPS.steps}"),
    (dict(steps=HOSTED_CAPS.steps + 1, hosted=True), "exceeds the hosted cap"),
    (dict(batch=CAPS.batch + 1), "batch"),
    (dict(width=HOSTED_CAPS.width + 1, hosted=True),
     f"width = {HOSTED_CAPS.width + 1} exceeds the hosted cap of {HOSTED_CAPS.width}"),
    (dict(depth=CAPS.depth + 1), "depth"),
    (dict(grid=CAPS.grid + 1), "grid"),
    (dict(points=CAPS.points + 1), "points"),
    (dict(noise_dim=CAPS.noise_dim + 1), "noise_dim"),
    (dict(steps=1000, snapshot_every=1), "snapshots, over the cap"),
    (dict(steps=0), "steps must be >= 1"),
    (dict(steps=2.5), "steps must be a whole number"),
    (dict(lr_g=-1.0), "lr_g must be a finite number > 0"),
    (dict(device="tpu"), "device must be one of auto, cpu, cuda"),
    (dict(loss="nope"), "unknown loss 'nope'"),
    (dict(target="nope"), "unknown target 'nope'"),
    (dict(penalty_weight=5.0), "loss 'ns' has no penalty"),
    (dict(optimizer="lbfgs"), "optimizer must be one of"),
    (dict(activation="swish"), "unknown activation"),
])
def test_bad_settings_and_caps_raise_clear_errors(kwargs, text):
    with pytest.raises(ValueError, match=text.replace("(", r"\(")):
        train(TrainConfig(**{**TINY, **kwargs}))


def test_cuda_without_gpu_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match="CUDA was requested but no GPU is available"):
        train(tiny(device="cuda"))
    assert NO_GPU.startswith("CUDA was requested but no GPU is available")
    assert resolve_device("auto").type == "cpu"


def test_threads_are_restored():
    before = torch.get_num_threads()
    train(tiny(steps=2, snapshot_every=2, threads=2))
    assert torch.get_num_threads() == before


def test_denormals_flushed_during_a_run_and_restored_after():
    """Adam's moments decay into the float32 denormal range, where arithmetic is tens of
    times slower: a CPU run flushes denormals (to zero) in its thread, then restores."""
    if not torch.set_flush_denormal(False):
        pytest.skip("this CPU cannot flush denormals (torch: x86 with SSE3 and AArch64)")
    smallest = float(np.finfo(np.float32).smallest_subnormal)
    kept = lambda: float(torch.tensor([smallest]) * 2) == 2 * smallest  # noqa: E731
    seen: list[bool] = []
    for before in (False, True):
        torch.set_flush_denormal(before)
        try:
            assert kept() != before and flushing_denormals() == before
            train(tiny(steps=4, snapshot_every=2), callback=lambda p: seen.append(kept()))
            assert flushing_denormals() == before and kept() != before
        finally:
            torch.set_flush_denormal(False)
    assert seen and not any(seen)


def test_custom_loss_object_without_a_name_in_the_registry():
    class Half(Loss):
        name = "half"
        d_real = staticmethod(lambda v: torch.nn.functional.softplus(-v))
        d_fake = staticmethod(lambda v: torch.nn.functional.softplus(v))
        g_fake = staticmethod(lambda v: 0.5 * torch.nn.functional.softplus(-v))

    r = train(tiny(loss=Half(), steps=10))
    assert not r.diverged and r.to_dict()["loss"] == "half"


# ----------------------------------------------------------------------------- figures


@pytest.mark.parametrize("target", ["ring8", "bimodal"])
def test_replay_figure_has_one_frame_per_snapshot(target):
    r = train(tiny(loss="hinge", target=target, steps=20))
    fig = replay_figure(r.frame, r.snapshots, title="hinge · ")
    assert len(fig.frames) == len(r.snapshots) == 3
    assert [f.name for f in fig.frames] == ["0", "10", "20"]
    assert len(fig.layout.sliders[0].steps) == 3
    labels = [b.label for b in fig.layout.updatemenus[0].buttons]
    assert any("play" in lb for lb in labels) and any("pause" in lb for lb in labels)
    if target == "ring8":
        assert fig.data[0].type == "heatmap"
        np.testing.assert_array_equal(fig.frames[-1].data[0].z, r.final.d_values)
        np.testing.assert_array_equal(fig.frames[-1].data[2].x, r.final.samples[:, 0])
    else:
        bars = fig.frames[-1].data[0]
        width = bars.width
        # the histogram is a density: it integrates to the fraction of samples in view
        inside = np.mean(np.abs(r.final.samples[:, 0]) <= r.frame.extent)
        assert abs(np.sum(bars.y) * width - inside) < 1e-9
        np.testing.assert_array_equal(fig.frames[-1].data[1].y, r.final.d_values)
    assert "step 20" in fig.frames[-1].layout.title.text


def test_replay_opens_at_its_last_frame_with_steps_on_the_slider():
    r = train(tiny(loss="ns", target="ring8", steps=170, snapshot_every=17))
    fig = replay_figure(r.frame, r.snapshots, title="ns · ")
    steps = [s.step for s in r.snapshots]
    assert steps == list(range(0, 171, 17))
    slider = fig.layout.sliders[0]
    # opens at the last snapshot: the slider, the data and the title agree
    assert slider.active == len(steps) - 1
    np.testing.assert_array_equal(fig.data[0].z, r.final.d_values)
    np.testing.assert_array_equal(fig.data[3].x, r.final.samples[:, 0])
    assert "step 170" in fig.layout.title.text
    # play runs every frame from the first; the current value reads the exact step
    play = fig.layout.updatemenus[0].buttons[0]
    assert play.args[0] is None and play.args[1]["fromcurrent"] is False
    assert [s.label for s in slider.steps] == [str(s) for s in steps]
    assert [s.args[0] == [str(x)] for s, x in zip(slider.steps, steps, strict=True)]
    assert slider.currentvalue.prefix == "step "
    # Plotly's own tick labels (every n-th tick by position) are hidden; round steps,
    # evenly spaced, are written under the rail at their place along it
    assert slider.font.color == "rgba(0,0,0,0)"
    ticks = [a for a in fig.layout.annotations if a.name == TICK_NAME]
    assert [a.text for a in ticks] == ["0", "50", "100", "150"]
    assert [a.x for a in ticks] == pytest.approx([0, 50 / 170, 100 / 170, 150 / 170])
    controls_apart(fig)


@pytest.mark.parametrize("steps, ticks", [
    ([0, 10, 20], [0, 10, 20]),
    ([*range(0, 1000, 17), 1000], [0, 200, 400, 600, 800, 1000]),
    ([*range(0, 2000, 34), 2000], [0, 500, 1000, 1500, 2000]),
    ([*range(0, 10_000, 167), 10_000], [0, 2000, 4000, 6000, 8000, 10_000]),
    ([*range(300, 1300, 100), 1234], [400, 600, 800, 1000, 1200]),
    ([7], [7]),
])
def test_slider_ticks_are_round_steps(steps, ticks):
    assert tick_steps(steps) == ticks
    assert slider_fraction(steps, steps[-1]) == (1.0 if len(steps) > 1 else 0.0)


def test_replay_figure_needs_a_snapshot():
    r = train(tiny(steps=10))
    with pytest.raises(ValueError, match="at least one snapshot"):
        replay_figure(r.frame, [])
