"""Tests for the command line ``python -m ganloss_viz`` (DESIGN.md, "Command line").

Most cases run in-process through ``ganloss_viz.cli.main``; a few run the real
``python -m ganloss_viz`` in a subprocess. Numbers are checked against references
computed here with scipy, never against the library itself.
"""

from __future__ import annotations

import io
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import integrate, stats

from ganloss_viz import cli

ROOT = Path(__file__).resolve().parents[1]
METHODS = {"closed_form", "quadrature", "monte_carlo", "analytic_singular"}
DESIGN_DIVERGENCES = {
    "kl", "reverse_kl", "jeffreys", "js", "gan", "pearson", "neyman", "hellinger", "tv",
    "alpha", "renyi", "bhattacharyya", "w1", "w2", "mmd", "energy",
}
DESIGN_FAMILIES = {
    "normal", "laplace", "logistic", "cauchy", "student_t", "gumbel", "uniform",
    "exponential", "gamma", "beta", "lognormal", "dirac", "mixture", "mvnormal", "product",
    "ring", "grid",
}
INJECTION = "__import__('os').system('echo pwned')"
MIX_P = "mixture(components=[normal(-2, 0.5), normal(2, 0.5)], weights=[0.3, 0.7])"


# ----------------------------------------------------------------------------- helpers


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run ``main(argv)`` in-process; (exit status, stdout, stderr)."""
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    code, out, err = run(capsys, *argv, "--json")
    assert code == 0, err
    assert err == ""
    assert out.endswith("\n") and out.count("\n") == 1, "one JSON object, one line"
    return json.loads(out)


def run_process(*argv: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run ``python -m ganloss_viz argv`` in a fresh interpreter from the repository root."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8")
    return subprocess.run([sys.executable, "-m", "ganloss_viz", *argv], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)


def assert_one_error_line(code: int, out: str, err: str) -> None:
    assert code == 2, (code, out, err)
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("ganloss_viz: error: ") and len(lines[0]) > 25, err
    assert "Traceback" not in err


def reference_js(p, q) -> float:
    """JS(P‖Q) by scipy quadrature of ½p log(p/m) + ½q log(q/m) over the real line."""

    def integrand(x: float) -> float:
        lp, lq = p.logpdf(x), q.logpdf(x)
        lm = np.logaddexp(lp, lq) - math.log(2.0)
        return 0.5 * math.exp(lp) * (lp - lm) + 0.5 * math.exp(lq) * (lq - lm)

    value, err = integrate.quad(integrand, -60, 60, points=[p.mean(), q.mean()], epsabs=0,
                                epsrel=1e-12, limit=400)
    assert err < 1e-11
    return value


def floats_finite(mapping: dict) -> bool:
    return all(isinstance(v, float) and math.isfinite(v) for v in mapping.values())


# ----------------------------------------------------------------------------- list


def test_list_json_shape() -> None:
    from ganloss_viz.distributions import FAMILIES

    proc = run_process("list", "--json")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    obj = json.loads(proc.stdout)
    assert set(obj) == {"distributions", "divergences", "losses", "targets"}
    for key, names in obj.items():
        assert isinstance(names, list) and all(isinstance(n, str) for n in names), key
        assert len(set(names)) == len(names), key
    assert obj["distributions"] == list(FAMILIES)
    assert DESIGN_FAMILIES <= set(obj["distributions"])
    assert DESIGN_DIVERGENCES <= set(obj["divergences"])


def test_list_in_process_matches_registries(capsys: pytest.CaptureFixture[str]) -> None:
    import ganloss_viz as gv

    obj = run_json(capsys, "list")
    assert obj["divergences"] == list(gv.DIVERGENCES)


def test_list_human(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "list")
    assert code == 0 and err == ""
    assert "normal" in out and "reverse_kl" in out and "divergences" in out


# ----------------------------------------------------------------------------- divergence


def test_divergence_js_json_value_and_shape(capsys: pytest.CaptureFixture[str]) -> None:
    obj = run_json(capsys, "divergence", "normal(0, 1)", "normal(1, 2)", "--div", "js")
    assert set(obj) == {"div", "value", "method", "error", "accurate", "grad", "grad_notes"}
    assert obj["accurate"] is True and obj["grad_notes"] == {}
    assert obj["div"] == "js"
    assert obj["method"] in METHODS
    assert isinstance(obj["error"], float) and 0 <= obj["error"] < 1e-6
    assert set(obj["grad"]) == {"p.loc", "p.scale", "q.loc", "q.scale"}
    assert floats_finite(obj["grad"])
    reference = reference_js(stats.norm(0, 1), stats.norm(1, 2))
    assert reference == pytest.approx(0.128174973, abs=1e-9)  # the quoted figure, to 9 digits
    assert obj["value"] == pytest.approx(reference, rel=1e-7)


def test_divergence_js_gradient_matches_scipy_differences(
        capsys: pytest.CaptureFixture[str]) -> None:
    """d JS / d q.loc and d q.scale against central differences of the scipy reference."""
    obj = run_json(capsys, "divergence", "normal(0, 1)", "normal(1, 2)", "--div", "js")
    h = 1e-4
    d_loc = (reference_js(stats.norm(0, 1), stats.norm(1 + h, 2))
             - reference_js(stats.norm(0, 1), stats.norm(1 - h, 2))) / (2 * h)
    d_scale = (reference_js(stats.norm(0, 1), stats.norm(1, 2 + h))
               - reference_js(stats.norm(0, 1), stats.norm(1, 2 - h))) / (2 * h)
    assert obj["grad"]["q.loc"] == pytest.approx(d_loc, rel=1e-5, abs=1e-8)
    assert obj["grad"]["q.scale"] == pytest.approx(d_scale, rel=1e-5, abs=1e-8)


def test_divergence_dirac_kl_is_inf_string(capsys: pytest.CaptureFixture[str]) -> None:
    obj = run_json(capsys, "divergence", "dirac(0)", "dirac(3)", "--div", "kl")
    assert obj["value"] == "inf"
    assert obj["method"] in METHODS
    assert set(obj["grad"]) == {"p.loc", "q.loc"}
    assert all(v == 0.0 for v in obj["grad"].values())


def test_divergence_dirac_js_is_ln2_with_zero_gradient(
        capsys: pytest.CaptureFixture[str]) -> None:
    obj = run_json(capsys, "divergence", "dirac(0)", "dirac(3)", "--div", "js")
    assert obj["value"] == pytest.approx(math.log(2), rel=1e-12)
    assert obj["grad"] == {"p.loc": 0.0, "q.loc": 0.0}


def test_divergence_param_is_passed(capsys: pytest.CaptureFixture[str]) -> None:
    """Rényi of order α between normals, closed form (Gil, Alajaji & Linder 2013)."""
    alpha, (m1, s1), (m2, s2) = 0.5, (0.0, 1.0), (1.0, 2.0)
    var = alpha * s2**2 + (1 - alpha) * s1**2
    expected = (math.log(s2 / s1) + math.log(s2**2 / var) / (2 * (alpha - 1))
                + alpha * (m1 - m2) ** 2 / (2 * var))
    obj = run_json(capsys, "divergence", "normal(0, 1)", "normal(1, 2)", "--div", "renyi",
                   "--param", f"alpha={alpha}")
    assert obj["value"] == pytest.approx(expected, rel=1e-7)


def test_divergence_human_summary(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "divergence", "normal(0, 1)", "normal(1, 2)", "--div", "js")
    assert code == 0 and err == ""
    value_line = next(line for line in out.splitlines() if line.strip().startswith("value"))
    shown = value_line.split("=", 1)[1].strip()
    assert len(shown.lstrip("0.").replace(".", "")) >= 6, "at least 6 significant figures"
    assert float(shown) == pytest.approx(0.128174973, rel=1e-6)
    grad_rows = [line for line in out.splitlines() if line.strip().startswith(("p.", "q."))]
    assert len(grad_rows) == 4
    assert len({len(row) for row in grad_rows}) == 1, "the gradient table is aligned"


def test_divergence_human_shows_infinity(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "divergence", "dirac(0)", "dirac(3)", "--div", "kl")
    assert code == 0
    value_line = next(line for line in out.splitlines() if line.strip().startswith("value"))
    assert value_line.split("=", 1)[1].strip() == "∞"


# ----------------------------------------------------------------------------- fit


def test_fit_json_shape(capsys: pytest.CaptureFixture[str]) -> None:
    import ganloss_viz as gv

    obj = run_json(capsys, "fit", "normal(1, 2)", "normal(0, 1)", "--div", "kl",
                   "--steps", "20", "--lr", "0.05")
    assert set(obj) == {"div", "value", "q", "params", "steps"}
    assert obj["div"] == "kl" and obj["steps"] == 20
    assert set(obj["params"]) == {"loc", "scale"} and floats_finite(obj["params"])
    fitted = gv.dist(obj["q"])
    assert fitted.name == "normal"
    assert fitted.flat_params() == pytest.approx(obj["params"], rel=1e-6)
    start = 2 - math.log(2)  # KL(N(1, 2²) ‖ N(0, 1)) = ln(1/2) + (4 + 1)/2 - 1/2
    assert 0 <= obj["value"] < start


def test_fit_human_progress_bar_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "fit", MIX_P, "normal(0, 1)", "--div", "kl",
                         "--steps", "10")
    assert code == 0
    assert "[" in err and "#" in err and "]" in err, "a progress bar on stderr"
    assert "normal(" in out and "loc" in out and "scale" in out


def test_fit_zero_steps_returns_q0(capsys: pytest.CaptureFixture[str]) -> None:
    obj = run_json(capsys, "fit", "normal(1, 2)", "normal(0, 1)", "--div", "kl",
                   "--steps", "0")
    assert obj["steps"] == 0
    assert obj["params"] == {"loc": 0.0, "scale": 1.0}


# ----------------------------------------------------------------------------- bad input

DIV = ("divergence", "normal(0, 1)", "normal(1, 2)")
FIT = ("fit", "normal(0, 1)", "normal(1, 2)", "--div", "kl")
BAD_INPUTS = {
    "unclosed spec": ("divergence", "normal(0,", "normal(1, 2)", "--div", "js"),
    "unknown family": ("divergence", "foo(0, 1)", "normal(1, 2)", "--div", "js"),
    "negative scale": ("divergence", "normal(0, -1)", "normal(1, 2)", "--div", "js"),
    "code injection": ("divergence", INJECTION, "normal(1, 2)", "--div", "js"),
    "injection in Q0": ("fit", "normal(0, 1)", INJECTION, "--div", "kl"),
    "name as value": ("divergence", "normal(loc=os, scale=1)", "normal(1, 2)", "--div", "js"),
    "dimension mismatch": ("divergence", "normal(0, 1)",
                           "mvnormal(loc=[0, 0], cov=[[1, 0], [0, 1]])", "--div", "js"),
    "unknown divergence": (*DIV, "--div", "nope"),
    "divergence injection": (*DIV, "--div", "__import__('os')"),
    "missing --div": DIV,
    "missing Q": ("divergence", "normal(0, 1)", "--div", "js"),
    "param without =": (*DIV, "--div", "alpha", "--param", "alpha"),
    "param not a number": (*DIV, "--div", "alpha", "--param", "alpha=abc"),
    "param nan": (*DIV, "--div", "alpha", "--param", "alpha=nan"),
    "param inf": (*DIV, "--div", "renyi", "--param", "alpha=inf"),
    "param unknown name": (*DIV, "--div", "alpha", "--param", "bandwidth=1"),
    "param for parameterless div": (*DIV, "--div", "js", "--param", "alpha=0.5"),
    "param given twice": (*DIV, "--div", "alpha", "--param", "alpha=0.5",
                          "--param", "alpha=0.7"),
    "negative bandwidth": (*DIV, "--div", "mmd", "--param", "bandwidth=-1"),
    "negative steps": (*FIT, "--steps", "-5"),
    "fractional steps": (*FIT, "--steps", "1.5"),
    "zero lr": (*FIT, "--lr", "0"),
    "lr not a number": (*FIT, "--lr", "fast"),
    "fit negative bandwidth": ("fit", "normal(0, 1)", "normal(1, 2)", "--div", "mmd",
                               "--param", "bandwidth=-1"),
    "unknown command": ("frobnicate",),
    "no command": (),
    "extra argument": ("list", "extra"),
    "unknown option": ("list", "--colour"),
}


@pytest.mark.parametrize("argv", list(BAD_INPUTS.values()), ids=list(BAD_INPUTS))
@pytest.mark.parametrize("as_json", [False, True], ids=["human", "json"])
def test_bad_input_exits_2_with_one_line(capfd: pytest.CaptureFixture[str],
                                         argv: tuple[str, ...], as_json: bool) -> None:
    # capfd (file-descriptor level) would also catch output of a shell command run by
    # an injected spec.
    code = cli.main([*argv, "--json"] if as_json and argv else list(argv))
    out, err = capfd.readouterr()
    assert_one_error_line(code, out, err)
    assert "pwned" not in out + err.replace("echo pwned", "")


def test_injection_in_a_real_process_runs_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    spec = f"__import__('os').system('touch {marker}')"
    proc = run_process("divergence", spec, "normal(0, 1)", "--div", "js", "--json")
    assert_one_error_line(proc.returncode, proc.stdout, proc.stderr)
    assert not marker.exists()


def test_bad_input_in_a_real_process() -> None:
    proc = run_process("fit", "normal(0, 1)", "normal(1, 2)", "--div", "kl", "--steps", "-1")
    assert_one_error_line(proc.returncode, proc.stdout, proc.stderr)


def test_real_process_divergence_json() -> None:
    proc = run_process("divergence", "dirac(0)", "dirac(3)", "--div", "kl", "--json")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    obj = json.loads(proc.stdout)
    assert obj["value"] == "inf" and obj["div"] == "kl"


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["--help"], ["divergence", "--help"], ["fit", "--help"]):
        code, out, err = run(capsys, *argv)
        assert code == 0 and "usage:" in out and err == ""


# ----------------------------------------------------------------------------- JSON rules


def test_json_encoding_of_infinities_nested() -> None:
    obj = {"a": math.inf, "b": [1.0, -math.inf, {"c": np.float64(math.inf)}], "d": "x",
           "e": 3, "f": None, "g": True}
    text = cli.to_json(obj)
    assert json.loads(text) == {"a": "inf", "b": [1.0, "-inf", {"c": "inf"}], "d": "x",
                                "e": 3, "f": None, "g": True}
    assert "Infinity" not in text and "NaN" not in text


@pytest.mark.parametrize("bad", [math.nan, [1.0, math.nan], {"x": {"y": np.float64("nan")}}])
def test_json_encoding_refuses_nan(bad: object) -> None:
    with pytest.raises(cli.OutputBug, match="NaN"):
        cli.to_json({"value": bad})


def test_nan_from_the_engine_is_a_bug_not_output(capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A NaN result (an engine bug) exits 1 with one line, and prints no JSON."""
    import ganloss_viz as gv

    class NaNResult:
        value, method, error = math.nan, "quadrature", 0.0
        grad = {"p.loc": 0.0, "p.scale": 0.0, "q.loc": 0.0, "q.scale": 0.0}

    monkeypatch.setattr(gv, "divergence", lambda *a, **k: NaNResult())
    code, out, err = run(capsys, *DIV, "--div", "js", "--json")
    assert code == 1 and out == ""
    assert len(err.splitlines()) == 1 and "NaN" in err and "bug" in err


