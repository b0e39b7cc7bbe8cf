"""GET JSON from one EHR FHIR server with the call's bearer token, within a deadline.

The token only ever goes to URLs under the FHIR base given in the hook request: same scheme, host
and port, and a path inside the base path. At most ``concurrency`` requests of one call are in flight
at once (``CDS_FETCH_CONCURRENCY``). A connection that cannot be made (refused, or not accepted
within the connect timeout) is tried again after a short backoff while the deadline leaves time for
it: nothing was sent, so a retry is safe; a request that was sent is never repeated. ``next`` links elsewhere are refused, redirects are not
followed (see :mod:`cds_service.fhir.client`). Failures become a short reason (``"http 401"``,
``"timeout"``, ``"not-fhir"`` ...) in :class:`FetchError`. Nothing here logs a URL, a token or a
body: only the prefetch key, the page, the status and the duration.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import cast

import httpx

from cds_service.fhir.bundle import entries, has_error_entry, next_link, resource_type
from cds_service.fhir.model import AnyResource, Bundle, parse_resource

logger = logging.getLogger("cds_service.fhir")

MAX_PAGES = 10  # pages per search, the first one included (a "latest N" search: up to N pages)
MAX_BODY_BYTES = 8 * 1024 * 1024
DEFAULT_CONCURRENCY = 6
BACKOFF_SECONDS = (0.05, 0.1, 0.2, 0.4)  # before the 2nd, 3rd, ... connection attempt (then 0.4 each)
MIN_ATTEMPT_SECONDS = 0.05  # no new attempt when less than this would be left after the backoff


class FetchError(Exception):
    """A fetch failed; ``reason`` is short and safe to log."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass
class SearchResult:
    """The resources gathered for one search; ``complete`` is False if pages could not be had."""

    resources: list[AnyResource] = field(default_factory=list)
    complete: bool = True
    problem: str | None = None


def normalise_base(fhir_server: str | None) -> str | None:
    """The FHIR base URL without a trailing slash, or ``None`` if it is not a usable http(s) URL."""
    if not isinstance(fhir_server, str) or not fhir_server.strip():
        return None
    try:
        url = httpx.URL(fhir_server.strip())
    except (httpx.InvalidURL, TypeError, ValueError):
        return None
    if url.scheme not in ("http", "https") or not url.host or url.userinfo:
        return None
    if url.query or url.fragment or _has_dot_segment(url.path):
        return None
    return str(url.copy_with(path=url.path.rstrip("/") or "/")).rstrip("/")


