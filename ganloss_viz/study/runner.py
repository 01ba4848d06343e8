"""Run a study: its unfinished runs, results streamed into a ResultStore as they finish.

Two backends, the same rows:

- "ray" (the CLI's default): each run is a Ray task with one CPU and one torch thread.
  With no address (and no RAY_ADDRESS in the environment) an embedded Ray instance is
  started on this machine with `cpus` CPUs (default: the cores this process may use),
  its workers at nice 0, and stopped at the end; with an address ("host:port" of a
  cluster's head node, or "ray://host:port") the runs go to that cluster unchanged. A
  task whose worker dies is retried by Ray (max_retries); a driver that dies loses only
  the runs still in flight (finished rows are on disk every FLUSH_SECONDS).
- "inline": the runs one after another in this process (the hosted app: no Ray there).

A re-run of the same study into the same folder skips the runs already there (resume).
`should_stop()` (polled) or Ctrl-C ends the study cleanly: runs in flight are cancelled,
finished ones are written, and the result says it was stopped.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass

from .execute import execute
from .grid import Run, Study
from .store import ResultStore

FLUSH_SECONDS = 2.0     # finished rows are written at least this often
MAX_RETRIES = 3         # Ray retries of a task whose worker died
CONNECT_TIMEOUT = 5.0   # seconds to reach a cluster's address before giving up
BACKENDS = ("ray", "inline")


@dataclass
class StudyProgress:
    """What a progress bar is told: runs finished (this session and before), of the
    study's total, seconds since the start, and the estimated seconds left."""

    done: int
    total: int
    resumed: int
    seconds: float

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0

    @property
    def eta(self) -> float | None:
        """Seconds left at this session's pace (None before its first run finished)."""
        new = self.done - self.resumed
        if new <= 0:
            return None
        return self.seconds / new * (self.total - self.done)


@dataclass
class StudyResult:
    """How a study session ended: runs in the study, already done before, run now,
    whether it was stopped early, its wall seconds (Ray start-up included), where it
    ran ("inline", "local Ray" or the address) and the cluster's CPUs."""

    total: int
    resumed: int
    ran: int
    stopped: bool
    seconds: float
    where: str
    cpus: int

    def to_dict(self) -> dict:
        return asdict(self)


def local_cpus() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:      # not on Linux
        return os.cpu_count() or 1


