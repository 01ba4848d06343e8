"""The admission gate and a background job's own stops (CPU cap, session end), without a
Streamlit server: fake estimates, a fake clock and short timeouts."""

from __future__ import annotations

import threading
import time

import pytest

from ganloss_viz.ui import background
from ganloss_viz.ui.admission import SLOTS_ENV, Gate, default_slots
from ganloss_viz.ui.background import Job, stop_note, wait_text


def const(seconds: float):
    return lambda: seconds


# --- the gate ----------------------------------------------------------------------------


def test_first_come_first_served_with_positions():
    gate = Gate(2)
    a, b, c, d = (gate.join(const(10)) for _ in range(4))
    assert (a.admitted, b.admitted, c.admitted, d.admitted) == (True, True, False, False)
    assert [gate.position(t) for t in (a, b, c, d)] == [0, 0, 1, 2]
    assert gate.counts() == (2, 2)
    gate.release(b)
    assert c.admitted and not d.admitted
    assert [gate.position(t) for t in (a, b, c, d)] == [0, -1, 0, 1]


def test_cancel_leaves_the_queue_and_moves_the_others_up():
    gate = Gate(1)
    a, b, c = (gate.join(const(10)) for _ in range(3))
    gate.release(b)                      # cancelled while waiting
    assert gate.position(c) == 1 and not b.admitted
    gate.release(b)                      # twice is harmless
    gate.release(a)
    assert c.admitted and gate.counts() == (1, 0)


def test_expected_wait_replays_the_queue_on_the_slots():
    gate = Gate(2)
    gate.join(const(30))
    gate.join(const(10))
    c, d, e = gate.join(const(20)), gate.join(const(40)), gate.join(const(5))
    # slots free at 10 and 30; c takes the one at 10 (until 30), d the other at 30
    # (until 70), e the first free again: 30
    assert gate.expected_wait(c) == 10
    assert gate.expected_wait(d) == 30
    assert gate.expected_wait(e) == 30
    assert Gate(3).expected_wait(Gate(3).join(const(1))) == 0.0   # admitted at once


def test_wait_blocks_until_a_slot_frees():
    gate = Gate(1)
    a, b = gate.join(const(1)), gate.join(const(1))
    assert not gate.wait(b, 0.05)
    threading.Timer(0.1, gate.release, args=(a,)).start()
    assert gate.wait(b, 5.0)


def test_slots_from_the_environment(monkeypatch):
    monkeypatch.setenv(SLOTS_ENV, "3")
    assert default_slots() == 3
    monkeypatch.setenv(SLOTS_ENV, "0")
    with pytest.raises(ValueError, match=SLOTS_ENV):
        default_slots()
    monkeypatch.delenv(SLOTS_ENV)
    assert default_slots() >= 1
    with pytest.raises(ValueError, match="at least 1 slot"):
        Gate(0)


# --- jobs at the gate -----------------------------------------------------------------------


class Sleeper(Job):
    """Polls should_stop like the engine; ends by itself after `seconds` of wall time, or
    burns CPU when `burn` (for the CPU cap); `boom` raises."""

    def __init__(self, seconds: float = 5.0, burn: bool = False, boom: bool = False, **kw):
        super().__init__(**kw)
        self.seconds, self.burn, self.boom, self.steps = seconds, burn, boom, 0

    def compute(self):
        if self.boom:
            raise RuntimeError("boom")
        end = time.monotonic() + self.seconds
        while time.monotonic() < end:
            if self.should_stop():
                return "stopped"
            if self.burn:
                sum(i * i for i in range(20_000))
            else:
                time.sleep(0.01)
            self.steps += 1
        return "finished"


