"""JWK Sets: inline ones, and fetched ones cached per URL with rate-limited refresh.

Only URLs the caller has checked against an allowlist reach :meth:`JwksCache.key_for`; this module
never decides which URLs are allowed. Fetches use the shared ``httpx.AsyncClient`` (no blocking of
the event loop), never follow redirects, and happen at most once per ``min_refresh_interval`` per URL,
so an unknown ``kid`` cannot make us hammer a key server, while a new key (rotation) is picked up
without a restart.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

log = logging.getLogger("cds_service.auth")

MAX_JWKS_BYTES = 256 * 1024


def index_jwks(jwks: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Map ``kid`` to JWK for the keys of a JWK Set that have a string ``kid`` (others are unusable)."""
    keys = jwks.get("keys") if isinstance(jwks, Mapping) else None
    if not isinstance(keys, list):
        return {}
    return {k["kid"]: k for k in keys if isinstance(k, dict) and isinstance(k.get("kid"), str)}


@dataclass
class _Entry:
    keys: dict[str, dict[str, Any]]
    fetched_at: float | None  # monotonic time of the last successful fetch
    attempted_at: float  # monotonic time of the last attempt (success or not)


class JwksCache:
    """Keys fetched from JWKS URLs, by URL and ``kid``."""

    def __init__(
        self,
        http_client: httpx.AsyncClient,
        *,
        min_refresh_interval: float = 60.0,
        max_age: float = 3600.0,
        timeout: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http_client
        self._min_refresh = min_refresh_interval
        self._max_age = max_age
        self._timeout = timeout
        self._clock = clock
        self._entries: dict[str, _Entry] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def key_for(self, url: str, kid: str) -> dict[str, Any] | None:
        """The JWK with ``kid`` from the set at ``url``, fetching or refreshing it when allowed."""
        entry = self._entries.get(url)
        if entry is not None and kid in entry.keys and not self._stale(entry):
            return entry.keys[kid]
        lock = self._locks.setdefault(url, asyncio.Lock())
        async with lock:
            entry = self._entries.get(url)  # another task may have refreshed meanwhile
            if entry is None or self._stale(entry) or kid not in entry.keys:
                if entry is None or self._clock() - entry.attempted_at >= self._min_refresh:
                    entry = await self._fetch(url, entry)
            return entry.keys.get(kid) if entry is not None else None

    def _stale(self, entry: _Entry) -> bool:
        return entry.fetched_at is None or self._clock() - entry.fetched_at >= self._max_age

    async def _fetch(self, url: str, previous: _Entry | None) -> _Entry:
        now = self._clock()
        keys = previous.keys if previous is not None else {}
        fetched_at = previous.fetched_at if previous is not None else None
        try:
            response = await self._http.get(
                url, timeout=self._timeout, follow_redirects=False, headers={"Accept": "application/json"}
            )
            if response.status_code != 200:
                raise ValueError(f"status {response.status_code}")
            if len(response.content) > MAX_JWKS_BYTES:
                raise ValueError("JWK Set too large")
            keys = index_jwks(response.json())
            fetched_at = now
            log.info("jwks.fetched", extra={"jwks_url": url, "keys": len(keys)})
        except (httpx.HTTPError, ValueError) as exc:
            # Keep serving the keys we had (if any); retry after the refresh interval.
            log.warning("jwks.fetch_failed", extra={"jwks_url": url, "error": type(exc).__name__})
        entry = _Entry(keys=keys, fetched_at=fetched_at, attempted_at=now)
        self._entries[url] = entry
        return entry
