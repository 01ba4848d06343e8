"""Adding a divergence or a loss is one record (issue 15).

A divergence written here, in a test module, and registered with one call reaches the
engine, the CLI's `list`, the explorer's menu and its URL parser with no other file
touched; so does a loss, which reaches `list`, the Train page's URL parser and the
trainer. Values are checked against scipy quadrature, not against the engine.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from scipy import integrate, stats

import ganloss_viz as gv
from ganloss_viz import cli
from ganloss_viz import losses as L
from ganloss_viz.divergences.catalogue import fdiv
from ganloss_viz.divergences.fdivs import Generator, Integrand
from ganloss_viz.losses.base import Loss
from ganloss_viz.state import ExplorerState
from ganloss_viz.state.train import TrainState
from ganloss_viz.train import TrainConfig, train
from ganloss_viz.ui.widgets import divergence_options


def _triangular(lp: torch.Tensor, lq: torch.Tensor) -> torch.Tensor:
    """(p − q)²/(p + q) from log-densities (0 where both vanish)."""
    p, q = torch.exp(lp), torch.exp(lq)
    s = p + q
    return torch.where(s > 0, (p - q) ** 2 / torch.where(s > 0, s, torch.ones_like(s)),
                       torch.zeros_like(s))


# f(u) = (u − 1)²/(u + 1) = u − 3 + 4/(u + 1): f(0) = 1, f(u)/u → 1, f'(u) = 1 − 4/(u + 1)²,
# f*(t) = 4 − t − 4√(1 − t) for −3 ≤ t < 1 (the sup is at u = 2/√(1 − t) − 1).
TRIANGULAR = Integrand(_triangular, f0=1.0, fprime_inf=1.0)
TRIANGULAR_F = Generator(
    lambda u: (u - 1) ** 2 / (u + 1), r"\frac{(u - 1)^2}{u + 1}",
    lambda t: 4 - t - 4 * torch.sqrt(1 - t), r"4 - t - 4\sqrt{1 - t},\ -3 \le t < 1",
    lambda v: 1 - 4 * torch.sigmoid(v), r"1 - 4\sigma(v)",
    lambda u: 1 - 4 / (u + 1) ** 2, r"1 - \frac{4}{(u + 1)^2}")


@pytest.fixture
def triangular():
    """The triangular discrimination Δ = ∫(p − q)²/(p + q), registered for one test."""
    fdiv("triangular", "Triangular discrimination", r"\int \frac{(p - q)^2}{p + q}\,dx",
         "[0, 2]", TRIANGULAR, TRIANGULAR_F, symmetric=True, unit="")
    yield "triangular"
    del gv.DIVERGENCES["triangular"]


def test_a_divergence_written_here_is_computed_listed_offered_and_linked(triangular, capsys):
    p, q = stats.norm(0, 1), stats.norm(1, 2)
    ref, _ = integrate.quad(lambda x: (p.pdf(x) - q.pdf(x)) ** 2 / (p.pdf(x) + q.pdf(x)),
                            -40, 40, epsabs=1e-13, epsrel=1e-12, limit=400)
    r = gv.divergence(triangular, "normal(0, 1)", "normal(1, 2)")
    assert r.accurate and abs(r.value - ref) <= max(r.error, 1e-10)
    # disjoint supports: all mass is singular, Δ = P(q = 0)·f'(∞) + Q(p = 0)·f(0) = 2
    assert gv.divergence(triangular, "uniform(0, 1)", "uniform(2, 3)").value == \
        pytest.approx(2.0, abs=1e-12)

    assert cli.main(["list", "--json"]) == 0
    assert triangular in json.loads(capsys.readouterr().out)["divergences"]
    assert triangular in divergence_options(gv.DIVERGENCES)
    state, errors = ExplorerState.from_query_params({"div": triangular})
    assert (state.div, errors) == (triangular, [])


def test_a_parameter_rule_is_read_from_its_declaration():
    with pytest.raises(ValueError, match="> 0 other than 1"):
        gv.divergence("renyi", "normal(0, 1)", "normal(1, 1)", alpha=-0.5)
    state, errors = ExplorerState.from_query_params({"div": "renyi", "alpha": "-0.5"})
    assert state.alpha == 0.5 and "alpha=" in errors[0] and "> 0 other than 1" in errors[0]
    state, errors = ExplorerState.from_query_params({"div": "alpha", "alpha": "-0.5"})
    assert state.alpha == -0.5 and errors == []


class LeastSquaresPearson(Loss):
    """Mao et al. 2017's least squares with a = −1, b = 1, c = 0: D pulls real outputs
    to 1 and fakes to −1, G pulls fakes to 0 (the Pearson χ² case of their Theorem 1)."""

    name = "lsgan_pearson"
    label = "Least-squares GAN (a=−1, b=1, c=0)"
    doc = "Mao et al. 2017's Pearson χ² variant"
    minimises = "½ χ²(P + Q ‖ 2Q)"

    @staticmethod
    def d_real(v):
        return 0.5 * (v - 1) ** 2

    @staticmethod
    def d_fake(v):
        return 0.5 * (v + 1) ** 2

    @staticmethod
    def g_fake(v):
        return 0.5 * v**2


@pytest.fixture
def lsgan_pearson():
    L.register(LeastSquaresPearson())
    yield "lsgan_pearson"
    del L.LOSSES["lsgan_pearson"]


def test_a_loss_written_here_is_listed_linked_and_trains(lsgan_pearson, capsys):
    assert cli.main(["list", "--json"]) == 0
    assert lsgan_pearson in json.loads(capsys.readouterr().out)["losses"]
    state, errors = TrainState.from_query_params({"loss": lsgan_pearson})
    assert (state.loss, errors) == (lsgan_pearson, [])

    loss = L.get(lsgan_pearson)
    v = torch.tensor([1.0, -1.0, 0.0], dtype=torch.float64)
    assert float(loss.d_loss(v[:1], v[1:2])) == 0.0          # both at their targets
    assert float(loss.g_loss(v[2:])) == 0.0
    result = train(TrainConfig(loss=lsgan_pearson, target="ring8", steps=20, seed=0,
                               width=16, depth=1, batch=32))
    assert result.steps == 20 and not result.diverged
    assert np.isfinite(result.history["d_loss"]).all()
    assert math.isfinite(result.metrics["w1"])


def test_the_explorer_keeps_every_declared_parameter():
    from ganloss_viz.state.explorer import DIV_PARAMS
    declared = {p.name for d in gv.DIVERGENCES.values() for p in d.parameters}
    assert declared == set(DIV_PARAMS)
