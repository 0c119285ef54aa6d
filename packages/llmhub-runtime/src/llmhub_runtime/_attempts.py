"""One call's walk over its targets: the bookkeeping shared by the hub's four call loops.

:class:`AttemptPlan` decides which target the next attempt goes to and how long to wait first
(backoff or ``Retry-After``), skips targets whose circuit breaker is open, records each failure
and, when nothing is left to try, raises the call's final error. The loops themselves
(``LLMHub._call`` and ``LLMHub._stream``) only send requests and fire hooks.

This module imports any-llm (through ``_retry``); the hub loads it on its first call.
"""

from __future__ import annotations

import logging
import random

from llmhub_runtime._breaker import Breaker, TargetKey
from llmhub_runtime._retry import Verdict, classify, retry_after_seconds
from llmhub_runtime.errors import AttemptFailure, CircuitOpenError, FallbacksExhaustedError
from llmhub_runtime.models import ResilienceConfig, ResolvedCall

__all__ = ["Attempt", "AttemptPlan", "target_key"]

logger = logging.getLogger("llmhub_runtime")


def target_key(target: ResolvedCall) -> TargetKey:
    """The circuit breaker's key for a target."""
    return (target.provider, target.model, target.api_base)


class Attempt:
    """The next request to send (a plain slotted class: one is built per call, so it is cheap).

    Attributes:
        target: Where it goes.
        number: 1 for the call's first attempt, and so on over every target.
        delay: Seconds to wait before sending it (backoff or ``Retry-After``).
        circuit: The target's breaker state for this attempt (``closed`` or ``half_open``).
    """

    __slots__ = ("circuit", "delay", "number", "target")

    def __init__(self, target: ResolvedCall, number: int, delay: float, circuit: str) -> None:
        self.target = target
        self.number = number
        self.delay = delay
        self.circuit = circuit


