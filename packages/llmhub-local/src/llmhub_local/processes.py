"""Is a process still alive? (used to reconcile the state store with reality).

A pid alone is not enough: pids are reused, and a killed child that nobody has waited for is a
zombie that ``kill(pid, 0)`` still reports. Where ``/proc`` exists, a process is identified by
its pid *and* its start time (field 22 of ``/proc/<pid>/stat``), and a zombie counts as dead.
"""

from __future__ import annotations

import os
import signal

__all__ = ["is_alive", "process_start_time", "terminate"]


def _stat_fields(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            text = f.read()
    except OSError:
        return None
    # The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    return text[text.rfind(")") + 2 :].split()


def process_start_time(pid: int) -> int | None:
    """The start time of ``pid`` in clock ticks since boot, or ``None`` when it cannot be read."""
    fields = _stat_fields(pid)
    if fields is None or len(fields) < 20:
        return None
    try:
        return int(fields[19])
    except ValueError:
        return None


def is_alive(pid: int | None, start_time: int | None = None) -> bool:
    """Whether ``pid`` runs (and, when ``start_time`` is given and knowable, is the same process)."""
    if pid is None or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists but belongs to someone else
    fields = _stat_fields(pid)
    if fields is None:
        return True  # no /proc (macOS): kill(pid, 0) is all we know
    if fields and fields[0] in {"Z", "X"}:
        return False
    return start_time is None or process_start_time(pid) in {None, start_time}


def terminate(pid: int, *, force: bool = False) -> bool:
    """Send SIGTERM (or SIGKILL with ``force``) to ``pid``; return whether it was delivered."""
    try:
        os.kill(pid, signal.SIGKILL if force else signal.SIGTERM)
    except ProcessLookupError:
        return False
    return True
