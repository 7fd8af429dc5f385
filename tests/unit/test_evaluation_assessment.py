"""Two-way assessment rules (双向考评), pure: forms, totals, deadlines and the weights of a score."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.evaluation.domain.assessment import (
    STREET_RATES_DEPARTMENT,
    WEIGHTS,
    SubmitRating,
    rate,
    score,
    total,
)
from services.evaluation.domain.organisations import AGENCY, DEPARTMENT, STREET, kind_of
from services.evaluation.domain.periods import Period
from services.runtime.errors import Rejected

Q1 = Period(date(2022, 1, 1), date(2022, 3, 31))


def command(**over: object) -> SubmitRating:
    values: dict[str, object] = {
        "form_id": STREET_RATES_DEPARTMENT.id,
        "period": Q1,
        "rater_code": "longsha",
        "rater_kind": STREET,
        "ratee_code": "sfs-longsha",
        "ratee_kind": AGENCY,
        "scores": {"responsiveness": 5, "quality": 5, "cooperation": 1},
        "submitted_at": datetime(2022, 4, 3, tzinfo=UTC),
    }
    return SubmitRating(**{**values, **over})  # type: ignore[arg-type]


def test_a_total_is_the_weighted_mean_on_a_0_to_100_scale() -> None:
    assert rate(command()) == 70.0
    assert total(STREET_RATES_DEPARTMENT, {"responsiveness": 1, "quality": 1, "cooperation": 1}) == 0


def test_the_deadline_is_days_after_the_period_in_district_time() -> None:
    last = STREET_RATES_DEPARTMENT.deadline(Q1)
    assert last == datetime(2022, 4, 15, 16, tzinfo=UTC)  # 16 April 00:00 in Beijing
    assert rate(command(submitted_at=last)) == 70.0
    with pytest.raises(Rejected) as late:
        rate(command(submitted_at=datetime(2022, 4, 15, 16, 0, 1, tzinfo=UTC)))
    assert late.value.field == "to"


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"rater_kind": DEPARTMENT}, "rater_code"),
        ({"ratee_kind": STREET}, "ratee_code"),
        ({"ratee_code": "longsha"}, "ratee_code"),
        ({"scores": {"responsiveness": 0, "quality": 5, "cooperation": 1}}, "scores.responsiveness"),
        ({"scores": {"quality": 5, "cooperation": 1}}, "scores.responsiveness"),
        ({"form_id": "street_rates_department@9"}, "form_id"),
    ],
)
def test_a_rating_off_its_form_is_refused_naming_the_field(over: dict[str, object], field: str) -> None:
    with pytest.raises(Rejected) as refused:
        rate(command(**over))
    assert refused.value.field == field


def test_an_agency_score_weights_the_street_rating_at_60_percent() -> None:
    assert WEIGHTS[AGENCY]["street_rating"] == 0.6
    assert score(AGENCY, {"street_rating": 50.0, "figures": 100.0}) == 70.0
    assert score(AGENCY, {"street_rating": None, "figures": 90.0}) == 90.0
    assert score(STREET, {"department_rating": None, "figures": None}) is None


def test_kinds_are_told_from_streets_seen_and_agency_codes() -> None:
    streets = {"longsha"}
    codes = ("longsha", "sfs-longsha", "cgzd", "cgj", "wulong-sfs", "wulong-cgj")
    assert [kind_of(c, streets=streets) for c in codes] == [STREET, AGENCY, AGENCY, DEPARTMENT, AGENCY, DEPARTMENT]
