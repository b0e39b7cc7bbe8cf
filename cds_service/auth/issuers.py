"""Trusted issuers: who may call us, with which keys, and where their calls may send us.

The file named by ``CDS_TRUSTED_ISSUERS`` is JSON or YAML::

    issuers:
      - iss: https://ehr.example.org
        jwks_url: https://ehr.example.org/.well-known/jwks.json   # or jwks: {...} or jwks_file: path
        jku: [https://ehr.example.org/.well-known/jwks.json]      # URLs a token's `jku` may name
        fhir_servers: [https://ehr.example.org/fhir/R4]           # fhirServer values allowed
        tenants: [hospital-a]                                     # optional
        algorithms: [RS384]                                       # optional

A top-level list of issuers is accepted as well.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DEFAULT_ALGORITHMS: tuple[str, ...] = ("ES384", "RS384")
SUPPORTED_ALGORITHMS = frozenset(
    {"ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "EdDSA"}
)
SANDBOX_ISS = "https://sandbox.cds-hooks.org"
SANDBOX_JKU = "https://sandbox.cds-hooks.org/.well-known/jwks.json"

_KNOWN_FIELDS = {"iss", "jwks", "jwks_file", "jwks_url", "jku", "fhir_servers", "tenants", "algorithms"}


class IssuerConfigError(ValueError):
    """The trusted-issuer configuration is unusable."""


@dataclass(frozen=True)
class Issuer:
    iss: str
    jwks: Mapping[str, Any] | None = None  # inline (or loaded from jwks_file) JWK Set
    jwks_url: str | None = None
    jku: tuple[str, ...] = ()
    fhir_servers: tuple[str, ...] | None = None  # None = not restricted (development only)
    tenants: tuple[str, ...] | None = None  # None = any tenant (or none)
    algorithms: tuple[str, ...] | None = None  # None = the service-wide list
    extra: Mapping[str, Any] = field(default_factory=dict)

    def allows_jku(self, url: str) -> bool:
        return url in self.jku


SANDBOX_ISSUER = Issuer(iss=SANDBOX_ISS, jku=(SANDBOX_JKU,))


def check_algorithms(names: Iterable[str], where: str) -> tuple[str, ...]:
    """Validate an algorithm list: asymmetric JOSE names only, never ``none`` or HMAC."""
    result: list[str] = []
    for name in names:
        if not isinstance(name, str) or not name:
            raise IssuerConfigError(f"{where}: algorithm names must be strings")
        if name.lower() == "none" or name.upper().startswith("HS"):
            raise IssuerConfigError(f"{where}: algorithm {name!r} is never allowed (none/HMAC)")
        if name not in SUPPORTED_ALGORITHMS:
            raise IssuerConfigError(f"{where}: unsupported algorithm {name!r}")
        result.append(name)
    if not result:
        raise IssuerConfigError(f"{where}: the algorithm list is empty")
    return tuple(result)


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, Sequence) or not all(isinstance(v, str) and v for v in value):
        raise IssuerConfigError(f"{where}: expected a list of non-empty strings")
    return tuple(value)


def _check_jwks(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping) or not isinstance(value.get("keys"), list):
        raise IssuerConfigError(f"{where}: a JWK Set needs a 'keys' list")
    return value


def parse_issuer(raw: Any, base_dir: Path | None = None) -> Issuer:
    """Build one :class:`Issuer` from its mapping in the configuration file."""
    if not isinstance(raw, Mapping) or not isinstance(raw.get("iss"), str) or not raw["iss"]:
        raise IssuerConfigError("each issuer needs an 'iss' string")
    iss = raw["iss"]
    where = f"issuer {iss}"
    jwks: Mapping[str, Any] | None = None
    if raw.get("jwks") is not None:
        jwks = _check_jwks(raw["jwks"], where)
    if raw.get("jwks_file") is not None:
        if jwks is not None:
            raise IssuerConfigError(f"{where}: give 'jwks' or 'jwks_file', not both")
        path = Path(str(raw["jwks_file"]))
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        try:
            jwks = _check_jwks(json.loads(path.read_text(encoding="utf-8")), where)
        except (OSError, json.JSONDecodeError) as exc:
            raise IssuerConfigError(f"{where}: cannot read jwks_file {path}: {type(exc).__name__}") from None
    jwks_url = raw.get("jwks_url")
    if jwks_url is not None and not isinstance(jwks_url, str):
        raise IssuerConfigError(f"{where}: 'jwks_url' must be a string")
    jku = _strings(raw.get("jku", ()), f"{where} jku") if raw.get("jku") else ()
    if jwks is None and jwks_url is None and not jku:
        raise IssuerConfigError(f"{where}: no keys (give 'jwks', 'jwks_file', 'jwks_url' or 'jku')")
    fhir_servers = raw.get("fhir_servers")
    tenants = raw.get("tenants")
    algorithms = raw.get("algorithms")
    return Issuer(
        iss=iss,
        jwks=jwks,
        jwks_url=jwks_url,
        jku=jku,
        fhir_servers=None if fhir_servers is None else tuple(
            s.rstrip("/") for s in _strings(fhir_servers, f"{where} fhir_servers")
        ),
        tenants=None if tenants is None else _strings(tenants, f"{where} tenants"),
        algorithms=None if algorithms is None else check_algorithms(
            _strings(algorithms, f"{where} algorithms"), where
        ),
        extra={k: v for k, v in raw.items() if k not in _KNOWN_FIELDS},
    )


def parse_issuers(data: Any, base_dir: Path | None = None) -> tuple[Issuer, ...]:
    """Parse the decoded configuration document (a mapping with ``issuers`` or a list)."""
    if isinstance(data, Mapping):
        data = data.get("issuers")
    if not isinstance(data, list):
        raise IssuerConfigError("the issuer file must hold a list of issuers (or {'issuers': [...]})")
    issuers = tuple(parse_issuer(item, base_dir) for item in data)
    seen: set[str] = set()
    for issuer in issuers:
        if issuer.iss in seen:
            raise IssuerConfigError(f"issuer {issuer.iss} is listed twice")
        seen.add(issuer.iss)
    return issuers


def load_issuers(path: str | Path) -> tuple[Issuer, ...]:
    """Read the trusted-issuer file (JSON or YAML; YAML is a superset of JSON)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise IssuerConfigError(f"cannot read trusted issuers file {path}: {type(exc).__name__}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        raise IssuerConfigError(f"trusted issuers file {path} is not valid JSON or YAML") from None
    return parse_issuers(data, base_dir=path.parent)
