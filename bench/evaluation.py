"""Evaluation bench (issue 13, Speed): ``python -m bench.evaluation [--cases N] [--quick]``.

On a NATS and Postgres of its own (``bench.infra``):
1. **Recompute a year** of ``--cases`` cases (100,000) whose events are already stored: the synthetic year's
   events (``evaluation_demo``) go through the projection's own translation into its tables first (untimed),
   then one recompute is timed *including reading the facts in Postgres* (target ≤ 2 s), three times, as
   ``GET /figures`` computes it (Postgres tallies per organisation, store/tallies.py); once more the former way
   (every fact loaded into objects, counted in Python) for comparison.
   Baseline from the same run: the same rows fetched bare with asyncpg (no objects) plus one pass counting
   closed cases, the floor any recompute pays to read and look at every case once.
2. **Scorecard page p99** over HTTP against evaluation running as ``linkage up`` runs it, with that year's
   scorecards published (target ≤ 50 ms); baseline: ``GET /healthz`` on the same connection.
3. **Projection vs flat-out intake** (``bench.evaluation_intake`` says how; target: ≥ 0.9 of the rate
   without evaluation).
Figures and their history go in bench/README.md, not here.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bench import catalogue, evaluation_intake
from bench.infra import Infra, Say, infrastructure
from bench.plan import FULL, QUICK, Plan
from bench.procs import Monitor
from services.evaluation.domain.facts import Facts, fact_rows
from services.evaluation.domain.figures import figures, tallied
from services.evaluation.domain.periods import Period
from services.evaluation.store.facts import FactStore
from services.evaluation.store.tallies import TallyReads
from services.platform.evaluation_demo import year
from services.runtime.db import create_engine

TARGETS = {"recompute_s": 2.0, "scorecard_page_p99_ms": 50.0, "intake_ratio": evaluation_intake.TARGET_RATIO}
YEAR = Period(date(2022, 1, 1), date(2022, 12, 31))
QUERY = f"from={YEAR.start}&to={YEAR.end}"
CHUNK = 20_000


async def store_year(engine: AsyncEngine, cases: int) -> int:
    """The synthetic year's events through the projection's translation into its tables; how many events."""
    _, events = year(cases)
    rows = [row for event in events for row in fact_rows(event)]
    for first in range(0, len(rows), CHUNK):
        async with AsyncSession(engine) as session, session.begin():
            await FactStore(session).apply(rows[first : first + CHUNK])
    await settle(engine)
    return len(events)


async def settle(engine: AsyncEngine) -> None:
    """What pgbench does before it measures: vacuum and analyse what was just loaded, so the autovacuum of a
    fresh bulk load does not land on whichever phase comes first; then a checkpoint, so that writing out the
    load's dirty pages does not either."""
    async with engine.connect() as connection:
        connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
        for table in ("case_facts", "task_facts", "whistle_summons"):
            await connection.execute(sa.text(f"VACUUM ANALYZE evaluation.{table}"))
        await connection.execute(sa.text("CHECKPOINT"))


async def recompute_once(engine: AsyncEngine) -> dict[str, float]:
    """Every figure of the year as ``GET /figures`` computes it: tallied by Postgres, made figures in Python.

    ``load_s`` is the statements (the counting happens there), ``compute_s`` the figures made of their rows.
    """
    started = time.perf_counter()
    async with AsyncSession(engine) as session:
        rates, spreads = await TallyReads(session).tallies(YEAR.bounds())
    loaded = time.perf_counter()
    found = tallied(rates, spreads)
    done = time.perf_counter()
    return {"load_s": loaded - started, "compute_s": done - loaded, "total_s": done - started, "figures": len(found)}


async def in_python_once(engine: AsyncEngine) -> dict[str, float]:
    """The former way, kept as a comparison: load every fact into objects, then count in Python."""
    started = time.perf_counter()
    async with AsyncSession(engine) as session:
        cases, tasks, summons = await FactStore(session).load(YEAR.bounds()[1])
    found = figures(Facts(cases, tasks, summons), YEAR)
    return {"total_s": time.perf_counter() - started, "figures": len(found)}


async def bare_fetch(dsn: str) -> dict[str, float]:
    """Baseline: the same rows fetched with asyncpg, no objects built, and one pass counting closed cases."""
    until = YEAR.bounds()[1]
    connection = await asyncpg.connect(dsn)
    try:
        started = time.perf_counter()
        cases = await connection.fetch("SELECT * FROM evaluation.case_facts WHERE accepted_at < $1", until)
        await connection.fetch("SELECT * FROM evaluation.task_facts WHERE assigned_at < $1", until)
        await connection.fetch("SELECT * FROM evaluation.whistle_summons WHERE blown_at < $1", until)
        closed = sum(1 for case in cases if case["closed_at"] is not None)
        return {"total_s": time.perf_counter() - started, "cases": len(cases), "closed": closed}
    finally:
        await connection.close()


