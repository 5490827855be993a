"""Security headers: every response says `nosniff`; every HTML page gets a Content-Security-Policy that frames it
nowhere (`frame-ancestors 'none'`) and lets it load nothing from another origin.

The report inlines plotly.js, its chart data and a few lines that draw the charts, and the key page at `/` writes
the report into itself, so scripts and styles may be inline ('unsafe-inline'); what the report inlines from
feedback is escaped (miner/report/inert.py). The interactive docs (/docs, /redoc) load their scripts from the
CDN FastAPI names, and only they may."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_POLICY = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
DOCS_CDN = "https://cdn.jsdelivr.net"
DOCS_POLICY = (
    f"default-src 'self'; script-src 'self' 'unsafe-inline' {DOCS_CDN}; worker-src 'self' blob:; "
    f"style-src 'self' 'unsafe-inline' {DOCS_CDN} https://fonts.googleapis.com; "
    "font-src 'self' https://fonts.gstatic.com; "
    "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; connect-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
DOCS_PATHS = ("/docs", "/redoc")


class SecurityHeaders:
    """Pure ASGI middleware (a BaseHTTPMiddleware would cost every request a task and a queue)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # the route's path: under a prefix (TOUCHPOINTS_ROOT_PATH) the docs are at /touchpoints/docs
        route_path = scope["path"].removeprefix(scope.get("root_path", ""))
        policy = DOCS_POLICY if route_path.startswith(DOCS_PATHS) else PAGE_POLICY

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                if b"x-content-type-options" not in names:
                    headers.append((b"x-content-type-options", b"nosniff"))
                content_type = next((v for n, v in headers if n.lower() == b"content-type"), b"")
                if content_type.startswith(b"text/html") and b"content-security-policy" not in names:
                    headers += [(b"content-security-policy", policy.encode()), (b"x-frame-options", b"DENY")]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
