"""Serving under a path prefix behind a reverse proxy (TOUCHPOINTS_ROOT_PATH, `serve --root-path`), and redirects
that never name the server's own address.

A proxy that maps `https://cx.example.com/touchpoints/` to this server may strip the prefix (nginx
`proxy_pass http://127.0.0.1:8000/;`) or pass it on; either way a request is routed as if it had it, and the prefix
is the ASGI `root_path`, so /docs loads `<prefix>/openapi.json` and the schema names the prefix as its server.
A redirect (`/v1/datasets/` to `/v1/datasets`) was absolute, built from the Host header the proxy sent: it named
the internal address (`http://127.0.0.1:8000/...`) and, without the prefix, led nowhere. It is now a path, which
the browser resolves against the address it used."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def normalised(root_path: str) -> str:
    """'/touchpoints' from 'touchpoints/', '/touchpoints' or '/touchpoints/'; '' for none."""
    inner = root_path.strip().strip("/")
    return f"/{inner}" if inner else ""


class RootPath:
    """Pure ASGI middleware, outermost, so every route, page and middleware sees the prefixed path."""

    def __init__(self, app: ASGIApp, root_path: str = "") -> None:
        self.app, self.root_path = app, normalised(root_path)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        root, path = self.root_path, scope["path"]
        if root and path != root and not path.startswith(root + "/"):  # the proxy stripped it
            raw = scope.get("raw_path") or path.encode()
            scope = {**scope, "path": root + path, "raw_path": root.encode() + raw}
        if root:
            scope = {**scope, "root_path": root}
        host = next((v.decode("latin-1") for n, v in scope["headers"] if n == b"host"), None)

        async def send_relative(message: Message) -> None:
            if message["type"] == "http.response.start" and 300 <= message["status"] < 400:
                message = {**message, "headers": [_relative(n, v, host) for n, v in message.get("headers", [])]}
            await send(message)

        await self.app(scope, receive, send_relative)


def _relative(name: bytes, value: bytes, host: str | None) -> tuple[bytes, bytes]:
    """A Location to this server's own Host as a path and query; any other header, or address, as it was."""
    if name.lower() != b"location":
        return name, value
    url = urlsplit(value.decode("latin-1"))
    if not url.netloc or url.netloc != host:
        return name, value
    return name, (url.path + (f"?{url.query}" if url.query else "")).encode("latin-1")
