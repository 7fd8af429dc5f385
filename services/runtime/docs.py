"""``/docs`` and ``/redoc`` from assets served by the service itself: district networks (政务外网) often have no
internet, and FastAPI's defaults load Swagger UI, ReDoc, a favicon and Google Fonts from CDNs.

The assets are the ones the ``fastapi-offline`` wheel ships (Swagger UI bundle and CSS, ReDoc standalone, a
favicon); only its files are used, mounted under ``/docs-assets``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs-assets"
# Swagger UI would otherwise ask a public validator about the schema, a request that leaves the network.
SWAGGER_PARAMETERS = {"validatorUrl": None, "tryItOutEnabled": False}


def assets_dir() -> Path:
    return Path(str(files("fastapi_offline") / "static"))


def serve_docs_locally(app: FastAPI) -> None:
    """Adds ``/docs`` (with its OAuth2 redirect) and ``/redoc``; the app must be made with both set to None."""
    app.mount(ASSETS, StaticFiles(directory=assets_dir()), name="docs-assets")
    app.add_api_route("/docs", _swagger(app), include_in_schema=False)
    app.add_api_route("/docs/oauth2-redirect", _oauth2_redirect, include_in_schema=False)
    app.add_api_route("/redoc", _redoc(app), include_in_schema=False)


def _swagger(app: FastAPI) -> Callable[[], Awaitable[HTMLResponse]]:
    async def swagger() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url="/docs/oauth2-redirect",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon.png",
            swagger_ui_parameters=SWAGGER_PARAMETERS,
        )

    return swagger


async def _oauth2_redirect() -> HTMLResponse:
    return get_swagger_ui_oauth2_redirect_html()


def _redoc(app: FastAPI) -> Callable[[], Awaitable[HTMLResponse]]:
    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{ASSETS}/favicon.png",
            with_google_fonts=False,
        )

    return redoc
