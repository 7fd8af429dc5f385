"""Indicator definitions are versioned data: a published version never changes, a changed rule is a new one."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict

from services.evaluation.domain.indicators import DEFINITIONS, by_id, current

PUBLISHED = {
    "tasks_assigned@1",
    "closure_rate@1",
    "on_time_closure@1",
    "acknowledged_on_time@1",
    "rework_rate@1",
    "return_rate@1",
    "ping_pong@1",
    "satisfaction@1",
    "response_time@1",
    "resolution_time@1",
    "whistle_report_in@1",
}


def fingerprint() -> str:
    published = [asdict(d) for d in DEFINITIONS if d.id in PUBLISHED]
    return hashlib.sha256(json.dumps(published, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:16]


def test_no_published_definition_was_edited_in_place() -> None:
    # A failure here means a published rule changed: add key@N+1 to DEFINITIONS instead, and pin it here.
    assert fingerprint() == "0d4e39ddbe19a3ad"


def test_every_version_id_is_unique_and_current_takes_the_newest() -> None:
    ids = [d.id for d in DEFINITIONS]
    assert len(ids) == len(set(ids))
    assert {d.id for d in DEFINITIONS} >= PUBLISHED
    assert all(by_id(d.id) == d for d in current())
    assert len({d.key for d in current()}) == len(current()) == 11
