"""Is a process still alive? (used to reconcile the state store with reality), through psutil.

A pid alone is not enough: pids are reused, and a killed child that nobody has waited for is a
zombie that still has a pid. A process is identified by its pid *and* its creation time (as
whole milliseconds since the epoch, so it fits an SQLite integer), and a zombie counts as dead.
psutil reads both correctly on Linux, macOS and Windows.
"""

from __future__ import annotations

import psutil

__all__ = ["is_alive", "process_start_time", "terminate"]


def process_start_time(pid: int) -> int | None:
    """When ``pid`` was created (ms since the epoch), or ``None`` when it cannot be read."""
    try:
        created: float = psutil.Process(pid).create_time()
    except (psutil.Error, ValueError, OSError):
        return None
    return round(created * 1000)


def is_alive(pid: int | None, start_time: int | None = None) -> bool:
    """Whether ``pid`` runs (and, when ``start_time`` is given and knowable, is the same process)."""
    if pid is None or pid <= 0:
        return False
    try:
        process = psutil.Process(pid)
        if process.status() in {psutil.STATUS_ZOMBIE, psutil.STATUS_DEAD}:
            return False
        created = round(process.create_time() * 1000)
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        return True  # it exists but belongs to someone else
    # A few ms of slack: the creation time is derived from clock ticks.
    return start_time is None or abs(created - start_time) <= 20


def terminate(pid: int, *, force: bool = False) -> bool:
    """Send SIGTERM (or SIGKILL with ``force``) to ``pid``; return whether it was delivered."""
    try:
        process = psutil.Process(pid)
        if force:
            process.kill()
        else:
            process.terminate()
    except psutil.NoSuchProcess:
        return False
    return True
