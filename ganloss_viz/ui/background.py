"""A session's background job: training in a thread, its progress, a stop flag, the result.

The Train and Compare pages train this way: the button's callback starts a `Job` and
keeps it in ``st.session_state`` under the page's key (never in a global cache, so
nothing is shared between users); the thread never calls Streamlit (the engine's
callback stores the latest progress on the job, and its `should_stop` reads the stop
flag that the **Stop** button sets); a fragment redraws the progress a few times a
second, and `take_finished` hands the ended job to the page.

Fair sharing (a hosted server is shared by strangers): the thread first waits for a
slot of the server's admission gate (`ganloss_viz.ui.admission`), where the page shows
its queue position and expected wait and **Cancel** takes it off the queue; it holds
the slot until it ends, whatever happens. A run stops by itself, keeping what it
trained, when it has used `cpu_cap` CPU seconds of its thread (hosted mode), and when
its session has had no browser connected for `SESSION_GRACE` seconds (tab closed,
session expired): no run outlives its visitor.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import streamlit as st

from ganloss_viz.format import fmt
from ganloss_viz.state.train import HOSTED
from ganloss_viz.ui.admission import Gate, Ticket, server_gate
from ganloss_viz.ui.allocator import release_free_memory

LIVE_EVERY = 0.5         # seconds between redraws of a live view (2 a second: the
                         # redraws share the CPU and the GIL with the training thread)
QUEUE_POLL = 0.25        # seconds between a waiting run's checks of Cancel and its session
RUN_NICE = 10            # a hosted run's thread priority (nice): page reruns come first
SESSION_GRACE = 15.0     # seconds without a connected browser before a run stops (a
                         # reconnect after a network blip takes a few seconds)
# Prior of a run's length before it has progress: CPU seconds per generator step and
# unit of cost, one unit being a critic step of the default networks (width 128, depth
# 3, batch 256; measured: ns on ring8 about 3 ms a step, the Compare page's four default
# losses about 26 ms a step on one core).
SECONDS_PER_UNIT = 1.7e-3
PENALTY_COST, G_STEP_COST = 0.8, 0.6   # as ganloss_viz.train.runner's cost model


def predicted_seconds(configs: list) -> float:
    """Rough seconds of the resolved TrainConfigs `configs` trained on one core."""
    total = 0.0
    for cfg in configs:
        units = cfg.n_critic * (1 + PENALTY_COST * (cfg.loss_object().penalty is not None))
        size = cfg.batch * cfg.width ** 2 * cfg.depth / (256 * 128 ** 2 * 3)
        total += cfg.steps * (units + G_STEP_COST) * SECONDS_PER_UNIT * max(size, 0.25)
    return total


def session_probe() -> Callable[[], bool]:
    """Whether the calling script's session still has a browser connected: Streamlit's
    runtime registry of active sessions (`Runtime.is_active_session`, safe from any
    thread). Streamlit has no session-end callback (streamlit/streamlit#8545); without
    a runtime (AppTest, bare mode) a session is always taken as connected."""
    from streamlit import runtime
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None or not runtime.exists():
        return lambda: True
    rt, session_id = runtime.get_instance(), ctx.session_id
    return lambda: rt.is_active_session(session_id)


def yield_to_pages() -> None:
    """Lower the calling thread's scheduling priority to RUN_NICE (never raise it; Linux
    keeps a nice value per thread): on a hosted server the cores are shared by the runs
    and every visitor's page reruns, and a run that takes a few seconds longer is a fair
    price for pages that answer at once. Where the system cannot, nothing changes."""
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, max(RUN_NICE, os.getpriority(os.PRIO_PROCESS, tid)))
    except (AttributeError, OSError):
        pass


def always() -> bool:
    return True


@dataclass(kw_only=True)
class Job:
    """Work run by `compute()` in a daemon thread once the gate admits it; an exception
    becomes `error` (shown on the page, never as a traceback). `stop_reason` says why a
    run ended early: "stop" (the button), "cancel" (left the queue), "cpu_cap" or
    "session_end"."""

    progress: Any = None
    result: Any = None
    error: str | None = None
    stop_requested: bool = False
    stop_reason: str | None = None
    done: bool = False
    cpu_cap: float | None = None             # CPU seconds the run may use; None: no cap
    estimate: float = 30.0                   # predicted seconds of the whole run
    alive: Callable[[], bool] = always       # whether the session has a browser connected
    gate: Gate = field(default_factory=server_gate)
    clock: Callable[[], float] = time.monotonic
    ticket: Ticket | None = None
    started: float | None = None             # clock() at admission
    cpu0: float | None = None                # thread_time() at admission
    gone_since: float | None = None          # clock() when the session was first seen gone
    thread_name: ClassVar[str] = "ganloss-viz-job"

    def compute(self) -> Any:
        """The work; its return value becomes `result`."""
        raise NotImplementedError

    def on_progress(self, progress: Any) -> None:
        self.progress = progress

    def fraction(self) -> float:
        """The part of the run done so far (from its progress)."""
        return getattr(self.progress, "fraction", 0.0) if self.progress else 0.0

    def cpu_seconds(self) -> float:
        """CPU seconds of the training thread since admission (call from that thread)."""
        return 0.0 if self.cpu0 is None else time.thread_time() - self.cpu0

    def session_ended(self) -> bool:
        """True once the session has had no browser for SESSION_GRACE seconds."""
        if self.alive():
            self.gone_since = None
            return False
        now = self.clock()
        if self.gone_since is None:
            self.gone_since = now
        return now - self.gone_since >= SESSION_GRACE

    def should_stop(self) -> bool:
        """Polled by the engine in the training thread (and while queued)."""
        if self.stop_requested:
            self.stop_reason = self.stop_reason or "stop"
        elif self.cpu_cap is not None and self.cpu_seconds() >= self.cpu_cap:
            self.stop_reason = "cpu_cap"
        elif self.session_ended():
            self.stop_reason = "session_end"
        return self.stop_reason is not None

    def seconds_left(self) -> float:
        """Estimated seconds until the run ends: its prediction while queued, then the
        pace of its progress (bounded by what is left of its CPU cap)."""
        if self.started is None:
            return self.estimate if self.cpu_cap is None else min(self.estimate, self.cpu_cap)
        elapsed, frac = self.clock() - self.started, self.fraction()
        left = elapsed * (1 - frac) / frac if frac > 0.02 else max(self.estimate - elapsed, 0.0)
        return left if self.cpu_cap is None else min(left, max(self.cpu_cap - elapsed, 0.0))

    def queue_place(self) -> tuple[int, int, float]:
        """(position, runs waiting, expected wait in seconds); position 0: admitted."""
        if self.ticket is None:
            return 0, 0, 0.0
        return (self.gate.position(self.ticket), self.gate.counts()[1],
                self.gate.expected_wait(self.ticket))

    def admitted(self) -> bool:
        """Wait for a slot; False when the run was cancelled (or its session ended)
        while it waited."""
        while not self.gate.wait(self.ticket, QUEUE_POLL):
            if self.should_stop():
                self.stop_reason = "cancel" if self.stop_reason == "stop" else self.stop_reason
                return False
        return True

    def work(self) -> None:
        try:
            if self.admitted():
                if HOSTED:
                    yield_to_pages()
                self.started, self.cpu0 = self.clock(), time.thread_time()
                self.result = self.compute()
        except Exception as exc:
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            self.gate.release(self.ticket)
            self.done = True
            release_free_memory()     # the run's freed tensors, kept by glibc otherwise

    def start(self) -> Job:
        """Join the gate's queue and start the thread (which waits for its slot)."""
        self.ticket = self.gate.join(self.seconds_left)
        threading.Thread(target=self.work, name=self.thread_name, daemon=True).start()
        return self


