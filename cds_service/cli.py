"""``cds-service`` / ``python -m cds_service``: one program, several commands.

``serve`` (the default when no command is given, so ``cds-service --port 8000`` works) runs the
HTTP server; ``db upgrade`` migrates the database; ``db prune`` deletes audit rows past the retention
and expired suppressions; ``db export`` writes the audit trail as CSV or JSON Lines; ``check-config``
prints the effective settings with secrets masked and runs the start-up checks; ``check-knowledge
[DIR]`` validates the knowledge (FHIR R4B and the loader's checks), one line per problem; ``example``
prints an example body with dates relative to today; ``--version``. A command is one entry in
:data:`COMMANDS` (name -> help, arguments, run), so others can be added beside these.

Every configuration mistake ends the program with one line on stderr naming the variable or
option, the value and what is allowed, and exit status 2; no traceback.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Callable, NoReturn, Sequence

import uvicorn

from cds_service import __version__
from cds_service.config import ConfigError, Settings, check_knowledge_names, env_name, load_settings
from cds_service.logs import configure_logging

EXIT_CONFIG = 2  # a configuration mistake (also argparse's status for a bad option)
EXIT_DATABASE = 1  # the database is unreachable or not at the latest revision
SERVE_OPTIONS = ("host", "port", "workers")  # command-line options that override CDS_* settings


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, not usage + message
        self.exit(EXIT_CONFIG, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


@dataclass(frozen=True)
class Command:
    help: str
    arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int] | None  # None: the command's actions set their own


class Refusal(Exception):
    """Stop with one line and an exit status (configuration or database state)."""

    def __init__(self, line: str, status: int) -> None:
        super().__init__(line)
        self.status = status


def package_version() -> str:
    try:
        return version("bone-health-cds")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return __version__


def _options(args: argparse.Namespace, fields: Sequence[str]) -> dict[str, Any]:
    return {name: getattr(args, name, None) for name in fields}


def settings_from(args: argparse.Namespace, fields: Sequence[str] = SERVE_OPTIONS) -> Settings:
    try:
        return load_settings(_options(args, fields))
    except ConfigError as exc:
        raise Refusal(str(exc), EXIT_CONFIG) from None


def startup_checks(settings: Settings) -> Any:
    """What would stop the service from starting, as one line each: production profile, knowledge,
    trigger and rule names. Returns the loaded knowledge."""
    from cds_service.auth.issuers import IssuerConfigError
    from cds_service.auth.profile import is_production, production_problems
    from cds_service.knowledge.loader import KnowledgeError, load_knowledge

    if is_production(settings):
        try:
            problems = production_problems(settings)
        except IssuerConfigError as exc:
            problems = [f"{env_name('trusted_issuers')}: {exc}"]
        if problems:
            raise Refusal("configuration error: production profile cannot start: " + "; ".join(problems), EXIT_CONFIG)
    try:
        knowledge = load_knowledge(settings.knowledge_dir)
    except KnowledgeError as exc:
        raise Refusal(f"configuration error: {env_name('knowledge_dir')}={str(settings.knowledge_dir)!r}: {exc}", EXIT_CONFIG) from None
    try:
        check_knowledge_names(settings, knowledge)
    except ConfigError as exc:
        raise Refusal(str(exc), EXIT_CONFIG) from None
    return knowledge


def database_ready(settings: Settings) -> str:
    """Development: migrate once here, before workers start; production: require the latest revision."""
    from sqlalchemy.exc import SQLAlchemyError

    from cds_service.storage.db import create_db_engine, masked_url
    from cds_service.storage.migrate import DatabaseNotCurrent, prepare_database, upgrade

    engine = create_db_engine(settings.database_url)
    try:
        if settings.production:
            prepare_database(engine, production=True)
            return "current"
        return upgrade(engine)
    except DatabaseNotCurrent as exc:
        raise Refusal(str(exc), EXIT_DATABASE) from None
    except SQLAlchemyError as exc:
        raise Refusal(
            f"database error: {env_name('database_url')}={masked_url(settings.database_url)!r}: "
            f"{type(exc).__name__}: {str(getattr(exc, 'orig', None) or exc).splitlines()[0]}",
            EXIT_DATABASE,
        ) from None
    finally:
        engine.dispose()


# --- serve ------------------------------------------------------------------------------------
def _serve_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = Settings.model_fields
    parser.add_argument("--host", help=f"bind address ({env_name('host')}, default {defaults['host'].default})")
    parser.add_argument("--port", help=f"port 1-65535 ({env_name('port')}, default {defaults['port'].default})")
    parser.add_argument(
        "--workers", help=f"worker processes ({env_name('workers')}, default {defaults['workers'].default})"
    )


def serve(args: argparse.Namespace) -> int:
    from cds_service.metrics.multiproc import MetricsDirError, prepare_multiprocess

    settings = settings_from(args)
    configure_logging(settings)
    startup_checks(settings)
    database_ready(settings)
    try:
        prepare_multiprocess(settings.workers)
    except MetricsDirError as exc:
        raise Refusal(str(exc), EXIT_CONFIG) from None
    uvicorn.run(
        "cds_service.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level=settings.log_level.lower(),
        proxy_headers=settings.production,
        server_header=False,
        log_config=None,  # keep our redacting log configuration (uvicorn's own handlers are not)
        access_log=settings.log_access,  # off by default: the cds.call event is the per-call line
    )
    return 0


# --- db ---------------------------------------------------------------------------------------
def _db_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = actions.add_parser("upgrade", help="migrate the database to the latest revision (Alembic)")
    up.add_argument("--database-url", help=f"SQLAlchemy URL ({env_name('database_url')})")
    up.set_defaults(run=db_upgrade)
    prune = actions.add_parser("prune", help="delete audit rows past CDS_RETENTION_DAYS and expired suppressions")
    prune.add_argument("--database-url", help=f"SQLAlchemy URL ({env_name('database_url')})")
    prune.add_argument("--retention-days", help=f"days kept ({env_name('retention_days')}, default 1825)")
    prune.set_defaults(run=db_prune)
    export = actions.add_parser("export", help="write the audit trail as CSV or JSON Lines")
    export.add_argument("--database-url", help=f"SQLAlchemy URL ({env_name('database_url')})")
    export.add_argument("--format", choices=("csv", "jsonl"), default="csv", help="csv (default) or jsonl")
    export.add_argument("--since", help="cards issued on or after this day (YYYY-MM-DD, UTC)")
    export.add_argument("--until", help="cards issued before this day (YYYY-MM-DD, UTC)")
    export.add_argument("--output", help="file to write (default: standard output)")
    export.set_defaults(run=db_export)


def db_upgrade(args: argparse.Namespace) -> int:
    from cds_service.storage.db import masked_url
    from cds_service.storage.migrate import head_revision

    settings = settings_from(args, ("database_url",))
    configure_logging(settings)
    done = database_ready(settings.model_copy(update={"env": "development"}))  # development = upgrade
    print(f"database {masked_url(settings.database_url)} {done}: at revision {head_revision()}")
    return 0


def _engine_at_latest(settings: Settings) -> Any:
    from cds_service.storage.db import create_db_engine

    database_ready(settings.model_copy(update={"env": "production"}))  # refuse a database not migrated
    return create_db_engine(settings.database_url)


def db_prune(args: argparse.Namespace) -> int:
    from datetime import datetime, timezone

    from cds_service.storage.audit import Prune

    settings = settings_from(args, ("database_url", "retention_days"))
    configure_logging(settings)
    engine = _engine_at_latest(settings)
    try:
        with engine.begin() as conn:
            counts = Prune(datetime.now(timezone.utc), settings.retention_days)(conn)
    finally:
        engine.dispose()
    print(f"pruned (retention {settings.retention_days} days): " + ", ".join(f"{n} {t}" for t, n in counts.items()))
    return 0


def _day(text: str | None, option: str) -> Any:
    from datetime import datetime, timezone

    if not text:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)
    except ValueError:
        raise Refusal(f"cds-service db export: error: {option}={text!r}: give YYYY-MM-DD", EXIT_CONFIG) from None


def db_export(args: argparse.Namespace) -> int:
    from cds_service.storage.audit import audit_rows, write

    settings = settings_from(args, ("database_url",))
    configure_logging(settings)
    since, until = _day(args.since, "--since"), _day(args.until, "--until")
    engine = _engine_at_latest(settings)
    out = open(args.output, "w", encoding="utf-8", newline="") if args.output else sys.stdout
    try:
        with engine.connect() as conn:
            count = write(audit_rows(conn, since, until), out, args.format)
    finally:
        if args.output:
            out.close()
        engine.dispose()
    print(f"exported {count} audit rows", file=sys.stderr)
    return 0


# --- check-config -----------------------------------------------------------------------------
def check_config(args: argparse.Namespace) -> int:
    """Print every setting (secrets masked) with where it came from, then run the start-up checks."""
    settings = settings_from(args)
    for line in describe(settings, _options(args, SERVE_OPTIONS)):
        print(line)
    knowledge = startup_checks(settings)
    print(f"ok: knowledge {knowledge.version}, {len(knowledge.recommendations)} recommendation codes")
    return 0


def describe(settings: Settings, options: dict[str, Any]) -> list[str]:
    import os

    from pydantic import SecretStr

    from cds_service.storage.db import masked_url

    lines = []
    for name in Settings.model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            shown = "********"
        elif name == "database_url":
            shown = masked_url(value)
        elif isinstance(value, list):
            shown = ",".join(value)
        else:
            shown = "" if value is None else str(value)
        if options.get(name) is not None:
            source = f"option --{name.replace('_', '-')}"
        elif env_name(name) in os.environ:
            source = "environment"
        else:
            source = "default"
        lines.append(f"{env_name(name)}={shown}  # {source}")
    return lines


# --- check-knowledge --------------------------------------------------------------------------
EXIT_KNOWLEDGE = 1  # the knowledge has problems (one line each on stdout)


def _knowledge_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "directory", nargs="?", metavar="DIR",
        help=f"the knowledge directory (default: {env_name('knowledge_dir')}, else the bundled fhir_profiles/)",
    )


def check_knowledge(args: argparse.Namespace) -> int:
    """Check a knowledge directory after editing it: FHIR R4B validation of every resource, then
    the loader's checks. One line per problem; exit status 1 when there is any."""
    from pathlib import Path

    from cds_service.knowledge.validate import check_directory

    directory = Path(args.directory) if args.directory else settings_from(args, ()).knowledge_dir
    problems = check_directory(directory)
    for problem in problems:
        print(problem)
    if problems:
        return EXIT_KNOWLEDGE
    print(f"ok: {directory}: every resource is valid FHIR R4B and the knowledge loads")
    return 0


