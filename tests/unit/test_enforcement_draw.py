"""The double-random draw (双随机), pure: quotas, officers, recusal, caps, re-draws, and verification from the public
record alone (no database)."""

from __future__ import annotations

import hmac
import json
from collections import Counter
from dataclasses import replace
from typing import Any

import pytest

from bench.enforcement import registers
from services.enforcement.domain.draw import draw
from services.enforcement.domain.randomness import RandomStream, canonical_json, commitment_of
from services.enforcement.domain.record import check_committable, redraw, verified, verify
from services.enforcement.domain.registers import RiskTier
from services.enforcement.domain.spec import Committed, Constraints, DrawRefused, Forced

SEED = "8f3c1b2a-drand-quicknet-round-1234"


@pytest.fixture(scope="module")
def committed() -> Committed:
    return registers(600, 60, 6)


def record_of(committed: Committed, seed: str = SEED) -> dict[str, Any]:
    """A record as GET /draws/{id}/record publishes it, through JSON text as a third party would read it."""
    doc = committed.to_json()
    record = {
        "committed": doc,
        "commitment": commitment_of(doc),
        "seed": seed,
        "result": draw(committed, seed).to_json(),
    }
    parsed: dict[str, Any] = json.loads(json.dumps({**record, "redraws": []}, ensure_ascii=False))
    return parsed


def test_canonical_json_is_sorted_compact_utf8_and_the_stream_is_hmac_sha256() -> None:
    assert canonical_json({"b": 1, "a": "街道"}) == '{"a":"街道","b":1}'.encode()
    first = int.from_bytes(hmac.digest(b"seed", b"p|0", "sha256")[:8], "big")
    assert RandomStream("seed", "p").below(1000) == first % 1000


def test_a_draw_recomputed_from_its_public_record_alone_matches(committed: Committed) -> None:
    checks = verify(record_of(committed))
    assert verified(checks), checks
    assert [c.name for c in checks] == ["commitment", "algorithm", "draw"]


def test_a_tampered_record_fails_verification(committed: Committed) -> None:
    swapped = record_of(committed)
    first = swapped["result"]["inspections"][0]
    first["officers"][0] = next(
        o["code"] for o in swapped["committed"]["officers"] if o["code"] not in first["officers"]
    )
    assert not verified(verify(swapped))
    retiered = record_of(committed)
    retiered["committed"]["targets"][0]["tier"] = (
        "high" if retiered["committed"]["targets"][0]["tier"] != "high" else "low"
    )
    checks = {c.name: c.ok for c in verify(retiered)}
    assert checks["commitment"] is False
    reseeded = record_of(committed)
    reseeded["seed"] = "another"
    assert not verified(verify(reseeded))


def test_targets_follow_the_tier_quotas_and_the_yearly_cap(committed: Committed) -> None:
    drawn = draw(committed, SEED)
    for matter in committed.matters:
        for tier in RiskTier:
            pool = [t for t in committed.targets if t.tier is tier and matter.domain in t.domains]
            taken = [i for i in drawn.inspections if i.matter == matter.id and _tier(committed, i.target) is tier]
            short = [s for s in drawn.shortfalls if s.matter == matter.id and s.tier is tier]
            assert len(taken) == matter.quota(len(pool), tier) or short
    counts = Counter(i.target for i in drawn.inspections)
    for target in committed.targets:
        assert target.inspected_this_year + counts[target.code] <= committed.constraints.target_yearly_cap


def _tier(committed: Committed, code: str) -> RiskTier:
    return next(t.tier for t in committed.targets if t.code == code)


def test_two_certified_officers_per_inspection_with_recusal_and_workload_caps() -> None:
    committed = registers(600, 60, 6)
    committed = replace(
        committed, constraints=Constraints(officers_per_inspection=2, target_yearly_cap=3, officer_cap=8)
    )
    drawn = draw(committed, SEED)
    officers = {o.code: o for o in committed.officers}
    domains = {m.id: m.domain for m in committed.matters}
    for inspection in drawn.inspections:
        assert len(set(inspection.officers)) == 2
        for code in inspection.officers:
            assert domains[inspection.matter] in officers[code].domains
            assert inspection.target not in officers[code].conflicts
    assert max(Counter(c for i in drawn.inspections for c in i.officers).values()) <= 8


def test_same_inputs_same_draw_and_another_seed_another_draw(committed: Committed) -> None:
    assert draw(committed, SEED) == draw(committed, SEED)
    assert draw(committed, SEED) != draw(committed, "other")


def test_too_few_certified_officers_or_a_forced_target_at_its_cap_is_refused(committed: Committed) -> None:
    lonely = replace(committed, officers=committed.officers[:1])
    with pytest.raises(DrawRefused, match="too few certified officers") as refused:
        check_committable(lonely)
    assert refused.value.field == "matters.0"
    capped = next(t for t in committed.targets if t.inspected_this_year >= 2)
    matter = next(m for m in committed.matters if m.domain in capped.domains)
    capped_at_2 = Constraints(officers_per_inspection=2, target_yearly_cap=2, officer_cap=200)
    at_cap = replace(committed, forced=(Forced(matter.id, capped.code),), constraints=capped_at_2)
    with pytest.raises(DrawRefused, match="yearly cap"):
        check_committable(at_cap)


def test_a_redraw_replaces_only_the_barred_officer_and_is_verifiable(committed: Committed) -> None:
    record = record_of(committed)
    first = draw(committed, SEED)
    ill = first.inspections[0].officers[0]
    second = redraw(committed, SEED, first, seq=1, barred=frozenset({ill}))
    assert all(ill not in i.officers for i in second.inspections)
    assert [i.target for i in second.inspections] == [i.target for i in first.inspections]
    untouched = [(a, b) for a, b in zip(first.inspections, second.inspections, strict=True) if ill not in a.officers]
    assert all(a == b for a, b in untouched)
    record["redraws"] = [{"seq": 1, "reason": "因病请假", "barred": [ill], "result": second.to_json()}]
    assert verified(verify(record))
    record["redraws"][0]["barred"] = [first.inspections[1].officers[0]]
    assert not verified(verify(record))
