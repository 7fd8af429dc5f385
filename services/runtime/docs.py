"""``/docs`` and ``/redoc`` from assets served by the service itself: district networks (政务外网) often have no
internet, and FastAPI's defaults load Swagger UI, ReDoc, a favicon and Google Fonts from CDNs.

The assets are the ones the ``fastapi-offline`` wheel ships (Swagger UI bundle and CSS, ReDoc standalone, a
favicon); only its files are used, mounted under ``/docs-assets``.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs-assets"
REDOC_BUNDLE = f"{ASSETS}/redoc.local.js"
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
# Swagger UI would otherwise ask a public validator about the schema, a request that leaves the network.
SWAGGER_PARAMETERS = {"validatorUrl": None, "tryItOutEnabled": False}
# The pages may reach nothing but this service: ReDoc's bundle would otherwise fetch its logo from its CDN.
LOCAL_ONLY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'"
)


def assets_dir() -> Path:
    return Path(str(files("fastapi_offline") / "static"))


def serve_docs_locally(app: FastAPI) -> None:
    """Adds ``/docs`` (with its OAuth2 redirect) and ``/redoc``; the app must be made with both set to None."""
    app.add_api_route(REDOC_BUNDLE, _redoc_bundle, include_in_schema=False)  # before the mount, so it wins
    app.mount(ASSETS, StaticFiles(directory=assets_dir()), name="docs-assets")
    app.add_api_route("/docs", _swagger(app), include_in_schema=False)
    app.add_api_route("/docs/oauth2-redirect", _oauth2_redirect, include_in_schema=False)
    app.add_api_route("/redoc", _redoc(app), include_in_schema=False)


def _swagger(app: FastAPI) -> Callable[[], Awaitable[HTMLResponse]]:
    async def swagger() -> HTMLResponse:
        return _local_only(
            get_swagger_ui_html(
                openapi_url=app.openapi_url or "/openapi.json",
                title=f"{app.title} - Swagger UI",
                oauth2_redirect_url="/docs/oauth2-redirect",
                swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
                swagger_css_url=f"{ASSETS}/swagger-ui.css",
                swagger_favicon_url=f"{ASSETS}/favicon.png",
                swagger_ui_parameters=SWAGGER_PARAMETERS,
            )
        )

    return swagger


async def _redoc_bundle() -> Response:
    return Response(_local_redoc(), media_type="text/javascript", headers={"Cache-Control": "max-age=86400"})


@functools.cache
def _local_redoc() -> bytes:
    """ReDoc's bundle with its footer logo pointed at our favicon: the only address it would fetch from outside."""
    bundle = (assets_dir() / "redoc.standalone.js").read_text(encoding="utf-8")
    return bundle.replace(REDOC_LOGO, f"{ASSETS}/favicon.png").encode()


async def _oauth2_redirect() -> HTMLResponse:
    return get_swagger_ui_oauth2_redirect_html()


def _redoc(app: FastAPI) -> Callable[[], Awaitable[HTMLResponse]]:
    async def redoc() -> HTMLResponse:
        return _local_only(
            get_redoc_html(
                openapi_url=app.openapi_url or "/openapi.json",
                title=f"{app.title} - ReDoc",
                redoc_js_url=REDOC_BUNDLE,
                redoc_favicon_url=f"{ASSETS}/favicon.png",
                with_google_fonts=False,
            )
        )

    return redoc


def _local_only(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = LOCAL_ONLY
    return page
