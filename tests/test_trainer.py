"""The Trainer behind the app's Play / Pause / Step / Step D / Step G / steering: a run
paused anywhere and resumed, or steered and replayed from its schedule, makes the same
networks bit for bit on the CPU as one uninterrupted run (issue 16, item 3); lone
steps move one network only; the slow-motion step is an ordinary iteration whose
stages agree with autograd."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ganloss_viz.losses import get as get_loss
from ganloss_viz.train import TrainConfig, Trainer, train
from ganloss_viz.train.schedule import Event, parse, text

TINY = dict(loss="ns", target="ring8", steps=60, width=16, depth=2, batch=32,
            snapshot_every=10, points=50, grid=8, metric_samples=200, device="cpu")


def cfg(**kw) -> TrainConfig:
    return TrainConfig(**{**TINY, **kw})


def same_run(a, b) -> None:
    """Bit-identical networks and per-step history."""
    assert torch.equal(a.generator.flat, b.generator.flat)
    assert torch.equal(a.discriminator.flat, b.discriminator.flat)
    for name in a.history:
        np.testing.assert_array_equal(a.history[name], b.history[name])


@pytest.mark.parametrize("loss", ["ns", "wgan_gp", "lsgan"])
def test_pauses_anywhere_change_nothing(loss):
    whole = train(cfg(loss=loss))
    tr = Trainer(cfg(loss=loss))
    for until in (1, 7, 10, 33, 34, 59):          # pauses inside and at snapshot steps
        tr.advance(until=until)
        assert tr.step == until
        assert tr.view().metrics is not None       # looking while paused changes nothing
    tr.advance()
    paused = tr.finish()
    same_run(whole, paused)
    assert [s.step for s in paused.snapshots] == [s.step for s in whole.snapshots]
    assert paused.metrics == whole.metrics and not paused.stopped


def test_pause_by_should_stop_then_resume():
    whole = train(cfg(steps=200))
    tr = Trainer(cfg(steps=200))
    import ganloss_viz.train.trainer as trainer
    old = trainer.STOP_POLL
    trainer.STOP_POLL = 0.0
    try:
        calls = iter(range(10**6))
        tr.advance(should_stop=lambda: next(calls) == 5)    # pauses after step 6
    finally:
        trainer.STOP_POLL = old
    assert 0 < tr.step < 200 and not tr.finished
    tr.advance()
    same_run(whole, tr.finish())


def test_steered_run_is_remade_by_its_schedule():
    tr = Trainer(cfg())
    tr.advance(until=23)
    tr.apply("lr_d", 5e-4)
    tr.apply("loss", "hinge")
    tr.advance(until=40)
    tr.apply("n_critic", 2)
    tr.apply("step_d", 3)
    tr.apply("step_g", 1)
    tr.advance()
    steered = tr.finish()
    sched = steered.config.schedule
    assert [(e.step, e.name, e.value) for e in sched] == [
        (23, "lr_d", 5e-4), (23, "loss", "hinge"), (40, "n_critic", 2), (40, "step_d", 3),
        (40, "step_g", 1)]
    assert steered.to_dict()["config"]["schedule"][0] == {"step": 23, "lr_d": 5e-4}
    remade = train(steered.config)
    same_run(steered, remade)
    plain = train(cfg())
    assert not torch.equal(plain.generator.flat, steered.generator.flat)
    # the changes took effect: the loss after step 23 is hinge's (D loss >= 0 ... ≤ 2 + ...)
    assert tr.state.loss.name == "hinge" and tr.cfg.n_critic == 2
    assert tr.d_updates == 23 + 17 + 20 * 2 + 3 and tr.g_updates == 60 + 1


def test_lone_steps_move_one_network():
    tr = Trainer(cfg())
    tr.advance(until=5)
    g0, d0 = tr.state.G.flat.detach().clone(), tr.state.D.flat.detach().clone()
    tr.apply("step_d", 1)
    assert torch.equal(tr.state.G.flat, g0) and not torch.equal(tr.state.D.flat, d0)
    d1 = tr.state.D.flat.detach().clone()
    tr.apply("step_g", 1)
    assert torch.equal(tr.state.D.flat, d1) and not torch.equal(tr.state.G.flat, g0)
    assert tr.step == 5 and (tr.d_updates, tr.g_updates) == (6, 6)


def test_learning_rate_change_reaches_the_optimizer():
    tr = Trainer(cfg(loss="wgan", steps=20))
    tr.apply("lr_g", 1e-5)
    assert tr.state.opt_g.opt.param_groups[0]["lr"] == 1e-5
    # RMSprop's first step moves a weight by lr·|g| / (sqrt((1 − α) g²) + ε), which is
    # lr / sqrt(1 − α) = 10·lr for any gradient well above ε (α = 0.99): 1e-4 at the new
    # rate, 5e-4 at wgan's default; float32 rounding of weights ~0.5 adds ~1e-7
    g0 = tr.state.G.flat.detach().clone()
    tr.apply("step_g", 1)
    step = (tr.state.G.flat.detach() - g0).abs().max().item()
    assert 1e-4 - 1e-6 <= step <= 1e-4 + 1e-6


def test_bad_changes_are_refused_and_change_nothing():
    tr = Trainer(cfg())
    for name, value, words in [("lr_d", -1.0, "lr_d"), ("n_critic", 0, "n_critic"),
                               ("loss", "nope", "unknown loss"),
                               ("penalty_weight", 1.0, "no penalty"),
                               ("batch", 64, "cannot change"), ("step_d", 0, "step_d")]:
        with pytest.raises(ValueError, match=words):
            if name == "step_d":
                TrainConfig(**TINY, schedule=(Event(0, "step_d", 0),)).resolved()
            else:
                tr.apply(name, value)
    assert tr.events == [] and tr.cfg.lr_d == cfg().resolved().lr_d


def test_penalty_weight_and_a_loss_with_its_own_penalty():
    tr = Trainer(cfg(loss="ns"))
    tr.apply("loss", "wgan_gp")
    assert tr.cfg.penalty_weight == get_loss("wgan_gp").defaults.penalty_weight
    tr.apply("penalty_weight", 3.0)
    assert tr.state.penalty is not None and tr.cfg.penalty_weight == 3.0
    tr.advance()
    done = tr.finish()
    same_run(done, train(done.config))


def test_slow_step_is_an_ordinary_iteration_with_true_stages():
    tr, ref = Trainer(cfg()), Trainer(cfg())
    tr.advance(until=8)
    ref.advance(until=9)
    stages = tr.slow_step()
    assert tr.step == 9 and stages.step == 9
    assert torch.equal(tr.state.G.flat, ref.state.G.flat)
    assert torch.equal(tr.state.D.flat, ref.state.D.flat)
    # the arrows: per-sample gradient of ns's g_loss = mean softplus(-D(x)), by autograd
    # through a plain copy of D
    D = tr.state.D
    x = torch.tensor(stages.fake).requires_grad_()
    value = torch.nn.functional.softplus(-D.forward(x)).sum()
    (g,) = torch.autograd.grad(value, x)
    np.testing.assert_allclose(stages.grad, g.numpy(), rtol=1e-4, atol=1e-6)
    with torch.no_grad():                         # G after its step, on the same noise
        assert not np.array_equal(stages.moved, stages.fake)
    assert stages.d_before.shape == stages.d_after.shape == (8, 8)
    assert not np.array_equal(stages.d_before, stages.d_after)
    assert stages.real.shape == stages.fake.shape == (32, 2)


def test_more_steps_after_the_goal_and_their_cap():
    tr = Trainer(cfg(steps=20))
    tr.advance()
    first = tr.finish()
    assert tr.finished and first.steps == 20
    tr.extend(15)
    tr.advance()
    more = tr.finish()
    assert more.steps == 35 and more.config.steps == 35 and len(more.history["d_loss"]) == 35
    with pytest.raises(ValueError, match="cap"):
        tr.extend(60_000)
    tr.extend(5000)               # 504 snapshots at every 10th step: over the cap of 300
    assert tr.cfg.snapshot_every == 20 and tr.cfg.n_snapshots <= tr.cfg.caps.snapshots
    assert tr.finish().config.snapshot_every == 20


def test_schedule_text_round_trip_and_errors():
    events = (Event(20, "lr_d", 0.0005), Event(20, "loss", "hinge"), Event(350, "step_d", 1))
    assert text(events) == "20: lr_d=0.0005, loss=hinge; 350: step_d=1"
    assert parse(text(events)) == events
    for bad, words in [("20 lr_d=1", "STEP: name"), ("5: batch=3", "not name=value"),
                       ("5: lr_g=fast", "needs a number")]:
        with pytest.raises(ValueError, match=words):
            parse(bad)
    with pytest.raises(ValueError, match="in order"):
        TrainConfig(**TINY, schedule=(Event(30, "lr_d", 1e-3), Event(10, "lr_d", 1e-3))
                    ).resolved()