class FhirFetcher:
    """Fetches from one FHIR base with one token, sharing the call's deadline."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        base: str,
        access_token: str | None,
        deadline: float,
        concurrency: int = DEFAULT_CONCURRENCY,
    ) -> None:
        self._client = client
        self._base = base
        self._base_url = httpx.URL(base + "/")
        self._deadline = deadline
        self._slots = asyncio.Semaphore(concurrency)
        self._headers = {"Accept": "application/fhir+json"}
        if access_token:
            self._headers["Authorization"] = f"Bearer {access_token}"

    def url_for(self, relative: str) -> str:
        """Absolute URL of a path relative to the base (an expanded template)."""
        return f"{self._base}/{relative.lstrip('/')}"

    def allowed(self, url: str) -> str | None:
        """``url`` made absolute and normalised if the token may be sent there, else ``None``."""
        try:
            target = self._base_url.join(url)
        except (httpx.InvalidURL, TypeError, ValueError):
            return None
        base = self._base_url
        if (target.scheme, target.host, target.port) != (base.scheme, base.host, base.port):
            return None
        if target.userinfo or _has_dot_segment(target.path):
            return None
        base_path = base.path.rstrip("/")
        if not (target.path == base_path or target.path.startswith(base_path + "/")):
            return None
        return str(target.copy_with(fragment=None))

    async def get_json(self, url: str, label: str, page: int = 1) -> AnyResource:
        """GET ``url`` and return the FHIR resource in its body; raise :class:`FetchError`."""
        attempt = 0
        async with self._slots:
            while True:
                attempt += 1
                try:
                    body, status, started = await self._get(url, label, page)
                    break
                except _NotConnected as failure:
                    backoff = BACKOFF_SECONDS[min(attempt, len(BACKOFF_SECONDS)) - 1]
                    if self._deadline - time.monotonic() < backoff + MIN_ATTEMPT_SECONDS:
                        _log(label, page, f"{failure.detail} (attempt {attempt})", failure.started)
                        raise FetchError(failure.reason) from None
                    _log(label, page, f"{failure.detail}, retrying (attempt {attempt})", failure.started)
                    await asyncio.sleep(backoff)
        resource = parse_resource(body)  # straight from the bytes into the read model
        if resource is None or resource_type(resource) is None:
            _log(label, page, "not-fhir", started)
            raise FetchError("not-fhir", status)
        _log(label, page, str(status), started)
        return resource

    async def _get(self, url: str, label: str, page: int) -> tuple[bytes, int, float]:
        """One attempt: ``(body, status, start time)``; :class:`_NotConnected` when no connection
        could be made (the request was not sent), :class:`FetchError` for anything else."""
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise FetchError("timeout")
        started = time.monotonic()
        status: int | None = None
        try:
            async with asyncio.timeout(remaining):
                async with self._client.stream("GET", url, headers=self._headers) as response:
                    status = response.status_code
                    if status != 200:
                        raise FetchError(f"http {status}", status)
                    return await _read_capped(response), status, started
        except FetchError as error:
            _log(label, page, error.reason, started)
            raise
        except httpx.ConnectTimeout:
            raise _NotConnected("timeout", "connect timeout", started) from None
        except httpx.ConnectError as error:
            raise _NotConnected("connection", f"connection ({type(error).__name__})", started) from None
        except (TimeoutError, httpx.TimeoutException):
            _log(label, page, "timeout", started)
            raise FetchError("timeout", status) from None
        except httpx.HTTPError as error:
            _log(label, page, f"connection ({type(error).__name__})", started)
            raise FetchError("connection", status) from None

    async def read(self, relative: str, label: str) -> AnyResource:
        """GET one resource (an instance read) by URL relative to the base."""
        return await self.get_json(self.url_for(relative), label)

    async def search(self, relative: str, label: str, limit: int | None = None) -> SearchResult:
        """GET a search by relative URL and follow its ``next`` links (until ``limit`` resources)."""
        url = self.url_for(relative)
        first = await self.get_json(url, label)
        if resource_type(first) != "Bundle":
            if resource_type(first) == "OperationOutcome":
                raise FetchError("operation-outcome")
            return SearchResult([first])  # a read template: one resource
        bundle = cast(Bundle, first)
        if has_error_entry(bundle):
            raise FetchError("operation-outcome")
        return await self.follow(bundle, label, seen={self.allowed(url) or url}, limit=limit)

    async def follow(
        self, bundle: Bundle, label: str, seen: set[str] | None = None, limit: int | None = None
    ) -> SearchResult:
        """The resources of ``bundle`` and of the pages its ``next`` links lead to; with ``limit``
        (a "latest N" search) only until ``limit`` resources are in (a last page may bring more)."""
        result = SearchResult(entries(bundle))
        seen = set(seen or ())
        pages = 1
        max_pages = MAX_PAGES if limit is None else max(MAX_PAGES, limit)
        while (limit is None or len(result.resources) < limit) and (link := next_link(bundle)) is not None:
            url = self.allowed(link)
            if url is None:
                return _incomplete(result, "next-link-refused", label)
            if url in seen:
                result.problem = "paging-loop"  # every page of the cycle was read: data is whole
                logger.warning("fhir paging loop key=%s pages=%d", label, pages)
                return result
            if pages >= max_pages:
                return _incomplete(result, "page-cap", label)
            seen.add(url)
            pages += 1
            try:
                page = await self.get_json(url, label, page=pages)
            except FetchError as error:
                return _incomplete(result, f"{error.reason} (page {pages})", label)
            bundle = cast(Bundle, page)  # a Bundle when the check below passes
            if resource_type(page) != "Bundle" or has_error_entry(bundle):
                return _incomplete(result, f"not-a-page (page {pages})", label)
            result.resources.extend(entries(bundle))
        return result


class _NotConnected(Exception):
    """No connection could be made; nothing was sent, so the request may be tried again."""

    def __init__(self, reason: str, detail: str, started: float) -> None:
        super().__init__(reason)
        self.reason = reason  # as FetchError.reason
        self.detail = detail  # for the log
        self.started = started


def _incomplete(result: SearchResult, reason: str, label: str) -> SearchResult:
    logger.warning("fhir paging stopped key=%s reason=%s", label, reason)
    result.complete = False
    result.problem = reason
    return result


async def _read_capped(response: httpx.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise FetchError("too-large", response.status_code)
        chunks.append(chunk)
    return b"".join(chunks)


def _has_dot_segment(path: str) -> bool:
    return any(segment in (".", "..") for segment in path.split("/"))


def _log(label: str, page: int, outcome: str, started: float) -> None:
    elapsed_ms = (time.monotonic() - started) * 1000
    level = logging.INFO if outcome == "200" else logging.WARNING
    logger.log(
        level, "fhir fetch key=%s page=%d status=%s ms=%.1f", label, page, outcome, elapsed_ms
    )
