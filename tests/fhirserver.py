"""A real FHIR test server on loopback, for tests of code that calls an EHR's FHIR server.

    with start_fhir_server() as fhir:
        fhir.resource({"resourceType": "Patient", "id": "p1"})
        fhir.search("Observation?patient=p1", [obs1, obs2, obs3], page_size=2)
        fhir.on("Condition?patient=p1", Reply(status=500))
        ...  # call the code under test with fhir.base_url
        assert fhir.requests[0].authorization == "Bearer t0ken"

Routes match on the path below the base and on the query parameters in any order. An unmatched
request gets a 404 OperationOutcome. Every request is recorded (path, query, Authorization, Accept).
Knobs per route: status, body (dict/list as JSON, str/bytes raw), content type, delay (seconds),
paging (``page_size``), ``next`` links to another base (``next_base``) and paging loops (``loop``).
"""

from __future__ import annotations

import contextlib
import json
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterable, Iterator
from urllib.parse import parse_qs, parse_qsl, quote, unquote, urlsplit

FHIR_JSON = "application/fhir+json"


@dataclass
class Reply:
    """What a route answers."""

    status: int = 200
    body: Any = None  # dict/list -> JSON; str/bytes sent as is; None -> empty body
    content_type: str = FHIR_JSON
    delay: float = 0.0  # seconds before answering
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Recorded:
    """One request the server received."""

    method: str
    path: str  # decoded path below the base, e.g. "Observation" or "Patient/p1"
    query: dict[str, list[str]]
    raw_target: str  # the request target exactly as sent (path and query, still escaped)
    authorization: str | None
    accept: str | None


def bundle(resources: Iterable[dict], next_url: str | None = None, total: int | None = None) -> dict:
    """A searchset Bundle of ``resources`` with an optional ``next`` link."""
    items = list(resources)
    result: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": r, "search": {"mode": "match"}} for r in items],
    }
    if total is not None:
        result["total"] = total
    if next_url is not None:
        result["link"] = [{"relation": "next", "url": next_url}]
    return result


def outcome(severity: str = "error", code: str = "exception") -> dict:
    """An OperationOutcome with one issue."""
    return {"resourceType": "OperationOutcome", "issue": [{"severity": severity, "code": code}]}


class FhirTestServer:
    """The server's routes, its record of requests and its address (see module docstring)."""

    def __init__(self, base_path: str = "/fhir") -> None:
        self.base_path = "/" + base_path.strip("/") if base_path.strip("/") else ""
        self.requests: list[Recorded] = []
        self._routes: dict[tuple[str, tuple[tuple[str, str], ...]], Reply] = {}
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._httpd = _QuietServer(("127.0.0.1", 0), _handler_for(self))
        self.port = self._httpd.server_address[1]
        self.origin = f"http://127.0.0.1:{self.port}"
        self.base_url = self.origin + self.base_path
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    # -- routes ---------------------------------------------------------------------------------

    def on(self, target: str, reply: Reply | dict | list | None = None, **knobs: Any) -> None:
        """Answer GET ``{base}/{target}`` with ``reply`` (a Reply, or a body for a 200)."""
        if not isinstance(reply, Reply):
            reply = Reply(body=reply, **knobs)
        with self._lock:
            self._routes[_route_key(target)] = reply

    def resource(self, resource: dict, **knobs: Any) -> None:
        """Serve a read of ``resource`` at ``{type}/{id}``."""
        self.on(f"{resource['resourceType']}/{resource['id']}", Reply(body=resource, **knobs))

    def search(
        self,
        target: str,
        resources: Iterable[dict],
        *,
        page_size: int | None = None,
        next_base: str | None = None,
        loop: bool = False,
        delay: float = 0.0,
        include: Iterable[dict] = (),
    ) -> list[str]:
        """Serve a searchset for ``target``, in pages of ``page_size`` linked by ``next``.

        ``next_base`` puts the ``next`` links under another base URL (another origin);
        ``loop`` makes the last page link back to the first. ``include`` resources are added to
        the first page with search mode "include". Returns the page URLs, first one first.
        """
        items = list(resources)
        size = page_size or max(len(items), 1)
        chunks = [items[i : i + size] for i in range(0, len(items), size)] or [[]]
        targets = [target] + [_with_param(target, "_page", str(n)) for n in range(2, len(chunks) + 1)]
        urls = [f"{self.base_url}/{t}" for t in targets]
        for n, (page_target, chunk) in enumerate(zip(targets, chunks)):
            if n + 1 < len(chunks):
                next_url: str | None = f"{next_base or self.base_url}/{targets[n + 1]}"
            else:
                next_url = urls[0] if loop and len(chunks) > 1 else None
            body = bundle(chunk, next_url, total=len(items))
            if n == 0:
                body["entry"] += [{"resource": r, "search": {"mode": "include"}} for r in include]
            self.on(page_target, Reply(body=body, delay=delay))
        return urls

    # -- inspection -----------------------------------------------------------------------------

    def requests_to(self, path: str) -> list[Recorded]:
        """The recorded requests whose path (below the base) is ``path``."""
        with self._lock:
            return [r for r in self.requests if r.path == path]

    # -- life cycle -----------------------------------------------------------------------------

    def start(self) -> FhirTestServer:
        self._thread.start()
        return self

    def close(self) -> None:
        self._closing.set()  # wakes delayed replies
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def _answer(self, method: str, target: str, headers: Any) -> Reply:
        split = urlsplit(target)
        path = unquote(split.path)
        below = path[len(self.base_path) :].lstrip("/") if path.startswith(self.base_path) else None
        record = Recorded(
            method=method,
            path=below if below is not None else path,
            query=parse_qs(split.query, keep_blank_values=True),
            raw_target=target,
            authorization=headers.get("Authorization"),
            accept=headers.get("Accept"),
        )
        with self._lock:
            self.requests.append(record)
            key = (below, _query_key(split.query)) if below is not None else None
            reply = self._routes.get(key) if key else None
        if method != "GET":
            return Reply(status=405, body=outcome(code="not-supported"))
        return reply or Reply(status=404, body=outcome(code="not-found"))


@contextlib.contextmanager
def start_fhir_server(base_path: str = "/fhir") -> Iterator[FhirTestServer]:
    """Run a :class:`FhirTestServer` on 127.0.0.1 (a free port) for the ``with`` block."""
    server = FhirTestServer(base_path).start()
    try:
        yield server
    finally:
        server.close()


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    # the default listen backlog of 5 drops connects when a call fetches ~10 keys in parallel
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that hang up (a timeout, a cancelled call) are normal here."""
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


def _route_key(target: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    path, _, query = target.partition("?")
    return unquote(path.strip("/")), _query_key(query)


def _query_key(query: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(parse_qsl(query, keep_blank_values=True)))


def _with_param(target: str, name: str, value: str) -> str:
    joiner = "&" if "?" in target else "?"
    return f"{target}{joiner}{quote(name)}={quote(value)}"


def _handler_for(server: FhirTestServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 (http.server naming)
            self._serve("GET")

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            self._serve("POST")

        def _serve(self, method: str) -> None:
            reply = server._answer(method, self.path, self.headers)
            if reply.delay and server._closing.wait(reply.delay):
                return  # shutting down
            body = reply.body
            if isinstance(body, (dict, list)):
                data = json.dumps(body).encode()
            elif isinstance(body, str):
                data = body.encode()
            else:
                data = body or b""
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(data)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            return

    return Handler
