"""Running studies: a run's row is the trainer's result, the embedded-Ray study equals
the in-process one, a re-run resumes, a killed study resumes to the same rows, and bad
input is one line with exit 2 and no results file.

The Ray study runs in a subprocess (the CLI), so Ray never starts inside the pytest
worker; runs are tiny (bimodal, 150-300 steps).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ganloss_viz.metrics import coverage_reached
from ganloss_viz.study import ResultStore, Study, execute, read_results, run_study
from ganloss_viz.train import train

ROOT = Path(__file__).resolve().parents[1]
# Columns that must agree between two executions of the same runs (not times or nodes).
SAME = ("run_id", "loss", "target", "seed", "steps", "lr", "lr_g", "lr_d", "n_critic_used",
        "penalty_weight_used", "modes", "modes_covered", "hq_fraction", "reverse_kl_modes",
        "w1", "diverged", "success", "ever_covered", "steps_done")
SMALL = ["--losses", "ns,hinge", "--targets", "bimodal", "--seeds", "0-2", "--steps", "150"]


def cli(*args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT), RAY_USAGE_STATS_ENABLED="0")
    env.pop("RAY_ADDRESS", None)
    return subprocess.run([sys.executable, "-m", "ganloss_viz", "study", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=timeout)


def same(rows: list[dict]) -> list[tuple]:
    return sorted(tuple(r[c] for c in SAME) for r in rows)


def test_a_row_is_the_trainers_result():
    run = Study(losses=["ns_r1"], targets=["trimodal"], seeds=[2], steps=200).runs()[0]
    row = execute(run)
    ref = train(run.config())
    assert row["run_id"] == run.run_id and row["node"] == "local"
    for key in ("modes", "modes_covered", "hq_fraction", "reverse_kl_modes", "w1"):
        assert row[key] == ref.metrics[key], key
    assert row["success"] == (coverage_reached(ref.metrics) and not ref.diverged)
    assert row["ever_covered"] == (ref.seconds_to_coverage is not None)
    assert (row["lr_g"], row["n_critic_used"], row["penalty_weight_used"]) == (2e-4, 1, 10.0)
    assert row["steps_done"] == 200 and row["cpu_seconds"] > 0


def test_inline_study_resumes_without_rerunning(tmp_path):
    study = Study(losses=["ns"], targets=["bimodal"], seeds=[0, 1], steps=100)
    seen = []
    first = run_study(study, tmp_path, backend="inline", callback=seen.append)
    assert (first.total, first.resumed, first.ran, first.stopped) == (2, 0, 2, False)
    assert [p.done for p in seen] == [0, 1, 2] and seen[-1].eta == 0
    rows = read_results(str(tmp_path)).to_pylist()
    bigger = Study(losses=["ns"], targets=["bimodal"], seeds=[0, 1, 2], steps=100)
    with pytest.raises(ValueError, match="different study"):
        run_study(bigger, tmp_path, backend="inline")
    again = run_study(study, tmp_path, backend="inline")
    assert (again.resumed, again.ran) == (2, 0)
    assert read_results(str(tmp_path)).to_pylist() == rows


def test_should_stop_keeps_the_finished_runs(tmp_path):
    study = Study(losses=["ns"], targets=["bimodal"], seeds=[0, 1, 2], steps=100)
    result = run_study(study, tmp_path, backend="inline",
                       should_stop=lambda: len(ResultStore(tmp_path).done_ids()) >= 1)
    assert result.stopped and result.ran == 1
    assert len(read_results(str(tmp_path)).to_pylist()) == 1


def test_embedded_ray_study_equals_the_inline_one(tmp_path):
    res = cli(*SMALL, "--cpus", "2", "--json", "--out", str(tmp_path / "ray"))
    assert res.returncode == 0, res.stderr
    obj = json.loads(res.stdout)
    assert (obj["total"], obj["ran"], obj["where"], obj["cpus"]) == (6, 6, "local Ray", 2)
    ray_rows = read_results(str(tmp_path / "ray")).to_pylist()
    assert sorted(os.listdir(tmp_path / "ray")) == ["results.parquet", "study.json"]
    study = Study(losses=["ns", "hinge"], targets=["bimodal"], seeds=[0, 1, 2], steps=150)
    run_study(study, tmp_path / "inline", backend="inline")
    assert same(ray_rows) == same(read_results(str(tmp_path / "inline")).to_pylist())
    assert all(r["node"] != "local" for r in ray_rows)       # Ray node ids


def test_a_killed_study_resumes_to_the_same_rows(tmp_path):
    out = tmp_path / "killed"
    args = ["--losses", "ns", "--targets", "bimodal", "--seeds", "0-5", "--steps", "300",
            "--inline", "--out", str(out)]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "ganloss_viz", "study", *args], cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 180
        while len(ResultStore(out).done_ids()) < 2 if out.exists() else True:
            assert proc.poll() is None, "the study ended before it was killed"
            assert time.monotonic() < deadline, "no runs finished"
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    kept = len(ResultStore(out).done_ids())
    assert 2 <= kept < 6
    res = cli(*args, "--json")
    assert res.returncode == 0, res.stderr
    obj = json.loads(res.stdout)
    assert (obj["resumed"], obj["ran"]) == (kept, 6 - kept)
    rows = read_results(str(out)).to_pylist()
    assert len(rows) == 6 and len({r["run_id"] for r in rows}) == 6
    ref = tmp_path / "whole"
    run_study(Study(losses=["ns"], targets=["bimodal"], seeds=range(6), steps=300), ref,
              backend="inline")
    assert same(rows) == same(read_results(str(ref)).to_pylist())


@pytest.mark.parametrize(("args", "message"), [
    (["--losses", "ns,nope", "--targets", "bimodal", "--seeds", "0"], "unknown loss 'nope'"),
    (["--losses", ",", "--targets", "bimodal", "--seeds", "0"], "no losses"),
    (["--losses", "ns", "--targets", "bimodal"], "no seeds"),
    (["--losses", "ns", "--targets", "bimodal", "--seeds", "0", "--steps", "60000"],
     "exceeds the cap of 50000"),
    (["--losses", "ns", "--targets", "bimodal", "--seeds", "0", "--lr", "0.1,x"],
     "expected comma-separated numbers"),
    (["--losses", "ns", "--targets", "bimodal", "--seeds", "0",
      "--address", "127.0.0.1:1"], "cannot reach the Ray cluster at 127.0.0.1:1"),
    (["--config", "no/such/study.toml"], "cannot read the study file"),
])
def test_bad_input_is_one_line_and_no_file(tmp_path, args, message):
    res = cli(*args, "--out", str(tmp_path / "out"), timeout=120)
    assert res.returncode == 2 and res.stdout == ""
    assert message in res.stderr and len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert not (tmp_path / "out").exists()


def test_a_study_file_with_options_over_it(tmp_path):
    (tmp_path / "s.toml").write_text('losses = ["ns", "hinge"]\ntargets = ["bimodal"]\n'
                                     'seeds = "0-1"\nsteps = 100\n')
    res = cli("--config", str(tmp_path / "s.toml"), "--losses", "ns", "--inline", "--json",
              "--out", str(tmp_path / "out"))
    assert res.returncode == 0, res.stderr
    rows = read_results(str(tmp_path / "out")).to_pylist()
    assert sorted((r["loss"], r["seed"], r["steps"]) for r in rows) == [("ns", 0, 100),
                                                                        ("ns", 1, 100)]


def test_ctrl_c_stops_cleanly_and_keeps_the_finished_runs(tmp_path):
    out = tmp_path / "interrupted"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "ganloss_viz", "study", "--losses", "ns",
                             "--targets", "bimodal", "--seeds", "0-49", "--steps", "300",
                             "--inline", "--json", "--out", str(out)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            # as in a terminal: a test process may ignore SIGINT (one of
                            # CI's xdist workers did), and a child inherits that
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 180
        while not (out.exists() and ResultStore(out).done_ids()):
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        stdout, _ = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0
    obj = json.loads(stdout)
    assert obj["stopped"] and 1 <= obj["ran"] < 50
    assert sorted(os.listdir(out)) == ["results.parquet", "study.json"]       # compacted
    assert len(read_results(str(out)).to_pylist()) == obj["ran"]
