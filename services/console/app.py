"""The console's composition root: settings, the upstream client, the span store, templates, pages."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from services.console import pages
from services.console.session import NotSignedIn, signed_out
from services.console.settings import ConsoleSettings
from services.console.spans import SpanStore
from services.console.upstream import SignInAgain, Upstream
from services.console.views import HERE, Console, make_templates
from services.runtime.limits import MIB, BoundBodies


def create_app(settings: ConsoleSettings | None = None) -> FastAPI:
    settings = settings or ConsoleSettings()  # pydantic-settings reads the environment
    upstream = Upstream(settings.service_urls(), timeout_s=settings.upstream_timeout_s)
    console = Console(settings, upstream, SpanStore(settings.console_span_limit), make_templates())

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await upstream.close()

    # Pages for people, not an API: no /docs of its own (each service has its own, served locally).
    app = FastAPI(title="Linkage console (控制台)", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.console = console
    app.add_middleware(BoundBodies, limit=MIB, upload_limit=8 * MIB, upload_paths=["/v1/traces"])
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_exception_handler(NotSignedIn, _to_signin)
    app.add_exception_handler(SignInAgain, _signin_again)
    for router in pages.routers():
        app.include_router(router)
    return app


async def _to_signin(request: Request, error: Exception) -> Response:
    assert isinstance(error, NotSignedIn)
    return RedirectResponse(f"/signin?next={error.next_path}", status_code=303)


async def _signin_again(request: Request, _: Exception) -> Response:
    """A service refused the token: nothing was done; the cookie goes and the person signs in again."""
    return signed_out(f"/signin?next={request.url.path}&expired=1")
