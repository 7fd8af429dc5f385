"""依单履职问责: the 7 situations of failing to act by the list, the 6 methods, and the rules proposing one. Pure.

The report names 7 situations (不依单履职的7种情形) and 6 methods (6种问责方式) without listing them; these are
this platform's documented defaults (DOMAIN.md), kept as data: a situation's threshold, and rules mapping how
far over it an organisation went to the method proposed. The office confirms or dismisses each proposal.

A threshold scales with the period and the organisation: ``per_month`` occurrences for every 30 days of the
period (a year needs about 12 months' worth), and, where the situation has a base, at least ``share`` of the
organisation's relevant volume (overdue tasks among the tasks due, say), so a department handling thousands
of tasks is not flagged for the handful a small one would be. A finding's threshold is the larger of the two.
The ``per_month`` counts are the ones once applied to a period of any length, so a month is judged as before.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.runtime.errors import Conflict

MONTH_DAYS = 30
"""The days of period one ``per_month`` count is for."""


@dataclass(frozen=True, kw_only=True)
class Situation:
    """情形: at least ``threshold(...)`` occurrences in a period make a finding; ``detected`` is False for one
    raised by hand (by the office)."""

    key: str
    name: str
    evidence: str
    per_month: float
    share: float | None = None
    base: str | None = None
    detected: bool = True

    def threshold(self, *, days: float, base: int | None = None) -> float:
        """The occurrences that make a finding over ``days`` days in an organisation with ``base`` relevant items."""
        by_time = self.per_month * days / MONTH_DAYS
        by_share = self.share * base if self.share is not None and base is not None else 0.0
        return max(by_time, by_share, 1.0)


SITUATIONS: tuple[Situation, ...] = (
    Situation(
        key="not_acting",
        name="不履行清单职责 (not acting on a listed duty)",
        evidence="primary tasks due, never signed for, done or returned",
        per_month=1,
        share=0.05,
        base="primary tasks due in the period",
    ),
    Situation(
        key="pushing_work",
        name="向街道转嫁清单外工作 (pushing unlisted work onto streets)",
        evidence="raised by the office from admission records",
        per_month=1,
        detected=False,
    ),
    Situation(
        key="shirking",
        name="无依据退回推诿 (returning a case without grounds)",
        evidence="second or later returns of the same case",
        per_month=2,
        share=0.05,
        base="tasks assigned in the period",
    ),
    Situation(
        key="repeated_overdue",
        name="多次超期办理 (repeated overdue)",
        evidence="tasks overdue for handling",
        per_month=3,
        share=0.10,
        base="tasks due in the period",
    ),
    Situation(
        key="false_closure",
        name="虚假办结 (false closure found at verification)",
        evidence="cases sent back at verification (返工)",
        per_month=2,
        share=0.10,
        base="cases first verified in the period",
    ),
    Situation(
        key="whistle_no_report",
        name="吹哨不报到 (not reporting in after a whistle)",
        evidence="summons not reported in on time",
        per_month=1,
        share=0.20,
        base="summons due to report in during the period",
    ),
    Situation(
        key="dissatisfaction",
        name="群众持续不满意 (persistent dissatisfaction)",
        evidence="cases rated dissatisfied",
        per_month=3,
        share=0.10,
        base="cases rated in the period",
    ),
)
SITUATION = {s.key: s for s in SITUATIONS}


@dataclass(frozen=True)
class Method:
    """问责方式, in rising severity."""

    key: str
    name: str
    severity: int


METHODS: tuple[Method, ...] = (
    Method("reminder_talk", "提醒谈话 (reminder talk)", 1),
    Method("notification_letter", "发告知书 (notification letter)", 2),
    Method("circulated_criticism", "通报批评 (circulated criticism)", 3),
    Method("order_to_rectify", "责令整改 (order to rectify)", 4),
    Method("assessment_deduction", "考核扣分 (deduction in the assessment)", 5),
    Method("discipline_referral", "移送纪检监察机关 (referral to the discipline body)", 6),
)
METHOD = {m.key: m for m in METHODS}


@dataclass(frozen=True)
class Rule:
    """Propose ``method`` when ``situation`` (``*``: any) occurred at least ``times`` its threshold."""

    situation: str
    times: int
    method: str


RULES: tuple[Rule, ...] = (
    Rule("*", 1, "reminder_talk"),
    Rule("*", 2, "notification_letter"),
    Rule("*", 4, "circulated_criticism"),
    Rule("*", 8, "order_to_rectify"),
    Rule("false_closure", 1, "notification_letter"),
    Rule("false_closure", 4, "assessment_deduction"),
    Rule("whistle_no_report", 3, "order_to_rectify"),
)
"""The default rules; the most severe method whose rule holds is proposed. The office may still dismiss it."""


def propose(situation: str, occurrences: int, *, threshold: float | None = None) -> str | None:
    """The method the rules propose for ``occurrences`` of ``situation`` against ``threshold`` (by default a
    month's count, with no base); None below it."""
    at = SITUATION[situation].per_month if threshold is None else threshold
    held = [r.method for r in RULES if r.situation in ("*", situation) and occurrences >= r.times * at]
    return max(held, key=lambda key: METHOD[key].severity) if held else None


def method_by_hand(situation: str, chosen: str | None) -> str:
    """The method of a finding the office raises by hand: its choice, else the rules' proposal for one
    threshold's worth, else the least severe."""
    if chosen is not None:
        return chosen
    return propose(situation, 1, threshold=1) or min(METHODS, key=lambda m: m.severity).key


PROPOSED, CONFIRMED, DISMISSED, RESPONDED, APPEALED = "proposed", "confirmed", "dismissed", "responded", "appealed"
TRANSITIONS: dict[str, dict[str, str]] = {
    PROPOSED: {"confirm": CONFIRMED, "dismiss": DISMISSED},
    CONFIRMED: {"respond": RESPONDED, "appeal": APPEALED},
}
"""What may happen to a finding in each state; anything else is a conflict naming the state."""
RESPONSE_DAYS = 10
"""Calendar days an organisation has, from the letter, to respond (说明情况) or appeal (申诉)."""


def transition(status: str, action: str) -> str:
    """The state ``action`` leads to from ``status``; ``Conflict`` naming ``status`` when it may not happen."""
    allowed = TRANSITIONS.get(status, {})
    if action not in allowed:
        raise Conflict(
            f"a {status} finding cannot be {action}ed; allowed: {sorted(allowed) or 'nothing'}", field="status"
        )
    return allowed[action]
