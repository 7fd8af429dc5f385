"""The console's only way to data: the services' own HTTP APIs, called with the signed-in person's token."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

# What a page says when a service is down or not deployed: the page stays up and says which one.
UNREACHABLE = 503


class SignInAgain(Exception):
    """The service refused the token (expired, revoked, another secret): the person signs in again."""


@dataclass(frozen=True)
class Answer:
    """A service's answer: its status and its JSON (or the error it gave)."""

    status: int
    data: Any

    @property
    def ok(self) -> bool:
        return self.status < 400

    def errors(self) -> dict[str, str]:
        """The service's own messages by field (the last element of each ``loc``); ``_`` for the whole form."""
        detail = self.data.get("detail") if isinstance(self.data, dict) else self.data
        if isinstance(detail, list):
            return {_field(entry): str(entry.get("msg", entry)) for entry in detail if isinstance(entry, dict)}
        return {"_": str(detail)} if detail else {}

    def items(self) -> list[Any]:
        """The answer as a list of rows (an error or a single object gives none)."""
        return self.data if self.ok and isinstance(self.data, list) else []


def _field(entry: Mapping[str, Any]) -> str:
    location = [str(part) for part in entry.get("loc", []) if part not in ("body", "query", "path")]
    return location[-1] if location else "_"


class Upstream:
    """One pooled HTTP client over the five services; the token rides on every call."""

    def __init__(self, urls: Mapping[str, str], *, timeout_s: float) -> None:
        self.urls = dict(urls)
        # trust_env=False: a proxy from the environment must not stand between the console and the services.
        self.client = httpx.AsyncClient(timeout=timeout_s, trust_env=False)

    def has(self, service: str) -> bool:
        return service in self.urls

    async def get(
        self, service: str, path: str, *, token: str | None, params: Mapping[str, Any] | None = None
    ) -> Answer:
        return await self._send("GET", service, path, token=token, params=_present(params or {}))

    async def post(self, service: str, path: str, *, token: str | None, json: Any = None) -> Answer:
        return await self._send("POST", service, path, token=token, json=json)

    async def _send(self, method: str, service: str, path: str, *, token: str | None, **sent: Any) -> Answer:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            response = await self.client.request(method, f"{self.urls[service]}{path}", headers=headers, **sent)
        except httpx.HTTPError as error:
            return Answer(UNREACHABLE, {"detail": f"{service} 服务暂不可达 (unreachable): {type(error).__name__}"})
        if response.status_code == 401 and token:
            raise SignInAgain(service)
        return Answer(response.status_code, _body(response))

    async def close(self) -> None:
        await self.client.aclose()


def _present(params: Mapping[str, Any]) -> dict[str, Any]:
    """Empty form fields are not filters."""
    return {key: value for key, value in params.items() if value not in (None, "")}


def _body(response: httpx.Response) -> Any:
    if response.status_code == 204 or not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return {"detail": response.text[:500]}
