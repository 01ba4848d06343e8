"""Groups of runs in parallel: the heaviest in a thread of this process, each other in a
worker process; one torch thread each.

Threads in one process lose 15-20% to each other here (benchmarks/compare.py: two
groups on 2 cores, each group's training seconds 20-21 s in threads against 16-17 s
alone; in two processes 16-17 s each): between its many small tensor operations each
thread needs Python's global lock. Processes share nothing, so each group runs as fast
as alone. One group, the heaviest (the first of `split`), trains in a thread of this
process all the same: this process only waits on pipes meanwhile, so the thread has the
lock to itself, and it starts at once, while a worker process takes about 2 s to start
(Python, torch) before its first step; the comparison's time is that of its heaviest
group. A worker process is a fresh interpreter (`python -c ...`, given one end of a
pipe): nothing is copied from a multithreaded parent such as the Streamlit server (as a
fork would), and, unlike multiprocessing's "spawn", it does not re-run the caller's main
script, so a script that calls `compare` at top level needs no `__main__` guard. Each
group rebuilds its runs from their configs (the same seeds give the same networks,
data and noise) and trains them as `Group` does in-process. The parent drives the
snapshot intervals over the pipes (the thread has a pipe too), so that no group is ever
more than one interval ahead of another:

  parent -> worker: configs           first: the runs of this worker
                    ("run", stop_at)  train to stop_at, record, answer ("segment", ...)
                    ("stop",)         answer ("at", step reached), then wait for
                    ("limit", step)   the step every group ends at (the furthest one)
                    ("finish",)       answer ("final", records, parameters) and exit
  worker -> parent: ("step", step)    a few times a second, for the progress bar
                    ("error", text)   the worker's traceback, raised as RuntimeError
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import replace
from multiprocessing import Pipe
from multiprocessing.connection import Connection, wait

import numpy as np
import torch

from ..losses import LOSSES, Loss
from .config import TrainConfig
from .device import cpu_settings
from .engine import CALLBACK_INTERVAL, STOP_POLL, Clock, RunState
from .record import Record, Snapshot, TrainResult
from .runner import Group, results

JOIN_TIMEOUT = 10.0     # seconds a worker gets to exit before it is terminated
START = "import sys; from ganloss_viz.train.workers import serve; serve(int(sys.argv[1]))"


def portable(configs: list[TrainConfig]) -> list[TrainConfig] | None:
    """The configs as a worker can receive them (a registered loss by its name), or
    None when one cannot be sent: it does not pickle, or it is an object of a class
    defined in the caller's main script, which a worker does not run (a custom Loss or
    Target); and None where workers cannot be started (no POSIX file descriptors)."""
    if os.name != "posix":
        return None
    out = []
    for cfg in configs:
        loss = cfg.loss
        if isinstance(loss, Loss) and LOSSES.get(loss.name) is loss:
            cfg = replace(cfg, loss=loss.name)
        if any(type(v).__module__ == "__main__" for v in (cfg.loss, cfg.target)):
            return None
        try:
            pickle.dumps(cfg)
        except Exception:
            return None
        out.append(cfg)
    return out


def serve(fd: int) -> None:
    """A worker process's entry: the pipe end `fd` brings its configs, then commands."""
    _serve(Connection(fd))


def _serve(conn: Connection) -> None:
    """A worker (process or thread): configs from `conn`, then its commands."""
    try:
        configs = conn.recv()
    except EOFError:
        return
    with cpu_settings(torch.device("cpu"), 1):
        _worker(conn, configs)


def _worker(conn: Connection, configs: list[TrainConfig]) -> None:
    """A worker: the runs of `configs` as one Group, driven by the parent."""
    try:
        states = [RunState(cfg, torch.device("cpu")) for cfg in configs]
        group = Group(states, list(range(len(states))))
        recs = [Record(st) for st in states]
        done = 0
        next_report = [time.perf_counter() + CALLBACK_INTERVAL]

        agreed: list[int | None] = [None]    # once a stop is agreed: the step to end at

        def agree(step: int) -> int:
            conn.send(("at", step))
            msg = conn.recv()
            assert msg[0] == "limit", msg
            agreed[0] = msg[1]
            return msg[1]

        def limit(step: int, stop_at: int) -> int:
            if agreed[0] is not None:
                return agreed[0]
            now = time.perf_counter()
            if now >= next_report[0]:
                next_report[0] = now + CALLBACK_INTERVAL
                conn.send(("step", step))
            if conn.poll():
                msg = conn.recv()
                assert msg[0] == "stop", msg
                return agree(step)
            return stop_at

        while True:
            msg = conn.recv()
            if msg[0] == "finish":
                break
            if msg[0] == "stop":              # the stop came after this group's segment
                agree(done)
                group.complete(recs)
                continue
            stop_at = msg[1]
            done = group.segment(recs, done, stop_at, lambda s, e=stop_at: limit(s, e))
            if agreed[0] is not None:   # stopped, maybe at stop_at: the last snapshot is final
                group.complete(recs)
            conn.send(("segment", done, group.seconds,
                       [(rec.snaps[-1], rec.diverged) for rec in recs]))
        nets = [(st.G.flat.detach().numpy(), st.D.flat.detach().numpy()) for st in states]
        conn.send(("final", group.seconds, recs, nets))
    except (EOFError, BrokenPipeError):
        pass                                  # the parent has gone: nothing to tell
    except BaseException:
        try:
            conn.send(("error", traceback.format_exc()))
        except OSError:
            pass
    finally:
        conn.close()


