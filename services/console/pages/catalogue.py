"""The catalogue (清单): items in force, one item with its tasks and legal basis, and a law's impact (一对一)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.console.session import ViewerDep
from services.console.views import ConsoleDep, page, refused

router = APIRouter()
LIST_KINDS = {
    "common": "共性清单",
    "differentiated": "差异化清单",
    "power": "权力清单",
    "service": "服务清单",
    "community": "社区清单",
}


@router.get("/catalogue")
async def catalogue(
    request: Request, console: ConsoleDep, viewer: ViewerDep, q: str = "", list_kind: str = "", street_code: str = ""
) -> Response:
    wanted = {"q": q, "list_kind": list_kind, "street_code": street_code}
    items = await console.upstream.get("catalog", "/items", token=viewer.token, params={**wanted, "limit": 200})
    status = refused(items) if not items.ok else 200
    return page(request, "catalogue.html", viewer, status, items=items, wanted=wanted, kinds=LIST_KINDS)


@router.get("/catalogue/items/{item_code}")
async def item(request: Request, console: ConsoleDep, viewer: ViewerDep, item_code: str) -> Response:
    found = await console.upstream.get("catalog", f"/items/{item_code}", token=viewer.token)
    return page(request, "item.html", viewer, refused(found) if not found.ok else 200, item=found, kinds=LIST_KINDS)


@router.get("/laws")
async def law(
    request: Request, console: ConsoleDep, viewer: ViewerDep, law_id: str = "", article: str = ""
) -> Response:
    """A law with its clauses, and every item, task and street list citing it (law → clause → items → lists)."""
    if not law_id:
        return page(request, "law.html", viewer, law=None, impact=None, law_id="", article="")
    found = await console.upstream.get("catalog", f"/laws/{law_id}", token=viewer.token)
    impact = await console.upstream.get(
        "catalog", f"/laws/{law_id}/impact", token=viewer.token, params={"article": article}
    )
    status = refused(found) if not found.ok else 200
    return page(request, "law.html", viewer, status, law=found, impact=impact, law_id=law_id, article=article)
