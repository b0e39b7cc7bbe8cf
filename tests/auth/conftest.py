from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from cds_service.auth.issuers import Issuer
from cds_service.auth.jwks import JwksCache
from cds_service.auth.jwt import JwtAuthenticator
from cds_service.auth.replay import SqlReplayStore

from .helpers import FHIR, ISS, NOW, JwksServer, Key, ec_key, rsa_key


@pytest.fixture
def jwks_server() -> Iterator[JwksServer]:
    server = JwksServer().start()
    yield server
    server.stop()


@pytest.fixture
async def http_client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    eng = create_engine(f"sqlite:///{tmp_path / 'replay.db'}")
    yield eng
    eng.dispose()


@pytest.fixture
def ec() -> Key:
    return ec_key("ec-1")


@pytest.fixture
def rsa() -> Key:
    return rsa_key("rsa-1")


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def make_auth(
    jwks_server: JwksServer, http_client: httpx.AsyncClient, engine: Engine, clock: Clock
) -> Callable[..., JwtAuthenticator]:
    """An authenticator trusting ISS with keys at the loopback server's allowed jku."""

    def make(*, issuer: dict[str, Any] | None = None, cache: dict[str, Any] | None = None, **kwargs: Any) -> JwtAuthenticator:
        fields: dict[str, Any] = {"iss": ISS, "jku": (jwks_server.url,), "fhir_servers": (FHIR,)}
        fields.update(issuer or {})
        kwargs.setdefault("clock", clock)
        return JwtAuthenticator(
            [Issuer(**fields)],
            JwksCache(http_client, clock=clock, **(cache or {})),
            SqlReplayStore(engine, clock=clock),
            **kwargs,
        )

    return make
