"""How a form posted to the console becomes a service call: the JSON it sends, and what the person sees back."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from services.console.upstream import Answer

OUTCOMES = {
    "resolved": "已解决",
    "not_responsible": "非本级职责",
    "duplicate": "重复件",
    "unresolvable": "暂不具备解决条件 (挂账)",
    "withdrawn": "撤件",
}
WHISTLE_REASONS = {"capacity": "无力解决", "no_power": "缺乏执法权", "emergency": "紧急情况"}
TIME_UNITS = {"working_day": "工作日", "working_hour": "工作小时", "natural_day": "自然日"}


@dataclass(frozen=True)
class Posted:
    """A form as sent back to its page after a refusal: which form, its values, the service's messages."""

    form: str = ""
    values: Mapping[str, str] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)

    def error(self, form: str, name: str) -> str:
        return self.errors.get(name, "") if form == self.form else ""

    def value(self, form: str, name: str) -> str:
        return self.values.get(name, "") if form == self.form else ""


async def form_values(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: str(value).strip() for key, value in form.items() if isinstance(value, str)}


Redraw = Callable[[Posted, int], Awaitable[Response]]


async def settle(answer: Answer, *, form: str, values: Mapping[str, str], back: str, redraw: Redraw) -> Response:
    """Done: back to the page (303, so a reload does not repeat it). Refused: the page again, messages by field."""
    if answer.ok:
        return RedirectResponse(f"{back}?done={form}", status_code=303)
    status = answer.status if answer.status < 500 else 502
    return await redraw(Posted(form, values, answer.errors() or {"_": f"HTTP {answer.status}"}), status)


def text(values: Mapping[str, str], name: str) -> str | None:
    """A text field; empty is None, so that the service names a missing field itself."""
    return values.get(name) or None


def number(values: Mapping[str, str], name: str) -> Any:
    """A number field as the service should judge it: an int when it is one, else the text as typed."""
    raw = values.get(name, "")
    return int(raw) if raw.lstrip("-").isdigit() else (raw or None)
