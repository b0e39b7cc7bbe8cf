"""Keys, tokens, fake requests and a loopback JWKS server for the auth tests."""

from __future__ import annotations

import base64
import json
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from starlette.requests import Request

NOW = 1_767_268_800  # 2026-01-01T12:00:00Z, the fixed clock of these tests
ISS = "https://ehr.example.org"
SERVICE_PATH = "/cds-services/bone-health"
BASE = "http://127.0.0.1:8000"
AUD = BASE + SERVICE_PATH
FHIR = "https://ehr.example.org/fhir/R4"


@dataclass
class Key:
    kid: str
    alg: str
    private: Any

    @property
    def jwk(self) -> dict[str, Any]:
        algo = ECAlgorithm if self.alg.startswith("ES") else RSAAlgorithm
        data = algo.to_jwk(self.private.public_key(), as_dict=True)
        return {**data, "kid": self.kid, "alg": self.alg, "use": "sig"}


def ec_key(kid: str = "ec-1") -> Key:
    return Key(kid, "ES384", ec.generate_private_key(ec.SECP384R1()))


_RSA_CACHE: list[Any] = []


def rsa_key(kid: str = "rsa-1") -> Key:
    if not _RSA_CACHE:  # RSA generation is slow; one key is enough for these tests
        _RSA_CACHE.append(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    return Key(kid, "RS384", _RSA_CACHE[0])


def jwks(*keys: Key) -> dict[str, Any]:
    return {"keys": [k.jwk for k in keys]}


def claims(**overrides: Any) -> dict[str, Any]:
    base = {"iss": ISS, "aud": AUD, "iat": NOW, "exp": NOW + 300, "jti": str(uuid.uuid4())}
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def token(key: Key, payload: dict[str, Any] | None = None, **headers: Any) -> str:
    hdr = {"kid": key.kid, "typ": "JWT", **headers}
    hdr = {k: v for k, v in hdr.items() if v is not None}
    return jwt.encode(payload if payload is not None else claims(), key.private, algorithm=key.alg, headers=hdr)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def raw_token(header: dict[str, Any], payload: dict[str, Any], signature: bytes = b"") -> str:
    return ".".join([b64(json.dumps(header).encode()), b64(json.dumps(payload).encode()), b64(signature)])


def request(
    token_: str | None = None,
    *,
    path: str = SERVICE_PATH,
    host: str = "127.0.0.1:8000",
    client: str = "127.0.0.1",
    headers: dict[str, str] | None = None,
    query: bytes = b"",
) -> Request:
    raw = [(b"host", host.encode())]
    if token_ is not None:
        raw.append((b"authorization", f"Bearer {token_}".encode()))
    for name, value in (headers or {}).items():
        raw.append((name.lower().encode(), value.encode()))
    hostname, _, port = host.partition(":")
    scope = {
        "type": "http",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query,
        "headers": raw,
        "client": (client, 51234),
        "server": (hostname, int(port or 80)),
    }
    return Request(scope)


@dataclass
class JwksServer:
    """A real loopback HTTP server serving ``/jwks.json`` and recording every request path."""

    document: dict[str, Any] = field(default_factory=lambda: {"keys": []})
    requests: list[str] = field(default_factory=list)
    status: int = 200

    def start(self) -> "JwksServer":
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                owner.requests.append(self.path)
                body = json.dumps(owner.document).encode()
                self.send_response(owner.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True)
        self._thread.start()
        return self

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/jwks.json"

    @property
    def other_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/evil.json"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
