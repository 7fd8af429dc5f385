"""The public record of a draw (抽取记录) and its checks: what is refused before committing, re-draws, and the
verification anyone can run from the record alone. The method is published at ``METHOD``."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from services.enforcement.domain.draw import Drawn, Inspection, Staffing, draw
from services.enforcement.domain.randomness import commitment_of
from services.enforcement.domain.spec import ALGORITHM, Committed, DrawRefused, committed_from_json

METHOD = "/public/enforcement/method"
"""Where the public reads the algorithm (services/enforcement/templates/method.md)."""


def check_committable(committed: Committed) -> None:
    """Refuse a draw that cannot be made whatever the seed: a matter with too few certified officers, or a forced
    target that is unknown, outside the matter's domain or already at its yearly cap."""
    need = committed.constraints.officers_per_inspection
    for index, matter in enumerate(committed.matters):
        certified = sum(1 for o in committed.officers if matter.domain in o.domains)
        if certified < need:
            message = f"too few certified officers (执法资格) in {matter.domain}: {certified} available, {need} needed"
            raise DrawRefused(message, field=f"matters.{index}")
    for index, forced in enumerate(committed.forced):
        _check_forced(committed, index, forced.matter, forced.target)


def _check_forced(committed: Committed, index: int, matter_id: str, code: str) -> None:
    target = next((t for t in committed.targets if t.code == code), None)
    matter = next((m for m in committed.matters if m.id == matter_id), None)
    field = f"forced.{index}"
    if target is None or matter is None:
        raise DrawRefused(f"target {code} or matter {matter_id} is not in this draw's pools", field=field)
    if matter.domain not in target.domains:
        raise DrawRefused(f"matter {matter_id} ({matter.domain}) does not apply to target {code}", field=field)
    cap = committed.constraints.target_yearly_cap
    if target.inspected_this_year >= cap:
        message = f"target {code} is at its yearly cap: inspected {target.inspected_this_year} times, cap {cap}"
        raise DrawRefused(message, field=field)


def redraw(committed: Committed, seed: str, current: Drawn, *, seq: int, barred: frozenset[str]) -> Drawn:
    """重新抽取 number ``seq``: each inspection of a barred officer keeps its other officers and gets replacements
    from stream ``redraw<seq>|officers|<matter>|<target>`` (step 4, loads counted from ``current`` without the
    barred officers). Targets do not change."""
    named = {code for inspection in current.inspections for code in inspection.officers}
    if not barred or not barred <= named:
        raise DrawRefused(f"officer(s) {sorted(barred - named) or '-'} have no inspection in this draw", field="barred")
    staffing = Staffing(committed, seed, purpose=f"redraw{seq}|officers")
    staffing.load = Counter(c for i in current.inspections for c in i.officers if c not in barred)
    targets = {t.code: t for t in committed.targets}
    return Drawn(tuple(_restaff(i, staffing, targets, barred) for i in current.inspections), current.shortfalls)


def _restaff(inspection: Inspection, staffing: Staffing, targets: dict[str, Any], barred: frozenset[str]) -> Inspection:
    if barred.isdisjoint(inspection.officers):
        return inspection
    keep = tuple(code for code in inspection.officers if code not in barred)
    officers = staffing.staff(inspection.matter, targets[inspection.target], keep=keep, barred=barred)
    return Inspection(inspection.matter, inspection.target, officers, inspection.forced)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def verify(record: dict[str, Any]) -> list[Check]:
    """Recompute a draw from its public record: the commitment, the draw, and each re-draw in turn."""
    try:
        committed = committed_from_json(record["committed"])
    except (KeyError, TypeError, ValueError) as error:
        return [Check("record", False, f"the record cannot be read: {error!r}")]
    checks = [_commitment(record), Check("algorithm", committed.algorithm == ALGORITHM, committed.algorithm)]
    seed = record.get("seed")
    if not isinstance(seed, str):
        return [*checks, Check("seed", False, "no seed revealed yet: nothing to recompute")]
    return checks + _rounds(committed, seed, record)


def _commitment(record: dict[str, Any]) -> Check:
    computed = commitment_of(record["committed"])
    return Check("commitment", computed == record.get("commitment"), f"sha256 of canonical JSON = {computed}")


def _rounds(committed: Committed, seed: str, record: dict[str, Any]) -> list[Check]:
    try:
        current = draw(committed, seed)
    except DrawRefused as refused:
        return [Check("draw", False, refused.message)]
    checks = [_same("draw", current, record.get("result"))]
    for entry in record.get("redraws", []):
        barred = frozenset(map(str, entry.get("barred", [])))
        try:
            current = redraw(committed, seed, current, seq=int(entry["seq"]), barred=barred)
        except (DrawRefused, KeyError, ValueError) as error:
            return [*checks, Check(f"redraw {entry.get('seq')}", False, str(error))]
        checks.append(_same(f"redraw {entry['seq']} ({entry.get('reason', '')})", current, entry.get("result")))
    return checks


def _same(name: str, computed: Drawn, published: Any) -> Check:
    ok = computed.to_json() == published
    count = len(computed.inspections)
    return Check(name, ok, f"{count} inspections recomputed; {'same as' if ok else 'DIFFERENT from'} the published")


def verified(checks: list[Check]) -> bool:
    return bool(checks) and all(check.ok for check in checks)
