"""The Longsha-shaped demo catalogue (DOMAIN.md figures), generated deterministically from a seed, as the body
of ``POST /catalogue``; ``catalog_demo`` loads it. Its laws, clauses, organisations and grids are plain rows
named as the catalogue names them; its items are the contract's ``ItemDefinition``.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict

from contracts.base import TimeLimit, TimeUnit
from contracts.events.catalog import ClauseRef, DutyTask, ItemDefinition, ListKind, TaskParty
from services.platform.catalog_demo_data import (
    ACCOUNTABILITY,
    AGENCIES,
    DEPARTMENT_TASKS,
    DEPARTMENTS,
    DIFFERENTIATED,
    FIGURES,
    LIMITS,
    NOTE,
    REFERENCE,
    SEED,
    STREET_TASKS,
    STREETS,
    Domain,
)
from services.platform.longsha_grids import lay_out

Slot = tuple[int, int]
"""(item index, task number): 0 is the item's own basis."""


class _Row(BaseModel):
    model_config = ConfigDict(frozen=True)


class DemoLaw(_Row):
    law_id: str
    title: str
    kind: str  # law, regulation, rule or normative, as the catalogue's library names them
    issuer: str
    effective_from: date


class DemoClause(_Row):
    law_id: str
    article: str
    paragraph: str = ""
    text: str


class DemoOrg(_Row):
    code: str
    name: str
    kind: str  # department, street or agency
    parent_code: str | None = None


class DemoGrid(_Row):
    grid_code: str
    street_code: str
    geometry: dict[str, Any] | None = None  # GeoJSON Polygon over Longsha's area (longsha_grids)


