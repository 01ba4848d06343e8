"""The explorer's downloads (`ganloss_viz.exports`) against closed forms and the CLI.

Each file is read back the way a user would (the csv module, json) and its numbers
are compared with closed forms for normal pairs, not with the code that wrote them.
"""

from __future__ import annotations

import csv
import io
import json
import math
import shlex
import subprocess
import sys

import numpy as np
import pytest

import ganloss_viz as gv
from ganloss_viz import exports
from ganloss_viz.explore.fitframes import fit_run
from ganloss_viz.explore.landscape import landscape_grid


def read_csv(text: str) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], rows[1:]


def column(header: list[str], rows: list[list[str]], name: str) -> np.ndarray:
    i = header.index(name)
    return np.array([float(r[i]) if r[i] else math.nan for r in rows])


def kl_normals(m1: float, s1: float, m2: float, s2: float) -> float:
    """KL(N(m1, s1²) ‖ N(m2, s2²)), closed form."""
    return math.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - 0.5


@pytest.mark.parametrize("x", [0.0, -0.0, 1.0, 0.1, 1 / 3, -2.5e-300, 1.7976931348623157e308,
                               math.pi * 1e12, 5e-324])
def test_numbers_read_back_exactly(x):
    assert float(exports.number(x)) == x
    assert exports.number(-0.0) == "0.0"


def test_special_cells():
    assert exports.number(math.inf) == "inf" and exports.number(-math.inf) == "-inf"
    assert exports.number(math.nan) == ""
    assert exports.number(7) == "7" and exports.number(np.int64(7)) == "7"
    header, rows = read_csv(exports.csv_text(["a", "b"], [["x, \"quoted\"", math.inf]]))
    assert header == ["a", "b"] and rows == [['x, "quoted"', "inf"]]


def test_sweep_csv_has_the_closed_form_kl_and_w1_and_their_slopes():
    theta = np.linspace(-3, 3, 13)
    p, q = "normal(0, 1)", "normal(0, 1)"
    curves = {}
    for name in ("kl", "w1"):
        s = gv.sweep(name, p, q, "q.loc", theta)
        curves[name] = (s.div_values, s.grads)
    header, rows = read_csv(exports.sweep_csv("q.loc", theta, curves))
    assert header == ["q.loc", "kl", "d kl / d q.loc", "w1", "d w1 / d q.loc"]
    x = column(header, rows, "q.loc")
    np.testing.assert_array_equal(x, theta)
    np.testing.assert_allclose(column(header, rows, "kl"), x**2 / 2, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(column(header, rows, "d kl / d q.loc"), x, atol=1e-12)
    np.testing.assert_allclose(column(header, rows, "w1"), np.abs(x), atol=1e-9)
    away = x != 0
    np.testing.assert_allclose(column(header, rows, "d w1 / d q.loc")[away], np.sign(x[away]),
                               atol=1e-9)


def test_sweep_csv_writes_infinity():
    s = gv.sweep("kl", "uniform(0, 1)", "uniform(0, 1)", "q.low", [-0.5, 0.5])
    header, rows = read_csv(exports.sweep_csv("q.low", [-0.5, 0.5],
                                              {"kl": (s.div_values, s.grads)}))
    assert rows[1][1] == "inf"                       # Q = U(0.5, 1) misses P's mass
    assert math.isclose(float(rows[0][1]), math.log(1.5), rel_tol=1e-9)


def test_landscape_csv_rows_are_grid_points_with_the_closed_form_gradient():
    mu, sigma = np.linspace(-1, 2, 4), np.linspace(0.5, 2, 3)
    g = landscape_grid("kl", "normal(0, 1)", "normal(0, 1)", "q.loc", "q.scale", mu, sigma)
    text = exports.landscape_csv("kl", "q.loc", "q.scale", g.x, g.y, g.z, g.gx, g.gy)
    header, rows = read_csv(text)
    assert header == ["q.loc", "q.scale", "kl", "d kl / d q.loc", "d kl / d q.scale"]
    assert len(rows) == 12
    m, s = column(header, rows, "q.loc"), column(header, rows, "q.scale")
    np.testing.assert_array_equal(m[:4], mu)         # x varies fastest
    np.testing.assert_array_equal(s[::4], sigma)
    ref = [kl_normals(0, 1, a, b) for a, b in zip(m, s, strict=True)]
    np.testing.assert_allclose(column(header, rows, "kl"), ref, rtol=1e-10)
    np.testing.assert_allclose(column(header, rows, "d kl / d q.loc"), m / s**2, rtol=1e-10,
                               atol=1e-14)
    np.testing.assert_allclose(column(header, rows, "d kl / d q.scale"),
                               1 / s - (1 + m**2) / s**3, rtol=1e-10)


def test_fit_csv_starts_at_q0_and_ends_at_the_moment_match():
    runs = [fit_run("normal(0, 1)", "normal(1, 2)", div, 300, 0.05)
            for div in ("kl", "reverse_kl")]
    header, rows = read_csv(exports.fit_csv(runs))
    assert header == ["divergence", "step", "D", "q.loc", "q.scale"]
    assert len(rows) == 2 * 301
    kl = [r for r in rows if r[0] == "kl"]
    assert [r[1] for r in kl[:3]] == ["0", "1", "2"]
    assert (float(kl[0][3]), float(kl[0][4])) == (1.0, 2.0)
    assert math.isclose(float(kl[0][2]), kl_normals(0, 1, 1, 2), rel_tol=1e-9)
    last = kl[-1]
    assert abs(float(last[3])) < 1e-3 and math.isclose(float(last[4]), 1.0, rel_tol=1e-3)
    assert float(last[2]) < 1e-6
    rkl = [r for r in rows if r[0] == "reverse_kl"]
    assert math.isclose(float(rkl[0][2]), kl_normals(1, 2, 0, 1), rel_tol=1e-9)


def test_divergence_json_is_the_cli_object_and_its_command_reproduces_it():
    p, q = "normal(0, 1)", "normal(1, 2)"
    r = gv.divergence("alpha", p, q, alpha=0.5)
    result = {"value": r.value, "method": r.method, "error": r.error, "grad": r.grad,
              "accurate": r.accurate, "grad_notes": r.grad_notes}
    record = json.loads(exports.divergence_json("alpha", p, q, {"alpha": 0.5}, result))
    # α = 1/2: 4·(1 − BC), and BC of two normals in closed form
    bc = math.sqrt(2 * 1 * 2 / (1 + 4)) * math.exp(-(0 - 1) ** 2 / (4 * (1 + 4)))
    assert math.isclose(record["value"], 4 * (1 - bc), rel_tol=1e-9)
    assert (record["p"], record["q"], record["params"]) == (p, q, {"alpha": 0.5})
    argv = shlex.split(record["command"])
    assert argv[:4] == ["python", "-m", "ganloss_viz", "divergence"]
    cli = subprocess.run([sys.executable, *argv[1:]], capture_output=True, text=True,
                         check=True)
    assert json.loads(cli.stdout) == {key: record[key]
                                      for key in ("div", "value", "method", "error",
                                                  "accurate", "grad", "grad_notes")}


def test_divergence_json_writes_infinity_as_the_cli_does():
    r = gv.divergence("kl", "uniform(0, 2)", "uniform(0, 1)")
    result = {"value": r.value, "method": r.method, "error": r.error, "grad": r.grad,
              "accurate": r.accurate, "grad_notes": r.grad_notes}
    record = json.loads(exports.divergence_json("kl", "uniform(0, 2)", "uniform(0, 1)", {},
                                                result))
    assert record["value"] == "inf"
    assert "--param" not in record["command"]
