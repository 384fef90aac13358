"""ui/trim.py (issue 23 §11): one thread per process gives freed heap back to the system, whatever the number of
page runs that ask for it; off when MALLOC_TRIM_S is 0."""

from __future__ import annotations

import threading
import time

from ui import trim


def test_one_trimming_thread_that_trims(monkeypatch):
    calls: list[int] = []
    monkeypatch.setattr(trim, "_started", threading.Event())
    monkeypatch.setattr(trim, "_malloc_trim", lambda: lambda pad: calls.append(pad) or 1)
    assert not trim.start(0)  # off
    started = [trim.start(0.01) for _ in range(20)]  # every page run asks; one thread starts
    assert started.count(True) == 1
    deadline = time.monotonic() + 5
    while len(calls) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(calls) >= 3 and set(calls) == {0}
    assert sum(t.name == "malloc-trim" for t in threading.enumerate()) >= 1


def test_no_glibc_no_thread(monkeypatch):
    monkeypatch.setattr(trim, "_started", threading.Event())
    monkeypatch.setattr(trim, "_malloc_trim", lambda: None)
    assert not trim.start(0.01) and not trim._started.is_set()


def test_glibc_trim_is_found_here():
    assert trim._malloc_trim() is not None  # the deployment's Linux: the thread really trims
