"""A separate worker process for the cross-process replay test (run with ``python -m``).

Reads a JSON job on stdin, waits until ``start_at`` so that both workers race, authenticates the
token against the shared database (SQLite file or PostgreSQL) and prints ``accepted`` or ``rejected: <reason>``.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

import httpx

from cds_service.auth.base import Unauthorized
from cds_service.auth.issuers import Issuer
from cds_service.auth.jwks import JwksCache
from cds_service.auth.jwt import JwtAuthenticator
from cds_service.auth.replay import SqlReplayStore
from cds_service.storage.db import create_db_engine

from .helpers import ISS, request


async def main() -> str:
    job = json.loads(sys.stdin.read())
    engine = create_db_engine(job["database_url"])  # SQLite or PostgreSQL
    async with httpx.AsyncClient() as client:
        auth = JwtAuthenticator(
            [Issuer(iss=ISS, jwks=job["jwks"])],
            JwksCache(client),
            SqlReplayStore(engine, clock=lambda: job["now"]),
            clock=lambda: job["now"],
        )
        time.sleep(max(0.0, job["start_at"] - time.time()))
        try:
            await auth.authenticate(request(job["token"]))
            return "accepted"
        except Unauthorized as exc:
            return f"rejected: {exc}"


if __name__ == "__main__":
    print(asyncio.run(main()))
