"""Scripted behaviours, queued per test and consumed by matching requests (thread-safe)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from enum import Enum

__all__ = ["Failure", "Plan", "Rule", "Scripts", "StreamFault"]


class StreamFault(Enum):
    """What goes wrong in a streamed answer (at most one fault per stream)."""

    CUT = "cut"  # the connection is dropped after N events
    STALL = "stall"  # the server goes quiet after N events (for a while, or until the client leaves)
    MALFORMED = "malformed"  # an event that is not JSON is sent before event N
    FIRST_CHUNK_DELAY = "first_chunk_delay"  # headers at once, the first event only after a delay


@dataclass(frozen=True, slots=True)
class Failure:
    """An HTTP error answer."""

    status: int
    message: str
    code: str | None = None
    error_type: str | None = None
    retry_after: str | None = None


@dataclass(slots=True)
class Rule:
    """A scripted behaviour for the next ``remaining`` matching requests (``-1``: until reset)."""

    model: str | None
    remaining: int
    failure: Failure | None = None
    seconds: float = 0.0
    fault: StreamFault | None = None
    at: int = 0
    text: str = ""


@dataclass(frozen=True, slots=True)
class Plan:
    """Everything scripted for one model call, taken from the queues in one step."""

    delay: float = 0.0
    failure: Failure | None = None
    stream_fault: Rule | None = None
    reply: str | None = None


@dataclass
class Scripts:
    """The queues of scripted behaviours of one server."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    failures: list[Rule] = field(default_factory=list)
    model_failures: dict[str, int] = field(default_factory=dict)
    delays: list[Rule] = field(default_factory=list)
    stream_faults: list[Rule] = field(default_factory=list)
    replies: list[Rule] = field(default_factory=list)

    def add(self, queue: list[Rule], rule: Rule) -> None:
        """Queue ``rule`` behind the rules already waiting in ``queue``."""
        with self.lock:
            queue.append(rule)

    def clear(self) -> None:
        """Forget every script."""
        with self.lock:
            for queue in (self.failures, self.delays, self.stream_faults, self.replies):
                queue.clear()
            self.model_failures.clear()

    def plan(self, model: str, *, stream: bool, chat: bool) -> Plan:
        """Consume the scripts that apply to one call of ``model``."""
        with self.lock:
            delay = _take(self.delays, model)
            fail = _take(self.failures, model)
            failure = fail.failure if fail is not None else None
            if failure is None and model in self.model_failures:
                status = self.model_failures[model]
                failure = Failure(status, f"The model {model!r} is failing (scripted, HTTP {status}).")
            stream_fault = _take(self.stream_faults, model) if stream and failure is None else None
            reply = _take(self.replies, model) if chat and failure is None else None
        return Plan(
            delay=delay.seconds if delay is not None else 0.0,
            failure=failure,
            stream_fault=stream_fault,
            reply=reply.text if reply is not None else None,
        )


def _take(rules: list[Rule], model: str) -> Rule | None:
    """Consume one use of the first rule matching ``model`` (the caller holds the lock)."""
    for index, rule in enumerate(rules):
        if rule.model is None or rule.model == model:
            if rule.remaining > 0:
                rule.remaining -= 1
                if rule.remaining == 0:
                    del rules[index]
            return rule
    return None