class Workers:
    """The workers of a comparison (group 0 a thread, the others processes) and what
    each last reported."""

    def __init__(self, configs: list[TrainConfig], runs: list[list[int]]):
        self.runs = runs
        self.conns: list[Connection] = []
        self.procs: list[subprocess.Popen | threading.Thread] = []
        # the worker imports ganloss_viz from where this process found it
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
        for g, members in enumerate(runs):
            parent, child = Pipe()
            if g == 0:
                proc = threading.Thread(target=_serve, args=(child,), daemon=True,
                                        name="compare-group-0")
                proc.start()
            else:
                fd = child.fileno()
                proc = subprocess.Popen([sys.executable, "-c", START, str(fd)],
                                        pass_fds=(fd,), env=env, stdin=subprocess.DEVNULL)
                child.close()
            parent.send([configs[r] for r in members])
            self.conns.append(parent)
            self.procs.append(proc)
        self.step = [0] * len(runs)
        self.seconds = [0.0] * len(runs)
        self.ended: set[int] = set()           # groups whose "final" has come (then EOF)

    def send(self, msg: tuple) -> None:
        for conn in self.conns:
            conn.send(msg)

    def receive(self, timeout: float) -> list[tuple[int, tuple]]:
        """(group, message) for every message that arrives within `timeout` seconds."""
        out = []
        live = [c for g, c in enumerate(self.conns) if g not in self.ended]
        for conn in wait(live, timeout):
            g = self.conns.index(conn)
            try:
                msg = conn.recv()
            except (EOFError, OSError):
                proc = self.procs[g]
                how = ("thread" if isinstance(proc, threading.Thread)
                       else f"process (exit code {proc.poll()})")
                raise RuntimeError(f"a compare worker {how} ended unexpectedly") from None
            if msg[0] == "error":
                raise RuntimeError(f"a compare worker failed:\n{msg[1]}")
            if msg[0] == "step":
                self.step[g] = msg[1]
            elif msg[0] == "final":
                self.ended.add(g)
            out.append((g, msg))
        return out

    def close(self, finished: bool) -> None:
        """Wait for workers that were told to finish; end the others at once."""
        for conn in self.conns:
            conn.close()
        for proc in self.procs:
            if isinstance(proc, threading.Thread):
                # a thread cannot be ended: without its pipe it stops within one step
                proc.join(JOIN_TIMEOUT)
                continue
            try:
                proc.wait(JOIN_TIMEOUT if finished else 0)
            except subprocess.TimeoutExpired:
                proc.terminate()
                proc.wait()


def run_in_processes(states: list[RunState], configs: list[TrainConfig],
                     runs: list[list[int]],
                     callback: Callable[[int, float, list[Snapshot]], None] | None,
                     should_stop: Callable[[], bool] | None) -> list[TrainResult]:
    """`run_together` with each group of `runs` (indices into `states`; `configs`: their
    `portable` configs; the first group, the heaviest, in a thread, the others each in a
    worker process); the same callback and stop rules, the same results, a run's
    `seconds` those of its group."""
    wall0 = time.perf_counter()
    workers = Workers(configs, runs)
    finished = False
    try:
        # the step-0 snapshots here too (the workers take the same ones): shown at once,
        # while the workers are still starting
        recs = [Record(st) for st in states]
        latest: list[Snapshot] = [rec.snaps[-1] for rec in recs]
        diverged = [False] * len(states)
        if callback is not None:
            callback(0, 0.0, list(latest))
        steps, every = states[0].cfg.steps, states[0].cfg.snapshot_every
        done, stopped = 0, False
        while done < steps and not stopped and not all(diverged):
            stop_at = min(done + every, steps)
            workers.send(("run", stop_at))
            t0, before, clock = time.perf_counter(), max(workers.seconds), Clock()
            reached: dict[int, int] = {}
            ats: dict[int, int] = {}
            stopping = limit_sent = False
            while len(reached) < len(runs) or (stopping and not limit_sent):
                for g, msg in workers.receive(STOP_POLL / 4):
                    if msg[0] == "segment":
                        reached[g], workers.seconds[g] = msg[1], msg[2]
                        for r, (snap, div) in zip(runs[g], msg[3], strict=True):
                            latest[r], diverged[r] = snap, div
                    elif msg[0] == "at":
                        ats[g] = msg[1]
                now = time.perf_counter()
                if (not stopping and should_stop is not None and clock.poll_due(now)
                        and should_stop()):
                    stopping = True
                    workers.send(("stop",))
                if stopping and not limit_sent and len(ats) == len(runs):
                    limit_sent = True
                    workers.send(("limit", max(ats.values())))
                if callback is not None and clock.callback_due(now):
                    callback(min(workers.step), before + now - t0, list(latest))
            done = min(reached.values())
            stopped = stopping or done < stop_at
            workers.step = [done] * len(runs)
            if callback is not None:
                callback(done, max(workers.seconds), list(latest))
        workers.send(("finish",))
        finals: dict[int, tuple] = {}
        while len(finals) < len(runs):
            for g, msg in workers.receive(STOP_POLL):
                if msg[0] == "final":
                    finals[g] = msg[1:]
        seconds = [0.0] * len(states)
        for g, (group_seconds, group_recs, nets) in finals.items():
            for r, rec, (g_flat, d_flat) in zip(runs[g], group_recs, nets, strict=True):
                recs[r], seconds[r] = rec, group_seconds
                with torch.no_grad():
                    states[r].G.flat.copy_(torch.from_numpy(np.asarray(g_flat)))
                    states[r].D.flat.copy_(torch.from_numpy(np.asarray(d_flat)))
        finished = True
    finally:
        workers.close(finished)
    return results(states, recs, seconds, stopped, wall0)


__all__ = ["Workers", "portable", "run_in_processes", "serve"]
