"""Structured logs without patient data or credentials.

:func:`configure_logging` sends every logger — ours, uvicorn's, httpx's/httpcore's, SQLAlchemy's —
through one structlog formatter that redacts before rendering JSON lines (or console lines):

* JWTs, ``Bearer`` credentials, ``access_token=…``-style secrets, URL user-info;
* query strings of any URL or FHIR path (``Observation?patient=123`` → ``Observation?[redacted]``)
  and ids after a resource type (``Patient/123`` → ``Patient/[id]``);
* ISO dates (birth dates) in messages; fields with sensitive names (``patient``, ``name``,
  ``birthDate``, ``value``, ``authorization``, ``prefetch``, …);
* SQLAlchemy bound parameters and result rows;
* exceptions: only the type and a redacted message (quoted literals and numbers removed), no
  traceback.

The per-call event is written by :func:`log_call`. :func:`pseudonymise` gives a keyed hash for when a
patient key is really needed.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import sys
from collections.abc import Iterable, Mapping
from typing import IO, Any, MutableMapping

import structlog

CALL_EVENT = "cds.call"
CALL_LOGGER = "cds_service.call"

ROUTED_LOGGERS = (
    "cds_service",
    "uvicorn",
    "uvicorn.error",
    "uvicorn.access",
    "httpx",
    "httpcore",
    "sqlalchemy",
    "sqlalchemy.engine",
    "sqlalchemy.pool",
)
QUIET_LOGGERS = {"httpcore": logging.WARNING, "sqlalchemy": logging.WARNING}  # raised unless asked

REDACTED = "[redacted]"

_SENSITIVE_KEYS = {
    "authorization", "token", "accesstoken", "idtoken", "refreshtoken", "jwt", "bearer", "password",
    "secret", "clientsecret", "fhirauthorization", "patient", "patientid", "subject", "name", "given",
    "family", "birthdate", "dob", "value", "valuequantity", "prefetch", "context", "body", "content",
    "resource", "params", "parameters",
}
_META_KEYS = {"_record", "_from_structlog", "level", "logger", "time", "timestamp"}

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"eyJ[A-Za-z0-9_-]{2,}(?:\.[A-Za-z0-9_-]*){0,2}"), "[jwt]"),
    (re.compile(r"(?i)\bbearer\s+[A-Za-z0-9\-._~+/]+=*"), "Bearer " + REDACTED),
    (
        re.compile(
            r"(?i)\b(access_token|id_token|refresh_token|client_secret|token|password|authorization)"
            r"([\"']?\s*[:=]\s*[\"']?)([^\"'\s&,;}]+)"
        ),
        r"\1\2" + REDACTED,
    ),
    (re.compile(r"(?<=://)[^/\s:@]+:[^/\s@]+@"), REDACTED + "@"),
    (re.compile(r"(?<=[A-Za-z0-9_/\-.])\?[^\s\"'<>`]+"), "?" + REDACTED),
    (re.compile(r"\b([A-Z][a-z][A-Za-z]+)/(?!\[)[A-Za-z0-9\-.]{1,64}"), r"\1/[id]"),
    (
        re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b"),
        "[date]",
    ),
)
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_SQL_PARAMS = re.compile(r"^(\[[^\]]*\]) .*$", re.DOTALL)
_SQL_PARAMS_IN_ERROR = re.compile(r"\[parameters: .*?\](?=\s*(?:\(|$))", re.DOTALL)


def redact(text: str) -> str:
    """Remove credentials, URL query strings, FHIR ids and dates from a log string."""
    text = _SQL_PARAMS_IN_ERROR.sub("[parameters: " + REDACTED + "]", text)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact_exception(exc: BaseException) -> str:
    """``Type: message`` with the message redacted and stripped of literals and numbers."""
    message = str(exc).splitlines()[0] if str(exc) else ""
    message = _NUMBER.sub("#", _QUOTED.sub("'…'", redact(message)))
    return f"{type(exc).__name__}: {message[:300]}" if message else type(exc).__name__


def pseudonymise(value: str, secret: str | bytes) -> str:
    """A keyed hash (HMAC-SHA256, first 128 bits as hex) of ``value``, for linking without revealing."""
    if not secret:
        raise ValueError("a pseudonym secret is required")
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:32]


def _normalise_key(key: str) -> str:
    return key.replace("_", "").replace("-", "").lower()


def _clean(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {
            str(k): REDACTED if _normalise_key(str(k)) in _SENSITIVE_KEYS else _clean(v) for k, v in value.items()
        }
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_clean(v) for v in value]
    return redact(str(value))


def redact_event(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: redact every field of the event."""
    for key, value in list(event_dict.items()):
        if key in _META_KEYS:
            continue
        if key != "event" and _normalise_key(key) in _SENSITIVE_KEYS:
            event_dict[key] = REDACTED
        else:
            event_dict[key] = _clean(value)
    return event_dict