# --- example ----------------------------------------------------------------------------------
def _example_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", help="patient-view, patient-view-partial, order-select, order-sign or feedback")
    parser.add_argument("--date", help="write the example as of this day (YYYY-MM-DD; default today)")
    parser.add_argument("--cards", help="feedback only: a saved hook response (file, or - for stdin) to answer")
    parser.add_argument("--topic", help="feedback only: the recommendation code of the card (default: the first card)")
    parser.add_argument("--reason", help="feedback only: override with this reason (e.g. snooze-3-months); default: accept")


def example_command(args: argparse.Namespace) -> int:
    """Print an example body with dates relative to today (or the feedback on a saved response)."""
    import json
    from datetime import date

    from cds_service.cards.render import NON_ADHERENCE_SYSTEM
    from cds_service.examples import ExampleError, example, feedback_for
    from cds_service.knowledge.loader import load_knowledge

    try:
        today = date.fromisoformat(args.date) if args.date else date.today()
    except ValueError:
        raise Refusal(f"cds-service example: error: --date={args.date!r}: give YYYY-MM-DD", EXIT_CONFIG) from None
    try:
        if args.name == "feedback" and args.cards:
            text = sys.stdin.read() if args.cards == "-" else open(args.cards, encoding="utf-8").read()
            knowledge = load_knowledge(settings_from(args, ()).knowledge_dir)
            body = feedback_for(
                json.loads(text), topic=args.topic, reason=args.reason, override_system=knowledge.override_system,
                own_reasons=knowledge.suppressing_reasons, hl7_system=NON_ADHERENCE_SYSTEM,
            )
        else:
            body = example(args.name, today)
    except (ExampleError, OSError, ValueError) as exc:
        raise Refusal(f"cds-service example: error: {exc}", EXIT_CONFIG) from None
    print(json.dumps(body, indent=2, ensure_ascii=False))
    return 0


