"""The measurements, in order: the bare pipeline first (nothing else running), then the platform."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext

from bench import bare, catalogue
from bench.infra import Infra, Say
from bench.load import PhaseResult, Tracker, receive, result, send
from bench.pipeline import Platform
from bench.plan import Plan
from bench.procs import Monitor
from bench.workload import Outgoing, Workload

Make = Callable[[str, int], Outgoing]
WATCHED_STREAMS = ("INTAKE", "DISPATCH")


@dataclass
class Session:
    """What every phase of one event loop shares."""

    js: JetStreamContext
    tracker: Tracker
    monitor: Monitor
    plan: Plan
    workload: Workload
    say: Say

    async def phase(
        self,
        name: str,
        make: Make,
        *,
        count: int,
        rate: float | None,
        stream: str,
        purge: tuple[str, ...],
        deadline_s: float | None = None,
    ) -> PhaseResult:
        """Send ``count`` cases and wait for them; what is still undelivered at the deadline is purged."""
        tag = f"{name}-{uuid.uuid4().hex[:6]}"
        messages = [make(tag, seq) for seq in range(count)]
        log = self.tracker.open(tag, count)
        self.say(f"phase {name}: {count} cases at {f'{rate:.0f}/s' if rate else 'flat out'}")
        mark = self.monitor.mark()
        started = time.monotonic()
        await send(self.js, log, messages, rate=rate, stream=stream)
        if deadline_s is not None:
            wait = deadline_s - (time.monotonic() - started)
        elif rate is None:
            wait = self.plan.flat_out_seconds - (time.monotonic() - started)
        else:
            wait = min(self.plan.drain_s, count / rate)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(max(wait, 0.5)):
                await log.done.wait()
        outcome = result(name, log, offered=rate, cpu=self.monitor.cpu_since(mark))
        if outcome.delivered < count:
            await self.purge(purge)
        p99 = f"{outcome.latency.p99_ms:.1f} ms" if outcome.latency else "-"
        self.say(f"  {outcome.delivered}/{count} delivered, {outcome.throughput_cps or 0:.0f}/s, p99 {p99}")
        return outcome

    async def purge(self, streams: tuple[str, ...]) -> None:
        """Drop a backlog the platform could not take, so that it does not load the next phase."""
        for stream in streams:
            with contextlib.suppress(Exception):
                await self.js.purge_stream(stream)

    async def settle(self) -> None:
        """Until the platform's consumers have nothing pending; a backlog still there after ``drain_s`` is purged."""
        deadline, purged = time.monotonic() + self.plan.drain_s, False
        while await self._busy():
            if time.monotonic() > deadline:
                if purged:
                    self.say("  the platform's consumers still show pending work; going on")
                    return
                self.say("  the platform still had work pending: purged")
                await self.purge(WATCHED_STREAMS)
                deadline, purged = time.monotonic() + self.plan.drain_s, True
            await asyncio.sleep(0.2)

    async def _busy(self) -> int:
        busy = 0
        for stream in WATCHED_STREAMS:
            with contextlib.suppress(Exception):
                for info in await self.js.consumers_info(stream):
                    busy += (info.num_pending or 0) + (info.num_ack_pending or 0)
        return busy


@contextlib.asynccontextmanager
async def session(nats_url: str, monitor: Monitor, plan: Plan, workload: Workload, say: Say) -> AsyncIterator[Session]:
    client: Client = await nats.connect(nats_url, name="linkage-bench")
    try:
        yield Session(client.jetstream(), Tracker(), monitor, plan, workload, say)
    finally:
        await client.close()


