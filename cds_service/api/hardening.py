"""The outermost middleware: request header limits, the Host allowlist, and security headers.

* **Header size.** All request headers together may hold at most ``CDS_MAX_HEADER_BYTES``; more is a
  431 OperationOutcome before anything else reads them. (uvicorn's httptools parser has no limit of
  its own, so the check is here, after the server has read them.)
* **Host allowlist** (DNS rebinding: a web page whose domain resolves to 127.0.0.1 would otherwise
  be same-origin with the service). The Host must be a loopback name (``localhost``,
  ``*.localhost``, ``127.0.0.0/8``, ``::1``) or one of ``CDS_ALLOWED_HOSTS``: always in development,
  in production only when ``CDS_ALLOWED_HOSTS`` is set (else the proxy in front decides). Anything
  else is a 400.
* **Security headers** on every answer, error and CORS answers included: no MIME sniffing, no
  framing, no referrer, a content policy that allows nothing to run, ``Cache-Control: no-store``
  unless the endpoint set its own, and HSTS in production only (development is plain http on
  loopback, where HSTS would pin ``localhost`` to https for every other local app).
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cds_service.api.errors import ApiError, error_response
from cds_service.auth.profile import is_loopback_name

SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
)
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")
NO_STORE = (b"cache-control", b"no-store")


def host_name(host_header: str) -> str:
    """The name of a Host header value, lower case, without port or IPv6 brackets."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class HardeningMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_header_bytes: int,
        check_host: bool,
        allowed_hosts: Iterable[str] = (),
        hsts: bool = False,
    ) -> None:
        self.app = app
        self.max_header_bytes = max_header_bytes
        self.check_host = check_host
        self.allowed_hosts = frozenset(host_name(h) for h in allowed_hosts)
        self.headers = SECURITY_HEADERS + ((HSTS,) if hsts else ())

    def _host_allowed(self, host: str | None) -> bool:
        if host is None:
            return False
        name = host_name(host)
        return name in self.allowed_hosts or is_loopback_name(name)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = scope["headers"]
        problem: ApiError | None = None
        if sum(len(k) + len(v) + 4 for k, v in headers) > self.max_header_bytes:
            problem = ApiError(431, f"The request headers are larger than the limit of {self.max_header_bytes} bytes.",
                               code="too-long")
        elif self.check_host:
            host = next((v.decode("latin-1") for k, v in headers if k == b"host"), None)
            if not self._host_allowed(host):
                problem = ApiError(400, "The Host header names a host this service does not answer for.",
                                   code="forbidden")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [h for h in self.headers if h[0] not in present]
                if b"cache-control" not in present:
                    extra.append(NO_STORE)
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        if problem is not None:
            await error_response(problem)(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)
