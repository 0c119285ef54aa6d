"""A circuit breaker per target, shared by every call of one hub (thread- and task-safe).

closed --(``failure_threshold`` consecutive retryable failures)--> open
open --(``cooldown`` seconds later, the next call)--> half_open: that call is the one probe
half_open --(probe succeeds)--> closed;  --(probe fails)--> open for another cooldown

While a target is open, calls skip it (no request is sent) and go to the next target. A failure
that says nothing about the target's health (a bad request, a content filter, a prompt too long)
neither counts nor resets the count.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Breaker", "TargetHealth", "TargetKey"]

TargetKey = tuple[str, str, str | None]  # (provider, model, api_base)

CLOSED = "closed"
OPEN = "open"
HALF_OPEN = "half_open"


@dataclass(frozen=True, slots=True)
class TargetHealth:
    """The circuit breaker of one target, as :meth:`LLMHub.health` reports it.

    Attributes:
        provider: Provider id.
        model: Model id.
        api_base: The endpoint, when the provider has one configured.
        state: ``closed`` (in use), ``open`` (skipped until ``retry_in`` has passed) or
            ``half_open`` (one probe call is allowed through).
        consecutive_failures: Retryable failures since the last success.
        retry_in: Seconds until an open breaker lets a probe through (``0.0`` otherwise).
        failures: Retryable failures of this target since the hub started.
        successes: Successful attempts of this target since the hub started.
    """

    provider: str
    model: str
    api_base: str | None
    state: str
    consecutive_failures: int
    retry_in: float
    failures: int
    successes: int


@dataclass(slots=True)
class _State:
    state: str = CLOSED
    consecutive: int = 0
    opened_at: float = 0.0
    probing: bool = False
    failures: int = 0
    successes: int = 0


class Breaker:
    """The breakers of every target a hub has called."""

    def __init__(
        self, failure_threshold: int, cooldown: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.failure_threshold = failure_threshold
        self.cooldown = cooldown
        self._clock = clock
        self._lock = threading.Lock()
        self._states: dict[TargetKey, _State] = {}

    def admit(self, key: TargetKey) -> tuple[bool, str, float]:
        """May a call use this target now? Returns (admitted, state for this attempt, retry_in).

        An open breaker whose cooldown has passed admits exactly one call (the probe) and turns
        half-open; calls arriving while the probe runs are not admitted.
        """
        state = self._states.get(key)
        if state is None or state.state == CLOSED:
            return True, CLOSED, 0.0  # the common path takes no lock
        with self._lock:
            if state.state == CLOSED:
                return True, CLOSED, 0.0
            left = state.opened_at + self.cooldown - self._clock()
            if state.state == OPEN and left <= 0:
                state.state = HALF_OPEN
                state.probing = True
                return True, HALF_OPEN, 0.0
            if state.state == HALF_OPEN and not state.probing:
                state.probing = True
                return True, HALF_OPEN, 0.0
            return False, state.state, max(left, 0.0)

    def success(self, key: TargetKey) -> str:
        """Record a successful attempt; returns the state after it."""
        state = self._states.get(key)
        if state is not None and state.state == CLOSED and state.consecutive == 0:
            state.successes += 1  # a lost increment under a race only skews a statistic
            return CLOSED
        with self._lock:
            state = self._states.setdefault(key, _State())
            state.state, state.consecutive, state.probing = CLOSED, 0, False
            state.successes += 1
            return CLOSED

    def failure(self, key: TargetKey) -> str:
        """Record a retryable failure; returns the state after it."""
        with self._lock:
            state = self._states.setdefault(key, _State())
            state.failures += 1
            state.consecutive += 1
            if state.state == HALF_OPEN or state.consecutive >= self.failure_threshold:
                state.state, state.opened_at, state.probing = OPEN, self._clock(), False
            return state.state

    def release(self, key: TargetKey) -> None:
        """A probe ended without saying anything about the target (e.g. a bad request): allow another."""
        with self._lock:
            state = self._states.get(key)
            if state is not None and state.state == HALF_OPEN:
                state.probing = False

    def snapshot(self) -> list[TargetHealth]:
        """The health of every target called so far, in the order they were first recorded."""
        now = self._clock()
        with self._lock:
            return [
                TargetHealth(
                    provider=key[0],
                    model=key[1],
                    api_base=key[2],
                    state=s.state,
                    consecutive_failures=s.consecutive,
                    retry_in=max(s.opened_at + self.cooldown - now, 0.0) if s.state == OPEN else 0.0,
                    failures=s.failures,
                    successes=s.successes,
                )
                for key, s in self._states.items()
            ]
