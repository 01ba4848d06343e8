"""Files of expired sessions released: Streamlit drops a closed session after its TTL
without shutting it down, and only a shutdown clears the session's downloads.

A closed tab's session is kept `server.disconnectedSessionTTL` seconds for a reconnect,
then evicted from Streamlit's session store (streamlit 1.67: `MemorySessionStorage`, a
TTL cache with no removal hook). `AppSession.shutdown`, which would release the
session's media files and download callables (`MediaFileManager.clear_session_refs`),
never runs for it, so every download button it showed stays on the server for good: a
result's CSV and JSON, and the closure that builds its standalone HTML, which holds the
whole replay figure. `tend`, called on every script run, notes the session and, at most
every REAP_EVERY seconds, releases the files of sessions without a browser for longer
than the TTL (they can no longer reconnect), then hands freed memory back to the system.
"""

from __future__ import annotations

import threading
import time

from streamlit import config, runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ganloss_viz.ui.allocator import release_free_memory

REAP_EVERY = 10.0        # seconds between two looks for expired sessions

_lock = threading.Lock()
_gone: dict[str, float | None] = {}   # session id -> first seen without a browser (or None)
_reaped = [0.0]                       # when the last look was (monotonic)


def tend() -> None:
    """Note the calling script's session; release expired sessions' files (rate-limited)."""
    ctx = get_script_run_ctx()
    if ctx is None or not runtime.exists():
        return
    now = time.monotonic()
    with _lock:
        _gone[ctx.session_id] = None
        if now - _reaped[0] < REAP_EVERY:
            return
        _reaped[0] = now
        expired = _expired(runtime.get_instance(), now)
    if expired:
        release(expired)


def _expired(rt, now: float) -> list[str]:
    """Sessions (forgotten here) seen without a browser for longer than the TTL: their
    time without one is counted from the first look that found it gone, never more."""
    ttl = float(config.get_option("server.disconnectedSessionTTL"))
    expired = []
    for session_id, since in list(_gone.items()):
        if rt.is_active_session(session_id):
            _gone[session_id] = None
        elif since is None:
            _gone[session_id] = now
        elif now - since > ttl:
            expired.append(session_id)
            del _gone[session_id]
    return expired


def release(session_ids: list[str]) -> None:
    """What AppSession.shutdown would release for these sessions: their media files,
    download callables and dataframe sources."""
    rt = runtime.get_instance()
    for session_id in session_ids:
        rt.media_file_mgr.clear_session_refs(session_id)
        rt.dataframe_source_mgr.clear_all_for_session(session_id)
    # Downloadable files are marked on a first pass and deleted on the next (Streamlit
    # passes again after every script run); callables and media go on the first.
    rt.media_file_mgr.remove_orphaned_files()
    release_free_memory()
