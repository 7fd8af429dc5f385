"""考评结果: one scorecard per organisation and period, combining its figures and the ratings it received. Pure.

The figures component is the mean of the scored indicators' points (a rate that should be high counts its
percent, one that should be low counts 100 minus it; figures under their minimum sample are left out); the
rating components are the mean totals of the ratings each kind of rater gave. ``assessment.WEIGHTS`` combines
them by the organisation's kind. The body kept and shown is plain JSON, each figure beside its definition.
"""

from __future__ import annotations

import statistics
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.evaluation.domain.assessment import FIGURES, RATED_BY, WEIGHTS, score
from services.evaluation.domain.facts import DISTRICT
from services.evaluation.domain.figures import Figure, reading
from services.evaluation.domain.indicators import by_id
from services.evaluation.domain.organisations import KIND_NAMES, kind_of
from services.evaluation.domain.periods import Period

SCORECARD = "scorecard@1"
"""The indicator id a published score carries: the weighted combination of ``WEIGHTS`` over ``SCORED``."""
SCORED: dict[str, bool] = {
    "closure_rate": True,
    "on_time_closure": True,
    "acknowledged_on_time": True,
    "satisfaction": True,
    "whistle_report_in": True,
    "rework_rate": False,
    "return_rate": False,
}
"""The indicators a score counts, and whether higher is better (``False``: 100 minus the rate counts)."""


@dataclass(frozen=True)
class Received:
    """One rating an organisation received: who gave it, on which form, its 0..100 total."""

    rater_code: str
    ratee_code: str
    form_id: str
    total: float


@dataclass(frozen=True)
class Scorecard:
    org_code: str
    kind: str
    period: Period
    figures: tuple[Figure, ...]
    ratings: tuple[Received, ...]
    components: dict[str, float | None]
    score: float | None


def figure_points(figures: Sequence[Figure]) -> float | None:
    """The figures component: the mean points of the scored figures with a sufficient sample."""
    points = [
        f.value if SCORED[_key(f)] else 100 - f.value for f in figures if _key(f) in SCORED and f.value is not None
    ]
    return round(statistics.fmean(points), 2) if points else None


def _key(figure: Figure) -> str:
    return figure.indicator.split("@", 1)[0]


def _rating_mean(ratings: Sequence[Received], rater_kind: str, streets: Collection[str]) -> float | None:
    totals = [r.total for r in ratings if kind_of(r.rater_code, streets=streets) == rater_kind]
    return round(statistics.fmean(totals), 2) if totals else None


def scorecard(
    org: str, period: Period, figures: Sequence[Figure], ratings: Sequence[Received], streets: Collection[str]
) -> Scorecard:
    """The scorecard of ``org``: its figures, the ratings it received, the components and the weighted score."""
    kind = kind_of(org, streets=streets)
    components: dict[str, float | None] = {FIGURES: figure_points(figures)}
    for component, rater_kind in RATED_BY.items():
        if component in WEIGHTS[kind]:
            components[component] = _rating_mean(ratings, rater_kind, streets)
    return Scorecard(org, kind, period, tuple(figures), tuple(ratings), components, score(kind, components))


def scorecards(
    period: Period, figures: Sequence[Figure], ratings: Sequence[Received], streets: Collection[str]
) -> list[Scorecard]:
    """Every organisation's scorecard over ``period``: whoever has a figure or received a rating."""
    mine: dict[str, list[Figure]] = {}
    for figure in figures:
        if figure.org_code != DISTRICT:
            mine.setdefault(figure.org_code, []).append(figure)
    received: dict[str, list[Received]] = {}
    for rating in ratings:
        received.setdefault(rating.ratee_code, []).append(rating)
    orgs = sorted(set(mine) | set(received))
    return [scorecard(o, period, mine.get(o, []), received.get(o, []), streets) for o in orgs]


def figure_body(figure: Figure) -> dict[str, Any]:
    """One figure as shown: its definition, sample and reading ("insufficient sample" under the minimum)."""
    definition = by_id(figure.indicator)
    return {
        "indicator": {**vars(definition), "source_events": list(definition.source_events)},
        "sample": figure.sample,
        "numerator": figure.numerator,
        "value": figure.value,
        "p90": figure.p90,
        "reading": reading(figure),
    }


def body(card: Scorecard, *, published_at: datetime) -> dict[str, Any]:
    """The scorecard as kept, served as JSON and drawn on its page."""
    return {
        "org_code": card.org_code,
        "org_kind": card.kind,
        "kind_name": KIND_NAMES[card.kind],
        "start": card.period.start.isoformat(),
        "end": card.period.end.isoformat(),
        "score": card.score,
        "score_indicator": SCORECARD,
        "weights": WEIGHTS[card.kind],
        "components": card.components,
        "figures": [figure_body(f) for f in card.figures],
        "ratings": [vars(r) for r in card.ratings],
        "published_at": published_at.isoformat(),
    }
