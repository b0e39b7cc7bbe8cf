"""``GET /guideline``: the guideline page every card links to (decision 16), public like /healthz.

The page holds what is the same for every patient (doses and evidence, notes, the 25(OH)D bands,
upper limits); it is rendered once per language when the knowledge loads
(:func:`cds_service.cards.guideline_page.render_page`) and served as it is. Language: ``?lang=``
(the cards link with it), else ``Accept-Language``, else the configured default. The page uses no
external assets, and its Content-Security-Policy says so.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from cds_service.api.errors import ApiError
from cds_service.cards.guideline_page import render_page
from cds_service.cards.i18n import catalogue
from cds_service.cards.language import SUPPORTED_LANGUAGES, negotiate_language
from cds_service.knowledge.model import Knowledge

PATH = "/guideline"
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "Vary": "Accept-Language",
    "Cache-Control": "public, max-age=3600",
}


def build_pages(knowledge: Knowledge) -> dict[str, bytes]:
    """The page in every supported language (at start-up, when the knowledge is loaded)."""
    return {lang: render_page(knowledge, catalogue(lang)).encode("utf-8") for lang in SUPPORTED_LANGUAGES}


def guideline_page_url(request: Request) -> str:
    """The page's absolute URL: ``CDS_PUBLIC_BASE_URL``, else the base URL this request reached."""
    base = request.app.state.settings.public_base_url or str(request.base_url)
    return base.rstrip("/") + PATH


async def guideline(request: Request) -> Response:
    pages: dict[str, bytes] | None = getattr(request.app.state, "guideline_pages", None)
    if not pages:
        raise ApiError(503, "The service is starting: knowledge is not loaded.", code="transient")
    asked = request.query_params.get("lang", "").strip().lower()
    if asked in pages:
        language = asked
    else:
        language = negotiate_language(request.headers.get("accept-language"), default=request.app.state.settings.default_language)
    return Response(
        pages[language], media_type="text/html; charset=utf-8", headers={**HEADERS, "Content-Language": language}
    )
