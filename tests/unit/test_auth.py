"""Bearer tokens and roles."""

from __future__ import annotations

import time

import jwt
import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from services.runtime import auth
from services.runtime.auth import decode_token, mint_token
from services.runtime.deps import Office
from services.runtime.wired import jwt_secret

SECRET = "unit-secret-0123456789abcdef-0123456789"


def test_a_minted_token_carries_its_roles_and_scopes() -> None:
    principal = decode_token(SECRET, mint_token(SECRET, subject="王科长", roles=["department:cgj", "operator"]))
    assert principal.subject == "王科长"
    assert principal.has("department")
    assert principal.has("operator")
    assert not principal.has("office")
    assert principal.scopes("department") == {"cgj"}


def test_a_grid_worker_token_is_scoped_to_its_worker_code() -> None:
    principal = decode_token(SECRET, mint_token(SECRET, subject="张敏", roles=["gridworker:wgy-0001"]))
    assert principal.scopes("gridworker") == {"wgy-0001"}
    assert principal.scopes("department") == frozenset()


@pytest.mark.parametrize("role", ["mayor", "department", "office:x", "street", "gridworker"])
def test_unknown_or_unscoped_roles_are_refused(role: str) -> None:
    with pytest.raises(ValueError, match="unknown role"):
        mint_token(SECRET, subject="x", roles=[role])


def test_tampered_or_expired_tokens_are_refused() -> None:
    token = mint_token(SECRET, subject="x", roles=["office"])
    with pytest.raises(jwt.InvalidSignatureError):
        decode_token("another-secret-0123456789abcdef-01234", token)
    with pytest.raises(jwt.ExpiredSignatureError):
        decode_token(SECRET, mint_token(SECRET, subject="x", roles=["office"], ttl_s=-10))


def test_a_remembered_token_is_still_refused_once_it_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    token = mint_token(SECRET, subject="x", roles=["office"], ttl_s=60)
    assert decode_token(SECRET, token).subject == "x"
    later = time.time() + 61
    monkeypatch.setattr(auth.time, "time", lambda: later)
    with pytest.raises(jwt.ExpiredSignatureError):
        decode_token(SECRET, token)


def test_a_remembered_token_is_refused_under_another_secret_or_altered() -> None:
    token = mint_token(SECRET, subject="x", roles=["office"])
    assert decode_token(SECRET, token).has("office")
    with pytest.raises(jwt.InvalidSignatureError):
        decode_token("another-secret-0123456789abcdef-01234", token)
    header, _, signature = token.split(".")
    forged = mint_token("another-secret-0123456789abcdef-01234", subject="x", roles=["operator"]).split(".")[1]
    with pytest.raises(jwt.InvalidSignatureError):
        decode_token(SECRET, f"{header}.{forged}.{signature}")


@pytest.mark.parametrize(
    ("claim", "value", "error"),
    [
        ("iss", "someone-else", jwt.InvalidIssuerError),
        ("aud", "another-system", jwt.InvalidAudienceError),
        ("iss", None, jwt.MissingRequiredClaimError),
        ("aud", None, jwt.MissingRequiredClaimError),
    ],
)
def test_a_token_with_a_wrong_or_missing_issuer_or_audience_is_refused(
    claim: str, value: str | None, error: type[Exception]
) -> None:
    claims = jwt.decode(mint_token(SECRET, subject="x", roles=["office"]), SECRET, options={"verify_signature": False})
    assert (claims["iss"], claims["aud"]) == (auth.ISSUER, auth.AUDIENCE)
    if value is None:
        del claims[claim]
    else:
        claims[claim] = value
    with pytest.raises(error):
        decode_token(SECRET, jwt.encode(claims, SECRET, algorithm=auth.ALGORITHM))


def _app() -> FastAPI:
    app = FastAPI()
    app.dependency_overrides[jwt_secret] = lambda: SECRET

    @app.get("/office")
    async def office(request: Request, principal: Office) -> dict[str, str]:
        return {"sub": principal.subject, "role": auth.acting_role(request, principal)}

    return app


def test_a_route_answers_401_to_a_token_for_another_issuer_or_audience() -> None:
    claims = jwt.decode(mint_token(SECRET, subject="x", roles=["office"]), SECRET, options={"verify_signature": False})
    client = TestClient(_app())
    assert client.get("/office", headers={"Authorization": f"Bearer {jwt.encode(claims, SECRET)}"}).status_code == 200
    for claim, value in (("iss", "other"), ("aud", "other")):
        forged = jwt.encode({**claims, claim: value}, SECRET, algorithm=auth.ALGORITHM)
        response = client.get("/office", headers={"Authorization": f"Bearer {forged}"})
        assert response.status_code == 401, response.text
        assert claim in response.json()["detail"].lower() or "audience" in response.json()["detail"].lower()


def test_the_acting_role_is_the_one_the_route_admitted() -> None:
    token = mint_token(SECRET, subject="李四", roles=["operator", "office", "department:cgj"])
    response = TestClient(_app()).get("/office", headers={"Authorization": f"Bearer {token}"})
    assert response.json() == {"sub": "李四", "role": "office"}
