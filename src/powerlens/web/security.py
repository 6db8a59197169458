"""Request guard of the web app: access token, host and origin checks, security headers.

- Token mode (``Settings.token``): every request carries the token, in the
  ``X-Powerlens-Token`` header, an ``Authorization: Bearer`` header, or the cookie set when
  the address printed by ``powerlens serve`` (``...?token=...``) is first opened; the token is
  then dropped from the address bar by a redirect.
- Loopback mode: the Host header must name this machine (a guard against DNS rebinding).
- Form posts from another origin are refused (a guard against cross-site request forgery).
- Every response carries a Content-Security-Policy that allows only this server's own
  scripts, styles and images (no inline script, no external source), and asks browsers not
  to cache or frame pages, or to send their address to another site.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlencode, urlsplit

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from powerlens.web.settings import LOOPBACK_HOSTS, Settings

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'; object-src 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}
TOKEN_HEADER = "x-powerlens-token"
TOKEN_COOKIE = "powerlens_token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _same(supplied: str | None, token: str) -> bool:
    return supplied is not None and hmac.compare_digest(supplied.encode(), token.encode())


def supplied_token(request: Request) -> str | None:
    """The token a request carries in a header or the cookie, if any."""
    header = request.headers.get(TOKEN_HEADER)
    if header:
        return header
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.cookies.get(TOKEN_COOKIE)


def host_name(host_header: str) -> str:
    """The host part of a Host header (``[::1]:8000`` -> ``::1``)."""
    if host_header.startswith("["):
        return host_header[1:].split("]", 1)[0]
    return host_header.rsplit(":", 1)[0] if host_header.count(":") == 1 else host_header


def same_origin(request: Request, host: str) -> bool:
    """False for a request a browser marks as coming from another site (or port)."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None or (origin == "null" and fetch_site == "same-origin"):
        return True
    return urlsplit(origin).netloc == host


def _refuse(status: int, message: str) -> Response:
    return PlainTextResponse(message, status_code=status, headers=HEADERS)


def check(request: Request, settings: Settings) -> Response | None:
    """A refusal for a request that breaks the rules, or None when it may go on."""
    host = request.headers.get("host", "")
    if settings.loopback and host_name(host) not in LOOPBACK_HOSTS:
        return _refuse(400, "This powerlens server answers only on this machine (127.0.0.1).")
    if request.method in UNSAFE_METHODS and not same_origin(request, host):
        return _refuse(403, "Refused a form sent from another site.")
    if settings.token is None:
        return None
    in_query = request.query_params.get("token")
    if in_query is not None and request.method == "GET" and _same(in_query, settings.token):
        rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
        target = request.url.path + (f"?{urlencode(rest)}" if rest else "")
        response = RedirectResponse(target, status_code=303, headers=HEADERS)
        response.set_cookie(
            TOKEN_COOKIE, settings.token, httponly=True, samesite="strict", path="/"
        )
        return response
    if not _same(supplied_token(request), settings.token):
        return _refuse(
            401,
            "This powerlens server needs its access token. Open the address printed by "
            "'powerlens serve' (it ends in ?token=...), or send the X-Powerlens-Token header.",
        )
    return None


class Guard:
    """ASGI middleware: refuse what ``check`` refuses, add the security headers to the rest.

    Plain ASGI rather than Starlette's ``BaseHTTPMiddleware``, which hides the client's
    disconnect from the app, and the app needs it to stop an analysis nobody waits for.
    """

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app, self.settings = app, settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = check(Request(scope), self.settings)
        if refusal is not None:
            await refusal(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install(app: FastAPI, settings: Settings) -> None:
    """Guard every request of ``app`` and add the security headers to every response."""
    app.add_middleware(Guard, settings=settings)
