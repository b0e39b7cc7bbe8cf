"""Seeded issued cards and feedback for the analytics tests and the screenshot of the page.

``python -m tests.analytics_seed sqlite:///analytics.db`` fills a database (migrated first) with the
same rows the tests use: 10 weeks ending 2026-12-06 (clock 2026-12-07), three services, five codes,
and feedback of every kind (accepted, each override reason, duplicates, a card both accepted and
overridden, feedback naming no reason).
"""

from __future__ import annotations

import random
import sys
from datetime import datetime, timedelta, timezone

from sqlalchemy import insert

from cds_service.cards.render import NON_ADHERENCE_SYSTEM, OVERRIDE_CODES
from cds_service.storage.db import create_db_engine, feedback, issued_cards
from cds_service.storage.migrate import upgrade

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=timezone.utc)
FIRST = datetime(2026, 9, 28, tzinfo=timezone.utc)  # a Monday; 10 weeks to 2026-12-06
OURS = ("snooze-3-months", "not-for-this-patient")
OWN_SYSTEM = "https://bone-health-cds.example.org/fhir/CodeSystem/bone-health-override-reason"
CODES = {  # code -> (indicator, chance of accepted, chance of overridden)
    "bone-supplements": ("info", 0.35, 0.45),
    "vitd-recheck": ("info", 0.6, 0.2),
    "dose-guideline-range": ("info", 0.15, 0.6),
    "vitd-status": ("warning", 0.1, 0.3),
    "safety-k2-vka": ("critical", 0.5, 0.3),
}
SERVICES = ("bone-health-patient-view", "bone-health-order-select", "bone-health-order-sign")


def rows(seed: int = 13) -> tuple[list[dict], list[dict]]:
    rnd = random.Random(seed)
    cards, answers = [], []
    for n in range(900):
        code = rnd.choice(list(CODES))
        indicator, p_accept, p_override = CODES[code]
        issued = FIRST + timedelta(minutes=rnd.randrange(10 * 7 * 24 * 60))
        uuid = f"00000000-0000-4000-8000-{n:012d}"
        cards.append(dict(card_uuid=uuid, service_id=rnd.choice(SERVICES), recommendation=code, hook_instance=f"h-{n}",
                          knowledge_version="2026.11.0", issued_at=issued, patient_key=f"p{rnd.randrange(200):03d}",
                          user_key=f"u{rnd.randrange(12)}", indicator=indicator))
        roll = rnd.random()
        when = issued + timedelta(minutes=rnd.randrange(1, 600))
        if roll < p_accept:
            answers.append(_answer(uuid, cards[-1]["service_id"], "accepted", when, None))
            if rnd.random() < 0.05:  # a card accepted and later overridden
                answers.append(_answer(uuid, cards[-1]["service_id"], "overridden", when + timedelta(hours=1), rnd.choice(OVERRIDE_CODES)))
        elif roll < p_accept + p_override:
            reasons = list(OVERRIDE_CODES) + (list(OURS) * 3 if indicator == "info" else []) + [None, "made-up"]
            reason = rnd.choice(reasons)
            answers.append(_answer(uuid, cards[-1]["service_id"], "overridden", when, reason))
            if rnd.random() < 0.1:  # sent again with another timestamp (clients may repeat)
                answers.append(_answer(uuid, cards[-1]["service_id"], "overridden", when + timedelta(seconds=5), reason))
    return cards, answers


def _answer(uuid: str, service: str, outcome: str, when: datetime, reason: str | None) -> dict:
    system = OWN_SYSTEM if reason in OURS else (NON_ADHERENCE_SYSTEM if reason else None)
    return dict(service_id=service, card_uuid=uuid, outcome=outcome, outcome_timestamp=when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                accepted_suggestions=["s"] if outcome == "accepted" else None, override_system=system,
                override_code=reason, override_display=None, user_comment=None, received_at=when)


def seed(url: str) -> tuple[list[dict], list[dict]]:
    engine = create_db_engine(url)
    upgrade(engine)
    cards, answers = rows()
    with engine.begin() as conn:
        conn.execute(insert(issued_cards), cards)
        conn.execute(insert(feedback), answers)
    engine.dispose()
    return cards, answers


if __name__ == "__main__":
    made = seed(sys.argv[1])
    print(f"seeded {len(made[0])} issued cards and {len(made[1])} feedback rows into {sys.argv[1]}")
