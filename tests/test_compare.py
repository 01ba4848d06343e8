"""`compare`: K losses trained side by side equal K separate `train` runs.

The reference is the single-run engine (`train`), itself tested against autograd and a
plain PyTorch loop in tests/test_train.py and tests/test_models.py: a batched
comparison must give each loss the run `train` gives it with the same settings and
seed (same initial weights, data and noise), to float32 tolerance.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from ganloss_viz.losses import LossDefaults, get
from ganloss_viz.train import CompareProgress, CompareResult, TrainConfig, compare, train

SMALL = dict(width=16, depth=2, batch=32, points=40, grid=6, metric_samples=200,
             device="cpu")
# a penalty (GP, n_critic 5), a clip (RMSprop, n_critic 5), R1 on real data, plain
# losses, a second n_critic-5 penalty, a capped D output, each with its default optimizer
MIX = ["ns", "wgan_gp", "wgan", "ns_r1", "wgan_lp", "hinge", "fgan_kl"]
# relativistic losses (D's loss and G's read D on real data) among others, with plain
# SGD: for them the gradient of every hidden bias of D is analytically 0 wherever a
# unit is active on all rows (the paired real and fake terms cancel), so its float32
# value is rounding noise that Adam's first steps (about lr · sign(g)) would magnify
# into differences of order lr between two summation orders
MIX_SGD = ["rsgan", "wgan_gp", "ragan", "ns"]


@pytest.fixture(scope="module")
def mixed() -> CompareResult:
    return compare(MIX, "ring8", steps=12, seed=3, snapshot_every=4, **SMALL)


def assert_same_run(got, ref, rtol=2e-4, atol=2e-5):
    # threads say how the runs were scheduled (compare: worker groups), not what they are
    assert replace(got.config, threads=None) == replace(ref.config, threads=None)
    assert got.steps == ref.steps and got.diverged == ref.diverged
    assert [s.step for s in got.snapshots] == [s.step for s in ref.snapshots]
    for a, b in zip(got.snapshots, ref.snapshots, strict=True):
        for field in ("samples", "grad", "d_values", "manifold"):
            np.testing.assert_allclose(getattr(a, field), getattr(b, field), rtol=rtol,
                                       atol=atol, err_msg=f"{field} at step {a.step}")
    for name, values in ref.history.items():
        np.testing.assert_allclose(got.history[name], values, rtol=rtol, atol=atol,
                                   err_msg=name)
    np.testing.assert_allclose(got.generator.flat.detach(), ref.generator.flat.detach(),
                               rtol=rtol, atol=atol)
    np.testing.assert_allclose(got.discriminator.flat.detach(),
                               ref.discriminator.flat.detach(), rtol=rtol, atol=atol)


def test_each_run_equals_its_single_run(mixed):
    for name, got in zip(MIX, mixed.runs, strict=True):
        ref = train(loss=name, target="ring8", steps=12, seed=3, snapshot_every=4, **SMALL)
        assert_same_run(got, ref)


@pytest.mark.parametrize("threads", [1, 2])
def test_relativistic_runs_equal_their_single_runs(threads):
    # threads=2: two groups of runs trained in parallel threads
    res = compare(MIX_SGD, "ring8", steps=8, seed=1, snapshot_every=4, optimizer="sgd",
                  threads=threads, **SMALL)
    for name, got in zip(MIX_SGD, res.runs, strict=True):
        ref = train(loss=name, target="ring8", steps=8, seed=1, snapshot_every=4,
                    optimizer="sgd", threads=threads, **SMALL)
        assert_same_run(got, ref)


def test_runs_follow_the_losses_and_share_initial_weights(mixed):
    assert [r.config.loss for r in mixed.runs] == MIX
    first = mixed.runs[0].snapshots[0]
    for r in mixed.runs:
        assert [s.step for s in r.snapshots] == [0, 4, 8, 12]
        np.testing.assert_array_equal(r.snapshots[0].samples, first.samples)
        cap = get(r.config.loss).output_cap          # the same D, seen through its cap
        want = first.d_values if cap is None else cap - np.logaddexp(0.0, cap - first.d_values)
        np.testing.assert_allclose(r.snapshots[0].d_values, want, rtol=1e-6, atol=1e-7)
        # each loss keeps its own defaults
        d = get(r.config.loss).defaults
        assert (r.config.n_critic, r.config.optimizer, r.config.lr_d) == \
            (d.n_critic, d.optimizer, d.lr_d)
    assert mixed.seconds > 0
    obj = mixed.to_dict()
    assert list(obj) == ["runs", "seconds"]
    assert [r["loss"] for r in obj["runs"]] == MIX
    assert all(r["steps"] == 12 and r["target"] == "ring8" for r in obj["runs"])


class HotPearson(type(get("fgan_pearson"))):
    """The Pearson f-GAN with learning rates of 1e9 as its defaults: it overflows alone."""

    def __init__(self):
        super().__init__("pearson")
        self.name = "fgan_pearson_hot"
        self.defaults = LossDefaults(lr_g=1e9, lr_d=1e9)


def test_a_diverging_run_leaves_the_others_going():
    hot = HotPearson()
    res = compare(["ns", hot, "hinge"], "ring8", steps=12, seed=0, snapshot_every=4, **SMALL)
    ref_bad = train(loss=hot, target="ring8", steps=12, seed=0, snapshot_every=4, **SMALL)
    good, bad, good2 = res.runs
    assert ref_bad.diverged, "the reference run was meant to diverge"
    assert bad.diverged and bad.message == ref_bad.message and bad.steps == ref_bad.steps
    assert not good.diverged and good.steps == 12
    assert not good2.diverged and good2.steps == 12


@pytest.mark.parametrize("threads", [1, 2])
def test_progress_and_stop(threads):
    seen: list[CompareProgress] = []
    res = compare(["ns", "wgan_gp", "hinge"], "ring8", steps=400, seed=0, snapshot_every=100,
                  callback=seen.append, should_stop=lambda: len(seen) >= 3, threads=threads,
                  **SMALL)
    assert all(r.stopped and r.steps < 400 for r in res.runs)
    # every run ends at one step, whichever group was ahead (on 2 threads the group in a
    # thread starts about 2 s before the worker process, so a stop often finds it at the
    # snapshot boundary and the other group still at its first steps), and its last
    # snapshot, the final one, has metrics as a stopped run's does
    assert len({r.steps for r in res.runs}) == 1
    assert all(r.snapshots[-1].metrics for r in res.runs)
    assert seen[0].step == 0 and len(seen[0].snapshots) == 3
    assert all(p.steps == 400 and len(p.snapshots) == 3 for p in seen)
    assert [s.step for s in res.runs[0].snapshots][-1] == res.runs[0].steps


@pytest.mark.parametrize(("losses", "match"), [
    ([], "1 to 8 losses"),
    (["ns"] * 2, "repeated: ns"),
    (["ns", "nope"], "unknown loss 'nope'"),
    ("ns,hinge", "list of 1 to 8 loss names"),
    (["minimax", "ns", "lsgan", "hinge", "wgan", "wgan_gp", "wgan_lp", "ns_r1", "rsgan"],
     "got 9"),
])
def test_bad_losses(losses, match):
    with pytest.raises(ValueError, match=match):
        compare(losses, "ring8", steps=2, **SMALL)


def test_bad_settings_name_the_setting():
    with pytest.raises(ValueError, match="width"):
        compare(["ns"], "ring8", steps=2, width=10_000)
    with pytest.raises(ValueError, match="unknown target"):
        compare(["ns"], "nowhere", steps=2)
    with pytest.raises(ValueError, match="not as loss="):
        compare(["ns"], "ring8", loss="hinge")


def test_threads_restored():
    before = torch.get_num_threads()
    compare(["ns"], "ring8", steps=2, threads=1, **SMALL)
    assert torch.get_num_threads() == before
    assert TrainConfig().threads == 1


def test_smooth_activation_with_a_penalty_runs_one_by_one():
    # tanh has a'' != 0: R1 goes through autograd, outside the batched engine
    res = compare(["ns", "ns_r1"], "ring8", steps=4, seed=2, snapshot_every=2,
                  activation="tanh", **SMALL)
    for name, got in zip(["ns", "ns_r1"], res.runs, strict=True):
        ref = train(loss=name, target="ring8", steps=4, seed=2, snapshot_every=2,
                    activation="tanh", **SMALL)
        assert_same_run(got, ref)


def test_one_dimensional_target_equals_single_runs():
    res = compare(["wgan", "ns_r1", "lsgan"], "trimodal", steps=6, seed=4, snapshot_every=3,
                  **SMALL)
    for name, got in zip(["wgan", "ns_r1", "lsgan"], res.runs, strict=True):
        ref = train(loss=name, target="trimodal", steps=6, seed=4, snapshot_every=3, **SMALL)
        assert_same_run(got, ref)


class Broken(type(get("ns"))):
    """ns whose discriminator loss fails: it fails in a worker process, not here."""

    name = "ns_broken"

    def d_loss(self, real_out, fake_out):
        raise ArithmeticError("the broken loss failed on purpose")


@pytest.mark.parametrize("losses", [
    ["ns", Broken(), "wgan_gp"],    # wgan_gp's group, the heaviest, in a thread
    [Broken(), "ns"],               # two equal groups: the first, Broken's, in a thread
], ids=["in-a-worker-process", "in-the-thread"])
def test_a_failing_worker_reports_its_traceback(losses):
    with pytest.raises(RuntimeError, match="(?s)compare worker failed.*on purpose"):
        compare(losses, "ring8", steps=8, seed=0, snapshot_every=4, threads=2, **SMALL)


def test_unpicklable_losses_train_in_this_process():
    """A custom loss that cannot be sent to a worker (the f-GAN losses hold lambdas)
    trains in-process: the same run as `train` gives it."""
    hot = HotPearson()
    hot.defaults = LossDefaults()
    res = compare(["ns", hot], "ring8", steps=8, seed=0, snapshot_every=4, threads=2, **SMALL)
    ref = train(loss=hot, target="ring8", steps=8, seed=0, snapshot_every=4, **SMALL)
    assert_same_run(res.runs[1], ref)


SCRIPT = """
from ganloss_viz.losses import NonSaturating
from ganloss_viz.train import compare

class MyLoss(NonSaturating):          # defined in the main script: trains in-process
    name = "my_ns"

res = compare(["ns", "wgan_gp", MyLoss()], "ring8", steps=8, seed=0, snapshot_every=4,
              width=16, depth=2, batch=32, points=40, grid=6, metric_samples=200,
              threads=2)
print("steps", [r.steps for r in res.runs])
res = compare(["ns", "wgan_gp", "hinge"], "ring8", steps=8, seed=0, snapshot_every=4,
              width=16, depth=2, batch=32, points=40, grid=6, metric_samples=200,
              threads=2)
print("steps", [r.steps for r in res.runs])
"""


def test_a_script_without_a_main_guard_can_compare_in_worker_processes(tmp_path):
    """Workers do not re-run the caller's script (multiprocessing's spawn would, and
    then fail without `if __name__ == "__main__":`)."""
    script = tmp_path / "script.py"
    script.write_text(SCRIPT)
    root = str(Path(__file__).resolve().parents[1])
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=300, env=dict(os.environ, PYTHONPATH=root))
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[:2] == ["steps [8, 8, 8]", "steps [8, 8, 8]"]