def running(key: str) -> bool:
    """Whether the session's job under `key` is still going."""
    job = st.session_state.get(key)
    return job is not None and not job.done


def request_stop(key: str) -> None:
    """Stop-button callback: ask the session's job under `key` to stop."""
    job = st.session_state.get(key)
    if job is not None:
        job.stop_requested = True


def take_finished(key: str) -> Job | None:
    """The session's job under `key` once it has ended (removed from the session), else
    None."""
    job = st.session_state.get(key)
    if job is None or not job.done:
        return None
    st.session_state[key] = None
    return job


def wait_text(seconds: float) -> str:
    """An expected wait as people say it: 'about 40 s', 'about 3 min'."""
    if seconds < 90:
        return f"about {max(5, round(seconds / 5) * 5)} s"
    return f"about {round(seconds / 60)} min"


def queued_panel(job: Job, key: str, cancel_key: str) -> bool:
    """While `job` (the session's job under `key`) waits for a slot: its place in the
    queue, the expected wait and a Cancel button. Whether it is waiting."""
    position, waiting, wait = job.queue_place()
    if position <= 0:
        return False
    slots = job.gate.slots
    c_text, c_cancel = st.columns([5, 1], vertical_alignment="center")
    c_text.info(f"**Queued: position {position} of {waiting}**, expected wait "
                f"{wait_text(wait)}. This server trains {slots} run{'s' if slots > 1 else ''} "
                f"at a time, first come first served; yours starts by itself.",
                icon=":material/hourglass_top:")
    c_cancel.button("Cancel", key=cancel_key, on_click=request_stop, args=(key,),
                    icon=":material/close:", disabled=job.stop_requested, width="stretch")
    return True


