from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
import structlog

from cds_service.logs import ROUTED_LOGGERS, configure_logging

EVERY_LOGGER = ("", *ROUTED_LOGGERS, "sqlalchemy.engine.Engine", "uvicorn.asgi", "httpcore.http11", "httpcore.connection")


class Captured:
    def __init__(self, stream: io.StringIO) -> None:
        self.stream = stream

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    @property
    def events(self) -> list[dict]:
        return [json.loads(line) for line in self.text.splitlines() if line.strip()]


@pytest.fixture
def captured() -> Iterator[Captured]:
    """Our logging configuration writing JSON to a buffer, with every logger at DEBUG."""
    saved = {name: (logging.getLogger(name).level, logging.getLogger(name).propagate,
                    list(logging.getLogger(name).handlers)) for name in EVERY_LOGGER}
    stream = io.StringIO()
    configure_logging(SimpleNamespace(log_level="DEBUG", log_json=True), stream=stream)
    for name in EVERY_LOGGER:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield Captured(stream)
    finally:
        for name, (level, propagate, handlers) in saved.items():
            logger = logging.getLogger(name)
            for handler in list(logger.handlers):
                logger.removeHandler(handler)
            for handler in handlers:
                logger.addHandler(handler)
            logger.setLevel(level)
            logger.propagate = propagate
        structlog.reset_defaults()
