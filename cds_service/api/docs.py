"""Pages for people: ``GET /`` (the services, with links) and the contract (``/openapi.json``, ``/docs``).

Swagger UI's script, style sheet and icon are served by the service itself, from the
``swagger-ui-bundle`` package: hospitals often run offline, and the page names no outside URL.
The contract is public in development; in production only with ``CDS_DOCS=true``.
"""

from __future__ import annotations

import base64
import hashlib
import re
from html import escape

import swagger_ui_bundle
from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles

from cds_service.api.errors import json_response
from cds_service.api.openapi import build_openapi

__all__ = ["DOCS_URL", "GUIDELINE_URL", "OPENAPI_URL", "add_docs", "home_router"]

OPENAPI_URL = "/openapi.json"
DOCS_URL = "/docs"
ASSETS_URL = "/docs/assets"
GUIDELINE_URL = "/guideline"

home_router = APIRouter()


def _home_html(request: Request) -> str:
    state = request.app.state
    catalogue = getattr(state, "catalogue", None)
    services = catalogue.services.values() if catalogue is not None else ()
    rows = "\n".join(
        f"<li><strong>{escape(s.title)}</strong> (hook <code>{escape(s.hook)}</code>, "
        f"<code>POST /cds-services/{escape(s.id)}</code>)<br>{escape(s.description)}</li>"
        for s in services
    )
    docs = (
        f'<li><a href="{DOCS_URL}">API documentation</a> (<a href="{OPENAPI_URL}">OpenAPI</a>)</li>'
        if state.docs_enabled
        else ""
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(request.app.title)}</title></head>
<body>
<h1>{escape(request.app.title)}</h1>
<p>A CDS Hooks service. Discovery: <a href="/cds-services">GET /cds-services</a> (authentication required).</p>
<h2>Services</h2>
<ul>
{rows}
</ul>
<h2>More</h2>
<ul>
<li><a href="{GUIDELINE_URL}">The guideline these services implement</a></li>
{docs}
</ul>
</body></html>
"""


@home_router.get("/", include_in_schema=True, response_class=HTMLResponse, tags=["Pages"],
                 summary="A page listing the services, with links to the guideline and the docs")
async def home(request: Request) -> Response:
    return HTMLResponse(_home_html(request))


def _docs_policy(page: bytes) -> str:
    """The page's Content-Security-Policy: scripts, styles, images and the contract from this
    service only, plus the page's one inline script by its hash (Swagger UI sets inline styles)."""
    inline = [m.group(1) for m in re.finditer(rb"<script>(.*?)</script>", page, re.S)]
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(s).digest()).decode()}'" for s in inline)
    return (
        f"default-src 'none'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


def add_docs(app: FastAPI) -> None:
    """``/openapi.json``, ``/docs`` and Swagger UI's assets, all served from this process."""
    app.mount(ASSETS_URL, StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="docs-assets")

    async def openapi_json(request: Request) -> Response:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app)
        return json_response(app.openapi_schema)

    page = get_swagger_ui_html(
        openapi_url=OPENAPI_URL,
        title=f"{app.title} - API",
        swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS_URL}/favicon-32x32.png",
    ).body
    headers = {"Content-Security-Policy": _docs_policy(bytes(page))}

    async def swagger_ui(request: Request) -> Response:
        return HTMLResponse(page, headers=headers)

    app.add_route(OPENAPI_URL, openapi_json, methods=["GET"], include_in_schema=False)
    app.add_route(DOCS_URL, swagger_ui, methods=["GET"], include_in_schema=False)