class AttemptPlan:
    """The attempts of one call (not thread-safe: one plan per call)."""

    __slots__ = (
        "_breaker",
        "_delay",
        "_failures",
        "_final",
        "_index",
        "_number",
        "_retries",
        "_role",
        "_settings",
        "_targets",
    )

    def __init__(
        self, role: str, targets: tuple[ResolvedCall, ...], breaker: Breaker, settings: ResilienceConfig
    ) -> None:
        self._role = role
        self._targets = targets
        self._breaker = breaker
        self._settings = settings
        self._index = 0
        self._retries = 0  # retries used on the current target
        self._number = 0
        self._delay = 0.0
        self._failures: list[AttemptFailure] = []
        self._final: BaseException | None = None

    @property
    def failures(self) -> tuple[AttemptFailure, ...]:
        """The failed (and skipped) attempts so far, in order."""
        return tuple(self._failures)

    def is_fallback(self, attempt: Attempt) -> bool:
        """Whether ``attempt`` goes to a fallback rather than the role's own target."""
        return attempt.target is not self._targets[0]

    def next(self) -> Attempt:
        """The next attempt; raises the call's final error when there is none."""
        if self._final is not None:
            raise self._final
        if self._number >= self._settings.max_attempts:
            raise self._exhausted()
        while self._index < len(self._targets):
            target = self._targets[self._index]
            admitted, circuit, retry_in = self._breaker.admit(target_key(target))
            if admitted:
                self._number += 1
                delay, self._delay = self._delay, 0.0
                return Attempt(target, self._number, delay, circuit)
            logger.info(
                "role %r: skipping %s/%s, its circuit is open", self._role, target.provider, target.model
            )
            self._failures.append(
                AttemptFailure(
                    target.provider, target.model, CircuitOpenError(target.provider, target.model, retry_in)
                )
            )
            self._move_on()
        raise self._exhausted()

    def succeeded(self, attempt: Attempt) -> str:
        """Record success; returns the target's breaker state after it."""
        return self._breaker.success(target_key(attempt.target))

    def failed(
        self,
        attempt: Attempt,
        exc: BaseException,
        *,
        restart: bool = False,
        record: BaseException | None = None,
    ) -> tuple[str, float | None]:
        """Record a failed attempt and choose what comes next.

        ``restart``: the attempt's stream broke after delivering chunks and is replayed on the
        next target, never the same one. ``record``: the error to list in the call's failures
        when it is not ``exc`` itself (a ``StreamInterruptedError`` wrapping it). Returns the
        target's breaker state after the failure and, when the same target is retried, the
        wait before that retry.
        """
        target = attempt.target
        key = target_key(target)
        verdict = classify(exc)
        if verdict.counts_against_target:
            circuit = self._breaker.failure(key)
        else:
            self._breaker.release(key)
            circuit = "closed" if attempt.circuit == "closed" else "half_open"
        self._failures.append(AttemptFailure(target.provider, target.model, record or exc))
        if verdict is Verdict.RAISE:
            self._final = record or exc
            return circuit, None
        if verdict is Verdict.BIGGER_CONTEXT:
            self._to_bigger_context(target, exc)
            return circuit, None
        if verdict is Verdict.RETRY and not restart and circuit != "open":
            wait = self._retry_wait(target, exc)
            if wait is not None:
                self._retries += 1
                self._delay = wait
                self._log(target, exc, f"retrying it in {wait:.2f} s")
                return circuit, wait
        self._move_on()
        if self._index < len(self._targets):
            self._log(target, exc, "trying the next target")
        return circuit, None

    def abandoned(self, attempt: Attempt) -> None:
        """The caller stopped reading a stream: no verdict on the target (a probe may be retried)."""
        self._breaker.release(target_key(attempt.target))

    def interrupted(self, attempt: Attempt, exc: BaseException, record: BaseException) -> str:
        """Record a stream broken mid-answer that will not be replayed; returns the breaker state.

        The call ends (the caller gets ``record``); the failure still counts for the target.
        """
        key = target_key(attempt.target)
        if classify(exc).counts_against_target:
            circuit = self._breaker.failure(key)
        else:
            self._breaker.release(key)
            circuit = attempt.circuit
        self._failures.append(AttemptFailure(attempt.target.provider, attempt.target.model, record))
        return circuit

    # ------------------------------------------------------------------ internals

    def _retry_wait(self, target: ResolvedCall, exc: BaseException) -> float | None:
        """The wait before retrying ``target``, or ``None`` to move on instead."""
        if self._retries >= target.max_retries or self._number >= self._settings.max_attempts:
            return None
        retry_after = retry_after_seconds(exc)
        if retry_after is not None:
            # A long Retry-After is better spent on the next target, when there is one.
            if retry_after > self._settings.max_retry_after:
                return None
            return retry_after
        ceiling = min(self._settings.backoff_base * 2.0**self._retries, self._settings.backoff_max)
        return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 - jitter, not security

    def _to_bigger_context(self, target: ResolvedCall, exc: BaseException) -> None:
        window = target.context_window
        if window is not None:
            for index in range(self._index + 1, len(self._targets)):
                candidate = self._targets[index].context_window
                if candidate is not None and candidate > window:
                    self._index, self._retries = index, 0
                    self._log(target, exc, f"trying {self._targets[index].model} (context {candidate})")
                    return
        self._final = exc  # no larger context to go to: the caller's prompt is too long

    def _move_on(self) -> None:
        self._index += 1
        self._retries = 0
        self._delay = 0.0

    def _log(self, target: ResolvedCall, exc: BaseException, action: str) -> None:
        logger.warning(
            "role %r: %s/%s failed (%s: %s); %s",
            self._role,
            target.provider,
            target.model,
            type(exc).__name__,
            exc,
            action,
        )

    def _exhausted(self) -> BaseException:
        """The error that ends a call whose targets are all used up."""
        failures = self._failures
        last = failures[-1].error if failures else None
        tried = {(f.provider, f.model) for f in failures}
        if len(tried) == 1 and last is not None:
            # One target only (no fallbacks, or the others skipped): its own error says it best.
            return last
        error = FallbacksExhaustedError(self._role, failures)
        error.__cause__ = last
        return error
