"""Weak secrets stop a service at start-up, naming the variable (issue 11)."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import pytest
from pydantic import ValidationError

from services.runtime.secrets import is_placeholder
from services.runtime.settings import RuntimeSettings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def shipped_values() -> set[str]:
    """Every value the example files ship for people to replace."""
    env = (DEPLOY / ".env.example").read_text(encoding="utf-8")
    found = set(re.findall(r"^\w*(?:PASSWORD|SECRET)\w*=(.+)$", env, re.MULTILINE))
    k8s = (DEPLOY / "k8s" / "secret.example.yaml").read_text(encoding="utf-8")
    found |= set(re.findall(r"^\s+\w*(?:PASSWORD|SECRET)\w*:\s*(\S+)$", k8s, re.MULTILINE))
    return found


def test_every_shipped_example_value_counts_as_a_placeholder() -> None:
    values = shipped_values()
    assert len(values) >= 3
    assert all(is_placeholder(value) for value in values), values


@pytest.mark.parametrize(
    ("secret", "says"),
    [
        ("change-me-at-least-16-characters", "placeholder"),
        ("CHANGE-ME-" + secrets.token_hex(16), "placeholder"),
        (secrets.token_hex(15), "shorter than 32 bytes"),
        ("a" * 64, "low-entropy"),
        ("0123456789" * 4, "low-entropy"),
        ("abcabcabcabcabcabcabcabcabcabcabcabc", "low-entropy"),
    ],
)
def test_a_weak_jwt_secret_is_refused_naming_the_variable(secret: str, says: str) -> None:
    with pytest.raises(ValidationError) as refused:
        RuntimeSettings(jwt_secret=secret)
    assert "LINKAGE_JWT_SECRET" in str(refused.value)
    assert says in str(refused.value)


def test_a_random_secret_passes() -> None:
    assert RuntimeSettings(jwt_secret=secrets.token_urlsafe(32)).jwt_secret.get_secret_value()


def test_the_environment_is_checked_at_start_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINKAGE_JWT_SECRET", "change-me-at-least-16-characters")
    with pytest.raises(ValidationError, match="LINKAGE_JWT_SECRET"):
        RuntimeSettings()


@pytest.mark.parametrize(
    ("field", "url", "variable"),
    [
        ("nats_url", "nats://dispatch:change-me-dispatch@nats:4222", "LINKAGE_NATS_URL"),
        ("nats_url", "nats://a:x1@n1:4222,nats://dispatch:change-me@n2:4222", "LINKAGE_NATS_URL"),
        ("database_url", "postgresql+asyncpg://linkage:change-me@db:5432/linkage", "LINKAGE_DATABASE_URL"),
    ],
)
def test_a_placeholder_password_in_a_url_is_refused(field: str, url: str, variable: str) -> None:
    with pytest.raises(ValidationError, match=variable):
        RuntimeSettings.model_validate({"jwt_secret": secrets.token_hex(32), field: url})


def test_urls_with_real_or_no_passwords_pass() -> None:
    settings = RuntimeSettings(
        jwt_secret=secrets.token_hex(32),
        nats_url=f"nats://dispatch:{secrets.token_hex(24)}@n1:4222,nats://n2:4222",
        database_url=f"postgresql+asyncpg://linkage_dispatch:{secrets.token_hex(24)}@db/linkage",
    )
    assert len(settings.nats_servers) == 2