def _summarise_exception(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Replace ``exc_info`` by ``exception: "Type: redacted message"``; never a traceback."""
    exc_info = event_dict.pop("exc_info", None)
    event_dict.pop("stack_info", None)
    if exc_info is True:
        exc_info = sys.exc_info()
    if isinstance(exc_info, BaseException):
        event_dict["exception"] = redact_exception(exc_info)
    elif isinstance(exc_info, tuple) and len(exc_info) == 3 and exc_info[1] is not None:
        event_dict["exception"] = redact_exception(exc_info[1])
    elif isinstance(event_dict.get("exception"), str):
        event_dict["exception"] = redact(event_dict["exception"])
    return event_dict


def _foreign_record(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Drop SQLAlchemy parameters and rows, and uvicorn's duplicate coloured message."""
    for key in ("color_message", "message", "asctime"):  # set by uvicorn / other formatters
        event_dict.pop(key, None)
    record = event_dict.get("_record")
    if record is not None and record.name.startswith("sqlalchemy"):
        event = str(event_dict.get("event", ""))
        if event.startswith("Row "):
            event_dict["event"] = "Row " + REDACTED
        else:
            event_dict["event"] = _SQL_PARAMS.sub(r"\1 " + REDACTED, event)
    return event_dict


class _Handler(logging.StreamHandler):
    """Our handler (recognised on reconfiguration)."""


def _level(value: Any, default: int = logging.INFO) -> int:
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip():
        resolved = logging.getLevelName(value.strip().upper())
        if isinstance(resolved, int):
            return resolved
    return default


def configure_logging(settings: Any = None, *, stream: IO[str] | None = None) -> None:
    """Route all logging through the redacting structlog formatter (idempotent).

    ``settings`` is duck-typed: ``log_level`` (name, default INFO), ``log_json`` (default True),
    ``log_access`` (uvicorn's access line per request, default True; the service turns it off, since
    the ``cds.call`` event is the per-call line). httpcore and SQLAlchemy stay at WARNING unless
    ``log_level`` is DEBUG; whatever their level, their output is redacted. Run uvicorn with
    ``log_config=None`` so it keeps this configuration.
    """
    level = _level(getattr(settings, "log_level", None))
    as_json = bool(getattr(settings, "log_json", True))
    access = bool(getattr(settings, "log_access", True))

    shared: list[Any] = [structlog.stdlib.add_log_level, structlog.stdlib.add_logger_name]
    renderer: Any = (
        structlog.processors.JSONRenderer(sort_keys=False)
        if as_json
        else structlog.dev.ConsoleRenderer(colors=False, exception_formatter=lambda *_: None)
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, structlog.stdlib.ExtraAdder(), _foreign_record],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            _summarise_exception,
            redact_event,
            structlog.processors.TimeStamper(fmt="iso", utc=True, key="time"),
            renderer,
        ],
    )
    structlog.configure(
        processors=[structlog.contextvars.merge_contextvars, *shared,
                    structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )

    handler = _Handler(stream if stream is not None else sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in list(root.handlers):
        # Replace our previous handler and plain stream/file handlers (basicConfig and the like);
        # keep test-framework capture handlers, which are subclasses.
        if isinstance(old, _Handler) or type(old) in (logging.StreamHandler, logging.FileHandler):
            root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in ROUTED_LOGGERS:
        logger = logging.getLogger(name)
        for old in list(logger.handlers):
            logger.removeHandler(old)
        logger.propagate = True
        quiet = QUIET_LOGGERS.get(name)
        if quiet is None or level <= logging.DEBUG:
            logger.setLevel(logging.NOTSET)  # follow the root level
        else:
            logger.setLevel(max(level, quiet))
    # Without handlers and propagation uvicorn skips its access line altogether (hasHandlers() is False).
    logging.getLogger("uvicorn.access").propagate = access


def log_call(
    *,
    service: str,
    hook: str | None,
    hook_instance: str | None,
    tenant: str | None,
    issuer: str | None,
    duration_ms: float,
    cards: int,
    outcome: str,
    fetched: Iterable[str] = (),
    missing: Iterable[str] = (),
    problems: Mapping[str, str] | None = None,
    status: int | None = None,
) -> None:
    """Write the one ``cds.call`` event of a service call.

    ``outcome`` is a short word (``cards``, ``no-cards``, ``prefetch-incomplete``, ``timeout``,
    ``error``…); ``fetched``/``missing`` are prefetch *keys* (e.g. ``vitaminD``), never data;
    ``problems`` maps a key to a short reason (``http 401``, ``timeout``, ``not-fhir``).
    """
    logging.getLogger(CALL_LOGGER).info(
        CALL_EVENT,
        extra={
            "service": service,
            "hook": hook,
            "hookInstance": hook_instance,
            "tenant": tenant,
            "issuer": issuer,
            "duration_ms": round(float(duration_ms), 1),
            "cards": int(cards),
            "outcome": outcome,
            "fetched": sorted(fetched),
            "missing": sorted(missing),
            **({"problems": dict(problems)} if problems else {}),
            "status": status,
        },
    )
