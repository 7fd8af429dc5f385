"""依单履职问责: the 7 situations of failing to act by the list, the 6 methods, and the rules proposing one. Pure.

The report names 7 situations (不依单履职的7种情形) and 6 methods (6种问责方式) without listing them; these are
this platform's documented defaults (DOMAIN.md), kept as data: a situation's threshold, and rules mapping how
far over it an organisation went to the method proposed. The office confirms or dismisses each proposal.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.runtime.errors import Conflict


@dataclass(frozen=True)
class Situation:
    """情形: ``threshold`` occurrences in a period make a finding; ``detected`` is False for one raised by hand."""

    key: str
    name: str
    evidence: str
    threshold: int
    detected: bool = True


SITUATIONS: tuple[Situation, ...] = (
    Situation(
        "not_acting",
        "不履行清单职责 (not acting on a listed duty)",
        "primary tasks due, never signed for, done or returned",
        2,
    ),
    Situation(
        "pushing_work",
        "向街道转嫁清单外工作 (pushing unlisted work onto streets)",
        "raised by the office from admission records",
        1,
        detected=False,
    ),
    Situation(
        "shirking", "无依据退回推诿 (returning a case without grounds)", "second or later returns of the same case", 2
    ),
    Situation("repeated_overdue", "多次超期办理 (repeated overdue)", "tasks overdue for handling", 3),
    Situation(
        "false_closure", "虚假办结 (false closure found at verification)", "cases sent back at verification (返工)", 2
    ),
    Situation(
        "whistle_no_report", "吹哨不报到 (not reporting in after a whistle)", "summons not reported in on time", 2
    ),
    Situation(
        "dissatisfaction",
        "群众持续不满意 (persistent dissatisfaction)",
        "cases rated dissatisfied, over 10% of rated",
        3,
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


def propose(situation: str, occurrences: int) -> str | None:
    """The method the rules propose for ``occurrences`` of ``situation``; None below its threshold."""
    threshold = SITUATION[situation].threshold
    held = [r.method for r in RULES if r.situation in ("*", situation) and occurrences >= r.times * threshold]
    return max(held, key=lambda key: METHOD[key].severity) if held else None


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
