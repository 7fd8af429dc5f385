"""``python -m bench.admission``: admission (职责准入) on the demo catalogue, against the issue's targets.

Screening (the automatic checks against the whole demo catalogue) is timed in-process; submitting, deciding
and approval-to-catalogue go over HTTP to admission and catalog running as ``linkage up`` runs them, on a NATS
and Postgres of their own (``bench.infra``). Baselines from the same run: a bare pass over the catalogue's
texts (the floor any screening pays to look at each text once) and ``GET /route`` (one authenticated round
trip to admission with one read). Figures and their history go in bench/README.md, not here.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import os
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx

from bench import stats
from bench.infra import Infra, Say, infrastructure
from contracts.events.admission import ApplicationKind
from contracts.events.catalog import ItemDefinition
from services.admission.domain.application import Resources, SubmitApplication
from services.admission.domain.checks import CheckSettings, screen
from services.admission.domain.facts import CatalogueFacts, KnownItem, Library, clause_key
from services.platform.supervisor import SERVICES, ServiceProcesses, on_free_ports
from services.runtime.auth import mint_token

TARGETS_MS = {"submit_p99": 50.0, "screen_p99": 20.0, "decide_p99": 50.0, "approval_to_version_p99": 1000.0}
DECISION_ONLY = {"stages": [{"name": "decision", "kind": "decision"}]}
SECRET = "bench-admission-secret-of-32-bytes-or-more"
SETTLE_S = 5.0


def demo_module() -> ModuleType:
    """The catalogue demo (``linkage up --demo``'s), in the platform package."""
    return importlib.import_module("services.platform.catalog_demo")


def demo_items() -> list[ItemDefinition]:
    load = demo_module().demo_catalogue()
    return [ItemDefinition.model_validate(item.model_dump()) for item in load.items]


def facts_of(items: list[ItemDefinition]) -> CatalogueFacts:
    known = {item.item_code: KnownItem(item.item_code, item.name, 1, definition=item) for item in items}
    clauses = {clause_key(c) for item in items for c in [*item.legal_basis, *(c for t in item.tasks for c in t.basis)]}
    return CatalogueFacts(items=known, library=Library(clauses=frozenset(clauses)))


def proposal(template: ItemDefinition, n: int, streets: list[str]) -> dict[str, Any]:
    """A new duty shaped like a demo item, with its own code, name and street task text."""
    item = template.model_dump(mode="json")
    code = f"ZR{n:05d}{uuid.uuid4().hex[:4]}"
    tasks = [{**task, "text": f"{task['text']}（准入{n}）"} for task in item["tasks"]]
    return {**item, "item_code": code, "name": f"{item['name']}延伸服务{n}", "street_codes": streets, "tasks": tasks}


def command(body: dict[str, Any]) -> SubmitApplication:
    definition = ItemDefinition.model_validate(body)
    street_codes = tuple(body["street_codes"])
    return SubmitApplication(
        "jsx", ApplicationKind.ADD, definition.item_code, definition, street_codes, Resources(), ""
    )


def screening(count: int) -> dict[str, Any]:
    """The automatic checks of ``count`` proposals against every demo item; a bare pass over the texts beside it."""
    items = demo_items()
    facts, settings = facts_of(items), CheckSettings()
    commands = [command(proposal(items[n % len(items)], n, ["wulong"])) for n in range(count)]
    samples = [_clocked(functools.partial(screen, c, facts, settings, today=date.today())) for c in commands]
    texts = [text for item in items for text in (item.name, *(task.text for task in item.tasks))]
    bare = [_clocked(lambda: sum(len(text) for text in texts)) for _ in range(count)]
    return {"items": len(items), "screen": _ms(samples), "baseline_bare_pass": _ms(bare)}


def _clocked(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def _ms(samples: list[float]) -> dict[str, Any] | None:
    measured = stats.latency(samples)
    return measured.as_json() if measured else None


class Bench:
    """Admission and catalog over HTTP, with one token per party."""

    def __init__(self, admission: str, catalog: str) -> None:
        self.admission = httpx.Client(base_url=admission, timeout=60)
        self.catalog = httpx.Client(base_url=catalog, timeout=300)
        self.office = self._token("office")
        self.items = demo_items()

    @staticmethod
    def _token(role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {mint_token(SECRET, subject=f'bench-{role}', roles=[role])}"}

    def load_demo(self) -> None:
        """As ``linkage up --demo`` loads it: the catalogue, then each street's list claimed and published."""
        demo_module().load(
            str(self.catalog.base_url), lambda *roles: mint_token(SECRET, subject="bench", roles=list(roles))
        )

    def submit(self, n: int) -> httpx.Response:
        body = {
            "department_code": "jsx",
            "kind": "add",
            "item_code": (item := proposal(self.items[n % len(self.items)], n, ["wulong", "hubin"]))["item_code"],
            "proposal": item,
            "resources": {"staff": 1, "funds_yuan": 10000},
            "reason": "基准测试：街道新增职责",
        }
        return self.admission.post("/applications", json=body, headers=self._token("department:jsx"))

    def decide(self, application_id: str, decision: str) -> httpx.Response:
        body = {"decision": decision, "minutes_ref": "区委常委会〔2026〕基准", "reason": "基准测试"}
        path = f"/applications/{application_id}/decision"
        return self.admission.post(path, json=body, headers=self._token("committee"))

    def set_route(self, route: dict[str, Any]) -> None:
        self.admission.put("/route", json=route, headers=self.office).raise_for_status()

    def in_catalogue(self, code: str) -> bool:
        return self.catalog.get(f"/items/{code}", headers=self.office).status_code == 200


def wait_for_projection(bench: Bench, *, timeout_s: float = 120) -> None:
    """Admission screens against the catalogue it has heard of: submit until the demo's clauses are known."""
    deadline = time.monotonic() + timeout_s
    while (answer := bench.submit(0)).status_code != 201:
        if time.monotonic() > deadline:
            raise SystemExit(f"admission never learnt the demo catalogue: {answer.text[:500]}")
        time.sleep(0.5)


def timed_requests(run: Callable[[int], httpx.Response], count: int) -> tuple[list[float], list[dict[str, Any]]]:
    samples, bodies = [], []
    for n in range(count):
        started = time.perf_counter()
        answer = run(n)
        samples.append(time.perf_counter() - started)
        answer.raise_for_status()
        bodies.append(answer.json())
    return samples, bodies


def approval_latency(bench: Bench, count: int, offset: int) -> list[float]:
    """From the committee's approval request to catalog answering ``GET /items/{code}`` with the new item."""
    _, submitted = timed_requests(lambda n: bench.submit(offset + n), count)
    samples = []
    for application in submitted:
        started = time.perf_counter()
        bench.decide(application["id"], "approve").raise_for_status()
        while not bench.in_catalogue(application["item_code"]):
            if time.perf_counter() - started > 30:
                raise SystemExit(f"{application['item_code']} never reached the catalogue")
            time.sleep(0.002)
        samples.append(time.perf_counter() - started)
    return samples


def over_http(bench: Bench, count: int) -> dict[str, Any]:
    bench.load_demo()
    wait_for_projection(bench)
    for n in range(1, 21):
        bench.submit(n).raise_for_status()  # warm-up
    time.sleep(SETTLE_S)  # the demo's events may still be reaching admission's projection: not what is measured
    submit, _ = timed_requests(lambda n: bench.submit(100 + n), count)
    route = [
        _clocked(lambda: bench.admission.get("/route", headers=bench.office).raise_for_status()) for _ in range(count)
    ]
    bench.set_route(DECISION_ONLY)
    _, waiting = timed_requests(lambda n: bench.submit(100_000 + n), count)
    decide, _ = timed_requests(lambda n: bench.decide(waiting[n]["id"], "reject"), count)
    approval = approval_latency(bench, max(10, count // 10), 200_000)
    return {
        "submit": _ms(submit),
        "decide": _ms(decide),
        "approval_to_version": _ms(approval),
        "baseline_get_route": _ms(route),
    }


def platform(infra: Infra, workdir: Path, count: int) -> dict[str, Any]:
    specs = on_free_ports([spec for spec in SERVICES if spec.name in ("admission", "catalog")])
    env = {**os.environ, "LINKAGE_NATS_URL": infra.nats_url, "LINKAGE_DATABASE_URL": infra.database_url}
    with ServiceProcesses(env={**env, "LINKAGE_JWT_SECRET": SECRET}, log_dir=workdir / "logs", services=specs) as up:
        up.wait_ready(timeout=120)
        bench = Bench(up.spec("admission").url, up.spec("catalog").url)
        return over_http(bench, count)


def verdicts(figures: dict[str, Any]) -> Iterator[str]:
    keyed = {"submit_p99": "submit", "screen_p99": "screen", "decide_p99": "decide"}
    keyed["approval_to_version_p99"] = "approval_to_version"
    for target, key in keyed.items():
        p99 = (figures.get(key) or {}).get("p99_ms")
        verdict = "ok" if p99 is not None and p99 <= TARGETS_MS[target] else "OVER TARGET"
        yield f"{key:<22} p99 {p99} ms (target {TARGETS_MS[target]:g} ms): {verdict}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=200, help="applications per timed phase")
    count, say = parser.parse_args().count, Say()
    figures = screening(count)
    with tempfile.TemporaryDirectory(prefix="bench-admission-") as tmp, infrastructure(Path(tmp), say=say) as infra:
        say("admission and catalog up; loading the demo catalogue")
        figures |= platform(infra, Path(tmp), count)
    for line in verdicts(figures):
        print(line)
    for key in (
        "items",
        "submit",
        "screen",
        "decide",
        "approval_to_version",
        "baseline_bare_pass",
        "baseline_get_route",
    ):
        print(f"{key:<22} {figures[key]}")


if __name__ == "__main__":
    main()
