"""Does evaluation's projection keep up with flat-out intake, and what does it cost intake? (issue 13, Speed)

Method: the pipeline bench's own flat-out phase (``bench.runner``: cases onto ``intake.case.reported.v1``,
dispatch, each department's durable pull consumer; throughput = cases delivered ÷ first send to last
receipt), at twice its count of cases, is run seven times on the five services, alternating: evaluation
running, stopped, running again (a fresh process), stopped, and so on, ending with evaluation running. One
more phase with evaluation running goes first and is not counted: the first flat-out phase after start-up ran
the slowest in most runs, and it would always have counted on the "on" side. Evaluation runs in a process
group of its own so it can be stopped alone. While it runs, its durable consumer on DISPATCH is sampled every 0.25 s
(pending + unacknowledged): the peak is the lag it reached, and the time from the phase's end until the lag
is zero is its drain. The ratio is the mean of the four "on" phases ÷ the mean of the three "off" phases
(target ≥ 0.9): a phase of a few seconds on two shared cores swings by several per cent, and alternating
spreads any drift over both sides.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from nats.js import JetStreamContext

from bench.infra import Infra, Say
from bench.load import PhaseResult, receive
from bench.pipeline import Platform
from bench.plan import Plan
from bench.procs import Monitor
from bench.runner import Session, prepare_platform, running, session
from bench.workload import Workload
from services.platform.evaluation_demo_replay import evaluation_backlog
from services.platform.supervisor import on_free_ports

SAMPLE_S = 0.25
DRAIN_PATIENCE_S = 120.0
TARGET_RATIO = 0.9
ROUNDS = 4
"""Phases with evaluation running; one fewer without it, in between."""
PHASE_SCALE = 2
"""Each phase sends twice the pipeline bench's flat-out count (16,000 cases in a full run, 6-10 s here)."""
INTAKE = ("INTAKE",)


class SplitPlatform(Platform):
    """The five services, evaluation in a process group of its own so that it can be stopped alone."""

    def __enter__(self) -> SplitPlatform:
        specs = on_free_ports()
        try:
            self._start([spec for spec in specs if spec.name != "evaluation"])
            self._start([spec for spec in specs if spec.name == "evaluation"])
        except BaseException:
            self._stack.close()
            raise
        return self


@dataclass
class Lag:
    peak: int = 0
    drain_s: float | None = None
    samples: list[int] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"peak_events": self.peak, "drain_s": None if self.drain_s is None else round(self.drain_s, 2)}


@contextlib.asynccontextmanager
async def watching(js: JetStreamContext) -> AsyncIterator[Lag]:
    """Samples evaluation's backlog for the block's lifetime, then waits for it to drain."""
    lag = Lag()

    async def sample() -> None:
        while True:
            lag.samples.append(await evaluation_backlog(js))
            lag.peak = max(lag.peak, lag.samples[-1])
            await asyncio.sleep(SAMPLE_S)

    sampler = asyncio.create_task(sample(), name="evaluation lag")
    async with running(sampler):
        yield lag
    ended = time.monotonic()
    while time.monotonic() - ended < DRAIN_PATIENCE_S:
        if await evaluation_backlog(js) == 0:
            lag.drain_s = time.monotonic() - ended
            return
        await asyncio.sleep(SAMPLE_S)


async def flat_out(s: Session, name: str) -> PhaseResult:
    # Only intake's leftovers are purged: what dispatch published stays for evaluation, so its drain is real.
    count = s.plan.flat_out_cases * PHASE_SCALE
    return await s.phase(name, s.workload.case, count=count, rate=None, stream="INTAKE", purge=INTAKE)


async def with_evaluation(s: Session, name: str) -> tuple[PhaseResult, Lag]:
    async with watching(s.js) as lag:
        result = await flat_out(s, name)
    s.say(f"  evaluation's lag peaked at {lag.peak} events, drained {lag.as_json()['drain_s']} s after the phase")
    await s.settle()
    return result, lag


async def measure(platform: Platform, infra: Infra, monitor: Monitor, plan: Plan, say: Say) -> dict[str, Any]:
    workload = Workload()
    async with session(infra.nats_url, monitor, plan, workload, say) as s:
        receivers = [
            asyncio.create_task(receive(s.js, f"dispatch.task.assigned.v1.{code}", f"bench-{code}", s.tracker))
            for code in workload.department_codes()
        ]
        async with running(*receivers):
            await prepare_platform(platform, s)
            await with_evaluation(s, "flat_out_evaluation_warmup")  # not counted: see the module's docstring
            on, off, lags = [], [], []
            evaluation = "evaluation"
            for round_ in range(1, ROUNDS + 1):
                result, lag = await with_evaluation(s, f"flat_out_evaluation_on_{round_}")
                on.append(result)
                lags.append(lag)
                if round_ == ROUNDS:
                    break
                await asyncio.to_thread(platform.stop, evaluation)
                off.append(await flat_out(s, f"flat_out_evaluation_off_{round_}"))
                await s.purge(("DISPATCH",))  # evaluation's backlog, which nobody is there to take
                evaluation = f"evaluation-{round_ + 1}"
                await asyncio.to_thread(platform.add_replica, "evaluation", evaluation)
    return summary(on, off, lags)


def summary(on: list[PhaseResult], off: list[PhaseResult], lags: list[Lag]) -> dict[str, Any]:
    on_cps = [p.throughput_cps or 0.0 for p in on]
    off_cps = [p.throughput_cps or 0.0 for p in off]
    ratio = statistics.fmean(on_cps) / statistics.fmean(off_cps) if all(off_cps) else None
    return {
        "throughput_cps": {"evaluation_on": on_cps, "evaluation_off": off_cps},
        "ratio_on_to_off": None if ratio is None else round(ratio, 3),
        "target_ratio": TARGET_RATIO,
        "evaluation_lag": [lag.as_json() for lag in lags],
        "phases": {p.name: p.as_json() for p in sorted([*on, *off], key=lambda p: p.name[-1])},
    }
