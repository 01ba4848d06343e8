"""A study on a two-node Ray cluster on this machine (issue 18, item 3).

A head node and a second node are started with ``ray start`` on free loopback ports,
each with one CPU, in their own temporary folder and process group (two pytest workers
may run this at once; ``ray stop`` would stop every Ray on the machine, so the test
ends its own nodes by process group). The study runs in a subprocess (the CLI with
``--address``), so Ray never starts inside the pytest worker. Both nodes must have run
tasks, and the rows must equal an in-process run of the same study (same seeds, the
same metrics on the CPU).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from test_study_run import SAME, same

from ganloss_viz.study import Study, read_results, run_study

ROOT = Path(__file__).resolve().parents[1]
RAY = str(Path(sys.executable).with_name("ray"))
START_WAIT = 90          # seconds for a node to come up on a busy machine
# Ports a node opens besides the head's GCS port (all chosen free, none left to Ray's
# fixed defaults, which two clusters at once would both take).
PORT_OPTIONS = ("--object-manager-port", "--node-manager-port", "--dashboard-agent-listen-port",
                "--dashboard-agent-grpc-port", "--runtime-env-agent-port",
                "--metrics-export-port")
WORKER_PORTS = 6


def free_ports(n: int) -> list[int]:
    """n distinct loopback ports that were free a moment ago (held open together, so
    they differ)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def node_ports(ports: list[int]) -> list[str]:
    args = [f"{opt}={p}" for opt, p in zip(PORT_OPTIONS, ports, strict=False)]
    return args + ["--worker-port-list=" + ",".join(map(str, ports[len(PORT_OPTIONS):]))]


def cluster_env() -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), RAY_USAGE_STATS_ENABLED="0",
               RAY_AUTH_MODE="disabled")            # a throwaway loopback cluster
    env.pop("RAY_ADDRESS", None)
    return env


def wait_for_nodes(address: str, n: int, env: dict[str, str]) -> None:
    script = ("import ray, sys, time\n"
              f"ray.init(address={address!r}, log_to_driver=False, logging_level='ERROR')\n"
              f"t = time.monotonic() + {START_WAIT}\n"
              f"while len([x for x in ray.nodes() if x['Alive']]) < {n}:\n"
              "    assert time.monotonic() < t, ray.nodes()\n"
              "    time.sleep(0.2)\n")
    subprocess.run([sys.executable, "-c", script], env=env, check=True, timeout=START_WAIT + 60,
                   capture_output=True)


@pytest.fixture
def two_nodes():
    """The address of a running two-node cluster (one CPU each); stopped after the test."""
    tmp = tempfile.mkdtemp(prefix="gvray", dir="/tmp")    # short: Ray's socket paths
    per_node = len(PORT_OPTIONS) + WORKER_PORTS
    ports = free_ports(1 + 2 * per_node)
    address = f"127.0.0.1:{ports[0]}"
    env = cluster_env()
    common = ["--num-cpus=1", "--block", "--disable-usage-stats"]
    procs: list[subprocess.Popen] = []
    logs = [open(os.path.join(tmp, f"node{i}.log"), "w") for i in range(2)]
    try:
        procs.append(subprocess.Popen(
            [RAY, "start", "--head", f"--port={ports[0]}", "--include-dashboard=false",
             f"--temp-dir={tmp}", *common, *node_ports(ports[1:1 + per_node])],
            env=env, start_new_session=True, stdout=logs[0], stderr=subprocess.STDOUT))
        wait_for_nodes(address, 1, env)
        procs.append(subprocess.Popen(
            [RAY, "start", f"--address={address}", *common,
             *node_ports(ports[1 + per_node:])],
            env=env, start_new_session=True, stdout=logs[1], stderr=subprocess.STDOUT))
        wait_for_nodes(address, 2, env)
        yield address
    finally:
        for proc in reversed(procs):          # every Ray process of the node: its group
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
        for log in logs:
            log.close()
        shutil.rmtree(tmp, ignore_errors=True)


def test_two_node_study_runs_on_both_nodes_and_equals_a_local_run(two_nodes, tmp_path):
    args = ["--losses", "ns,hinge", "--targets", "bimodal", "--seeds", "0-2", "--steps", "300"]
    t0 = time.monotonic()
    res = subprocess.run([sys.executable, "-m", "ganloss_viz", "study", *args, "--address",
                          two_nodes, "--json", "--out", str(tmp_path / "cluster")],
                         cwd=ROOT, env=cluster_env(), capture_output=True, text=True,
                         timeout=240)
    assert res.returncode == 0, res.stderr
    obj = json.loads(res.stdout)
    assert (obj["total"], obj["ran"], obj["cpus"], obj["where"]) == (6, 6, 2, two_nodes)
    rows = read_results(str(tmp_path / "cluster")).to_pylist()
    assert len({r["node"] for r in rows}) == 2, "both nodes must have run tasks"
    run_study(Study(losses=["ns", "hinge"], targets=["bimodal"], seeds=[0, 1, 2], steps=300),
              tmp_path / "local", backend="inline")
    assert same(rows) == same(read_results(str(tmp_path / "local")).to_pylist())
    assert "run_id" in SAME and time.monotonic() - t0 < 240
