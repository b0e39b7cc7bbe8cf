"""Settings: every option has an embedded default and a ``CDS_``-prefixed environment variable.

Lists (``CDS_DISABLED_RULES``, ``CDS_CORS_ORIGINS``, ``CDS_JWT_ALGORITHMS`` ...) are given either as
comma-separated text (``a,b``) or as a JSON list (``["a","b"]``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from cds_service.knowledge.loader import DEFAULT_DIR

SANDBOX_ORIGIN = "https://sandbox.cds-hooks.org"
# http(s)://localhost or 127.0.0.1 (or [::1]) on any port: development browser clients
LOCAL_ORIGIN_REGEX = r"^https?://(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$"

StrList = Annotated[list[str], NoDecode]


def _split(value: Any) -> Any:
    """``"a, b"`` or ``'["a","b"]'`` -> ``["a", "b"]``; lists pass through."""
    if value is None:
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            value = json.loads(text)
        else:
            return [part.strip() for part in text.split(",") if part.strip()]
    if isinstance(value, (list, tuple, set, frozenset)):
        return [str(v).strip() for v in value if str(v).strip()]
    return value


class Settings(BaseSettings):
    """Service configuration (see the README's configuration table)."""

    model_config = SettingsConfigDict(env_prefix="CDS_", extra="ignore", frozen=True)

    env: Literal["development", "production"] = "development"
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    workers: int = Field(1, ge=1)
    database_url: str = "sqlite:///./cds-service.db"
    max_body_bytes: int = Field(5 * 1024 * 1024, ge=1024)
    fetch_deadline_seconds: float = Field(2.0, gt=0, le=60)
    default_language: Literal["nl", "en"] = "nl"
    # None: the profile's default (development: the sandbox and localhost origins; production: none)
    cors_origins: StrList | None = None
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
    # logging
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_json: bool = True
    log_access: bool = False  # uvicorn's access line per request; the cds.call event covers service calls

    @field_validator(
        "cors_origins", "disabled_triggers", "disabled_rules", "jwt_algorithms", mode="before"
    )
    @classmethod
    def _lists(cls, value: Any) -> Any:
        return _split(value)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("public_base_url")
    @classmethod
    def _base_url(cls, value: str | None) -> str | None:
        return value.rstrip("/") if value else None

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
