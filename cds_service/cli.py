"""``cds-service`` / ``python -m cds_service``: run the HTTP server (uvicorn)."""

from __future__ import annotations

import argparse
from typing import Sequence

import uvicorn

from cds_service.auth.profile import check_production
from cds_service.config import Settings
from cds_service.logs import configure_logging


def parse_args(argv: Sequence[str] | None, settings: Settings) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="cds-service", description="Bone-health CDS Hooks service")
    parser.add_argument("--host", default=settings.host, help=f"bind address (default {settings.host})")
    parser.add_argument("--port", type=int, default=settings.port, help=f"port (default {settings.port})")
    parser.add_argument(
        "--workers", type=int, default=settings.workers, help=f"worker processes (default {settings.workers})"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    settings = Settings()
    args = parse_args(argv, settings)
    configure_logging(settings)
    check_production(settings)  # refuses to start, naming what is missing
    uvicorn.run(
        "cds_service.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=settings.log_level.lower(),
        proxy_headers=settings.production,
        server_header=False,
        log_config=None,  # keep our redacting log configuration (uvicorn's own handlers are not)
        access_log=settings.log_access,  # off by default: the cds.call event is the per-call line
    )
