"""Who is signed in: the platform token kept in an HttpOnly cookie; no token, or an expired one, means sign in.

The cookie is ``SameSite=Strict``: a form posted from another site carries no token, so it cannot act for anyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import jwt
from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response

from services.runtime.auth import Principal, decode_token

COOKIE = "linkage_console"


class NotSignedIn(Exception):
    """No valid token: the handler sends the person to the sign-in page, back to ``next`` afterwards."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


@dataclass(frozen=True)
class Viewer:
    """The signed-in person: their token (passed on to the services) and what it says."""

    token: str
    principal: Principal

    def has(self, kind: str) -> bool:
        return self.principal.has(kind)

    @property
    def scoped(self) -> bool:
        """An organisation (department, street, agency) rather than the office or an operator."""
        return any(self.has(kind) for kind in ("department", "street", "agency"))

    @property
    def label(self) -> str:
        return "、".join(sorted(self.principal.roles))


def secret_of(request: Request) -> str:
    secret: str = request.app.state.console.settings.jwt_secret.get_secret_value()
    return secret


def viewer(request: Request) -> Viewer:
    token = request.cookies.get(COOKIE)
    back = request.url.path if request.method == "GET" else "/"  # a form is not re-sent after signing in
    if not token:
        raise NotSignedIn(back)
    try:
        return Viewer(token, decode_token(secret_of(request), token))
    except jwt.InvalidTokenError as error:
        raise NotSignedIn(back) from error


ViewerDep = Annotated[Viewer, Depends(viewer)]


def signed_in(token: str, *, to: str, ttl_s: int) -> Response:
    response = RedirectResponse(to, status_code=303)
    response.set_cookie(COOKIE, token, max_age=ttl_s, httponly=True, samesite="strict", path="/")
    return response


def signed_out(to: str) -> Response:
    response = RedirectResponse(to, status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
