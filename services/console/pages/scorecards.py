"""Scorecards (考评结果) with a chart drawn on the server, and accountability findings with their letters (告知书)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.console.session import ViewerDep
from services.console.views import ConsoleDep, page, refused

router = APIRouter()


@router.get("/scorecards")
async def scorecards(
    request: Request, console: ConsoleDep, viewer: ViewerDep, start: str = "", end: str = ""
) -> Response:
    period = {"from": start, "to": end} if start and end else {}
    cards = await console.upstream.get("evaluation", "/scorecards", token=viewer.token, params=period)
    mine = _mine(cards.items(), viewer.principal.roles)
    findings = await console.upstream.get("evaluation", "/findings", token=viewer.token)
    context = {"cards": cards, "bars": bars(mine), "findings": findings.items(), "start": start, "end": end}
    context["evaluation_url"] = console.settings.evaluation_url
    return page(request, "scorecards.html", viewer, refused(cards) if not cards.ok else 200, **context)


def _mine(cards: list[dict[str, Any]], roles: frozenset[str]) -> list[dict[str, Any]]:
    """An organisation sees its own scorecard first; the office and operators see every one."""
    codes = {role.split(":", 1)[1] for role in roles if ":" in role}
    return sorted(cards, key=lambda card: (card.get("org_code") not in codes, -(card.get("score") or 0)))


def bars(cards: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each scorecard as a horizontal bar on a 0–100 scale, for an inline SVG chart (no chart library)."""
    return [
        {"label": card.get("org_code", "?"), "score": _score(card), "y": 8 + 26 * n} for n, card in enumerate(cards)
    ]


def _score(card: dict[str, Any]) -> float:
    score = card.get("score")
    return max(0.0, min(float(score), 100.0)) if isinstance(score, int | float) else 0.0
