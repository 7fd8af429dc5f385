"""Accountability rules (问责), pure: the situations and methods as data, proposals, a finding's lifecycle."""

from __future__ import annotations

import pytest

from services.evaluation.domain.accountability import METHODS, SITUATIONS, propose, transition
from services.runtime.errors import Conflict


def test_seven_situations_and_six_methods_in_rising_severity() -> None:
    assert len(SITUATIONS) == 7
    assert [m.severity for m in METHODS] == [1, 2, 3, 4, 5, 6]


def test_the_most_severe_rule_that_holds_is_proposed() -> None:
    assert propose("repeated_overdue", 2) is None  # under its threshold of 3
    assert propose("repeated_overdue", 3) == "reminder_talk"
    assert propose("repeated_overdue", 6) == "notification_letter"
    assert propose("repeated_overdue", 24) == "order_to_rectify"
    assert propose("false_closure", 2) == "notification_letter"
    assert propose("false_closure", 8) == "assessment_deduction"


def test_a_dismissed_finding_cannot_be_confirmed() -> None:
    assert transition("proposed", "dismiss") == "dismissed"
    assert transition("confirmed", "appeal") == "appealed"
    with pytest.raises(Conflict) as refused:
        transition("dismissed", "confirm")
    assert refused.value.field == "status"
    assert "dismissed" in refused.value.message
