"""A loopback FHIR server that answers searches from a fixed prefetch, after a fixed delay."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator
from urllib.parse import urlsplit

import orjson

_EMPTY = {"resourceType": "Bundle", "type": "searchset", "total": 0}


def _by_type(prefetch: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Search answers per resource type, and reads per "Type/id"."""
    answers: dict[str, dict[str, Any]] = {}
    for value in prefetch.values():
        if not value:
            continue
        if value.get("resourceType") == "Bundle":
            for entry in value.get("entry", []):
                resource = entry["resource"]
                bundle = answers.setdefault(resource["resourceType"], {"resourceType": "Bundle", "type": "searchset", "entry": []})
                bundle["entry"].append(entry)
        else:
            answers[f"{value['resourceType']}/{value['id']}"] = value
    return answers


@contextmanager
def serve(prefetch: dict[str, Any], *, delay_s: float) -> Iterator[str]:
    """Serve ``prefetch`` as a FHIR server on 127.0.0.1; yields its base URL."""
    answers = {k: orjson.dumps(v) for k, v in _by_type(prefetch).items()}
    empty = orjson.dumps(_EMPTY)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall

        def do_GET(self) -> None:  # noqa: N802 - http.server API
            time.sleep(delay_s)
            path = urlsplit(self.path).path.strip("/").removeprefix("fhir/")
            if "/" in path:  # a read: Type/id
                body = answers.get(path, b"")
            else:  # a search: Type?params
                body = answers.get(path, empty)
            status = 200 if body else 404
            self.send_response(status)
            self.send_header("Content-Type", "application/fhir+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/fhir"
    finally:
        server.shutdown()
        server.server_close()
