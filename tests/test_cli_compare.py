"""Tests of ``python -m ganloss_viz compare`` (DESIGN.md, "Command line")."""

from __future__ import annotations

import json

from ganloss_viz import cli

SMALL = ("--steps", "6", "--width", "16", "--depth", "1", "--batch", "32")
TRAIN_KEYS = {"loss", "target", "steps", "seconds", "steps_per_s", "device", "diverged",
              "metrics", "config"}


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_compare_json_shape_and_order(capsys):
    code, out, err = run(capsys, "compare", "--losses", "hinge,wgan_gp,ns", "--target",
                         "ring8", "--seed", "2", "--threads", "2", *SMALL, "--json")
    assert code == 0, err
    assert err == "", "no progress bar with --json"
    obj = json.loads(out)
    assert set(obj) == {"runs", "seconds"} and obj["seconds"] > 0
    assert [r["loss"] for r in obj["runs"]] == ["hinge", "wgan_gp", "ns"]
    for r in obj["runs"]:
        assert TRAIN_KEYS <= set(r)
        assert r["target"] == "ring8" and r["steps"] == 6 and r["diverged"] is False
        c = r["config"]
        assert (c["width"], c["depth"], c["batch"], c["seed"], c["threads"]) == \
            (16, 1, 32, 2, 2)
    # each loss keeps its own defaults
    assert [r["config"]["n_critic"] for r in obj["runs"]] == [1, 5, 1]
    assert obj["runs"][1]["config"]["lr_g"] == 5e-4


def test_compare_text_progress_bar_and_html(capsys, tmp_path):
    page = tmp_path / "runs.html"
    code, out, err = run(capsys, "compare", "--losses", "ns,lsgan", "--target", "trimodal",
                         *SMALL, "--html", str(page))
    assert code == 0, err
    assert out.startswith("compare ns,lsgan on trimodal: ")
    assert "\n  ns: 6 steps; modes covered " in out and "\n  lsgan: 6 steps; " in out
    assert "[##############################] 6/6" in err
    text = page.read_text(encoding="utf-8")
    assert text.count("Plotly.newPlot") == 2


def test_compare_bad_input_is_one_line_exit_2(capsys):
    for argv, words in [
        (("--losses", "ns,ns", "--target", "ring8"), "repeated: ns"),
        (("--losses", "ns,nope", "--target", "ring8"), "unknown loss 'nope'"),
        (("--losses", ",".join(["ns"] * 9), "--target", "ring8"), "got 9"),
        (("--losses", "ns", "--target", "ring8", "--width", "100000"), "cap of 512"),
        (("--losses", "ns", "--target", "nowhere"), "unknown target"),
        (("--losses", "ns", "--target", "ring8", "--steps", "0"), "--steps"),
        (("--losses", "ns", "--target", "ring8", "--threads", "0"), "--threads"),
        (("--target", "ring8"), "--losses"),
    ]:
        code, out, err = run(capsys, "compare", *argv)
        assert code == 2 and out == ""
        assert err.count("\n") == 1 and words in err, err
