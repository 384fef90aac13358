"""Give freed heap memory back to the system, every MALLOC_TRIM_S seconds, in one thread per process (issue 23 §11).

A dashboard process serves many sessions at once, each rerun in its own thread: glibc's allocator gives
those threads their own arenas and keeps what they free for reuse, so the resident memory of a busy process
climbs round after round of sessions although nothing is kept (bench/memory.py; tracemalloc finds no Python
object retained). `malloc_trim(0)` returns the free pages of every arena. Where there is no glibc (macOS,
Windows, musl) this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import threading

TRIM_S = float(os.environ.get("MALLOC_TRIM_S", "30"))  # 0: never
log = logging.getLogger(__name__)
_started = threading.Event()
_lock = threading.Lock()


def _malloc_trim():
    """glibc's malloc_trim, or None where there is none."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


def start(every_s: float = TRIM_S) -> bool:
    """Start the process's trimming thread unless it runs already (or trimming is off or impossible); True
    when this call started it."""
    if every_s <= 0 or _started.is_set():
        return False
    with _lock:
        if _started.is_set():
            return False
        trim = _malloc_trim()
        if trim is None:
            return False
        _started.set()
        threading.Thread(target=_loop, args=(trim, every_s), name="malloc-trim", daemon=True).start()
        return True


def _loop(trim, every_s: float) -> None:
    stop = threading.Event()
    while not stop.wait(every_s):
        try:
            trim(0)
        except Exception:  # never take the process down for this
            log.exception("malloc_trim failed")
            return
