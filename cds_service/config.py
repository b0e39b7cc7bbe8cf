"""Settings: the one source of truth for the environment and the command line.

Every option has an embedded default and a ``CDS_``-prefixed environment variable; command-line
options (``cds_service.cli``) are passed in as text and validated by the same model. A new setting
is one annotated field here (and a row in the README's configuration table).

Lists (``CDS_DISABLED_RULES``, ``CDS_CORS_ORIGINS``, ``CDS_JWT_ALGORITHMS`` ...) are given either as
comma-separated text (``a,b``) or as a JSON list (``["a","b"]``): annotate them with ``StrList``.

:func:`load_settings` turns every mistake into one :class:`ConfigError` line naming the variable or
option, the value given and what is allowed; the command line prints it and exits with status 2.
"""

from __future__ import annotations

import difflib
import json
import os
from pathlib import Path
from typing import Annotated, Any, Literal, Mapping

from pydantic import BeforeValidator, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from cds_service.knowledge.loader import DEFAULT_DIR

ENV_PREFIX = "CDS_"
SANDBOX_ORIGIN = "https://sandbox.cds-hooks.org"
# http(s)://localhost or 127.0.0.1 (or [::1]) on any port: development browser clients
LOCAL_ORIGIN_REGEX = r"^https?://(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$"


class ConfigError(Exception):
    """A configuration mistake, as one line: which variable or option, the bad value, what is allowed."""


def _split(value: Any) -> Any:
    """``"a, b"`` or ``'["a","b"]'`` -> ``["a", "b"]``; lists pass through."""
    if value is None:
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except ValueError:
                raise ValueError("not a JSON list; give a,b or a JSON list of strings") from None
        else:
            return [part.strip() for part in text.split(",") if part.strip()]
    if isinstance(value, (list, tuple, set, frozenset)):
        return [str(v).strip() for v in value if str(v).strip()]
    return value


StrList = Annotated[list[str], NoDecode, BeforeValidator(_split)]


