"""ThreadGovernor: fewer llama.cpp threads while other processes keep cores busy.

The arithmetic is checked with scripted counters (hypothesis), the measurement on the real
machine with real CPU-burning processes.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cpu_burners import burning_every_cpu
from llmhub_local.runners.threads import CpuSample, ThreadGovernor, sample_cpu


class Script:
    """Counters that advance by given amounts per window: ``others`` and ``own`` cores busy."""

    def __init__(self, cpus: int) -> None:
        self.cpus = cpus
        self.now = 0.0
        self.busy = self.total = self.own = 0.0

    def advance(self, seconds: float, others: float, own: float) -> None:
        self.now += seconds
        self.total += seconds * self.cpus
        self.busy += seconds * (others + own)
        self.own += seconds * own

    def sample(self) -> CpuSample:
        return CpuSample(machine_busy=self.busy, machine_total=self.total, own=self.own)

    def governor(self, maximum: int) -> ThreadGovernor:
        return ThreadGovernor(maximum, cpus=self.cpus, sample=self.sample, clock=lambda: self.now)


def test_an_idle_machine_keeps_every_configured_thread() -> None:
    script = Script(cpus=2)
    governor = script.governor(2)
    assert governor.threads() == 2  # no history yet: the configured count
    script.advance(1.0, others=0.0, own=2.0)  # our own generation does not count against us
    assert governor.threads() == 2
    assert governor.others == 0.0


def test_a_busy_core_is_left_to_its_process_and_taken_back_when_it_stops() -> None:
    script = Script(cpus=2)
    governor = script.governor(2)
    governor.threads()
    script.advance(1.0, others=0.9, own=1.1)
    assert governor.threads() == 1
    assert governor.others == pytest.approx(0.9)
    script.advance(1.0, others=0.0, own=1.0)
    assert governor.threads() == 2


def test_a_sooner_call_keeps_the_last_answer() -> None:
    script = Script(cpus=4)
    governor = script.governor(4)
    governor.threads()
    script.advance(1.0, others=3.0, own=1.0)
    assert governor.threads() == 1
    script.advance(0.1, others=0.0, own=0.0)  # inside the window: not measured again
    assert governor.threads() == 1
    script.advance(1.0, others=0.0, own=0.0)
    assert governor.threads() == 4


def _after_one_window(cpus: int, maximum: int, seconds: float, others: float, own: float) -> int:
    script = Script(cpus)
    governor = script.governor(maximum)
    governor.threads()
    script.advance(seconds, others=others, own=own)
    return governor.threads()


windows = st.tuples(
    st.integers(1, 64),  # cpus
    st.integers(1, 128),  # configured threads
    st.floats(0.3, 600.0),  # seconds since the previous generation
    st.floats(0.0, 1.0),  # share of the CPUs other processes used
    st.floats(0.0, 1.0),  # share of the rest this process used
)


@given(windows, st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_more_load_from_others_never_gives_more_threads_and_own_load_never_matters(
    window: tuple[int, int, float, float, float], more: float, own_other: float
) -> None:
    cpus, maximum, seconds, share, own_share = window
    others = share * cpus
    own = own_share * (cpus - others)
    threads = _after_one_window(cpus, maximum, seconds, others, own)
    assert 1 <= threads <= maximum
    if others < 0.5:
        assert threads == maximum  # no core taken: the configured count, oversubscribed or not
    else:
        assert threads <= cpus - 1 or threads == 1  # a taken core is left alone
    heavier = min(float(cpus), others + more * (cpus - others))
    assert _after_one_window(cpus, maximum, seconds, heavier, 0.0) <= threads
    assert _after_one_window(cpus, maximum, seconds, others, own_other * (cpus - others)) == threads


def test_counters_that_do_not_move_mean_nothing_else_runs() -> None:
    frozen = CpuSample(machine_busy=5.0, machine_total=10.0, own=1.0)
    clock = iter(range(100))
    governor = ThreadGovernor(3, cpus=4, sample=lambda: frozen, clock=lambda: float(next(clock)))
    assert governor.threads() == 3
    assert governor.threads() == 3
    assert governor.others == 0.0


def test_maximum_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        ThreadGovernor(0)


def test_real_counters_move_forward() -> None:
    first = sample_cpu()
    end = time.process_time() + 0.05
    while time.process_time() < end:  # spend some CPU of our own
        pass
    second = sample_cpu()
    assert second.own > first.own
    assert second.machine_total >= first.machine_total
    assert 0.0 <= first.machine_busy <= first.machine_total


@pytest.fixture
def burners() -> Iterator[int]:
    """One busy-looping process per CPU (each stops by itself after 30 s)."""
    with burning_every_cpu(30) as cpus:
        yield cpus


def test_real_burning_processes_leave_one_thread(burners: int) -> None:
    """Every CPU kept busy by another process: the governor measures it and answers 1."""
    governor = ThreadGovernor(max(2, burners), window=0.5)
    time.sleep(0.5)  # let the burners start
    governor.threads()
    time.sleep(1.0)
    assert governor.threads() == 1
    assert governor.others is not None
    assert governor.others > burners - 0.5
