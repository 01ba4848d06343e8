"""``python -m ganloss_viz optimal``: the DESIGN.md JSON, the human text, bad input."""

from __future__ import annotations

import json
import math

import pytest
from scipy import stats

from ganloss_viz import cli
from tests.references import normal, reference

P, Q = "normal(0, 1)", "normal(1, 1)"


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_is_the_design_object(capsys):
    code, out, err = run(capsys, "optimal", "--loss", "minimax", P, Q, "--json")
    assert code == 0 and err == ""
    obj = json.loads(out)
    assert {"loss", "d_loss_at_optimum", "divergence", "divergence_value", "identity"} <= set(obj)
    js = reference("js", normal(0, 1), normal(1, 1))
    assert obj["loss"] == "minimax" and obj["divergence"] == "js"
    assert obj["divergence_value"] == pytest.approx(js, abs=1e-10)
    assert obj["d_loss_at_optimum"] == pytest.approx(math.log(4) - 2 * js, abs=1e-9)
    assert "ln 4 − 2·JS" in obj["identity"]


@pytest.mark.parametrize("loss, want", [
    ("hinge", 2 - 2 * (2 * stats.norm.cdf(0.5) - 1)), ("wgan", -1.0), ("fgan_kl", -0.5)])
def test_json_values(capsys, loss, want):
    obj = json.loads(run(capsys, "optimal", "--loss", loss, P, Q, "--json")[1])
    assert obj["d_loss_at_optimum"] == pytest.approx(want, abs=1e-9)
    assert obj["predicted"] == pytest.approx(want, abs=1e-9)


def test_infinite_values_are_strings(capsys):
    obj = json.loads(run(capsys, "optimal", "--loss", "fgan_kl", "uniform(0, 2)",
                         "uniform(1, 3)", "--json")[1])
    assert obj["divergence_value"] == "inf" and obj["d_loss_at_optimum"] == "-inf"


def test_human_text_shows_both_sides(capsys):
    code, out, _ = run(capsys, "optimal", "--loss", "hinge", P, Q)
    assert code == 0
    assert "identity: d_loss(D*) = 2 − 2·TV(P, Q)" in out
    assert "d_loss at the optimum" in out and "predicts" in out and "difference" in out
    assert "1.23415015" in out


@pytest.mark.parametrize("argv, match", [
    (("--loss", "rsgan", P, Q), "no known optimal discriminator"),
    (("--loss", "nope", P, Q), "unknown loss"),
    (("--loss", "hinge", "normal(0, 1", Q), "P: "),
    (("--loss", "hinge", P, "mvnormal()"), "same dimension"),
    (("--loss", "wgan", "mvnormal()", "mvnormal(loc=[1, 0])"), "1-D only"),
    ((P, Q), "--loss"),
])
def test_bad_input_exits_2_with_one_line(capsys, argv, match):
    code, out, err = run(capsys, "optimal", *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and match in err
