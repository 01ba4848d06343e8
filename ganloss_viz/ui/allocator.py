"""glibc's allocator on a long-lived, many-threaded server: fewer arenas, memory handed back.

A Streamlit server runs each script run and each training run in a thread of its own.
glibc gives threads separate malloc arenas (up to eight per core) and keeps what is
freed in them for reuse instead of returning it to the system, so a server's resident
memory keeps the high-water mark of every arena its threads ever used
(benchmarks/README.md, `load_clients.py`). `limit_arenas` caps the arenas (as
MALLOC_ARENA_MAX would, which must be set before the process starts: a hosted app
cannot); `release_free_memory` returns the free pages of every arena (malloc_trim).
Both do nothing where the C library is not glibc (macOS, Windows, musl).
"""

from __future__ import annotations

import ctypes
import os
import threading

ARENAS = 2                 # malloc arenas at most (glibc's default: 8 per core)
_M_ARENA_MAX = -8          # mallopt's parameter number (malloc.h)
_lock = threading.Lock()
_limited = False


def _glibc() -> ctypes.CDLL | None:
    """The process's C library where it is glibc, else None."""
    try:
        if not (os.confstr("CS_GNU_LIBC_VERSION") or "").startswith("glibc"):
            return None
        return ctypes.CDLL("libc.so.6")
    except (AttributeError, ValueError, OSError):    # no confstr, no such name, no file
        return None


_LIBC = _glibc()


def limit_arenas() -> None:
    """At most ARENAS malloc arenas from now on (once per process; the threads that
    already have an arena keep it)."""
    global _limited
    with _lock:
        if _LIBC is not None and not _limited:
            _LIBC.mallopt(_M_ARENA_MAX, ARENAS)
            _limited = True


def release_free_memory() -> None:
    """Hand the pages free in glibc's arenas back to the system (after a run ends)."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)
