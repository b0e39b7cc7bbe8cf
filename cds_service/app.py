"""The ASGI application factory.

``create_app()`` with no arguments is what the server runs (``uvicorn --factory
cds_service.app:create_app``): settings from the environment, logging configured. Tests pass their
own settings and a fixed clock.

Start-up (lifespan) loads the knowledge once and fails fast if it is invalid or a setting names a
trigger or rule it does not know, brings the database to the latest migration (development) or
refuses a database that is not there (production), starts the one writer thread, creates ONE pooled ``httpx.AsyncClient`` for FHIR calls, builds
the authenticator and the discovery document, and warms the pipeline up. Shutdown closes them all.
"""

from __future__ import annotations

import asyncio
import logging
import os
from contextlib import asynccontextmanager
from typing import AsyncIterator

import httpx
import orjson
from sqlalchemy import Engine
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from cds_service import __version__
from cds_service.api.docs import add_docs, home_router
from cds_service.api.errors import ApiError, error_response
from cds_service.api.guideline import build_pages
from cds_service.api.middleware import middleware
from cds_service.api.openapi import build_openapi
from cds_service.api.routes import router
from cds_service.auth.base import Authenticator
from cds_service.auth.factory import build_authenticator
from cds_service.config import Settings, check_knowledge_names, load_settings
from cds_service.fhir.client import create_client
from cds_service.hooks import build_catalogue
from cds_service.knowledge.loader import KnowledgeError, load_knowledge
from cds_service.knowledge.model import Knowledge
from cds_service.knowledge.site import load_site_codings
from cds_service.logs import configure_logging
from cds_service.metrics.registry import worker_exit
from cds_service.pipeline import Clock, Pipeline, utc_now
from cds_service.rules.engine import RuleConfig
from cds_service.runtime import tune_gc
from cds_service.storage.db import create_db_engine
from cds_service.storage.migrate import prepare_database
from cds_service.storage.audit import Prune
from cds_service.storage.suppress import development_secret
from cds_service.storage.writer import Writer

log = logging.getLogger("cds_service")

TITLE = "Bone-health CDS Hooks service"
DESCRIPTION = (
    "CDS Hooks services for the Dutch supplement guideline on bone density and bone formation: "
    "supplement proposals, safety checks and 25(OH)D reminders as cards. Every error answer is a "
    "FHIR OperationOutcome."
)

_HTTP_MESSAGES = {
    404: "Unknown endpoint. CDS services are listed at GET /cds-services.",
    405: "Method not allowed on this endpoint.",
}


def _authenticator(settings: Settings, engine: Engine, client: httpx.AsyncClient) -> Authenticator:
    """THE place the authenticator is chosen (the JWT checks of ``cds_service.auth``)."""
    return build_authenticator(settings, engine, client)


PRUNE_INTERVAL_SECONDS = 24 * 3600


async def prune_daily(writer: Writer, retention_days: int, clock: Clock) -> None:
    """Enforce the audit retention at start and then once a day (every worker: the deletes are
    idempotent). A failure is logged and retried the next day."""
    while True:
        try:
            counts = await writer.run(Prune(clock(), retention_days), timeout=600)
            if any(counts.values()):
                log.info("audit retention: deleted %s", ", ".join(f"{n} {table}" for table, n in counts.items()))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.error("audit retention failed: %s", type(exc).__name__)
        await asyncio.sleep(PRUNE_INTERVAL_SECONDS)


