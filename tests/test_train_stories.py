"""The Train page's story presets, each checked on its OUTCOME, plus the window summary.

Training oscillates (samples hop between modes, HQ rises and falls), so every outcome is
judged over a window of the last snapshots (`TrainResult.window`, or per-snapshot
numbers computed here), never on the final snapshot alone. The stories' statistics and
bounds live in `stories.py` beside this file. Runs are deterministic on one machine,
but another CPU make orders the BLAS's float sums differently and a trained GAN then
follows another trajectory, as if from another seed (an AMD EPYC once failed the old
WGAN-GP bound on seed 0). So each bound was set from `benchmarks/story_margins.py`:
seeds 0-4 under three emulated CPU kinds (AVX-512, AVX2 as on an AMD EPYC, no SIMD),
with room beyond the worst value measured, while contrast runs without the behaviour
(figures in benchmarks/README.md) fall outside it. A test runs seed 0, and may run
fewer steps than its preset where the outcome already shows by then.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from stories import STORIES

from ganloss_viz.losses.base import OPTIMIZERS as LIBRARY_OPTIMIZERS
from ganloss_viz.metrics import window_summary
from ganloss_viz.state.train import OPTIMIZERS, TRAIN_PRESETS, TrainState
from ganloss_viz.train import TrainResult
from ganloss_viz.train.record import Snapshot

torch.set_num_threads(1)


def judge(name: str, seed: int = 0) -> None:
    """Every bound of the story holds on this seed (the message lists all statistics)."""
    story = STORIES[name]
    values = story.measure(seed)
    failures = story.failures(values)
    assert not failures, f"story {name!r}, seed {seed}: {'; '.join(failures)}; all: {values}"


# --- the window summary, on hand-made snapshots ------------------------------------------


def snap(step: int, metrics: dict | None) -> Snapshot:
    z = np.zeros((1, 2), np.float32)
    return Snapshot(step=step, seconds=0.0, samples=z, grad=z, d_values=z, manifold=z,
                    metrics=metrics)


def test_window_summary_by_hand():
    ms = [{"modes_covered": 8, "hq_fraction": 0.5, "w1": 0.3},
          {"modes_covered": 2, "hq_fraction": 0.9, "w1": 0.1},
          {"modes_covered": 5, "hq_fraction": 0.7, "w1": 0.2},
          {"modes_covered": 7, "hq_fraction": 0.6, "w1": 0.4}]
    s = window_summary(ms)
    assert s["modes_covered"] == {"median": 6.0, "min": 2.0, "max": 8.0}
    assert s["hq_fraction"] == pytest.approx({"median": 0.65, "min": 0.5, "max": 0.9})
    assert s["w1"] == pytest.approx({"median": 0.25, "min": 0.1, "max": 0.4})
    assert "reverse_kl_modes" not in s                      # absent from the dicts
    assert window_summary([{"w1": 1.5}]) == {"w1": {"median": 1.5, "min": 1.5, "max": 1.5}}
    with pytest.raises(ValueError, match="no snapshot with metrics"):
        window_summary([])


def test_result_window_takes_the_last_snapshots_with_metrics():
    snaps = [snap(0, {"w1": 9.0}), snap(10, {"w1": 3.0}), snap(20, None),
             snap(30, {"w1": 1.0}), snap(40, None), snap(50, {"w1": 2.0})]
    result = TrainResult(config=None, device="cpu", steps=50, seconds=1.0, wall_seconds=1.0,
                         frame=None, snapshots=snaps, history={})
    assert result.window(3)["w1"] == {"median": 2.0, "min": 1.0, "max": 3.0}
    assert result.window(1)["w1"]["median"] == 2.0
    assert result.window(100)["w1"]["max"] == 9.0
    with pytest.raises(ValueError, match="got 0"):
        result.window(0)


# --- the optimizer URL field ---------------------------------------------------------------


def test_optimizer_field_round_trips_and_reports_bad_values():
    assert OPTIMIZERS == LIBRARY_OPTIMIZERS
    state, errors = TrainState.from_query_params({"loss": "ns", "optimizer": "sgd"})
    assert errors == [] and state.optimizer == "sgd"
    assert state.to_query_params()["optimizer"] == "sgd"
    assert state.config().resolved().optimizer == "sgd"
    default, _ = TrainState.from_query_params({"loss": "wgan"})
    assert default.optimizer == "rmsprop"                   # the loss's own default
    assert "optimizer" not in default.to_query_params()     # defaults stay out of links
    _, errors = TrainState.from_query_params({"loss": "wgan", "optimizer": "adamw"})
    assert len(errors) == 1 and "optimizer='adamw'" in errors[0]
    assert "using optimizer=rmsprop instead" in errors[0]


def test_every_preset_is_a_captioned_valid_run():
    for name, pr in TRAIN_PRESETS.items():
        state, errors = TrainState.from_query_params({"preset": name})
        assert errors == [] and state.matches_preset(), name
        assert pr.caption and "\n" not in pr.caption and pr.title, name
        state.config().resolved()


def test_preset_opens_from_its_url_with_its_settings():
    from test_app_train import numbers, open_train, select
    at = open_train({"preset": "ring8-minimax"})
    assert not at.error
    assert select(at, "tr.loss") == "minimax" and select(at, "tr.optimizer") == "sgd"
    n = numbers(at)
    assert n["tr.steps"] == 1000 and n["tr.lr"] == pytest.approx(0.02)
    assert n["tr.lr_d"] == pytest.approx(0.1)
    assert any(TRAIN_PRESETS["ring8-minimax"].caption in i.value for i in at.info)


# --- the stories ----------------------------------------------------------------------------


def test_mode_collapse_ns_at_a_low_learning_rate():
    """ns at Adam 1e-4 piles its samples next to one or two modes and hops around the ring.

    Asserts, over the last 10 snapshots: the median number of modes holding >= 10% of the
    samples is <= 2 (measured <= 1.5 on seeds 0-4 of every kind; ns at its default rate,
    the contrast: 2-6), the most-populated mode changes through >= 3 modes (measured 7-8;
    contrast 1-2: collapse, not convergence), and VEEGAN modes covered has median <= 2
    (measured 0; contrast 6-8).
    """
    judge("collapse")


def test_saturating_minimax_stalls_where_non_saturating_learns():
    """Minimax with SGD stalls (D(G(z)) -> 0, gradient falls, samples freeze); ns learns.

    The stall on seed 0: D(G(z)) < 1e-3, the window's gradient norm < 0.1 of the first
    snapshot's and W1 spread < 0.01 (measured 1.97e-4, 0.029, 4e-4, equal to 3 digits on
    every CPU kind: a stalled run does not amplify rounding; seed 3 escapes on every
    kind, so these are judged on seed 0 and not across seeds). Across seeds and kinds:
    ns's W1 median < 0.75 of minimax's (measured <= 0.56; with the two swapped >= 2.2)
    and ns's gradient norm > 10 x minimax's (measured >= 141; swapped <= 0.0065).
    """
    judge("minimax")


def test_wgan_gp_covers_every_mode_but_stays_blurry():
    """WGAN-GP (1000 steps) covers all 8 modes, yet most samples lie between them.

    All 8 modes covered in at least half the last 10 snapshots (measured >= 6 of 10 on
    seeds 0-4 of every kind) and a median high-quality fraction < 0.5 (measured <= 0.343;
    0.356 on an AMD EPYC, seed 0); lsgan's default run, a sharp loss, has HQ medians
    0.59-0.94. The old bounds (modes min >= 7, HQ max < 0.7) failed: min coverage dips to
    4 and lsgan's HQ max starts at 0.71.
    """
    judge("wgan-gp")


def test_weight_clipped_wgan_stays_blurry():
    """Clipped WGAN (1000 steps) reaches the ring but hardly a sample is sharp.

    Modes covered median >= 4 (measured >= 6), HQ median < 0.2 and max < 0.3 over the last
    10 snapshots (measured <= 0.099 and <= 0.124 on seeds 0-4 of every kind; the old max <
    0.1 failed on seed 4: 0.114); lsgan's default run has HQ median >= 0.59, max >= 0.71.
    """
    judge("wgan")


def test_r1_covers_the_grid_where_ns_leaves_modes_empty():
    """On grid25 (2000 steps) ns_r1 covers more modes than ns and sits closer in W1.

    Mean modes covered over the window >= 2 more than ns (measured >= 2.6 on seeds 0-4 of
    every kind, the thinnest margin of the stories; ns against ns of the next seed: <= 2.1,
    the noise this bound clears), W1 median < 0.6 of ns's (measured <= 0.47; ns against
    ns >= 0.75) and r1's worst W1 below ns's best (ratio measured <= 0.64; ns against ns
    >= 1.11): the W1 bounds carry the contrast. The old gain of
    >= 3 modes in the median sat at 3 on seeds 0 and 1.
    """
    judge("r1")


def test_parallel_lines_js_gets_no_signal_while_wasserstein_moves():
    """On parallel lines, fgan_js's generator gets no gradient and stays; WGAN moves.

    JS: the window's W1 stays > 0.95 of its start (measured >= 0.986), D(G(z)) < 1e-3
    (measured <= 2.6e-4) and the gradient norm falls below its first value (ratio <=
    0.23); clipped WGAN: W1 max < 0.25 of the start (measured <= 0.13). With the two
    swapped every bound fails (W1 kept 0.04-0.07, D(G(z)) 0.5, gradient ratio >= 4.5).
    """
    judge("lines")


def test_live_view_draws_the_generator_gradient_norm_and_the_changes():
    from ganloss_viz.figures.live import curves_figure, refresh_curves
    from ganloss_viz.train.schedule import Event
    snaps = [snap(0, None)]
    for step, norm in ((10, 0.05), (20, 0.004), (30, 0.0007)):
        s = snap(step, None)
        s.d_loss, s.g_loss, s.g_grad_norm = 1.0, -0.01, norm
        snaps.append(s)
    fig = refresh_curves(curves_figure(), snaps, [Event(20, "lr_d", 1e-4)])
    grad = next(t for t in fig.data if t.name == "‖∇θ L_G‖")
    assert list(grad.y) == [0.05, 0.004, 0.0007] and list(grad.x) == [10, 20, 30]
    assert fig.layout[grad.yaxis.replace("y", "yaxis")].type == "log"   # decades stay visible
    assert [sh.x0 for sh in fig.layout.shapes] == [20]                # the change is marked
    assert fig.layout.annotations[0].text == "lr_d=0.0001"