def check_address(address: str) -> None:
    """ValueError unless a TCP connection to the address's host:port opens within
    CONNECT_TIMEOUT seconds (Ray itself would wait for minutes)."""
    hostport = address.removeprefix("ray://")
    host, sep, port = hostport.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise ValueError(f"the Ray address must be host:port or ray://host:port, "
                         f"got {address!r}")
    try:
        with socket.create_connection((host, int(port)), timeout=CONNECT_TIMEOUT):
            pass
    except OSError as e:
        raise ValueError(f"cannot reach the Ray cluster at {address}: "
                         f"{e.strerror or e}") from None


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for the processes started inside the block (an
    embedded Ray's daemons and workers inherit them), then put the caller's back."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _task(run: dict) -> dict:
    """A Ray task: one run, one torch thread, on whichever node Ray chose."""
    import ray
    import torch
    torch.set_num_threads(1)
    return execute(Run(**run), node=ray.get_runtime_context().get_node_id())


def pending_runs(study: Study, store: ResultStore) -> tuple[list[Run], int]:
    """The study's runs not yet in the store, and how many are."""
    done = store.done_ids()
    runs = study.runs()
    todo = [r for r in runs if r.run_id not in done]
    return todo, len(runs) - len(todo)


def run_study(study: Study, out: str | os.PathLike, backend: str = "ray",
              address: str | None = None, cpus: int | None = None,
              callback: Callable[[StudyProgress], None] | None = None,
              should_stop: Callable[[], bool] | None = None) -> StudyResult:
    """Run the unfinished runs of `study`, their rows streaming into the folder `out`.

    backend: "ray" or "inline" (see the module docstring); address: a Ray cluster (None:
    RAY_ADDRESS, else an embedded instance with `cpus` CPUs); callback(StudyProgress)
    after each finished run; should_stop(): True ends the study cleanly.
    Raises ValueError for a bad backend, an unreachable address or a folder that holds
    another study's results (before anything is written).
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if backend == "ray":
        address = address or os.environ.get("RAY_ADDRESS") or None
        if address:
            check_address(address)
    if cpus is not None and (isinstance(cpus, bool) or not isinstance(cpus, int) or cpus < 1):
        raise ValueError(f"cpus must be a whole number >= 1, got {cpus!r}")
    store = ResultStore(out)
    store.open(study.describe())
    todo, resumed = pending_runs(study, store)
    total = resumed + len(todo)
    t0 = time.perf_counter()
    state = {"done": resumed}

    def finished(rows: list[dict]) -> None:
        state["done"] += len(rows)
        if callback is not None:
            callback(StudyProgress(state["done"], total, resumed, time.perf_counter() - t0))

    if callback is not None:
        callback(StudyProgress(resumed, total, resumed, 0.0))
    if backend == "inline":
        stopped, where, n_cpus = _inline(todo, store, finished, should_stop), "inline", 1
    else:
        stopped, where, n_cpus = _on_ray(todo, store, finished, should_stop, address, cpus)
    return StudyResult(total=total, resumed=resumed, ran=state["done"] - resumed,
                       stopped=stopped, seconds=time.perf_counter() - t0, where=where,
                       cpus=n_cpus)


def _inline(todo: list[Run], store: ResultStore, finished, should_stop) -> bool:
    """The runs one by one in this process; each row written as soon as it is done
    (Ctrl-C loses only the run in progress)."""
    try:
        for run in todo:
            if should_stop is not None and should_stop():
                return True
            row = execute(run)
            store.append([row])
            finished([row])
    except KeyboardInterrupt:
        return True
    return False


def _on_ray(todo: list[Run], store: ResultStore, finished, should_stop, address, cpus
            ) -> tuple[bool, str, int]:
    import ray

    package_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    path = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p)
    worker_env = {"PYTHONPATH": path, "OMP_NUM_THREADS": "1"}
    embedded = not address
    if embedded:
        # Ray starts its workers at nice 15 (to keep its own daemons responsive): on a
        # machine that also runs anything else, the study's runs would then get a small
        # part of each core. Here the runs are the work; they take their turn at nice 0
        # like any process (RAY_worker_niceness, when set, still decides).
        # The workers' environment is the one the embedded raylet inherits from here:
        # with no runtime_env the workers Ray prestarts at init serve the tasks at once
        # (a runtime_env would start fresh workers through its agent, ~0.7 s later).
        niceness = os.environ.get("RAY_worker_niceness", "0")
        with _environment({"RAY_worker_niceness": niceness, **worker_env}):
            ray.init(num_cpus=cpus or local_cpus(), include_dashboard=False,
                     log_to_driver=False, logging_level="ERROR")
    else:
        ray.init(address=address, log_to_driver=False, logging_level="ERROR",
                 runtime_env={"env_vars": worker_env})
    try:
        n_cpus = int(ray.cluster_resources().get("CPU", 1))
        task = ray.remote(num_cpus=1, max_retries=MAX_RETRIES)(_task)
        queue = list(reversed(todo))          # pop() takes them in the study's order
        pending: list = []
        rows: list[dict] = []
        last_flush = time.perf_counter()
        stopped = False
        try:
            while queue or pending:
                if should_stop is not None and should_stop():
                    stopped = True
                    break
                while queue and len(pending) < 2 * n_cpus:   # a few queued per CPU
                    pending.append(task.remote(asdict(queue.pop())))
                ready, pending = ray.wait(pending, num_returns=1, timeout=0.5)
                for ref in ready:
                    row = ray.get(ref)
                    rows.append(row)
                    finished([row])
                if rows and (time.perf_counter() - last_flush >= FLUSH_SECONDS or not pending):
                    store.append(rows)
                    rows, last_flush = [], time.perf_counter()
        except KeyboardInterrupt:
            stopped = True
        finally:
            for ref in pending:
                ray.cancel(ref, force=True)
            store.append(rows)
        return stopped, ("local Ray" if embedded else address), n_cpus
    finally:
        ray.shutdown()


__all__ = ["BACKENDS", "StudyProgress", "StudyResult", "check_address", "local_cpus",
           "pending_runs", "run_study"]
