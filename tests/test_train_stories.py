"""The Train page's story presets, each checked on its OUTCOME, plus the window summary.

Training oscillates (samples hop between modes, HQ rises and falls), so every outcome is
judged over a window of the last snapshots (`TrainResult.window`, or per-snapshot
numbers computed here), never on the final snapshot alone. Runs are deterministic on
the CPU; each story's settings were measured on seeds 0, 1 and 2 (figures in the
comments). To keep this file short, a test may run fewer steps than its preset where
the outcome already shows by then, and one seed where three were measured.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache

import numpy as np
import pytest
import torch

from ganloss_viz.losses.base import OPTIMIZERS as LIBRARY_OPTIMIZERS
from ganloss_viz.metrics import window_summary
from ganloss_viz.state.train import OPTIMIZERS, TRAIN_PRESETS, TrainState
from ganloss_viz.train import TrainResult, train
from ganloss_viz.train.record import Snapshot

torch.set_num_threads(1)
WINDOW = 10           # snapshots


@cache
def story(preset: str, seed: int = 0, steps: int | None = None) -> TrainResult:
    """The preset's run (its URL's settings), with another seed or fewer steps if given."""
    cfg = TrainState.from_preset(preset).config()
    return train(replace(cfg, seed=seed, steps=steps or cfg.steps, threads=1))


def last(result: TrainResult, k: int = WINDOW) -> list[Snapshot]:
    return result.snapshots[-k:]


def occupied_modes(samples: np.ndarray, modes: np.ndarray, share: float = 0.1) -> int:
    """Modes that are the nearest mode of at least `share` of the samples."""
    nearest = np.linalg.norm(samples[:, None] - modes[None], axis=2).argmin(axis=1)
    return int((np.bincount(nearest, minlength=len(modes)) >= share * len(samples)).sum())


def d_of_fakes(result: TrainResult) -> float:
    """Mean D(G(z)) = sigmoid(raw output) of the final discriminator on the final samples."""
    with torch.no_grad():
        out = result.discriminator(torch.as_tensor(result.final.samples))
    return float(torch.sigmoid(out).mean())


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
    # Measured (2000 steps, last 10 snapshots, nearest mode of >= 10% of 500 samples):
    # 1-2 modes occupied at every snapshot for seeds 0, 1, 2, the occupied mode
    # changing from snapshot to snapshot (the generator hops around the ring).
    r = story("ring8-collapse", 0)
    modes = r.frame.modes
    occupied = [occupied_modes(s.samples, modes) for s in last(r)]
    assert max(occupied) <= 2 and min(occupied) >= 1
    dominant = {int(np.bincount(np.linalg.norm(s.samples[:, None] - modes[None], axis=2)
                                .argmin(axis=1), minlength=len(modes)).argmax())
                for s in last(r)}
    assert len(dominant) >= 3                     # it hops: collapse is not convergence
    assert r.window(WINDOW)["modes_covered"]["median"] <= 2


def test_saturating_minimax_stalls_where_non_saturating_learns():
    # Measured (SGD, G 0.02, D 0.1, 1000 steps), seeds 0 / 1 / 2: minimax D(G(z)) =
    # 2.0e-4 / 2.3e-4 / 2.0e-4, ‖∇θ L_G‖ from 0.05-0.07 at the start to 0.001-0.003,
    # W1 frozen at 1.24; ns: W1 median 0.21 / 0.45 / 0.36 and ‖∇θ L_G‖ growing to 3-7.
    mm, ns = story("ring8-minimax", 0), story("ring8-ns-sgd", 0)
    assert d_of_fakes(mm) < 1e-3
    g_first = mm.snapshots[1].g_grad_norm
    g_late = np.median([s.g_grad_norm for s in last(mm)])
    assert g_late < g_first / 10
    w_mm, w_ns = mm.window(WINDOW)["w1"], ns.window(WINDOW)["w1"]
    assert w_mm["max"] - w_mm["min"] < 0.01       # the samples do not move
    assert w_ns["median"] < 0.5 * w_mm["median"]
    assert np.median([s.g_grad_norm for s in last(ns)]) > 10 * g_late


def test_wgan_gp_covers_every_mode_but_stays_blurry():
    # Measured (1000 steps, last 10 snapshots), seeds 0 / 1 / 2 on an Intel Xeon: modes
    # covered median 8, min 7 in all three; HQ median 0.24 / 0.09 / 0.29, max 0.40 / 0.15 /
    # 0.38. Seed 0 on an AMD EPYC (another float summation order): HQ median 0.356, max
    # 0.505. A sharp loss such as lsgan ends its default run at HQ 0.9+ (see
    # benchmarks/README.md): the bounds sit between, with room for either CPU make.
    w = story("ring8-wgan-gp", 0, steps=1000).window(WINDOW)
    assert w["modes_covered"]["min"] >= 7 and w["modes_covered"]["median"] == 8
    assert w["hq_fraction"]["median"] < 0.5 and w["hq_fraction"]["max"] < 0.7


def test_weight_clipped_wgan_stays_blurry():
    # Measured (1000 steps): modes median 7 / 6 / 7, HQ median 0.052 / 0.046 / 0.040 and
    # max <= 0.074; over its whole 4000-step default run (seed 0) HQ never passed 0.22.
    w = story("ring8-wgan", 0, steps=1000).window(WINDOW)
    assert w["modes_covered"]["median"] >= 5          # it reaches the ring ...
    assert w["hq_fraction"]["max"] < 0.1              # ... but hardly a sample is sharp


def test_r1_covers_the_grid_where_ns_leaves_modes_empty():
    # Measured (2000 steps, last 10 snapshots), seeds 0 / 1 / 2: ns_r1 modes median
    # 20 / 20 / 21 (W1 0.29 / 0.22 / 0.22), ns 16 / 15 / 17 (W1 0.71 / 0.74 / 0.66);
    # the full 8000-step ns_r1 run covers 25 / 25 / 25 (benchmarks/train.py (d)).
    r1 = story("grid25-r1", 0, steps=2000).window(WINDOW)
    ns = story("grid25-ns", 0, steps=2000).window(WINDOW)
    assert r1["modes_covered"]["median"] >= ns["modes_covered"]["median"] + 3
    assert r1["w1"]["max"] < ns["w1"]["min"]


def test_parallel_lines_js_gets_no_signal_while_wasserstein_moves():
    # Measured (600 steps), seeds 0 / 1 / 2: fgan_js W1 0.712 / 0.717 / 0.708 from
    # 0.716 at the start, frozen (window spread <= 0.001), D(G(z)) 2.1e-4-2.3e-4,
    # ‖∇θ L_G‖ 0.001-0.002; clipped WGAN W1 median 0.042 / 0.049 / 0.047.
    js, wgan = story("lines-js", 0), story("lines-wgan", 0)
    start = js.snapshots[0].metrics["w1"]
    w_js, w_wgan = js.window(WINDOW)["w1"], wgan.window(WINDOW)["w1"]
    assert w_js["min"] > 0.97 * start                 # the blob stays where it started
    assert d_of_fakes(js) < 1e-3
    assert np.median([s.g_grad_norm for s in last(js)]) < 0.01
    assert w_wgan["max"] < 0.2 * start                # W1 falls to a fraction of it


def test_live_view_records_and_draws_the_generator_gradient_norm():
    from ganloss_viz.train import Progress
    from ganloss_viz.ui.train_view import LiveRun, live_grad_figure
    live = LiveRun(config=None, title="")
    for step, norm in ((10, 0.05), (20, 0.004), (20, 0.004), (30, 0.0007)):
        s = snap(step, None)
        s.d_loss, s.g_loss, s.g_grad_norm = 1.0, -0.01, norm
        live.on_progress(Progress(step, 30, 1.0, 10.0, s))
    assert [c[3] for c in live.curve] == [0.05, 0.004, 0.0007]   # one point per snapshot
    fig = live_grad_figure(live.curve)
    assert list(fig.data[0].y) == [0.05, 0.004, 0.0007] and list(fig.data[0].x) == [10, 20, 30]
    assert fig.layout.yaxis.type == "log"                  # decades of decay stay visible
