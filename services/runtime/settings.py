"""Settings every service reads from the environment (``LINKAGE_*``); read in ``create_app()``, never at import."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

from services.runtime.secrets import refuse_placeholder_password, refuse_weak_secret


class RuntimeSettings(BaseSettings):
    """Fails fast: a missing, short or placeholder JWT secret, or a placeholder password in a URL, stops the service
    at start-up with the variable's name (``services/runtime/secrets.py`` says what counts as weak)."""

    model_config = SettingsConfigDict(env_prefix="LINKAGE_", extra="ignore")

    nats_url: str = Field(default="nats://127.0.0.1:4222", description="NATS server(s), comma-separated")
    database_url: str = Field(
        default="postgresql+asyncpg://postgres@127.0.0.1:5432/linkage", description="SQLAlchemy async URL"
    )
    jwt_secret: SecretStr = Field(
        description="HS256 key that signs bearer tokens: at least 32 bytes, random (openssl rand -hex 32)"
    )
    db_pool_size: int = Field(
        default=20, ge=1, description="Connections kept open; at least consumer_batch, or busy consumers churn them"
    )
    relay_batch: int = Field(
        default=1000,
        ge=1,
        description="Outbox rows the relay publishes per round; rounds run one after another, so this caps "
        "the events a service can send per round trip, and a small batch holds back a busy intake",
    )
    relay_poll_s: float = Field(default=1.0, gt=0, description="Relay poll interval when nothing wakes it")
    consumer_batch: int = Field(
        default=16, ge=1, description="Messages a pull consumer fetches at once; each runs concurrently on a connection"
    )
    consumer_batch_many: int = Field(
        default=128,
        ge=1,
        description="Messages a batch subscription (hot paths such as intake) takes into one transaction at most",
    )
    stream_replicas: int = Field(
        default=1, ge=1, le=5, description="JetStream replicas: 1 on one machine, 3 in a cluster"
    )
    max_deliver: int = Field(
        default=5, ge=1, le=100, description="Deliveries that fail on their data before a message is dead-lettered"
    )
    retry_delays_s: tuple[float, ...] = Field(
        default=(1.0, 5.0, 15.0, 30.0),
        min_length=1,
        description="Delay before redelivering a message whose handler failed, by delivery (the last one repeats). "
        "With max_deliver they make the retry budget; a database outage spends none of it",
    )
    ack_wait_s: float = Field(
        default=15.0,
        ge=1.0,
        description="How long JetStream waits for a settlement before redelivering; a message held longer (a "
        "long batch, an outage) is kept alive by in-progress heartbeats every third of it",
    )
    drain_s: float = Field(default=10.0, ge=0, description="At shutdown, how long handlers may finish what they hold")
    db_connect_timeout_s: float = Field(default=5.0, gt=0, description="Give up opening a database connection")
    db_statement_timeout_s: float = Field(
        default=30.0, gt=0, description="Cancel a statement running longer; a database that hangs is an outage"
    )
    max_body_mib: float = Field(default=1.0, gt=0, description="Largest request body, MiB; over it a 413")
    max_upload_mib: float = Field(
        default=20.0, gt=0, description="Largest upload (multipart, or JSON on an app's upload paths), MiB"
    )
    otlp_endpoint: str | None = Field(
        default=None, validation_alias="OTEL_EXPORTER_OTLP_ENDPOINT", description="OTLP/HTTP collector"
    )
    log_level: str = Field(default="INFO")

    @field_validator("jwt_secret")
    @classmethod
    def _strong_secret(cls, secret: SecretStr) -> SecretStr:
        refuse_weak_secret(secret.get_secret_value(), variable="LINKAGE_JWT_SECRET")
        return secret

    @field_validator("nats_url")
    @classmethod
    def _nats_passwords(cls, urls: str) -> str:
        for url in urls.split(","):
            _, _, authority = url.strip().partition("://")
            credentials, at, _ = authority.rpartition("@")
            if at and ":" in credentials:
                refuse_placeholder_password(credentials.split(":", 1)[1], variable="LINKAGE_NATS_URL")
        return urls

    @field_validator("database_url")
    @classmethod
    def _database_password(cls, url: str) -> str:
        password = make_url(url).password
        if password is not None:
            refuse_placeholder_password(str(password), variable="LINKAGE_DATABASE_URL")
        return url

    @field_validator("retry_delays_s")
    @classmethod
    def _positive(cls, delays: tuple[float, ...]) -> tuple[float, ...]:
        if any(delay < 0 for delay in delays):
            raise ValueError("retry delays are seconds, none negative")
        return delays

    @property
    def retry_budget_s(self) -> float:
        """Seconds of redelivery delay a message gets before it is dead-lettered: failures on its data only."""
        return sum(self.retry_delays_s[min(n, len(self.retry_delays_s) - 1)] for n in range(self.max_deliver - 1))

    @property
    def nats_servers(self) -> list[str]:
        return [url.strip() for url in self.nats_url.split(",") if url.strip()]
