"""Sign-in (登录): with ``linkage up``, choose a role and an organisation and the token is minted here."""

from __future__ import annotations

from typing import Annotated

import jwt
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.console.session import Viewer, ViewerDep, secret_of, signed_in, signed_out
from services.console.views import ConsoleDep, page
from services.runtime.auth import SCOPED_KINDS, decode_token, mint_token, validate_role

router = APIRouter()
ROLES = {
    "office": "区委编办 (office)",
    "department": "区直部门 (department)",
    "street": "街道 (street)",
    "agency": "派驻机构 (agency)",
    "gridworker": "网格员 (grid worker: your worker code)",
    "reviewer": "审查部门 (reviewer)",
    "committee": "常委会 (committee)",
    "operator": "运维 (operator)",
}
HOMES = (("office", "/cases"), ("operator", "/ops"), ("committee", "/applications"), ("reviewer", "/applications"))


@router.get("/healthz", include_in_schema=False)
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", include_in_schema=False)
async def readyz() -> dict[str, bool]:
    """Ready once it answers: the console holds no state, and each page says which service is missing."""
    return {"ready": True}


@router.get("/", include_in_schema=False)
async def home(viewer: ViewerDep) -> Response:
    return RedirectResponse(home_of(viewer), status_code=303)


def home_of(viewer: Viewer) -> str:
    return next((path for kind, path in HOMES if viewer.has(kind)), "/inbox")


@router.get("/signin", response_class=HTMLResponse)
async def signin_form(request: Request, console: ConsoleDep, next: str = "/", expired: bool = False) -> Response:
    streets = await console.upstream.get("catalog", "/public/streets", token=None)
    return page(request, "signin.html", None, roles=ROLES, next=local(next), expired=expired, streets=streets.items())


@router.post("/signin")
async def sign_in(
    request: Request,
    console: ConsoleDep,
    kind: Annotated[str, Form()] = "",
    org: Annotated[str, Form()] = "",
    name: Annotated[str, Form(max_length=64)] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    settings = console.settings
    errors = _role_errors(kind, org.strip()) if settings.console_dev_signin else {"_": "本部署不提供本地登录"}
    if errors:
        return _refused(request, next, errors, form={"kind": kind, "org": org, "name": name})
    role = f"{kind}:{org.strip()}" if kind in SCOPED_KINDS else kind
    token = mint_token(secret_of(request), subject=name.strip() or role, roles=[role], ttl_s=settings.session_ttl_s)
    return signed_in(token, to=local(next) if local(next) != "/" else "/", ttl_s=settings.session_ttl_s)


def _refused(request: Request, next: str, errors: dict[str, str], form: dict[str, str] | None = None) -> Response:
    """The sign-in page again (422), with what was wrong and, for the local form, what was typed."""
    typed = {} if form is None else {"form": form}
    context = {"roles": ROLES, "next": local(next), "errors": errors, **typed, "streets": []}
    return page(request, "signin.html", None, status_code=422, **context)


def _role_errors(kind: str, org: str) -> dict[str, str]:
    if kind not in ROLES:
        return {"kind": "请选择角色 (choose a role)"}
    if kind in SCOPED_KINDS and not org:
        return {"org": "请填写单位代码 (this role acts for an organisation: its code)"}
    try:
        validate_role(f"{kind}:{org}" if kind in SCOPED_KINDS else kind)
    except ValueError as error:
        return {"org": str(error)}
    return {}


@router.post("/signin/token")
async def sign_in_with_token(
    request: Request, console: ConsoleDep, token: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/"
) -> Response:
    """The platform's JWT issuer (``linkage token``, or an identity bridge): a token it signed is taken as is."""
    try:
        decode_token(secret_of(request), token.strip())
    except jwt.InvalidTokenError as error:
        return _refused(request, next, {"token": f"令牌无效: {error}"})
    # The cookie may outlive the token: an expired token is refused on its next use and leads back here.
    return signed_in(token.strip(), to=local(next), ttl_s=console.settings.session_ttl_s)


@router.post("/signout")
async def sign_out() -> Response:
    return signed_out("/signin")


def local(path: str) -> str:
    """Only a path on this console: a ``next`` pointing elsewhere would send the person off-site."""
    return path if path.startswith("/") and not path.startswith("//") and "\\" not in path else "/"
