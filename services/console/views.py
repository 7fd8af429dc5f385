"""What every page shares: the console's parts (settings, upstream client, span store, templates) and rendering."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from services.console.session import Viewer
from services.console.settings import ConsoleSettings
from services.console.spans import SpanStore
from services.console.upstream import Answer, Upstream

HERE = Path(__file__).parent
LABELS = {
    "reported": "已上报",
    "triage": "待人工派遣",
    "not_accepted": "不予受理",
    "dispatched": "已派遣",
    "arbitration": "待仲裁",
    "handled": "待核查",
    "verified": "核查通过",
    "closed": "已结案",
    "rated": "已评价",
    "assigned": "待签收",
    "acknowledged": "已签收",
    "rework": "返工",
    "completed": "已办结",
    "returned": "已退回",
    "cancelled": "已撤销",
}


@dataclass
class Console:
    settings: ConsoleSettings
    upstream: Upstream
    spans: SpanStore
    templates: Jinja2Templates


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.filters["label"] = lambda value: LABELS.get(str(value), str(value) if value is not None else "")
    templates.env.filters["when"] = _when
    return templates


def _when(value: Any) -> str:
    """ISO times as the office reads them: date and minute, no seconds or zone noise."""
    text = str(value or "")
    return text[:16].replace("T", " ")


def console_of(request: Request) -> Console:
    console: Console = request.app.state.console
    return console


ConsoleDep = Annotated[Console, Depends(console_of)]


def page(request: Request, name: str, viewer: Viewer | None, status_code: int = 200, **context: Any) -> HTMLResponse:
    console = console_of(request)
    context = {"viewer": viewer, "dev_signin": console.settings.console_dev_signin, **context}
    return console.templates.TemplateResponse(request, name, context, status_code=status_code)


def refused(answer: Answer) -> int:
    """The status a page answers with when the service behind it refused: its own 4xx, or 502 for a 5xx."""
    return answer.status if answer.status < 500 else 502
