"""The committee's page (issue 13 point 3): the numbers equal a count done here from the raw rows,
per code and week, with the filters; the page has a plot per code and the table; admin access."""

from __future__ import annotations

import csv
import re
import io
from collections import defaultdict
from datetime import date, timedelta

import pytest

from cds_service.app import create_app
from cds_service.cards.render import OVERRIDE_CODES
from tests.analytics_seed import NOW, OURS, seed
from tests.api.conftest import PRODUCTION, serve
from tests.conftest import TEST_ADMIN_TOKEN

AUTH = {"Authorization": f"Bearer {TEST_ADMIN_TOKEN}"}
REASONS = [*OVERRIDE_CODES, *OURS, "other", "no-reason"]


def expected(cards, answers, since: date, until: date, service=None, code=None) -> dict:
    """(week, code) -> counts, straight from the rows (a card counts once per outcome and reason)."""
    by_card = defaultdict(list)
    for answer in answers:
        by_card[answer["card_uuid"]].append(answer)
    out = {}
    for card in cards:
        day = card["issued_at"].date()
        if not since <= day <= until or service not in (None, card["service_id"]) or code not in (None, card["recommendation"]):
            continue
        week = day - timedelta(days=day.weekday())
        counts = out.setdefault((week.isoformat(), card["recommendation"]),
                                {"shown": 0, "accepted": 0, "overridden": 0, "snoozed": 0, **{r: 0 for r in REASONS}})
        counts["shown"] += 1
        mine = by_card[card["card_uuid"]]
        counts["accepted"] += any(a["outcome"] == "accepted" for a in mine)
        overridden = [a for a in mine if a["outcome"] == "overridden"]
        counts["overridden"] += bool(overridden)
        reasons = set()
        for a in overridden:
            r = a["override_code"]
            reasons.add("no-reason" if r is None else r if r in REASONS else "other")
        for r in reasons:
            counts[r] += 1
        counts["snoozed"] += bool(reasons & set(OURS))
    return out


def parse(text: str) -> dict:
    result = {}
    for row in csv.DictReader(io.StringIO(text)):
        counts = {k: int(row[k]) for k in ("shown", "accepted", "overridden", "snoozed")}
        counts.update({r: int(row[f"overridden:{r}"]) for r in REASONS})
        assert row["acceptance_rate"] == str(round(counts["accepted"] / counts["shown"], 3))
        result[(row["week"], row["recommendation"])] = counts
    return result


@pytest.fixture
def seeded(settings):
    return seed(settings.database_url)


@pytest.fixture
def app(settings, knowledge):
    return create_app(settings, clock=lambda: NOW, knowledge=knowledge, warm_up=False)


@pytest.mark.parametrize(
    "query, since, until, service, code",
    [
        ("", date(2026, 9, 21), NOW.date(), None, None),  # default: the last 12 weeks
        ("?since=2026-10-05&until=2026-11-15", date(2026, 10, 5), date(2026, 11, 15), None, None),
        ("?service=bone-health-order-sign&since=2026-09-01", date(2026, 9, 1), NOW.date(), "bone-health-order-sign", None),
        ("?recommendation=bone-supplements&since=2026-10-10&until=2026-10-20", date(2026, 10, 10), date(2026, 10, 20),
         None, "bone-supplements"),
    ],
)
async def test_the_csv_equals_a_count_from_the_raw_rows(app, seeded, query, since, until, service, code):
    cards, answers = seeded
    async with serve(app) as client:
        response = await client.get("/admin/analytics.csv" + query, headers=AUTH)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    want = expected(cards, answers, since, until, service, code)
    assert want and parse(response.text) == want
    assert sum(c["snoozed"] for c in want.values()) > 0 and sum(c["other"] + c["no-reason"] for c in want.values()) > 0


