"""A session's background job: training in a thread, its progress, a stop flag, the result.

The Train and Compare pages train this way: the button's callback starts a `Job` and
keeps it in ``st.session_state`` under the page's key (never in a global cache, so
nothing is shared between users); the thread never calls Streamlit (the engine's
callback stores the latest progress on the job, and its `should_stop` reads the stop
flag that the **Stop** button sets); a fragment redraws the progress a few times a
second, and `take_finished` hands the ended job to the page.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, ClassVar

import streamlit as st


@dataclass(kw_only=True)
class Job:
    """Work run by `compute()` in a daemon thread; an exception becomes `error` (shown
    on the page, never as a traceback)."""

    progress: Any = None
    result: Any = None
    error: str | None = None
    stop_requested: bool = False
    done: bool = False
    thread_name: ClassVar[str] = "ganloss-viz-job"

    def compute(self) -> Any:
        """The work; its return value becomes `result`."""
        raise NotImplementedError

    def on_progress(self, progress: Any) -> None:
        self.progress = progress

    def should_stop(self) -> bool:
        return self.stop_requested

    def work(self) -> None:
        try:
            self.result = self.compute()
        except Exception as exc:
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            self.done = True

    def start(self) -> Job:
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
