"""Logging set-up: plain text or one JSON object per line (``CDS_LOG_JSON``).

What is logged is chosen at the call sites: service ids, hookInstance, status, timings, prefetch key
names and exception types. Never tokens, JWTs, patient ids or resource content.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone

import orjson

from cds_service.config import Settings

_RESERVED = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _RESERVED and not key.startswith("_"):
                entry[key] = value
        return orjson.dumps(entry, default=str).decode()


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        extra = {k: v for k, v in record.__dict__.items() if k not in _RESERVED and not k.startswith("_")}
        if extra:
            text += " " + " ".join(f"{k}={v}" for k, v in extra.items())
        return text


def configure_logging(settings: Settings) -> None:
    """Route the ``cds_service`` loggers to stderr in the configured format (idempotent)."""
    logger = logging.getLogger("cds_service")
    logger.setLevel(settings.log_level)
    for handler in list(logger.handlers):
        if getattr(handler, "_cds_service", False):
            logger.removeHandler(handler)
    handler = logging.StreamHandler()
    handler._cds_service = True  # type: ignore[attr-defined]
    handler.setFormatter(JsonFormatter() if settings.log_json else TextFormatter())
    logger.addHandler(handler)
    logger.propagate = False
