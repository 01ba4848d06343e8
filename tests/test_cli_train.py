"""Tests of ``python -m ganloss_viz train`` (DESIGN.md, "Command line")."""

from __future__ import annotations

import json
import math

import pytest
import torch

from ganloss_viz import cli

SMALL = ("--steps", "12", "--width", "16", "--depth", "1", "--batch", "32")
DESIGN_KEYS = {"loss", "target", "steps", "seconds", "steps_per_s", "device", "diverged",
               "metrics", "config"}


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys, *argv) -> dict:
    code, out, err = run(capsys, *argv, "--json")
    assert code == 0, err
    assert err == "", "no progress bar with --json"
    assert out.endswith("\n") and out.count("\n") == 1
    return json.loads(out)


def test_train_json_shape_2d(capsys):
    obj = run_json(capsys, "train", "--loss", "ns", "--target", "ring8", "--seed", "1",
                   "--lr", "0.001", *SMALL)
    assert DESIGN_KEYS <= set(obj)
    assert obj["loss"] == "ns" and obj["target"] == "ring8" and obj["steps"] == 12
    assert obj["device"] == "cpu" and obj["diverged"] is False
    assert isinstance(obj["seconds"], float) and obj["seconds"] > 0
    assert math.isclose(obj["steps_per_s"], 12 / obj["seconds"])
    m = obj["metrics"]
    assert set(m) == {"modes", "modes_covered", "hq_fraction", "reverse_kl_modes", "w1",
                      "seconds_to_coverage"}
    assert m["modes"] == 8 and 0 <= m["modes_covered"] <= 8 and 0 <= m["hq_fraction"] <= 1
    c = obj["config"]
    assert (c["width"], c["depth"], c["batch"], c["seed"], c["steps"]) == (16, 1, 32, 1, 12)
    assert c["lr_g"] == c["lr_d"] == 0.001
    assert c["optimizer"] == "adam" and c["n_critic"] == 1 and c["device"] == "auto"


def test_train_json_1d_spec_target_and_loss_defaults(capsys):
    obj = run_json(capsys, "train", "--loss", "wgan", "--target", "uniform(-1, 2)", *SMALL)
    assert obj["target"] == "uniform(-1, 2)"
    assert set(obj["metrics"]) == {"w1", "seconds_to_coverage"}
    assert obj["metrics"]["seconds_to_coverage"] is None
    assert obj["config"]["optimizer"] == "rmsprop" and obj["config"]["n_critic"] == 5


def test_train_human_output_and_progress_bar(capsys):
    code, out, err = run(capsys, "train", "--loss", "hinge", "--target", "trimodal", *SMALL)
    assert code == 0
    assert out.startswith("train hinge on trimodal: 12 steps in ")
    assert "modes covered" in out and "W1" in out and "seconds to coverage" in out
    assert err.count("\n") == 1 and "12/12" in err and "train hinge on trimodal" in err


def test_train_html_writes_a_standalone_animation(capsys, tmp_path):
    path = tmp_path / "replay.html"
    obj = run_json(capsys, "train", "--loss", "ns", "--target", "ring8", *SMALL,
                   "--html", str(path))
    assert obj["html"] == str(path)
    text = path.read_text(encoding="utf-8")
    assert "<html>" in text and "Plotly.newPlot(" in text and "Plotly.addFrames(" in text
    assert len(text) > 1_000_000, "plotly.js is inlined"
    # one animation frame per snapshot: 12 steps at the default ~60 frames -> 13 snapshots,
    # each frame updating the heatmap, lattice, samples and arrows (traces 0, 2, 3, 4)
    assert text.count('"traces":[0,2,3,4]') == 13


@pytest.mark.parametrize("argv, text", [
    (("--loss", "nope", "--target", "ring8"), "unknown loss 'nope'"),
    (("--loss", "ns", "--target", "nope"), "unknown target 'nope'"),
    (("--loss", "ns", "--target", "ring8", "--steps", "0"), "--steps"),
    (("--loss", "ns", "--target", "ring8", "--steps", "10000000"), "exceeds the cap"),
    (("--loss", "ns", "--target", "ring8", "--width", "-3"), "--width"),
    (("--loss", "ns", "--target", "ring8", "--lr", "inf"), "--lr"),
    (("--loss", "ns", "--target", "ring8", "--device", "tpu"), "--device"),
    (("--target", "ring8"), "--loss"),
    (("--loss", "ns", "--target", "ring8", "--html", "/no/such/folder/x.html"),
     "does not exist"),
])
def test_train_bad_input_exits_2_with_one_line(capsys, argv, text):
    code, out, err = run(capsys, "train", *argv, "--json")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and text in err


def test_train_cuda_without_gpu_exits_2(capsys, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    code, out, err = run(capsys, "train", "--loss", "ns", "--target", "ring8", "--device",
                         "cuda", *SMALL)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "CUDA was requested but no GPU is available" in err


def test_list_names_the_losses_and_targets(capsys):
    obj = run_json(capsys, "list")
    assert "wgan_gp" in obj["losses"] and "ring8" in obj["targets"]
