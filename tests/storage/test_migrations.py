"""Alembic migrations on SQLite and PostgreSQL: the latest revision is exactly the tables the code
uses, a database made by create_all before migrations is adopted (rows kept), production refuses a
database that is not at the latest revision, and concurrent starters migrate once."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, insert, inspect, select, text

from cds_service.auth.replay import jwt_replay
from cds_service.storage.db import create_db_engine, feedback, metadata
from cds_service.storage.migrate import (
    TARGET_METADATA,
    DatabaseNotCurrent,
    alembic_config,
    current_revision,
    head_revision,
    prepare_database,
    require_latest,
    upgrade,
)

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2025, 6, 2, 9, 30, tzinfo=timezone.utc)
ROW = {
    "service_id": "bone-health-patient-view", "card_uuid": "00000000-0000-4000-8000-000000000001",
    "outcome": "overridden", "outcome_timestamp": "2025-06-02T09:30:00Z", "received_at": NOW,
}


@pytest.fixture
def engine(database_url):
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


def differences(engine) -> list:
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn), list(TARGET_METADATA))


def test_the_migrations_make_exactly_the_tables_the_code_uses(engine):
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")  # every revision, not the new-file shortcut
    assert differences(engine) == []
    with engine.connect() as conn:
        assert current_revision(conn) == head_revision()


def test_a_new_database_gets_the_latest_schema_and_stamp(engine):
    assert upgrade(engine) in ("created", "upgraded")
    assert differences(engine) == []
    assert upgrade(engine) == "current"
    require_latest(engine)


def test_a_database_made_by_create_all_is_adopted_not_recreated(engine):
    metadata.create_all(engine)  # what the service did before migrations (no jwt_replay yet: it came lazily)
    with engine.begin() as conn:
        conn.execute(insert(feedback), ROW)
    with pytest.raises(DatabaseNotCurrent):
        require_latest(engine)
    assert upgrade(engine) == "upgraded"
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(feedback)).scalar() == 1
        assert current_revision(conn) == head_revision()
        assert inspect(conn).has_table(jwt_replay.name)
    assert differences(engine) == []


def test_production_refuses_a_database_not_at_the_latest_revision(engine):
    with pytest.raises(DatabaseNotCurrent) as info:
        prepare_database(engine, production=True)
    message = str(info.value)
    assert "\n" not in message and "run `cds-service db upgrade`" in message and head_revision() in message
    with engine.connect() as conn:
        assert current_revision(conn) is None  # production changed nothing
    prepare_database(engine, production=False)  # development upgrades by itself
    prepare_database(engine, production=True)


def test_concurrent_starters_migrate_once(database_url):
    """Four `cds-service db upgrade` processes at once (replicas, or a Job and a developer): one
    migrates, the others find the database current; none fails."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CDS_")}
    env["CDS_DATABASE_URL"] = database_url
    procs = [
        subprocess.Popen([sys.executable, "-m", "cds_service", "db", "upgrade"], env=env, cwd=ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    outputs = [proc.communicate(timeout=120) for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0, 0, 0], outputs
    done = sorted(out.split()[2].rstrip(":") for out, _ in outputs)  # "database URL <done>: at revision N"
    assert done.count("current") == 3, outputs
    assert all(f"at revision {head_revision()}" in out for out, _ in outputs)


def test_a_database_at_the_baseline_keeps_its_rows_through_0002(engine):
    """Revision 0002 (feedback loop) adds the keys and indicator to existing issued cards (empty for
    cards issued before it), the suppressions and the secret table; nothing is lost."""
    from cds_service.storage.db import issued_cards

    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0001")
        conn.execute(insert(feedback), ROW)
        conn.execute(  # the baseline's columns only (the table object already has 0002's)
            text("INSERT INTO issued_cards (card_uuid, service_id, recommendation, hook_instance, issued_at) "
                 "VALUES (:u, :s, 'vitd-status', 'h', :t)"),
            {"u": ROW["card_uuid"], "s": ROW["service_id"], "t": NOW},
        )
    assert upgrade(engine) == "upgraded"
    assert differences(engine) == []
    with engine.connect() as conn:
        card = conn.execute(select(issued_cards)).mappings().one()
        assert card["recommendation"] == "vitd-status" and card["patient_key"] is None and card["indicator"] is None
        assert conn.execute(select(func.count()).select_from(feedback)).scalar() == 1
        assert {"suppressions", "service_secrets"} <= set(inspect(conn).get_table_names())


def test_the_start_up_check_reads_the_same_head_as_alembic():
    """prepare_database recognises a current database without importing Alembic: the head it reads
    from the revision files as text is Alembic's."""
    from cds_service.storage.migrate import script_head

    assert script_head() == head_revision()


def test_a_current_database_starts_without_importing_alembic(tmp_path):
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from cds_service.storage.db import create_db_engine\n"
        "from cds_service.storage.migrate import prepare_database, upgrade\n"
        f"engine = create_db_engine('sqlite:///{tmp_path}/a.db')\n"
        "if sys.argv[1] == 'create':\n"
        "    upgrade(engine)\n"
        "else:\n"
        "    prepare_database(engine, production=sys.argv[1] == 'production')\n"
        "    print('alembic' in sys.modules)\n"
    )
    subprocess.run([sys.executable, "-c", code, "create"], check=True)
    for mode in ("development", "production"):
        out = subprocess.run([sys.executable, "-c", code, mode], check=True, capture_output=True, text=True).stdout
        assert out.strip() == "False", mode