def wait_done(*jobs: Job, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not all(j.done for j in jobs):
        assert time.monotonic() < deadline, "a job did not end"
        time.sleep(0.01)


def test_a_second_run_waits_and_can_be_cancelled():
    gate = Gate(1)
    first = Sleeper(gate=gate).start()
    second = Sleeper(gate=gate, estimate=12.0).start()
    assert second.queue_place()[:2] == (1, 1)
    assert 0 < second.queue_place()[2] <= 30.0   # the first's estimate (its default)
    second.stop_requested = True                 # the Cancel button
    wait_done(second)
    assert second.result is None and second.stop_reason == "cancel"
    assert stop_note(second.stop_reason, None).startswith("Cancelled")
    assert gate.counts() == (1, 0)
    first.stop_requested = True
    wait_done(first)
    assert first.result == "stopped" and first.stop_reason == "stop"
    assert gate.counts() == (0, 0)


def test_the_slot_is_released_on_an_exception():
    gate = Gate(1)
    bad = Sleeper(gate=gate, boom=True).start()
    after = Sleeper(gate=gate, seconds=0.05).start()
    wait_done(bad, after)
    assert bad.error == "RuntimeError: boom" and after.result == "finished"
    assert gate.counts() == (0, 0)


def test_queued_run_starts_when_the_first_ends():
    gate = Gate(1)
    first, second = Sleeper(gate=gate, seconds=0.2).start(), Sleeper(gate=gate, seconds=0.05)
    second.start()
    wait_done(first, second)
    assert first.result == second.result == "finished"
    assert second.started >= first.started


class Niceness(Job):
    """Reports the scheduling priority its thread trains at (Linux: per thread)."""

    def compute(self):
        import os

        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


@pytest.mark.skipif(not hasattr(threading, "get_native_id") or
                    not hasattr(__import__("os"), "setpriority"), reason="Linux only")
@pytest.mark.parametrize("hosted", [True, False])
def test_a_hosted_run_yields_the_cpu_to_page_reruns(monkeypatch, hosted):
    import os

    monkeypatch.setattr(background, "HOSTED", hosted)
    job = Niceness(gate=Gate(1)).start()
    wait_done(job)
    mine = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    assert job.result == (max(mine, background.RUN_NICE) if hosted else mine)
    assert mine == os.getpriority(os.PRIO_PROCESS, threading.get_native_id())  # untouched


def test_cpu_cap_stops_the_run_and_keeps_its_work():
    job = Sleeper(gate=Gate(1), seconds=30.0, burn=True, cpu_cap=0.3).start()
    wait_done(job, timeout=20.0)
    assert job.result == "stopped" and job.stop_reason == "cpu_cap" and job.steps > 0
    assert "60" not in stop_note("cpu_cap", 0.3) and "0.3 CPU seconds" in \
        stop_note("cpu_cap", 0.3)


def test_cpu_cap_counts_only_the_runs_own_thread():
    """Another thread's CPU does not count: a sleeping run is never capped."""
    job = Sleeper(gate=Gate(1), seconds=0.4, cpu_cap=0.2).start()
    burner = threading.Thread(target=lambda: sum(i * i for i in range(3_000_000)))
    burner.start()
    wait_done(job)
    burner.join()
    assert job.result == "finished" and job.stop_reason is None


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_session_end_after_the_grace_period():
    clock, connected = FakeClock(), [True]
    job = Job(gate=Gate(1), clock=clock, alive=lambda: connected[0])
    assert not job.should_stop()
    connected[0] = False
    assert not job.should_stop()                 # just gone: a reconnect may follow
    clock.now += background.SESSION_GRACE - 1
    assert not job.should_stop()
    connected[0] = True                          # it came back: the clock restarts
    assert not job.should_stop()
    connected[0] = False
    assert not job.should_stop()
    clock.now += background.SESSION_GRACE
    assert job.should_stop() and job.stop_reason == "session_end"


def test_a_run_stops_and_frees_its_slot_when_its_session_ends(monkeypatch):
    monkeypatch.setattr(background, "SESSION_GRACE", 0.2)
    connected = {"a": True, "b": True}
    gate = Gate(1)
    running = Sleeper(gate=gate, seconds=30.0, alive=lambda: connected["a"]).start()
    queued = Sleeper(gate=gate, seconds=30.0, alive=lambda: connected["b"]).start()
    connected["b"] = False                       # the waiting visitor closes the tab
    wait_done(queued)
    assert queued.result is None and queued.stop_reason == "session_end"
    connected["a"] = False                       # then the running one
    wait_done(running)
    assert running.result == "stopped" and running.stop_reason == "session_end"
    assert gate.counts() == (0, 0)
    deadline = time.monotonic() + 5.0           # no thread is left behind
    while [t for t in threading.enumerate() if t.name == Job.thread_name]:
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_seconds_left_from_progress_and_cap():
    class P:
        fraction = 0.25

    clock = FakeClock()
    job = Job(gate=Gate(1), clock=clock, estimate=100.0, cpu_cap=60.0)
    assert job.seconds_left() == 60.0            # queued: the estimate, at most the cap
    job.started, clock.now = 0.0, 10.0
    assert job.seconds_left() == 50.0            # no progress yet: estimate, capped
    job.progress = P()
    assert job.seconds_left() == 30.0            # a quarter in 10 s: 30 s to go


def test_wait_text():
    assert [wait_text(s) for s in (0, 12, 88, 95, 600)] == \
        ["about 5 s", "about 10 s", "about 90 s", "about 2 min", "about 10 min"]
