"""Bearer JWT (HS256, PyJWT) with the actors of DESIGN.md as roles.

Roles: ``office``, ``department:<code>``, ``street:<code>``, ``agency:<code>``, ``gridworker:<code>`` (a grid
worker, 网格员, by the code its grid's street registered it under), ``reviewer:<body>``, ``committee``,
``smartcity``, ``operator``. A route asks for role kinds; a scoped role also names the
organisation the caller acts for, which use cases use to keep each assignee to its own tasks.

Every token names its issuer (``iss``: ``linkage``) and audience (``aud``: ``linkage``), and verification
requires both: a token signed with the same key for another purpose (another system sharing the secret by
mistake, a future token kind) is not taken for a Linkage bearer token. The route that admitted a principal
records the role it acted in (``acting_role``), which the unit of work writes on every audit row.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from typing import Annotated

import jwt
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from services.runtime.wired import jwt_secret

ROLE_KINDS = frozenset(
    {"office", "department", "street", "agency", "gridworker", "reviewer", "committee", "smartcity", "operator"}
)
SCOPED_KINDS = frozenset({"department", "street", "agency", "gridworker", "reviewer"})
ALGORITHM = "HS256"
ISSUER = "linkage"
AUDIENCE = "linkage"
_ACTING = "linkage_acting_role"  # request.state attribute the admitting Require sets


@dataclass(frozen=True)
class Principal:
    subject: str
    roles: frozenset[str]

    def has(self, kind: str) -> bool:
        return any(role.split(":", 1)[0] == kind for role in self.roles)

    def scopes(self, kind: str) -> frozenset[str]:
        """The organisation codes this principal acts for under ``kind`` (e.g. its department codes)."""
        return frozenset(role.split(":", 1)[1] for role in self.roles if role.startswith(f"{kind}:"))


def validate_role(role: str) -> str:
    kind, _, scope = role.partition(":")
    if kind not in ROLE_KINDS or (kind in SCOPED_KINDS) != bool(scope):
        raise ValueError(f"unknown role {role!r}; kinds: {', '.join(sorted(ROLE_KINDS))}")
    return role


def mint_token(secret: str, *, subject: str, roles: list[str], ttl_s: int = 86400) -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": subject,
        "roles": [validate_role(r) for r in roles],
        "iat": now,
        "exp": now + ttl_s,
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def decode_token(secret: str, token: str) -> Principal:
    """The token's principal; a bad signature, a malformed claim, a wrong ``iss``/``aud`` or an expired token
    raises (all ``jwt.InvalidTokenError``)."""
    principal, expires = _verified(secret, token)
    if expires <= time.time():  # checked on every use: the signature was checked once, the clock moves on
        raise jwt.ExpiredSignatureError("Signature has expired")
    return principal


# A client sends the same token with every request; checking its signature and claims again costs more
# than the rest of a lookup's authentication (figures: bench/README.md). Only tokens that passed are remembered (an
# exception is not cached), keyed by secret and exact token text; once in force (``iat``, ``nbf`` passed)
# a token stays so, and its expiry is tested again on each use above.
@functools.lru_cache(maxsize=1024)
def _verified(secret: str, token: str) -> tuple[Principal, int]:
    claims = jwt.decode(
        token,
        secret,
        algorithms=[ALGORITHM],
        issuer=ISSUER,
        audience=AUDIENCE,
        options={"require": ["iss", "aud", "sub", "exp"]},
    )
    roles = claims.get("roles", [])
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise jwt.InvalidTokenError("claim 'roles' must be a list of strings")
    return Principal(subject=str(claims["sub"]), roles=frozenset(roles)), int(claims["exp"])


_bearer = HTTPBearer(auto_error=False)
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


async def optional_principal(
    secret: Annotated[str, Depends(jwt_secret)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal | None:
    """The caller when a token came with the request; a bad token is refused, never ignored."""
    if credentials is None:
        return None
    try:
        return decode_token(secret, credentials.credentials)
    except jwt.InvalidTokenError as error:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, f"invalid token: {error}", _CHALLENGE) from error


async def current_principal(principal: Annotated[Principal | None, Depends(optional_principal)]) -> Principal:
    if principal is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing bearer token", _CHALLENGE)
    return principal


# The dependencies are ``async`` so that FastAPI runs them inline rather than in its thread pool, whose hand-off
# costs more than the check itself (bench/README.md); none of them blocks.
@dataclass(frozen=True)
class Require:
    """A dependency admitting principals holding any of the role ``kinds``; ``deps`` names each set once."""

    kinds: tuple[str, ...]

    async def __call__(
        self, request: Request, principal: Annotated[Principal, Depends(current_principal)]
    ) -> Principal:
        acting = sorted(role for role in principal.roles if role.split(":", 1)[0] in self.kinds)
        if not acting:
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"needs role: {' or '.join(self.kinds)}")
        setattr(request.state, _ACTING, ",".join(acting))
        return principal


def acting_role(request: Request, principal: Principal | None) -> str:
    """The role the caller acts in on this request: the roles the route admitted it under (``Require``), else
    every role its token carries; ``anonymous`` without a token. Read once the route's dependencies ran."""
    admitted: str | None = getattr(request.state, _ACTING, None)
    if admitted:
        return admitted
    return ",".join(sorted(principal.roles)) if principal is not None else "anonymous"


def require(*kinds: str) -> Require:
    """The dependency for ``kinds``; routes use the named sets in ``deps`` instead."""
    return Require(kinds)
