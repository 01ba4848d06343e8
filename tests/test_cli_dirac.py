"""Tests of ``python -m ganloss_viz dirac`` (DESIGN.md, "Command line").

Expected eigenvalues are the paper's closed forms, written here.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from ganloss_viz import cli

ROOT = Path(__file__).resolve().parents[1]


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys, *argv) -> dict:
    code, out, err = run(capsys, "dirac", *argv, "--json")
    assert code == 0, err
    assert err == "" and out.count("\n") == 1
    return json.loads(out)


def pairs(*zs: complex) -> list[list[float]]:
    return sorted([[z.real, z.imag] for z in zs])


def assert_eigs(got, want, tol=1e-12):
    got = sorted(got)
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert g == pytest.approx(w, abs=tol)


@pytest.mark.parametrize("method, want, converges", [
    ("gan", pairs(0.5j, -0.5j), False),
    ("ns", pairs(0.5j, -0.5j), False),
    ("wgan", pairs(1j, -1j), False),
])
def test_unregularised_methods_oscillate(capsys, method, want, converges):
    obj = run_json(capsys, "--method", method)
    assert {"method", "eigenvalues", "converges"} <= set(obj)
    assert obj["method"] == method and obj["converges"] is converges
    assert obj["verdict"] == "oscillates"
    assert_eigs(obj["eigenvalues"], want)


@pytest.mark.parametrize("method", ["r1", "r2"])
def test_r1_with_gamma(capsys, method):
    g = 1.5
    root = math.sqrt(g**2 / 4 - 0.25)
    obj = run_json(capsys, "--method", method, "--gamma", str(g))
    assert obj["converges"] is True and obj["params"] == {"gamma": g}
    assert_eigs(obj["eigenvalues"], [[-g / 2 - root, 0.0], [-g / 2 + root, 0.0]])
    assert all(re < 0 for re, _ in obj["eigenvalues"])


def test_defaults_are_reported(capsys):
    obj = run_json(capsys, "--method", "instance_noise")
    s = obj["params"]["sigma"]
    assert s == 1.0
    im = math.sqrt(0.25 - s**4 / 16)
    assert_eigs(obj["eigenvalues"], [[-s**2 / 4, -im], [-s**2 / 4, im]])
    assert obj["converges"] is True and obj["max_step"] == pytest.approx(2 * (s**2 / 4) / 0.25)


def test_wgan_gp_does_not_converge(capsys):
    obj = run_json(capsys, "--method", "wgan_gp")
    assert obj["converges"] is False and obj["verdict"] == "no_jacobian"
    assert obj["params"] == {"gamma": 0.3, "g0": 1.0}
    assert run_json(capsys, "--method", "wgan_gp", "--g0", "0")["converges"] is True


def test_human_text(capsys):
    code, out, err = run(capsys, "dirac", "--method", "gan")
    assert code == 0 and err == ""
    assert "0.500000i" in out and "oscillates" in out


@pytest.mark.parametrize("argv, words", [
    (["--method", "gann"], "known: gan, ns, wgan"),
    (["--method", "r1", "--gamma", "-1"], "gamma=-1.0"),
    (["--method", "wgan", "--clip", "0"], "clip=0.0"),
    (["--method", "gan", "--sigma", "1"], "--sigma is not a parameter"),
    (["--method", "r1", "--gamma", "abc"], "abc"),
    ([], "--method"),
])
def test_bad_input_exits_2_with_one_line(capsys, argv, words):
    code, out, err = run(capsys, "dirac", *argv, "--json")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and words in err


def test_module_entry_point():
    proc = subprocess.run([sys.executable, "-m", "ganloss_viz", "dirac", "--method", "consensus",
                           "--gamma", "2", "--json"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={"OMP_NUM_THREADS": "1", "PATH": "/usr/bin"})
    assert proc.returncode == 0, proc.stderr
    obj = json.loads(proc.stdout)
    assert_eigs(obj["eigenvalues"], [[-2 * 0.25, -0.5], [-2 * 0.25, 0.5]])