@contextlib.asynccontextmanager
async def running(*tasks: asyncio.Task[None]) -> AsyncIterator[None]:
    """Background tasks for the block's lifetime; one that died surfaces its error."""
    try:
        yield
        for task in tasks:
            if task.done() and task.exception() is not None:
                raise RuntimeError(f"{task.get_name()} failed") from task.exception()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def measure_bare(infra: Infra, monitor: Monitor, plan: Plan, workload: Workload, say: Say) -> dict[str, Any]:
    async with session(infra.nats_url, monitor, plan, workload, say) as s:
        await bare.prepare(s.js, infra.dsn)
        receiver = asyncio.create_task(receive(s.js, bare.TASKS, "bench-bare-tasks", s.tracker), name="bare receiver")
        phases: dict[str, PhaseResult] = {}
        purging: dict[str, Any] = {"stream": bare.STREAM, "purge": (bare.STREAM,)}
        async with running(receiver):
            for mode, flat_count in (("single", plan.bare_single_cases), ("batched", plan.bare_batched_cases)):
                worker = asyncio.create_task(bare.run(s.js, infra.dsn, mode=mode, workload=workload), name=mode)
                async with running(worker):

                    def make(tag: str, seq: int, mode: str = mode) -> Outgoing:
                        return bare.case(workload, mode, tag, seq)

                    count = int(plan.latency_cps * plan.bare_rate_seconds)
                    phases[f"{mode}_at_{plan.latency_cps:.0f}cps"] = await s.phase(
                        f"bare-{mode}-rate", make, count=count, rate=plan.latency_cps, **purging
                    )
                    phases[f"{mode}_flat_out"] = await s.phase(
                        f"bare-{mode}-flat", make, count=flat_count, rate=None, **purging
                    )
        return phases


async def prepare_platform(platform: Platform, s: Session) -> PhaseResult:
    """Load the catalogue, wait until dispatch routes by it, and warm every process up."""
    await platform.load_catalogue(s.workload)
    await platform.wait_routed(s.workload.item_codes())
    warm = await s.phase(
        "warmup", s.workload.case, count=s.plan.warmup_cases, rate=None, stream="INTAKE", purge=(), deadline_s=60.0
    )
    if warm.delivered < warm.sent:
        raise RuntimeError(
            f"only {warm.delivered} of {warm.sent} warm-up cases reached a department; see {platform.log_dir}"
        )
    await s.settle()
    return warm


async def measure_platform(platform: Platform, infra: Infra, s: Session) -> dict[str, Any]:
    plan, workload = s.plan, s.workload
    receivers = [
        asyncio.create_task(receive(s.js, f"dispatch.task.assigned.v1.{code}", f"bench-{code}", s.tracker), name=code)
        for code in workload.department_codes()
    ]
    phases: dict[str, PhaseResult] = {}
    async with running(*receivers):
        phases["warmup"] = await prepare_platform(platform, s)
        lookups = await measure_lookups(platform, infra, s)

        async def phase(name: str, *, count: int, rate: float | None) -> None:
            phases[name] = await s.phase(
                name, workload.case, count=count, rate=rate, stream="INTAKE", purge=WATCHED_STREAMS
            )
            await s.settle()

        await phase(
            f"at_{plan.latency_cps:.0f}cps", count=int(plan.latency_cps * plan.latency_seconds), rate=plan.latency_cps
        )
        for factor in plan.scale_factors:
            rate = plan.scale_base_cps * factor
            await phase(f"scale_{factor}x", count=int(rate * plan.scale_seconds), rate=rate)
        await phase("flat_out", count=plan.flat_out_cases, rate=None)

        s.say("starting a second dispatch replica")
        await asyncio.to_thread(platform.add_replica, "dispatch", "dispatch-2")
        top = plan.scale_base_cps * max(plan.scale_factors)
        await phase(f"two_dispatch_scale_{max(plan.scale_factors)}x", count=int(top * plan.scale_seconds), rate=top)
        await phase("two_dispatch_flat_out", count=plan.flat_out_cases, rate=None)
    return {"phases": phases, "lookups": lookups}


async def measure_lookups(platform: Platform, infra: Infra, s: Session) -> dict[str, catalogue.Measured]:
    codes, count = s.workload.item_codes(), s.plan.lookups
    s.say(f"lookups: {count} of each, one at a time")
    token = platform.token("office")
    return {
        "catalog_http": await catalogue.lookup_http(
            platform.url("catalog"), token, codes, count=count, path="/items/{code}"
        ),
        "catalog_in_process": await catalogue.lookup_in_process(infra.database_url, codes, count=count),
        "dispatch_routing_http": await catalogue.lookup_http(
            platform.url("dispatch"), token, codes, count=count, path="/routing/{code}"
        ),
        "law_change_impact": await catalogue.law_change_impact(platform.url("catalog"), platform.token, count=count),
        "street_list_render": await catalogue.street_list_render(platform.url("catalog"), count=max(count // 5, 20)),
    }