# ----------------------------------------------------------------------------- progress bar


def test_progress_bar_off_a_terminal_writes_one_final_line() -> None:
    stream = io.StringIO()
    bar = cli.ProgressBar(200, label="fit kl", width=10, stream=stream)
    for step in range(0, 201, 20):
        bar.update(step)
    bar.close()
    text = stream.getvalue()
    assert text.count("\n") == 1 and "\r" not in text
    assert text.startswith("fit kl [##########] 200/200 ")


class FakeTTY(io.StringIO):
    """A text stream that says it is a terminal (so a ProgressBar redraws on it)."""

    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_terminal_redraws_each_step() -> None:
    stream = FakeTTY()
    bar = cli.ProgressBar(200, label="fit kl", width=10, stream=stream, interval=0)
    for step in range(0, 201, 20):
        bar.update(step, 1.0 / (step + 1))
    bar.close()
    text = stream.getvalue()
    frames = text.split("\r")[1:]
    assert len(frames) == 12, "one frame per update and the final line"
    assert frames[0].startswith("fit kl [..........] 0/200 ")
    assert frames[5].startswith("fit kl [#####.....] 100/200 ")
    assert frames[-1].startswith("fit kl [##########] 200/200 ") and frames[-1].endswith("\n")
    assert text.count("\n") == 1


