"""How the HTTP edge answers a refused request: the domain's errors and unstorable text as FastAPI-style 4xx."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError

from services.runtime.errors import DomainError


async def _domain_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, DomainError)
    loc = [error.location, *error.field.split(".")] if error.field else []
    return JSONResponse({"detail": [{"loc": loc, "msg": error.message, "type": error.kind}]}, error.status)


async def _unstorable_text(_: Request, error: Exception) -> JSONResponse:
    """The last line behind the NUL check at the edge (e.g. a NUL inside an uploaded CSV): still a 422."""
    if "invalid byte sequence" not in str(error):
        raise error
    detail = [
        {"loc": ["body"], "msg": "the input holds text Postgres cannot store (a NUL character)", "type": "value_error"}
    ]
    return JSONResponse({"detail": detail}, 422)


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(DBAPIError, _unstorable_text)
