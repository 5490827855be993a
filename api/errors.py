"""JSON errors everywhere: {"code", "message"} (and "field" where one is at fault), with stable codes."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from miner.errors import InputError, MinerError

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    500: "internal_error",
}


class ErrorPublic(BaseModel):
    code: str = Field(examples=["not_found"])
    message: str = Field(examples=["no run 'run_5f2c' in this workspace"])
    field: str | None = Field(None, examples=["limit"])


class ApiError(Exception):
    """Raised by routes and dependencies; rendered as ErrorPublic."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field, self.headers = status, code, message, field, headers


def not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", f"{what} not found in this workspace")


def _json(status: int, code: str, message: str, field: str | None = None, headers: dict | None = None) -> JSONResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if field is not None:
        body["field"] = field
    return JSONResponse(body, status_code=status, headers=headers)


def _validation_field(loc: tuple) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def install(app: FastAPI) -> None:
    """Register the handlers that turn every failure into an ErrorPublic body."""

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, err: ApiError) -> JSONResponse:
        return _json(err.status, err.code, err.message, err.field, err.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, err: StarletteHTTPException) -> JSONResponse:
        code = _CODES.get(err.status_code, "error")
        message = err.detail if isinstance(err.detail, str) else code.replace("_", " ")
        return _json(err.status_code, code, message, headers=getattr(err, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, err: RequestValidationError) -> JSONResponse:
        first = err.errors()[0] if err.errors() else {"loc": (), "msg": "invalid request"}
        field = _validation_field(tuple(first.get("loc", ())))
        return _json(422, "invalid", f"{field}: {first.get('msg', 'invalid value')}", field)

    @app.exception_handler(InputError)
    async def _input_error(request: Request, err: InputError) -> JSONResponse:
        return _json(400, "invalid_file", str(err), err.field)

    @app.exception_handler(MinerError)
    async def _miner_error(request: Request, err: MinerError) -> JSONResponse:
        return _json(400, "bad_request", str(err))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, err: Exception) -> JSONResponse:
        return _json(500, "internal_error", f"unexpected error ({type(err).__name__}); see the server log")


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for the error statuses a route can give."""
    return {s: {"model": ErrorPublic, "description": _CODES.get(s, "error").replace("_", " ")} for s in statuses}