class Settings(BaseSettings):
    """Service configuration (see the README's configuration table)."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    env: Literal["development", "production"] = "development"
    host: str = Field("127.0.0.1", min_length=1)
    port: int = Field(8000, ge=1, le=65535)
    workers: int = Field(1, ge=1, le=64)
    database_url: str = "sqlite:///./cds-service.db"
    max_body_bytes: int = Field(5 * 1024 * 1024, ge=1024)
    max_header_bytes: int = Field(32 * 1024, ge=4096)  # all request headers together (431 above)
    fetch_deadline_seconds: float = Field(2.0, gt=0, le=60)
    fetch_concurrency: int = Field(6, ge=1, le=100)  # parallel fetches per call to one FHIR server
    default_language: Literal["nl", "en"] = "nl"
    # None: the profile's default (development: the sandbox and localhost origins; production: none)
    cors_origins: StrList | None = None
    # Host header names accepted besides the loopback names (development: always checked; production:
    # checked when set), against DNS rebinding
    allowed_hosts: StrList = Field(default_factory=list)
    # fhirServer base URLs an unauthenticated loopback call (development) may name besides loopback ones
    dev_fhir_servers: StrList = Field(default_factory=list)
    disabled_triggers: StrList = Field(default_factory=list)
    disabled_rules: StrList = Field(default_factory=list)
    # /openapi.json and /docs: None means on in development, off in production
    docs: bool | None = None
    knowledge_dir: Path = DEFAULT_DIR
    site_codings_file: Path | None = None
    # authentication (read by cds_service.auth)
    trusted_issuers: Path | None = None
    public_base_url: str | None = None
    jwt_algorithms: StrList = Field(default_factory=lambda: ["ES384", "RS384"])
    jwt_leeway_seconds: int = Field(30, ge=0, le=600)
    pseudonym_secret: SecretStr | None = None
    # metrics: production serves /metrics only with this bearer token (development: loopback only)
    metrics_token: SecretStr | None = None
    # admin pages (/admin/...): this bearer token, required in production (development: loopback only)
    admin_token: SecretStr | None = None
    # audit trail (issued cards and feedback): days kept; `cds-service db prune` and the service daily
    retention_days: int = Field(1825, ge=1, le=36500)
    # logging
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_json: bool = True
    log_access: bool = False  # uvicorn's access line per request; the cds.call event covers service calls

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("public_base_url")
    @classmethod
    def _base_url(cls, value: str | None) -> str | None:
        return value.rstrip("/") if value else None

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        from cds_service.storage.db import check_database_url

        check_database_url(value)  # ValueError naming the problem
        return value

    @field_validator("knowledge_dir")
    @classmethod
    def _knowledge_dir(cls, value: Path) -> Path:
        if not value.is_dir():
            raise ValueError("not a directory; give the folder holding the knowledge (fhir_profiles/)")
        return value

    @model_validator(mode="after")
    def _metrics_token(self) -> "Settings":
        for name in ("metrics_token", "admin_token", "pseudonym_secret"):
            value = getattr(self, name)
            if value is not None and len(value.get_secret_value()) < 16:
                raise ValueError(f"{name}: too short; use at least 16 random characters")
        return self

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def docs_enabled(self) -> bool:
        return self.docs if self.docs is not None else not self.production

    def cors_policy(self) -> tuple[list[str], str | None]:
        """Allowed origins and an origin regex for the CORS middleware."""
        if self.cors_origins is not None:
            return list(self.cors_origins), None
        if self.production:
            return [], None
        return [SANDBOX_ORIGIN], LOCAL_ORIGIN_REGEX


def env_name(field: str) -> str:
    return ENV_PREFIX + field.upper()


def option_name(field: str) -> str:
    return "--" + field.replace("_", "-")


def _show(value: Any, secret: bool) -> str:
    if secret:
        return "'********'"
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return repr(text if len(text) <= 200 else text[:200] + "...")


def _secret(field: str) -> bool:
    info = Settings.model_fields.get(field)
    return info is not None and "SecretStr" in str(info.annotation)


def _explain(error: Mapping[str, Any], options: Mapping[str, Any]) -> str:
    """One line for one pydantic error: ``CDS_PORT='99999': Input should be ...``."""
    loc = [str(part) for part in error.get("loc", ())]
    message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    field = loc[0] if loc else ""
    if not field and ":" in message:  # a model-level check names its field first
        field, _, message = message.partition(":")
        message = message.strip()
    if field in options:
        name, value = option_name(field), options[field]
    else:
        name, value = env_name(field), os.environ.get(env_name(field), error.get("input"))
    if field not in Settings.model_fields:
        return f"configuration error: {message}"
    return f"configuration error: {name}={_show(value, _secret(field))}: {message}"


def unknown_variables(environ: Mapping[str, str] | None = None) -> list[str]:
    """``CDS_*`` environment variables that are no setting (a typo would otherwise be ignored)."""
    known = {env_name(name) for name in Settings.model_fields}
    environ = os.environ if environ is None else environ
    return sorted(name for name in environ if name.upper().startswith(ENV_PREFIX) and name.upper() not in known)


def load_settings(options: Mapping[str, Any] | None = None) -> Settings:
    """Settings from the environment, overridden by ``options`` (field -> text from the command line).

    Raises :class:`ConfigError` (one line) for an unknown ``CDS_`` variable or an invalid value.
    """
    options = {k: v for k, v in (options or {}).items() if v is not None}
    unknown = unknown_variables()
    if unknown:
        name = unknown[0]
        known = sorted(env_name(n) for n in Settings.model_fields)
        close = difflib.get_close_matches(name.upper(), known, n=1)
        hint = f"did you mean {close[0]}?" if close else "see the README's configuration table"
        raise ConfigError(f"configuration error: {name} is not a setting ({hint})")
    try:
        return Settings(**options)
    except ValidationError as exc:
        raise ConfigError(_explain(exc.errors()[0], options)) from None


def check_knowledge_names(settings: Settings, knowledge: Any) -> None:
    """Refuse trigger and rule names that the loaded knowledge and the rules do not know."""
    from cds_service.facts.model import IndicationKind

    checks = (
        ("disabled_triggers", sorted(kind.value for kind in IndicationKind)),
        ("disabled_rules", sorted(knowledge.recommendations)),
    )
    for field, allowed in checks:
        for name in getattr(settings, field):
            if name not in allowed:
                close = difflib.get_close_matches(name, allowed, n=1)
                hint = f" (did you mean {close[0]}?)" if close else ""
                raise ConfigError(
                    f"configuration error: {env_name(field)}={name!r}: unknown{hint}; allowed: {', '.join(allowed)}"
                )