async def recompute(infra: Infra, cases: int, say: Say) -> dict[str, Any]:
    engine = create_engine(infra.database_url, pool_size=2, statement_timeout_s=600)
    try:
        say(f"storing a year of {cases:,} cases' facts through the projection's translation")
        started = time.perf_counter()
        events = await store_year(engine, cases)
        stored_s = time.perf_counter() - started
        say("recomputing the year three times, loading from Postgres each time")
        runs = [await recompute_once(engine) for _ in range(3)]
        say("the same in Python from loaded facts, once, for comparison")
        python = await in_python_once(engine)
    finally:
        await engine.dispose()
    best = min(runs, key=lambda run: run["total_s"])
    return {"cases": cases, "events": events, "store_s": stored_s, "runs": runs, "best": best, "in_python": python}


async def scorecard_pages(url: str, token: str, *, count: int, say: Say) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    say("publishing the year's scorecards over HTTP")
    async with httpx.AsyncClient(base_url=url, timeout=600, trust_env=False) as http:
        started = time.perf_counter()
        published = await http.post(f"/scorecards/publish?{QUERY}", headers=headers)
        publish_s = time.perf_counter() - started
    published.raise_for_status()
    orgs = [card["org_code"] for card in published.json()]
    say(f"timing GET /scorecards/{{org}}.html for {len(orgs)} organisations, {count} requests")
    page = await catalogue.lookup_http(url, token, orgs, count=count, path="/scorecards/{code}.html?" + QUERY)
    baseline = await catalogue.lookup_http(url, token, ["-"], count=count, path="/healthz")
    return {"publish_s": publish_s, "scorecards": len(orgs), "page": page.as_json(), "healthz": baseline.as_json()}


async def served(platform: evaluation_intake.SplitPlatform, infra: Infra, plan: Plan, say: Say) -> dict[str, Any]:
    """The scorecard pages first (evaluation idle), then the intake phases."""
    monitor = platform.monitor
    pages = await scorecard_pages(platform.url("evaluation"), platform.token("office"), count=plan.lookups, say=say)
    intake = await evaluation_intake.measure(platform, infra, monitor, plan, say)
    return {"scorecard_pages": pages, "intake": intake}


def run(cases: int, plan: Plan, say: Say) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-evaluation-") as tmp, infrastructure(Path(tmp), say=say) as infra:
        results = {"recompute": asyncio.run(recompute(infra, cases, say))}
        results["baseline_bare_fetch"] = asyncio.run(bare_fetch(infra.dsn))
        say("starting the five services (evaluation in a process group of its own)")
        with (
            Monitor() as monitor,
            evaluation_intake.SplitPlatform(infra, log_dir=Path(tmp) / "logs", monitor=monitor, service_env={}) as p,
        ):
            results |= asyncio.run(served(p, infra, plan, say))
    return results


def verdicts(results: dict[str, Any]) -> dict[str, bool]:
    ratio = results["intake"]["ratio_on_to_off"]
    return {
        "recompute_s": results["recompute"]["best"]["total_s"] <= TARGETS["recompute_s"],
        "scorecard_page_p99_ms": results["scorecard_pages"]["page"]["latency"]["p99_ms"]
        <= TARGETS["scorecard_page_p99_ms"],
        "intake_ratio": ratio is not None and ratio >= TARGETS["intake_ratio"],
    }


def show(results: dict[str, Any]) -> None:
    r, bare = results["recompute"], results["baseline_bare_fetch"]
    best, pages, intake = r["best"], results["scorecard_pages"], results["intake"]
    ok = verdicts(results)
    print(f"recompute a year of {r['cases']:,} cases ({r['events']:,} events stored in {r['store_s']:.1f} s):")
    print(
        f"  load {best['load_s']:.3f} s + compute {best['compute_s']:.3f} s = {best['total_s']:.3f} s "
        f"(target {TARGETS['recompute_s']} s incl. loading): {'ok' if ok['recompute_s'] else 'OVER TARGET'}"
    )
    each = ", ".join(f"{run['total_s']:.3f}" for run in r["runs"])
    print(
        f"  all three: {each} s; the former way (facts loaded into objects, counted in Python): "
        f"{r['in_python']['total_s']:.3f} s"
    )
    print(
        f"  baseline: the same rows fetched bare with asyncpg and a pass counting {bare['closed']:,} closed: "
        f"{bare['total_s']:.3f} s"
    )
    page, healthz = pages["page"]["latency"], pages["healthz"]["latency"]
    print(
        f"scorecard page over HTTP ({pages['scorecards']} published in {pages['publish_s']:.2f} s): "
        f"p50 {page['p50_ms']:.1f} / p99 {page['p99_ms']:.1f} ms (target 50): "
        f"{'ok' if ok['scorecard_page_p99_ms'] else 'OVER TARGET'}; baseline GET /healthz "
        f"p50 {healthz['p50_ms']:.1f} / p99 {healthz['p99_ms']:.1f} ms"
    )
    cps = intake["throughput_cps"]
    on, off = (", ".join(f"{x:.0f}" for x in cps[side]) for side in ("evaluation_on", "evaluation_off"))
    print(
        f"flat-out intake, cases/s: evaluation on {on}; off {off}; mean on ÷ mean off {intake['ratio_on_to_off']} "
        f"(target >= {TARGETS['intake_ratio']}): {'ok' if ok['intake_ratio'] else 'UNDER TARGET'}"
    )
    print(f"  evaluation's consumer lag (peak events, drain after the phase): {intake['evaluation_lag']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="fewer page requests and shorter intake phases")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    results = run(args.cases, QUICK if args.quick else FULL, Say())
    show(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