async def test_the_page_has_a_plot_per_code_and_the_same_numbers(app, seeded):
    cards, answers = seeded
    async with serve(app) as client:
        page = await client.get("/admin/analytics?since=2026-09-28", headers=AUTH)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    text = page.text
    want = expected(cards, answers, date(2026, 9, 28), NOW.date())
    codes = sorted({code for _, code in want})
    assert text.count("<figure class='plot'><svg") == len(codes) == 5
    # no external assets: nothing to fetch (namespace URIs are names, not requests)
    assert not re.search(r"(href|src)\s*=\s*[\"']?(https?:)?//|url\((?!#)|@import|<script|<link|<img", text)
    for code in codes:
        shown = sum(c["shown"] for (w, c2), c in want.items() if c2 == code)
        accepted = sum(c["accepted"] for (w, c2), c in want.items() if c2 == code)
        assert f"<a href='#{code}'>{code}</a>" in text
        assert f"<td>{shown}</td><td>{accepted}</td>" in text
    assert text.split("id='weeks'")[1].count("<tr>") - 1 == len(want)  # a row per (week, code) and the header


async def test_no_cards_in_the_period_is_a_page_that_says_so(app, seeded):
    async with serve(app) as client:
        page = await client.get("/admin/analytics?since=2020-01-01&until=2020-02-01", headers=AUTH)
    assert page.status_code == 200 and "id='empty'" in page.text and "<svg" not in page.text


@pytest.mark.parametrize("query", ["?since=yesterday", "?since=2026-12-01&until=2026-11-01", "?service=nope",
                                   "?recommendation=nope"])
async def test_bad_filters_are_a_400(app, query):
    async with serve(app) as client:
        assert (await client.get("/admin/analytics.csv" + query, headers=AUTH)).status_code == 400


async def test_admin_access(settings, knowledge):
    with_token = create_app(settings, clock=lambda: NOW, knowledge=knowledge, warm_up=False)
    async with serve(with_token) as client:  # the token is set: needed even from loopback
        assert (await client.get("/admin/analytics")).status_code == 401
        assert (await client.get("/admin/analytics", headers={"Authorization": "Bearer wrong"})).status_code == 401
        assert (await client.get("/admin/audit?format=jsonl", headers=AUTH)).status_code == 200
    no_token = create_app(settings.model_copy(update={"admin_token": None}), clock=lambda: NOW, knowledge=knowledge,
                          warm_up=False)
    async with serve(no_token) as client:  # development without a token: loopback only
        assert (await client.get("/admin/analytics")).status_code == 200
    async with serve(no_token, client_addr=("10.1.2.3", 50000)) as client:
        assert (await client.get("/admin/analytics.csv")).status_code == 403
    production = create_app(settings.model_copy(update=PRODUCTION), clock=lambda: NOW, knowledge=knowledge, warm_up=False)
    from tests.conftest import migrate_database

    migrate_database(settings.database_url)
    async with serve(production) as client:
        assert (await client.get("/admin/analytics")).status_code == 401
        assert (await client.get("/admin/analytics", headers=AUTH)).status_code == 200


async def test_the_audit_export_over_http(app, seeded):
    cards, answers = seeded
    async with serve(app) as client:
        response = await client.get("/admin/audit?format=csv&since=2026-11-30", headers=AUTH)
        bad = await client.get("/admin/audit?format=xml", headers=AUTH)
    assert response.status_code == 200 and bad.status_code == 400
    exported = {row["card_uuid"] for row in csv.DictReader(io.StringIO(response.text))}
    assert exported == {c["card_uuid"] for c in cards if c["issued_at"].date() >= date(2026, 11, 30)}


async def test_the_admin_endpoints_are_in_the_openapi_document(app):
    async with serve(app) as client:
        document = (await client.get("/openapi.json")).json()
    for path in ("/admin/analytics", "/admin/analytics.csv", "/admin/audit"):
        operation = document["paths"][path]["get"]
        assert operation["tags"] == ["Admin"] and "CDS_ADMIN_TOKEN" in operation["description"]
    names = [p["name"] for p in document["paths"]["/admin/analytics"]["get"]["parameters"]]
    assert names == ["since", "until", "service", "recommendation"]