class DemoCatalogue(_Row):
    """The body of ``POST /catalogue``: library, organisations, items and grids in one load."""

    note: str
    laws: tuple[DemoLaw, ...]
    clauses: tuple[DemoClause, ...]
    organisations: tuple[DemoOrg, ...]
    items: tuple[ItemDefinition, ...]
    grids: tuple[DemoGrid, ...]

    def body(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def demo_catalogue(seed: int = SEED) -> DemoCatalogue:
    rng = random.Random(seed)
    plans = _plan_items(rng)
    laws, clauses, cited = _library(rng, plans)
    items = tuple(_item(rng, index, plan, cited) for index, plan in enumerate(plans))
    return DemoCatalogue(
        note=NOTE, laws=laws, clauses=clauses, organisations=organisations(), items=items, grids=grids()
    )


def organisations() -> tuple[DemoOrg, ...]:
    orgs = [DemoOrg(code=c, name=n, kind="department") for c, n in DEPARTMENTS.items()]
    orgs += [DemoOrg(code=c, name=n, kind="street") for c, n in STREETS.items()]
    for street, name in STREETS.items():
        for suffix, (kind, parent) in AGENCIES.items():
            orgs.append(DemoOrg(code=f"{street}-{suffix}", name=name[:2] + kind, kind="agency", parent_code=parent))
    return tuple(orgs)


def grids() -> tuple[DemoGrid, ...]:
    per_street = _spread(FIGURES["grids"], len(STREETS), lo=0, hi=FIGURES["grids"], rng=None)
    codes = {s: [f"{s}-wg{n:03d}" for n in range(1, count + 1)] for s, count in zip(STREETS, per_street, strict=True)}
    outlines = lay_out(codes)
    return tuple(
        DemoGrid(grid_code=code, street_code=street, geometry=outlines[code])
        for street, grid_codes in codes.items()
        for code in grid_codes
    )


class _Plan:
    """One item before its citations are known: who, what, how many tasks of each party."""

    def __init__(self, code: str, name: str, kind: ListKind, domain: Domain, tasks: tuple[int, int]) -> None:
        self.code, self.name, self.kind, self.domain, self.tasks = code, name, kind, domain, tasks
        self.slots = 1 + tasks[0] + tasks[1]


_CODES = {ListKind.COMMON: "GX", ListKind.POWER: "QL", ListKind.DIFFERENTIATED: "CY"}
"""Item code infixes: 共性, 权力, 差异."""


def _plan_items(rng: random.Random) -> list[_Plan]:
    plans: list[_Plan] = []
    for domains, base, (dept_total, street_total) in (
        (REFERENCE, ListKind.COMMON, (389, 333)),
        (DIFFERENTIATED, ListKind.DIFFERENTIATED, (99, 74)),
    ):
        names = [(domain, name) for domain in domains for name in domain[4].split()]
        depts = _spread(dept_total, len(names), lo=1, hi=len(DEPARTMENT_TASKS), rng=rng)
        streets = _spread(street_total, len(names), lo=1, hi=len(STREET_TASKS), rng=rng)
        for number, ((domain, name), d, s) in enumerate(zip(names, depts, streets, strict=True), start=1):
            kind = ListKind.POWER if name.startswith("!") else base
            code = f"LS-{_CODES[kind]}-{number:03d}"
            plans.append(_Plan(code, name.lstrip("!"), kind, domain, (d, s)))
    return plans


def _spread(total: int, n: int, *, lo: int, hi: int, rng: random.Random | None) -> list[int]:
    """``total`` over ``n`` buckets, each in [lo, hi]: even when ``rng`` is None, else shuffled by it."""
    counts = [lo] * n
    order = list(range(n))
    left = total - lo * n
    while left:
        if rng is not None:
            rng.shuffle(order)
        for index in order:
            if left and counts[index] < hi:
                counts[index] += 1
                left -= 1
    return counts


def _library(rng: random.Random, plans: list[_Plan]) -> tuple[list[DemoLaw], list[DemoClause], dict[Slot, ClauseRef]]:
    """Laws per domain in proportion to the citations the domain needs; each domain's slots walk its clauses
    in order, so every cited clause is cited at least once and items cite their own domain's laws."""
    domains = list(dict.fromkeys(p.domain[0] for p in plans))
    need = {d: sum(p.slots for p in plans if p.domain[0] == d) for d in domains}
    law_counts = _apportion(FIGURES["cited_lawlike"] + FIGURES["cited_normative"], need)
    clause_counts = _apportion(FIGURES["cited_clauses"], need)
    kinds = [True] * FIGURES["cited_lawlike"] + [False] * FIGURES["cited_normative"]
    rng.shuffle(kinds)
    laws: list[DemoLaw] = []
    clauses: list[DemoClause] = []
    cited: dict[Slot, ClauseRef] = {}
    seen: set[str] = set()
    for domain in domains:
        topics = next(p.domain[3] for p in plans if p.domain[0] == domain)
        held: list[DemoClause] = []
        for count in _spread(clause_counts[domain], law_counts[domain], lo=1, hi=10**6, rng=rng):
            law = _law(rng, len(laws) + 1, rng.choice(topics), lawlike=kinds[len(laws)], seen=seen)
            laws.append(law)
            held += _clauses(rng, law, count, topics)
        slots = [(i, t) for i, p in enumerate(plans) if p.domain[0] == domain for t in range(p.slots)]
        titles = {law.law_id: law.title for law in laws}
        for j, slot in enumerate(slots):
            clause = held[j * len(held) // len(slots)]
            cited[slot] = ClauseRef(
                law_id=clause.law_id, law_title=titles[clause.law_id], article=clause.article,
                paragraph=clause.paragraph or None,
            )  # fmt: skip
        clauses += held
    for _ in range(FIGURES["laws"] - len(laws)):  # the library also holds documents no item cites
        topics = rng.choice(REFERENCE)[3]
        law = _law(rng, len(laws) + 1, rng.choice(topics), lawlike=rng.random() < 0.5, seen=seen)
        laws.append(law)
        clauses += _clauses(rng, law, 1, topics)
    return laws, clauses, cited


def _apportion(total: int, weights: dict[str, int]) -> dict[str, int]:
    """Largest remainder: shares of ``total`` in proportion to ``weights``, each at least 1."""
    whole = sum(weights.values())
    shares = {k: max(1, total * w // whole) for k, w in weights.items()}
    by_remainder = sorted(weights, key=lambda k: -(total * weights[k] % whole))
    for key in _cycle(by_remainder, total - sum(shares.values())):
        shares[key] += 1
    return shares


def _cycle(keys: list[str], times: int) -> Iterator[str]:
    for n in range(times):
        yield keys[n % len(keys)]


_ISSUERS = {
    "law": ("中华人民共和国{t}法", "全国人民代表大会常务委员会"),
    "regulation": ("黑龙江省{t}条例", "黑龙江省人民代表大会常务委员会"),
    "rule": ("齐齐哈尔市{t}管理办法", "齐齐哈尔市人民政府"),
    "normative": ("关于进一步加强{t}工作的通知", "龙沙区人民政府办公室"),
}


def _law(rng: random.Random, number: int, topic: str, *, lawlike: bool, seen: set[str]) -> DemoLaw:
    kind = rng.choice(("law", "regulation", "rule")) if lawlike else "normative"
    title, issuer = _ISSUERS[kind]
    since = date(1995, 1, 1) + timedelta(days=rng.randrange(28 * 365))
    title = title.format(t=topic)
    if kind == "normative":  # notices share titles; their document number (文号) tells them apart
        title += f"（龙政办发〔{since.year}〕{number % 97 + 1}号）"
    elif title in seen:  # a law kept in several revisions
        revised = f"{title}（{since.year}年修正）"
        title = revised if revised not in seen else f"{title}（第{chinese(number)}版）"
    seen.add(title)
    return DemoLaw(law_id=f"LS-L{number:04d}", title=title, kind=kind, issuer=issuer, effective_from=since)


def _clauses(rng: random.Random, law: DemoLaw, count: int, topics: tuple[str, ...]) -> list[DemoClause]:
    articles = sorted(rng.sample(range(1, 90), count))
    return [
        DemoClause(
            law_id=law.law_id,
            article=f"第{chinese(a)}条",
            paragraph=f"第{chinese(rng.randint(1, 3))}款" if rng.random() < 0.3 else "",
            text=f"街道办事处应当按照职责分工，做好本辖区{rng.choice(topics)}相关工作；"
            f"区人民政府有关部门应当加强指导、监督和保障（第{chinese(a)}条）。",
        )
        for a in articles
    ]


def _item(rng: random.Random, index: int, plan: _Plan, cited: dict[Slot, ClauseRef]) -> ItemDefinition:
    _, department, partners, _, _ = plan.domain
    depts, streets = plan.tasks
    texts = [(TaskParty.DEPARTMENT, t) for t in _pick(rng, DEPARTMENT_TASKS, depts)]
    texts += [(TaskParty.STREET, t) for t in _pick(rng, STREET_TASKS, streets)]
    tasks = tuple(
        DutyTask(party=party, text=text.format(n=plan.name), basis=(cited[(index, number)],))
        for number, (party, text) in enumerate(texts, start=1)
    )
    value, unit = rng.choice(LIMITS)
    applies = rng.sample(list(STREETS), rng.randint(1, 3)) if plan.kind is ListKind.DIFFERENTIATED else []
    return ItemDefinition(
        item_code=plan.code,
        name=plan.name,
        list_kind=plan.kind,
        domain=plan.domain[0],
        responsible_body=department,
        co_operating_units=partners[: rng.randint(1, len(partners))],
        street_codes=tuple(s for s in STREETS if s in applies),
        time_limit=TimeLimit(value=value, unit=TimeUnit(unit)),
        legal_basis=(cited[(index, 0)],),
        tasks=tasks,
        filing_conditions=f"网格员巡查发现或群众反映{plan.name}相关问题，经核实属于本事项范围的，予以立案",
        closing_conditions="问题已按要求处置完毕，经街道核查合格并反馈当事人的，予以结案",
        accountability=_pick(rng, ACCOUNTABILITY, rng.randint(1, 3)),
    )


def _pick(rng: random.Random, choices: tuple[str, ...], count: int) -> tuple[str, ...]:
    """``count`` of ``choices``, kept in their listed order (tasks read in the order work is done)."""
    return tuple(choices[k] for k in sorted(rng.sample(range(len(choices)), count)))


def chinese(number: int) -> str:
    """12 → 十二, 105 → 一百零五 (for 1 ≤ number < 10000), the way laws number their articles."""
    digits = "零一二三四五六七八九"
    if number < 10:
        return digits[number]
    if number < 20:
        return "十" + (digits[number % 10] if number % 10 else "")
    text, pending_zero = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = number // value % 10
        if digit:
            text += ("零" if pending_zero and text else "") + digits[digit] + unit
            pending_zero = False
        elif text:
            pending_zero = True
    return text
