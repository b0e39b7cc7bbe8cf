"""Admin endpoints for the CDS committee and the privacy officer:

* ``GET /admin/analytics``: per recommendation code and week, cards shown, accepted, overridden by
  reason, snoozed and the acceptance rate, as SVG plots and a table (server-rendered HTML, no
  external assets); ``GET /admin/analytics.csv``: the same numbers. Filters: ``since``/``until``
  (YYYY-MM-DD, default the last 12 weeks), ``service``, ``recommendation``.
* ``GET /admin/audit?format=csv|jsonl``: the audit trail (``since``/``until`` as above, default all).

Access (:func:`require_admin`): ``Authorization: Bearer <CDS_ADMIN_TOKEN>`` when the token is set
(production requires it); in development without it, loopback peers only.
"""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import date, timedelta

from starlette.requests import Request
from starlette.responses import Response

from cds_service.api.analytics_page import render_page
from cds_service.api.errors import ApiError
from cds_service.auth.profile import bearer_matches, is_loopback_peer
from cds_service.cards.render import OVERRIDE_CODES
from cds_service.storage.analytics import Filters, table, weekly
from cds_service.storage.audit import FORMATS, export_text

DEFAULT_WEEKS = 12
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}
DATA_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def require_admin(request: Request) -> None:
    settings = request.app.state.settings
    token = settings.admin_token.get_secret_value() if settings.admin_token else None
    if token:
        if not bearer_matches(request, token):
            raise ApiError(401, "The admin token is required.", code="login", headers={"WWW-Authenticate": "Bearer"})
        return
    if settings.production or not is_loopback_peer(request):
        raise ApiError(403, "Admin pages are served to loopback (development) or with the admin token.", code="forbidden")


def _day(request: Request, name: str) -> date | None:
    text = request.query_params.get(name, "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ApiError(400, f"{name} must be a date (YYYY-MM-DD).") from None


def filters_of(request: Request) -> Filters:
    state = request.app.state
    until = _day(request, "until") or state.clock().date()
    since = _day(request, "since") or until - timedelta(days=until.weekday() + 7 * (DEFAULT_WEEKS - 1))
    if since > until:
        raise ApiError(400, "since must not be after until.")
    service = request.query_params.get("service") or None
    if service is not None and state.catalogue.get(service) is None:
        raise ApiError(400, "Unknown service; see GET /cds-services.")
    code = request.query_params.get("recommendation") or None
    if code is not None and code not in state.knowledge.recommendations:
        raise ApiError(400, "Unknown recommendation code.")
    return Filters(since=since, until=until, service=service, recommendation=code)


def offered_reasons(request: Request) -> list[str]:
    return [*OVERRIDE_CODES, *request.app.state.knowledge.suppressing_reasons]


async def _rows(request: Request, filters: Filters):
    knowledge = request.app.state.knowledge

    def read():
        with request.app.state.engine.connect() as conn:
            return weekly(conn, filters, offered_reasons(request), knowledge.suppressing_reasons)

    return await asyncio.to_thread(read)


async def analytics(request: Request) -> Response:
    require_admin(request)
    filters = filters_of(request)
    rows = await _rows(request, filters)
    state = request.app.state
    page = await asyncio.to_thread(
        render_page, rows, filters, offered_reasons(request), state.knowledge, sorted(state.catalogue.services),
        request.url.query,
    )
    return Response(page, media_type="text/html; charset=utf-8", headers=PAGE_HEADERS)


async def analytics_csv(request: Request) -> Response:
    require_admin(request)
    filters = filters_of(request)
    header, body = table(await _rows(request, filters), offered_reasons(request))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(body)
    name = f"analytics-{filters.since}-{filters.until}.csv"
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={**DATA_HEADERS, "Content-Disposition": f'attachment; filename="{name}"'})


async def audit(request: Request) -> Response:
    require_admin(request)
    fmt = request.query_params.get("format", "csv")
    if fmt not in FORMATS:
        raise ApiError(400, "format must be csv or jsonl.")
    since, until = _day(request, "since"), _day(request, "until")
    start = None if since is None else since.isoformat()
    end = None if until is None else (until + timedelta(days=1)).isoformat()

    def read() -> str:
        from datetime import datetime, timezone

        moment = lambda text: datetime.fromisoformat(text).replace(tzinfo=timezone.utc) if text else None  # noqa: E731
        with request.app.state.engine.connect() as conn:
            return export_text(conn, fmt, moment(start), moment(end))

    text = await asyncio.to_thread(read)
    media = "text/csv; charset=utf-8" if fmt == "csv" else "application/jsonl; charset=utf-8"
    return Response(text, media_type=media,
                    headers={**DATA_HEADERS, "Content-Disposition": f'attachment; filename="audit.{fmt}"'})
