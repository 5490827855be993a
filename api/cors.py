"""CORS for a dashboard on another origin (TOUCHPOINTS_CORS_ORIGINS): Starlette's middleware, with its refusal of a
preflight as the API's other errors are, an ErrorPublic in JSON, not the plain text "Disallowed CORS origin"."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse, Response


class Cors(CORSMiddleware):
    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code != 400:
            return response
        disallowed = bytes(response.body).decode("utf-8", "replace")  # "Disallowed CORS origin, method, headers"
        return JSONResponse(
            {"code": "cors_refused", "message": f"{disallowed}: the server allows the origins in "
             "TOUCHPOINTS_CORS_ORIGINS", "field": None},
            status_code=400,
            headers={k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "content-type")},
        )  # fmt: skip
