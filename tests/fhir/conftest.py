"""Fixtures: real loopback FHIR servers and the pooled client the service uses."""

from __future__ import annotations

import time
from typing import AsyncIterator, Iterator

import httpx
import pytest

from cds_service.fhir.client import create_client
from tests.fhirserver import FhirTestServer, start_fhir_server

TOKEN = "s3cret-access-token"


@pytest.fixture
def fhir() -> Iterator[FhirTestServer]:
    with start_fhir_server() as server:
        yield server


@pytest.fixture
def other_fhir() -> Iterator[FhirTestServer]:
    """A second server on another port: "another host" that must never see the token."""
    with start_fhir_server() as server:
        yield server


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with create_client(trust_env=False) as c:
        yield c


@pytest.fixture
def deadline() -> float:
    return time.monotonic() + 5.0
