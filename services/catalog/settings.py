"""Catalogue settings: the shared ones; catalogue-only knobs join here."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import Field, field_validator

from services.runtime.settings import RuntimeSettings


class Settings(RuntimeSettings):
    public_base_url: str = Field(
        default="http://127.0.0.1:8101",
        description="Where citizens reach the catalogue (e.g. https://qingdan.example.gov.cn): the base of the public "
        "pages' links and QR codes, never the request's Host header; by default the address `linkage up` serves it at",
    )

    @field_validator("public_base_url")
    @classmethod
    def _absolute(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            raise ValueError(
                "public_base_url must be an http(s) address without query, e.g. https://qingdan.example.gov.cn"
            )
        return value.strip().rstrip("/")
