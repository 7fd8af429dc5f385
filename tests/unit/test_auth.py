"""Bearer tokens and roles."""

from __future__ import annotations

import time

import jwt
import pytest

from services.runtime import auth
from services.runtime.auth import decode_token, mint_token

SECRET = "unit-secret-0123456789abcdef-0123456789"


def test_a_minted_token_carries_its_roles_and_scopes() -> None:
    principal = decode_token(SECRET, mint_token(SECRET, subject="王科长", roles=["department:cgj", "operator"]))
    assert principal.subject == "王科长"
    assert principal.has("department")
    assert principal.has("operator")
    assert not principal.has("office")
    assert principal.scopes("department") == {"cgj"}


@pytest.mark.parametrize("role", ["mayor", "department", "office:x", "street"])
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
