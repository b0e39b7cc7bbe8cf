"""Audit trail (issue 13 point 2): the export holds who was shown which advice, when, and what they
did, with keys and never ids or comments; retention deletes only rows past CDS_RETENTION_DAYS and
suppressions only once expired; `cds-service db prune` / `db export` and the service's daily prune."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import insert, select

from cds_service import cli
from cds_service.app import create_app
from cds_service.storage.audit import FIELDS, Prune, audit_rows, export_text
from cds_service.storage.db import create_db_engine, feedback, issued_cards, suppressions
from cds_service.storage.migrate import upgrade
from tests.api.conftest import serve

NOW = datetime(2031, 6, 1, 12, 0, tzinfo=timezone.utc)
DAYS = 1825
CUTOFF = NOW - timedelta(days=DAYS)


@pytest.fixture
def engine(database_url):
    engine = create_db_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def card(uuid: str, at: datetime, **extra) -> dict:
    row = dict(card_uuid=uuid, service_id="bone-health-patient-view", recommendation="bone-supplements",
               hook_instance=f"hook-{uuid}", knowledge_version="2026.11.0", issued_at=at, patient_key=f"pk-{uuid[:2]}",
               user_key="uk-1", indicator="info")
    row.update(extra)
    return row


def reaction(uuid: str, at: datetime, outcome: str = "overridden", code: str | None = "snooze-3-months") -> dict:
    return dict(service_id="bone-health-patient-view", card_uuid=uuid, outcome=outcome,
                outcome_timestamp=at.strftime("%Y-%m-%dT%H:%M:%SZ"), accepted_suggestions=["s1"] if outcome == "accepted" else None,
                override_system="https://x/CodeSystem/o" if code else None, override_code=code,
                override_display=None, user_comment="Mrs Jansen refused" if code else None, received_at=at)


def suppression(key: str, code: str, expires: datetime) -> dict:
    return dict(patient_key=key, recommendation=code, service_id="s", reason="snooze-3-months", card_uuid="c",
                created_at=expires - timedelta(days=90), expires_at=expires)


def seed(engine) -> None:
    second = timedelta(seconds=1)
    with engine.begin() as conn:
        conn.execute(insert(issued_cards), [
            card("old-card", CUTOFF - second), card("kept-card", CUTOFF + second),
            card("new-card", NOW - timedelta(days=1), recommendation="vitd-status", indicator="warning"),
        ])
        conn.execute(insert(feedback), [
            reaction("old-card", CUTOFF - second), reaction("kept-card", CUTOFF + second, "accepted", None),
            reaction("new-card", NOW, code="cds-not-applicable"),
        ])
        conn.execute(insert(suppressions), [
            suppression("pk-ol", "bone-supplements", NOW - second), suppression("pk-ke", "bone-supplements", NOW + second),
            {**suppression("pk-an", "vitd-recheck", NOW + timedelta(days=10)), "created_at": CUTOFF - timedelta(days=10)},
        ])


def test_retention_deletes_only_rows_past_it_and_suppressions_only_once_expired(engine):
    seed(engine)
    with engine.begin() as conn:
        counts = Prune(NOW, DAYS)(conn)
    assert counts == {"issued_cards": 1, "feedback": 1, "suppressions": 1}
    with engine.connect() as conn:
        assert sorted(conn.execute(select(issued_cards.c.card_uuid)).scalars()) == ["kept-card", "new-card"]
        assert sorted(conn.execute(select(feedback.c.card_uuid)).scalars()) == ["kept-card", "new-card"]
        # a suppression is kept until it expires, however old (its own expiry, not the retention)
        assert sorted(conn.execute(select(suppressions.c.patient_key)).scalars()) == ["pk-an", "pk-ke"]
    with engine.begin() as conn:
        assert Prune(NOW, DAYS)(conn) == {"issued_cards": 0, "feedback": 0, "suppressions": 0}


def test_the_export_is_the_trail_with_keys_and_no_comments(engine):
    seed(engine)
    with engine.connect() as conn:
        rows = list(audit_rows(conn))
        text = export_text(conn, "csv")
        lines = export_text(conn, "jsonl").splitlines()
        since = list(audit_rows(conn, since=CUTOFF, until=NOW))
    assert [r["card_uuid"] for r in rows] == ["old-card", "kept-card", "new-card"]
    assert [r["card_uuid"] for r in since] == ["kept-card", "new-card"]
    kept = rows[1]
    assert kept["outcome"] == "accepted" and kept["accepted_suggestions"] == ["s1"] and kept["patient_key"] == "pk-ke"
    assert rows[2]["override_code"] == "cds-not-applicable" and rows[2]["indicator"] == "warning"
    assert [json.loads(line) for line in lines] == rows
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert tuple(parsed[0]) == FIELDS and [p["card_uuid"] for p in parsed] == ["old-card", "kept-card", "new-card"]
    assert parsed[1]["accepted_suggestions"] == "s1" and parsed[0]["override_code"] == "snooze-3-months"
    assert "Jansen" not in text + "".join(lines)  # free-text comments stay in the database
    with engine.begin() as conn:
        conn.execute(insert(issued_cards), card("quiet-card", NOW))
    with engine.connect() as conn:
        quiet = [r for r in audit_rows(conn) if r["card_uuid"] == "quiet-card"]
    assert len(quiet) == 1 and quiet[0]["outcome"] is None  # shown, no feedback: one row


def test_db_prune_and_db_export_commands(engine, database_url, monkeypatch, capsys, tmp_path):
    seed(engine)
    monkeypatch.setenv("CDS_DATABASE_URL", database_url)
    cli.main(["db", "export", "--format", "jsonl", "--output", str(tmp_path / "audit.jsonl")])
    assert len((tmp_path / "audit.jsonl").read_text().splitlines()) == 3
    cli.main(["db", "export", "--since", "2031-05-01"])
    out = capsys.readouterr()
    assert out.out.splitlines()[0] == ",".join(FIELDS) and len(out.out.splitlines()) == 2
    # relative to today: everything seeded (2026-2031) is within 3650 days, the far-future suppressions too
    cli.main(["db", "prune", "--retention-days", "3650"])
    assert "0 issued_cards" in capsys.readouterr().out
    with pytest.raises(SystemExit) as stopped:
        cli.main(["db", "export", "--since", "May"])
    assert stopped.value.code == 2 and "--since='May'" in capsys.readouterr().err


async def test_the_service_enforces_the_retention_when_it_starts(settings):
    engine = create_db_engine(settings.database_url)
    upgrade(engine)
    seed(engine)
    app = create_app(settings.model_copy(update={"retention_days": DAYS}), clock=lambda: NOW, warm_up=False)
    async with serve(app):
        for _ in range(100):
            with engine.connect() as conn:
                left = sorted(conn.execute(select(issued_cards.c.card_uuid)).scalars())
            if left == ["kept-card", "new-card"]:
                break
            await asyncio.sleep(0.05)
    assert left == ["kept-card", "new-card"]
    engine.dispose()
