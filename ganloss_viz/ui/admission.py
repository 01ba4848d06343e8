"""The server-wide admission gate for training and comparison runs (no Streamlit here).

A hosted server has 1-2 cores shared by every visitor: with no bound, ten visitors
pressing Train at once would each get a tenth of a core and every page would crawl.
The gate lets at most `slots` runs train at once (default: the cores this process may
use, or ``GANLOSS_VIZ_RUN_SLOTS``); the others wait in FIFO order, each knowing its
position and an expected wait, and a waiting run can be cancelled. One gate per
process (`server_gate`): Streamlit serves every session from one process.

The expected wait replays the queue on the slots: each running run frees its slot
after its own estimate of the seconds it has left, then each run ahead takes the
first free slot for its estimated length.
"""

from __future__ import annotations

import heapq
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass

SLOTS_ENV = "GANLOSS_VIZ_RUN_SLOTS"


@dataclass(eq=False)
class Ticket:
    """One run's place at the gate; `seconds_left()` is its holder's estimate of the
    seconds it still needs (its whole length while it waits)."""

    seconds_left: Callable[[], float]
    admitted: bool = False


class Gate:
    """At most `slots` admitted tickets at once; the rest wait in FIFO order."""

    def __init__(self, slots: int):
        if slots < 1:
            raise ValueError(f"an admission gate needs at least 1 slot, got {slots}")
        self.slots = slots
        self._cond = threading.Condition()
        self._running: list[Ticket] = []
        self._queue: list[Ticket] = []

    def join(self, seconds_left: Callable[[], float]) -> Ticket:
        """A new ticket at the end of the queue (admitted at once when a slot is free)."""
        ticket = Ticket(seconds_left)
        with self._cond:
            self._queue.append(ticket)
            self._admit()
        return ticket

    def wait(self, ticket: Ticket, timeout: float) -> bool:
        """Block up to `timeout` seconds for `ticket` to be admitted; whether it is."""
        with self._cond:
            return self._cond.wait_for(lambda: ticket.admitted, timeout)

    def release(self, ticket: Ticket) -> None:
        """Take `ticket` off the gate (admitted or still waiting: a cancel) and admit the
        next; releasing twice is harmless."""
        with self._cond:
            for line in (self._running, self._queue):
                if ticket in line:
                    line.remove(ticket)
            self._admit()

    def position(self, ticket: Ticket) -> int:
        """0 while admitted, k >= 1 for the k-th place in the queue, -1 once released."""
        with self._cond:
            if ticket in self._running:
                return 0
            return self._queue.index(ticket) + 1 if ticket in self._queue else -1

    def counts(self) -> tuple[int, int]:
        """(runs admitted, runs waiting)."""
        with self._cond:
            return len(self._running), len(self._queue)

    def expected_wait(self, ticket: Ticket) -> float:
        """Seconds until `ticket` is admitted, from the estimates of the runs holding a
        slot and of those ahead of it (0 once admitted or released)."""
        with self._cond:
            if ticket not in self._queue:
                return 0.0
            free_at = [max(0.0, t.seconds_left()) for t in self._running]
            free_at += [0.0] * (self.slots - len(free_at))
            heapq.heapify(free_at)
            for ahead in self._queue[:self._queue.index(ticket)]:
                start = heapq.heappop(free_at)
                heapq.heappush(free_at, start + max(0.0, ahead.seconds_left()))
            return free_at[0]

    def _admit(self) -> None:
        while self._queue and len(self._running) < self.slots:
            ticket = self._queue.pop(0)
            ticket.admitted = True
            self._running.append(ticket)
        self._cond.notify_all()


def default_slots() -> int:
    """``GANLOSS_VIZ_RUN_SLOTS`` if set, else the cores this process may use."""
    text = os.environ.get(SLOTS_ENV, "").strip()
    if text:
        if not text.isdigit() or int(text) < 1:
            raise ValueError(f"{SLOTS_ENV} must be a whole number >= 1, got {text!r}")
        return int(text)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:          # not on Linux
        return os.cpu_count() or 1


_GATE: Gate | None = None
_GATE_LOCK = threading.Lock()


def server_gate() -> Gate:
    """The process's gate, made on first use with `default_slots()`."""
    global _GATE
    with _GATE_LOCK:
        if _GATE is None:
            _GATE = Gate(default_slots())
        return _GATE


__all__ = ["SLOTS_ENV", "Gate", "Ticket", "default_slots", "server_gate"]