def test_progress_bar_on_a_terminal_is_erased_on_error() -> None:
    stream = FakeTTY()
    with pytest.raises(RuntimeError), cli.ProgressBar(5, stream=stream, interval=0) as bar:
        bar.update(2)
        raise RuntimeError("boom")
    assert stream.getvalue().endswith("\r\x1b[K") and "\n" not in stream.getvalue()


def test_fit_progress_bar_shows_real_steps_on_a_terminal(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The real gv.fit drives the bar: intermediate counts appear, not just the end."""
    from ganloss_viz.cli import progress

    stream = FakeTTY()
    monkeypatch.setattr(sys, "stderr", stream)
    monkeypatch.setattr(progress, "REDRAW_INTERVAL", 0.0)
    code, out, _ = run(capsys, "fit", "normal(1, 2)", "normal(0, 1)", "--div", "kl")
    err = stream.getvalue()
    assert code == 0, err
    assert "fit kl: 200 steps, lr 0.05" in out
    for step in (0, 1, 100, 199):
        assert f"] {step}/200 " in err, step
    assert err.splitlines()[-1].split("\r")[-1].startswith("fit kl [" + "#" * 30 + "] 200/200 ")


def test_fit_passes_steps_lr_and_its_progress_callback(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import ganloss_viz as gv

    real_fit, seen, calls = gv.fit, [], []

    def fit_with_callback(p, q0, name, steps=200, lr=0.05, callback=None, **params):
        calls.append((steps, lr, callback is not None, params))
        for step in range(steps + 1):
            seen.append(step)
            if callback is not None:
                callback(step, 1.0)
        return real_fit(p, q0, name, steps=0, lr=lr, **params)

    monkeypatch.setattr(gv, "fit", fit_with_callback)
    code, out, err = run(capsys, "fit", "normal(1, 2)", "normal(0, 1)", "--div", "kl",
                         "--steps", "7")
    assert code == 0 and seen == list(range(8))
    assert "[" in err and "7/7" in err
    code, out, err = run(capsys, "fit", "normal(1, 2)", "normal(0, 1)", "--div", "alpha",
                         "--param", "alpha=0.5", "--lr", "0.1", "--json")
    assert code == 0 and err == ""
    assert calls == [(7, 0.05, True, {}), (200, 0.1, False, {"alpha": 0.5})]


def test_fit_defaults_are_the_library_defaults() -> None:
    import inspect

    import ganloss_viz as gv
    from ganloss_viz.cli import parser

    defaults = inspect.signature(gv.fit).parameters
    assert (parser.FIT_STEPS, parser.FIT_LR) == (defaults["steps"].default,
                                                 defaults["lr"].default)


def test_help_imports_no_torch() -> None:
    code = ("import sys\n"
            "from ganloss_viz.cli import main\n"
            "assert main(['--help']) == 0 and main(['fit', '--help']) == 0\n"
            "assert 'torch' not in sys.modules, 'torch was imported'\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