def live_job(key: str, cancel_key: str) -> Job | None:
    """The session's job under `key`, for a live fragment to draw: None when there is
    none or while it waits in the queue (whose panel this draws); a job that has ended
    reruns the page, whose results then take over."""
    job = st.session_state.get(key)
    if job is None:
        return None
    if job.done:
        st.rerun(scope="app")
    if queued_panel(job, key, cancel_key):
        return None
    return job


def progress_row(job: Job, key: str, stop_key: str, fraction: float, text: str,
                 label: str = "Stop", icon: str = ":material/stop:") -> None:
    """A progress bar at `fraction` saying `text`, a Stop button (or another `label`)
    beside it for the job under `key`, and a caption while it stops."""
    c_bar, c_stop = st.columns([5, 1], vertical_alignment="bottom")
    c_bar.progress(min(max(fraction, 0.0), 1.0), text=text)
    c_stop.button(label, key=stop_key, on_click=request_stop, args=(key,),
                  icon=icon, disabled=job.stop_requested, width="stretch")
    if job.stop_requested:
        st.caption("Stopping after the current step …")


def training_text(what: str, done: int, steps: int, steps_per_s: float, seconds: float,
                  cpu_cap: float | None) -> str:
    """'Training <what>step 120 of 1,000 · 310 steps/s · 0.4 s' (and the CPU cap)."""
    return (f"Training {what}step {done:,} of {steps:,} · "
            f"{fmt(steps_per_s, 4) if steps_per_s else '—'} steps/s · {seconds:.1f} s"
            + (f" (stops at {cpu_cap:g} CPU s)" if cpu_cap else ""))


def stop_note(reason: str | None, cpu_cap: float | None) -> str | None:
    """Why a run ended before its last step, for the page (None: it did not stop early,
    or the Stop button stopped it, which the page already says)."""
    if reason == "cancel":
        return "Cancelled while waiting in the queue: nothing was trained."
    if reason == "cpu_cap":
        return (f"Stopped at the hosted cap of {cpu_cap:g} CPU seconds per run; the replay "
                f"and metrics show the steps trained until then.")
    if reason == "session_end":
        return "Stopped because the page was disconnected; the steps trained are kept."
    return None
