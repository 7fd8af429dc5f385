"""双向考评: streets rate the departments and agencies they work with (街道评部门), departments rate streets,
per period, on forms whose criteria, scale and deadline are data. Pure: no I/O.

A rating is refused (``Rejected`` naming the field) when it is not on its form: the wrong kind of rater or
ratee, a criterion missing or unknown, a score off the scale, or a submission after the form's deadline.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.evaluation.domain.organisations import AGENCY, DEPARTMENT, STREET
from services.evaluation.domain.periods import Period
from services.runtime.errors import Rejected


@dataclass(frozen=True)
class Criterion:
    """考评指标 of a form: what is scored and how much it counts towards the form's total."""

    key: str
    name: str
    weight: float


@dataclass(frozen=True)
class RatingForm:
    """考评表: who rates whom, on which criteria and scale, and by when after the period ends."""

    id: str
    name: str
    rater_kind: str
    ratee_kinds: frozenset[str]
    criteria: tuple[Criterion, ...]
    scale: tuple[int, int]
    deadline_days: int

    def deadline(self, period: Period) -> datetime:
        """The last instant a rating of ``period`` is taken: ``deadline_days`` calendar days after it ends."""
        return period.bounds()[1] + timedelta(days=self.deadline_days)


SERVICE = (
    Criterion("responsiveness", "响应及时 (responsiveness)", 0.3),
    Criterion("quality", "办理质量 (quality of handling)", 0.4),
    Criterion("cooperation", "配合协作 (co-operation)", 0.3),
)
STREET_RATES_DEPARTMENT = RatingForm(
    id="street_rates_department@1",
    name="街道评部门 (streets rate departments and dispatched agencies)",
    rater_kind=STREET,
    ratee_kinds=frozenset({DEPARTMENT, AGENCY}),
    criteria=SERVICE,
    scale=(1, 5),
    deadline_days=15,
)
DEPARTMENT_RATES_STREET = RatingForm(
    id="department_rates_street@1",
    name="部门评街道 (departments rate streets)",
    rater_kind=DEPARTMENT,
    ratee_kinds=frozenset({STREET}),
    criteria=(
        Criterion("duty", "依单履职 (acting by the list)", 0.5),
        Criterion("cooperation", "配合协作 (co-operation)", 0.3),
        Criterion("feedback", "反馈及时 (timely feedback)", 0.2),
    ),
    scale=(1, 5),
    deadline_days=15,
)
FORMS: dict[str, RatingForm] = {form.id: form for form in (STREET_RATES_DEPARTMENT, DEPARTMENT_RATES_STREET)}
"""Every form ever published; a changed form is a new ``@version``, old ratings keep theirs."""


@dataclass(frozen=True)
class SubmitRating:
    """Command: ``rater_code`` rates ``ratee_code`` over ``period`` on ``form_id``."""

    form_id: str
    period: Period
    rater_code: str
    rater_kind: str
    ratee_code: str
    ratee_kind: str | None
    scores: Mapping[str, int]
    submitted_at: datetime


def form_of(form_id: str) -> RatingForm:
    if form_id not in FORMS:
        raise Rejected(f"no rating form {form_id!r}; forms: {', '.join(sorted(FORMS))}", field="form_id")
    return FORMS[form_id]


def _check_parties(form: RatingForm, command: SubmitRating) -> None:
    if command.rater_kind != form.rater_kind:
        raise Rejected(f"{form.id} is filled in by a {form.rater_kind}, not a {command.rater_kind}", field="rater_code")
    if command.ratee_code == command.rater_code:
        raise Rejected("an organisation does not rate itself", field="ratee_code")
    if command.ratee_kind not in form.ratee_kinds:
        kinds = ", ".join(sorted(form.ratee_kinds))
        raise Rejected(f"{command.ratee_code} is not a {kinds} rated on {form.id}", field="ratee_code")


def _check_scores(form: RatingForm, scores: Mapping[str, int]) -> None:
    keys = {c.key for c in form.criteria}
    if unknown := sorted(set(scores) - keys):
        raise Rejected(f"{form.id} has no criterion {unknown[0]!r}", field=f"scores.{unknown[0]}")
    if missing := sorted(keys - set(scores)):
        raise Rejected(f"{form.id} needs a score for {missing[0]!r}", field=f"scores.{missing[0]}")
    low, high = form.scale
    for key, score in scores.items():
        if not low <= score <= high:
            raise Rejected(f"{key} is scored {low}..{high} on {form.id}, not {score}", field=f"scores.{key}")


def total(form: RatingForm, scores: Mapping[str, int]) -> float:
    """The rating on a 0..100 scale: the criteria's weighted mean, the scale's bottom at 0 and top at 100."""
    low, high = form.scale
    weighted = sum(c.weight * (scores[c.key] - low) / (high - low) for c in form.criteria)
    return round(100 * weighted / sum(c.weight for c in form.criteria), 2)


def rate(command: SubmitRating) -> float:
    """The rating's total, once the form, parties, scores and deadline all hold; else ``Rejected`` naming the field."""
    form = form_of(command.form_id)
    _check_parties(form, command)
    _check_scores(form, command.scores)
    if command.submitted_at < command.period.bounds()[0]:
        raise Rejected(f"the period {command.period.start} has not started", field="from")
    if command.submitted_at > form.deadline(command.period):
        raise Rejected(f"ratings of this period closed at {form.deadline(command.period).isoformat()}", field="to")
    return total(form, command.scores)


STREET_RATING, DEPARTMENT_RATING, FIGURES = "street_rating", "department_rating", "figures"
WEIGHTS: dict[str, dict[str, float]] = {
    AGENCY: {STREET_RATING: 0.6, FIGURES: 0.4},
    DEPARTMENT: {STREET_RATING: 0.4, FIGURES: 0.6},
    STREET: {DEPARTMENT_RATING: 0.4, FIGURES: 0.6},
}
"""权重: what an organisation's score is made of, by kind. Streets assess dispatched agencies at 60% (DOMAIN.md,
属地管理); the department and street weights are this platform's defaults, data to change like the forms."""

RATED_BY = {STREET_RATING: STREET, DEPARTMENT_RATING: DEPARTMENT}
"""Which raters' mean each rating component is."""


def score(kind: str, components: Mapping[str, float | None]) -> float | None:
    """The weighted score (0..100) of the components present; the weights of missing ones are shared out
    among the rest, and with none present there is no score (insufficient, not zero)."""
    present = {name: w for name, w in WEIGHTS[kind].items() if components.get(name) is not None}
    if not present:
        return None
    weighted = sum(w * (components[name] or 0.0) for name, w in present.items())
    return round(weighted / sum(present.values()), 2)
