"""What the console reads from the environment (``LINKAGE_*``); read in ``create_app()``, never at import."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.runtime.secrets import refuse_weak_secret

SERVICE_NAMES = ("catalog", "admission", "dispatch", "evaluation", "enforcement")


class ConsoleSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LINKAGE_", extra="ignore")

    jwt_secret: SecretStr = Field(description="The platform's HS256 key: the console mints and checks tokens with it")
    console_dev_signin: bool = Field(
        default=False,
        description="Sign in by choosing a role and an organisation, the token minted here (linkage up only); "
        "a deployment signs in through its identity provider instead (deploy/README.md)",
    )
    catalog_url: str = Field(default="http://127.0.0.1:8101", description="catalog's base URL")
    admission_url: str = Field(default="http://127.0.0.1:8102", description="admission's base URL")
    dispatch_url: str = Field(default="http://127.0.0.1:8103", description="dispatch's base URL")
    evaluation_url: str = Field(default="http://127.0.0.1:8104", description="evaluation's base URL")
    enforcement_url: str = Field(default="http://127.0.0.1:8105", description="enforcement's base URL")
    console_trace_url: str | None = Field(
        default=None,
        description="Where a trace is shown when spans go to a collector, with {trace_id}, e.g. "
        "http://jaeger:16686/trace/{trace_id}; unset: the console draws the spans it received itself",
    )
    console_span_limit: int = Field(default=20000, ge=100, description="Recent spans kept in memory for traces")
    session_ttl_s: int = Field(default=8 * 3600, ge=60, description="Lifetime of a token minted at sign-in")
    upstream_timeout_s: float = Field(default=10.0, gt=0, description="How long a page waits for a service")

    @field_validator("jwt_secret")
    @classmethod
    def _strong_secret(cls, secret: SecretStr) -> SecretStr:
        refuse_weak_secret(secret.get_secret_value(), variable="LINKAGE_JWT_SECRET")
        return secret

    def service_urls(self) -> dict[str, str]:
        return {name: str(getattr(self, f"{name}_url")).rstrip("/") for name in SERVICE_NAMES}