def _knowledge(settings: Settings) -> Knowledge:
    try:
        return load_knowledge(settings.knowledge_dir)
    except KnowledgeError as exc:
        log.critical("cannot start: the knowledge in %s is invalid: %s", settings.knowledge_dir, exc)
        raise


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    knowledge: Knowledge | None = None,
    warm_up: bool = True,
) -> FastAPI:
    """Build the app. ``knowledge`` skips loading (tests); ``warm_up`` runs the pipeline at start.

    With no ``settings`` (the server's call) the process is also tuned for serving once started
    (:func:`cds_service.runtime.tune_gc`); tests that pass settings leave their process alone.
    """
    serving = settings is None
    if settings is None:
        settings = load_settings()  # the same checks as the command line (ConfigError: one line)
        configure_logging(settings)
    clock = clock or utc_now

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = app.state
        state.knowledge = None
        loaded = knowledge if knowledge is not None else _knowledge(settings)
        check_knowledge_names(settings, loaded)  # ConfigError: a switch that names nothing
        site_codings = load_site_codings(settings.site_codings_file, loaded)
        catalogue = build_catalogue(loaded)
        guideline_pages = build_pages(loaded)
        engine = create_db_engine(settings.database_url)
        prepare_database(engine, production=settings.production)  # production: latest revision or stop
        app.state.pseudonym_secret = (
            settings.pseudonym_secret.get_secret_value() if settings.pseudonym_secret else development_secret(engine)
        )
        writer = Writer(engine)
        client = create_client()
        authenticator: Authenticator | None = None
        pruning: asyncio.Task | None = None
        try:
            authenticator = _authenticator(settings, engine, client)
            state.engine = engine
            state.writer = writer
            state.http_client = client
            state.authenticator = authenticator
            state.catalogue = catalogue
            state.discovery_body = orjson.dumps(catalogue.discovery())
            try:
                state.pipeline = Pipeline(
                    knowledge=loaded,
                    catalogue=catalogue,
                    client=client,
                    rule_config=RuleConfig(
                        disabled_triggers=frozenset(settings.disabled_triggers),
                        disabled_rules=frozenset(settings.disabled_rules),
                    ),
                    fetch_deadline_seconds=settings.fetch_deadline_seconds,
                    fetch_concurrency=settings.fetch_concurrency,
                    clock=clock,
                    extra_codings=site_codings,
                )
            except KnowledgeError as exc:  # an ActivityDefinition whose suggestion template is not valid FHIR
                log.critical("cannot start: the knowledge in %s is invalid: %s", settings.knowledge_dir, exc)
                raise
            if warm_up:
                await state.pipeline.warm_up()
            state.guideline_pages = guideline_pages
            state.knowledge = loaded
            pruning = asyncio.create_task(prune_daily(writer, settings.retention_days, clock))
            if serving:
                tune_gc()
            log.info("ready", extra={"knowledge": loaded.version, "env": settings.env})
            yield
        finally:
            if pruning is not None:
                pruning.cancel()
            state.knowledge = None
            state.guideline_pages = None
            if authenticator is not None:
                await authenticator.aclose()
            await client.aclose()
            writer.close()
            engine.dispose()
            if serving:
                worker_exit(os.getpid())  # multi-process metrics: this worker's live values go

    async def api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return error_response(exc)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        message = _HTTP_MESSAGES.get(exc.status_code, "The request could not be handled.")
        return error_response(ApiError(exc.status_code, message, headers=exc.headers))

    async def invalid_parameters(request: Request, exc: Exception) -> Response:
        # bodies are read raw, so only a path or query parameter can get here; no values echoed
        return error_response(ApiError(400, "A path or query parameter is invalid."))

    app = FastAPI(
        title=TITLE,
        version=__version__,
        description=DESCRIPTION,
        openapi_url=None,  # served by cds_service.api.docs when enabled
        docs_url=None,
        redoc_url=None,
        middleware=middleware(settings),
        exception_handlers={
            ApiError: api_error,
            HTTPException: http_error,
            RequestValidationError: invalid_parameters,
        },
        lifespan=lifespan,
    )
    app.include_router(router)
    app.include_router(home_router)
    app.openapi = lambda: build_openapi(app)  # type: ignore[method-assign]
    if settings.docs_enabled:
        add_docs(app)
    app.state.settings = settings
    app.state.clock = clock
    app.state.docs_enabled = settings.docs_enabled
    return app