COMMANDS: dict[str, Command] = {
    "serve": Command("run the HTTP server (the default command)", _serve_arguments, serve),
    "db": Command("database maintenance: db upgrade, db prune, db export", _db_arguments, None),
    "check-config": Command(
        "print the effective configuration (secrets masked) and run the start-up checks",
        _serve_arguments,
        check_config,
    ),
    "check-knowledge": Command(
        "check a knowledge directory (FHIR R4B validation and the loader's checks); exit 1 on any problem",
        _knowledge_arguments,
        check_knowledge,
    ),
    "example": Command(
        "print an example request or feedback body with dates relative to today", _example_arguments, example_command
    ),
}


def build_parser() -> Parser:
    parser = Parser(
        prog="cds-service",
        description="Bone-health CDS Hooks service. Without a command it serves (cds-service serve --help).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, command in COMMANDS.items():
        sub = commands.add_parser(name, help=command.help, description=command.help)
        command.arguments(sub)
        if command.run is not None:
            sub.set_defaults(run=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or (args_list[0] not in COMMANDS and args_list[0] not in ("-h", "--help", "--version")):
        args_list.insert(0, "serve")  # `cds-service --port 8000` keeps working
    args = build_parser().parse_args(args_list)
    try:
        status = args.run(args)
    except Refusal as exc:
        print(exc, file=sys.stderr)
        sys.exit(exc.status)
    if status:
        sys.exit(status)
