"""Expired sessions' downloads released (ui/expiry.py) and the allocator's calls
(ui/allocator.py), without a server: Streamlit's runtime is a stand-in."""

from types import SimpleNamespace

import pytest

from ganloss_viz.ui import allocator, expiry


class FakeManager:
    def __init__(self) -> None:
        self.cleared: list[str] = []
        self.orphan_passes = 0

    def clear_session_refs(self, session_id: str) -> None:
        self.cleared.append(session_id)

    def clear_all_for_session(self, session_id: str) -> None:
        self.cleared.append(session_id)

    def remove_orphaned_files(self) -> None:
        self.orphan_passes += 1


@pytest.fixture
def server(monkeypatch):
    """A runtime whose connected sessions are `active`, a clock, and the session whose
    script runs (`ctx.session_id`)."""
    state = SimpleNamespace(active=set(), now=1000.0, media=FakeManager(),
                            frames=FakeManager(), ctx=SimpleNamespace(session_id="a"))
    rt = SimpleNamespace(is_active_session=lambda sid: sid in state.active,
                         media_file_mgr=state.media, dataframe_source_mgr=state.frames)
    monkeypatch.setattr(expiry, "get_script_run_ctx", lambda: state.ctx)
    monkeypatch.setattr(expiry.runtime, "exists", lambda: True)
    monkeypatch.setattr(expiry.runtime, "get_instance", lambda: rt)
    monkeypatch.setattr(expiry.time, "monotonic", lambda: state.now)
    monkeypatch.setattr(expiry.config, "get_option", lambda name: 120)
    monkeypatch.setattr(expiry, "_gone", {})
    monkeypatch.setattr(expiry, "_reaped", [0.0])
    return state


def run(state, session_id: str, at: float) -> None:
    """A script run of `session_id` at time `at`."""
    state.now, state.ctx.session_id = at, session_id
    expiry.tend()


def test_a_session_is_released_a_ttl_after_it_was_first_seen_gone(server):
    server.active = {"a", "b"}
    run(server, "a", 1000)
    run(server, "b", 1001)
    server.active = {"b"}                 # a's tab closes
    run(server, "b", 1011)                # first look without a's browser
    run(server, "b", 1121)                # 110 s later: a may still reconnect
    assert server.media.cleared == []
    run(server, "b", 1132)                # 121 s after it was first seen gone
    assert server.media.cleared == ["a"] and server.frames.cleared == ["a"]
    assert server.media.orphan_passes == 1
    run(server, "b", 1300)                # released once, b untouched
    assert server.media.cleared == ["a"]


def test_a_reconnected_session_is_kept(server):
    server.active = {"a"}
    run(server, "a", 1000)
    server.active = set()
    run(server, "c", 1011)                # a seen gone
    server.active = {"a"}
    run(server, "c", 1100)                # back within the TTL
    server.active = set()
    run(server, "c", 1200)                # gone again: counted from here
    run(server, "c", 1300)
    assert server.media.cleared == []
    run(server, "c", 1321)
    assert "a" in server.media.cleared


def test_looks_are_rate_limited(server):
    run(server, "a", 1000)
    run(server, "b", 1001)                # within REAP_EVERY of the last look: no look
    assert expiry._gone == {"a": 1000.0, "b": None}


def test_without_a_runtime_nothing_happens(server, monkeypatch):
    monkeypatch.setattr(expiry.runtime, "exists", lambda: False)
    run(server, "a", 1000)
    assert expiry._gone == {}


def test_allocator_calls_are_safe_anywhere(monkeypatch):
    allocator.limit_arenas()
    allocator.limit_arenas()              # once per process
    allocator.release_free_memory()
    monkeypatch.setattr(allocator, "_LIBC", None)     # not glibc: nothing happens
    allocator.release_free_memory()
