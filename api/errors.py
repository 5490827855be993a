"""JSON errors everywhere: {"code", "message", "field"} ("field" null where no one field is at fault), with stable
codes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.logs import redact_secrets
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
    507: "insufficient_storage",
}


class ErrorPublic(BaseModel):
    code: str = Field(examples=["not_found"])
    message: str = Field(examples=["no run 'run_5f2c' in this workspace"])
    field: str | None = Field(
        None, examples=["limit"], description="The parameter or body field at fault; null when none is (401, 404...)."
    )


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


_SKIP = re.compile(r",? or pass --on-error skip(?: to leave such rows out)?")
_FLAG = re.compile(r"--(text|title|rating|date|id)-col\b|--(kind|sheet)\b|--(customer|agent)-speaker\b")


def api_words(message: str) -> str:
    """A miner message (InputError's hints name CLI flags) in this API's words: the query parameters of
    POST /v1/datasets for --text-col and the like, and no "--on-error skip", since an upload always skips bad rows."""
    message = _SKIP.sub("", message)
    return _FLAG.sub(lambda m: f"{m.group(1)}_col" if m.group(1) else m.group(2) or f"{m.group(3)}_speaker", message)


def not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", f"{what} not found in this workspace")


def _json(status: int, code: str, message: str, field: str | None = None, headers: dict | None = None) -> JSONResponse:
    # every body has all three keys, "field" null where none is at fault, as the schema and docs/guide/api.md say;
    # a message or field echoing the request (an id, a parameter's name) shows no API key: bodies get logged too
    body = {"code": code, "message": redact_secrets(message), "field": field and redact_secrets(field)}
    return JSONResponse(body, status_code=status, headers=headers)


def _validation_field(loc: tuple) -> str:
    # a repeatable query parameter's item is the parameter ("kind", not "kind.0"); a body's list index stays
    parts = [
        str(p)
        for p in loc
        if p not in ("body", "query", "path", "header") and not (loc[0] == "query" and isinstance(p, int))
    ]
    return ".".join(parts) or "body"


def _explained(error: dict) -> tuple[str, str]:
    """The field at fault and what to do, in the words of this API rather than pydantic's."""
    kind, loc, message = str(error.get("type", "")), tuple(error.get("loc", ())), error.get("msg", "invalid value")
    if kind == "json_invalid":  # pydantic puts the character offset where a field name goes
        where = f" at character {loc[1]}" if len(loc) > 1 else ""
        reason = (error.get("ctx") or {}).get("error", "JSON decode error")
        return "body", f"not valid JSON{where} ({reason}): send a JSON object"
    field = _validation_field(loc)
    if kind == "extra_forbidden":
        return field, "unknown field: check its spelling against the schema (GET /docs)"
    if kind.startswith(("date_", "datetime_")):
        return field, "not a date: use YYYY-MM-DD, e.g. 2026-03-31"
    return field, message


async def no_unknown_query(request: Request) -> None:
    """A query parameter the route does not take is a 422 naming it, as an unknown body field is: a misspelt filter
    (`touchpont=website`, `datecol=`) read silently as no filter gives a wrong answer that looks right."""
    route = request.scope.get("route")
    if route is None or not request.query_params or not hasattr(route, "dependant"):
        return
    known = _query_names(route.dependant)
    for name in request.query_params:
        if name not in known:
            takes = ", ".join(sorted(known)) or "none"
            raise ApiError(422, "invalid", f"{name}: unknown parameter: check its spelling (this route takes {takes})",
                           field=name)  # fmt: skip


def _query_names(dependant: Any) -> set[str]:
    """The query parameters a route takes, its dependencies' included (filters, run, limit...)."""
    names = {field.alias for field in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def install(app: FastAPI) -> None:
    """Register the handlers that turn every failure into an ErrorPublic body, and say so in the OpenAPI schema."""
    _document_errors_as_json(app)

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
        field, message = _explained(first)
        return _json(422, "invalid", f"{field}: {message}", field)

    @app.exception_handler(InputError)
    async def _input_error(request: Request, err: InputError) -> JSONResponse:
        return _json(400, "invalid_file", api_words(str(err)), err.field)

    @app.exception_handler(MinerError)
    async def _miner_error(request: Request, err: MinerError) -> JSONResponse:
        return _json(400, "bad_request", str(err))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, err: Exception) -> JSONResponse:
        return _json(500, "internal_error", f"unexpected error ({type(err).__name__}); see the server log")


def _document_errors_as_json(app: FastAPI) -> None:
    """Every error answer is an ErrorPublic in JSON (the handlers below), whatever FastAPI infers: its default 422
    body (HTTPValidationError) is never sent, and an HTML route's errors are not HTML."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = build()
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorPublic"}}}
        for operation in (op for ops in schema.get("paths", {}).values() for op in ops.values()):
            # every route takes the app's `no_unknown_query`: any of them answers 422 to a parameter it does not take
            operation.setdefault("responses", {}).setdefault("422", {})
            for status, answer in operation["responses"].items():
                if status.isascii() and status.isdigit() and int(status) >= 400:
                    answer["content"] = error
                    if status == "422":
                        answer["description"] = "invalid"
            operation["responses"] = dict(sorted(operation["responses"].items(), key=lambda item: str(item[0])))
        components = schema.get("components", {}).get("schemas", {})
        components.setdefault("ErrorPublic", ErrorPublic.model_json_schema())
        for unused in ("HTTPValidationError", "ValidationError"):  # only the replaced 422 bodies named them
            components.pop(unused, None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for the error statuses a route can give."""
    return {s: {"model": ErrorPublic, "description": _CODES.get(s, "error").replace("_", " ")} for s in statuses}


def without_server_paths(error: str, workspaces: Path) -> str:
    """A run's error as its client reads it: an upload named by its file alone. "/srv/tp/main.workspaces/
    stores.uploads/ds_1f2e/slow.csv: no such file or folder" showed the server's folders to every caller."""
    return re.sub(re.escape(str(workspaces)) + r"/[^/\s]+\.uploads/[^/\s]+/", "", error)
