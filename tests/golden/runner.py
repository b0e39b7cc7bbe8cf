"""Run a golden patient through the service and compare the cards with its expectations.

Two paths give the same normalised cards:

* :func:`run_rules` - data resolution (prefetch only), facts, rules and rendering, called directly;
* :func:`run_http` - the whole app over HTTP (discovery, then ``POST /cds-services/{id}``).

Cards are normalised to ``{topic, indicator, proposes, lab_order, recommended_labs, deletes, summary, detail, links}``;
:func:`check` compares them with the fixture's ``expect`` block and returns readable problems.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

import httpx
import orjson

PATIENTS = Path(__file__).parent / "patients"
# The guideline page as the HTTP path's test client reaches it (its base URL is http://testserver).
GUIDELINE_PAGE = "http://testserver/guideline"
Json = dict[str, Any]


@dataclass(frozen=True)
class Fixture:
    name: str
    data: Json

    @property
    def clock(self) -> datetime:
        return datetime.fromisoformat(self.data["clock"].replace("Z", "+00:00"))

    @property
    def hook(self) -> str:
        return self.data["hook"]

    @property
    def language(self) -> str:
        return self.data["language"]

    @property
    def request(self) -> Json:
        return self.data["request"]

    @property
    def expect(self) -> Json:
        return self.data["expect"]


def load_fixtures(directory: Path = PATIENTS) -> list[Fixture]:
    return [
        Fixture(path.stem, json.loads(path.read_text(encoding="utf-8")))
        for path in sorted(directory.glob("*.json"))
    ]


# --- normalisation --------------------------------------------------------------------------


def canonical_map(knowledge: Any) -> dict[str, str]:
    """ActivityDefinition canonical (without version) -> nutrient id."""
    return {n.canonical.split("|")[0]: nid for nid, n in knowledge.nutrients.items()}


def normalise_card(card: Json, canonicals: dict[str, str]) -> Json:
    proposes: set[str] = set()
    lab_order = False
    deletes: list[str] = []
    recommended_labs: list[str] = []
    for suggestion in card.get("suggestions", []):
        for action in suggestion.get("actions", []):
            resource = action.get("resource") or {}
            if suggestion.get("isRecommended") and resource.get("resourceType") == "ServiceRequest":
                recommended_labs += [c.get("code", "?") for c in (resource.get("code") or {}).get("coding", [])]
            if action.get("type") == "create" and resource.get("resourceType") == "MedicationRequest":
                for canonical in resource.get("instantiatesCanonical", []) or ["<none>"]:
                    base = canonical.split("|")[0]
                    proposes.add(canonicals.get(base, f"?{base}"))
            elif action.get("type") == "create" and resource.get("resourceType") == "ServiceRequest":
                lab_order = True
            elif action.get("type") == "delete":
                deletes.append(action.get("resourceId", "?"))
    topic = (card.get("source") or {}).get("topic") or {}
    return {
        "topic": topic.get("code"),
        "indicator": card.get("indicator"),
        "proposes": sorted(proposes),
        "lab_order": lab_order,
        "recommended_labs": sorted(recommended_labs),
        "deletes": sorted(set(deletes)),
        "summary": card.get("summary", ""),
        "detail": card.get("detail", ""),
        "links": [link.get("url") for link in card.get("links", [])],
    }


def normalise(body: Json, canonicals: dict[str, str]) -> list[Json]:
    cards = [normalise_card(c, canonicals) for c in body.get("cards", [])]
    return sorted(cards, key=lambda c: (str(c["topic"]), c["indicator"] or "", c["summary"]))


# --- expectations ---------------------------------------------------------------------------


def _topics(expected: Json) -> list[str]:
    topic = expected["topic"]
    return topic if isinstance(topic, list) else [topic]


def card_problems(expected: Json, got: Json) -> list[str]:
    """Why ``got`` does not satisfy ``expected`` (empty when it does)."""
    out: list[str] = []
    if got["topic"] not in _topics(expected):
        return [f"topic {got['topic']} not in {_topics(expected)}"]
    if "indicator" in expected and got["indicator"] != expected["indicator"]:
        out.append(f"indicator {got['indicator']!r}, expected {expected['indicator']!r}")
    if got["indicator"] in expected.get("indicator_not", []):
        out.append(f"indicator {got['indicator']!r} is not allowed here")
    if "proposes" in expected and got["proposes"] != sorted(expected["proposes"]):
        out.append(f"proposes {got['proposes']}, expected {sorted(expected['proposes'])}")
    missing = sorted(set(expected.get("proposes_includes", [])) - set(got["proposes"]))
    if missing:
        out.append(f"proposes {got['proposes']}, missing {missing}")
    wrong = sorted(set(expected.get("not_proposes", [])) & set(got["proposes"]))
    if wrong:
        out.append(f"proposes {wrong}, which must not be proposed")
    if "lab_order" in expected and got["lab_order"] != expected["lab_order"]:
        out.append(f"lab_order {got['lab_order']}, expected {expected['lab_order']}")
    if "recommended_labs" in expected and got["recommended_labs"] != sorted(expected["recommended_labs"]):
        out.append(f"recommended suggestion orders labs {got['recommended_labs']}, expected {sorted(expected['recommended_labs'])}")
    if "summary_starts" in expected and not got["summary"].startswith(expected["summary_starts"]):
        out.append(f"summary {got['summary']!r} does not start with {expected['summary_starts']!r}")
    if "deletes" in expected and got["deletes"] != sorted(expected["deletes"]):
        out.append(f"deletes {got['deletes']}, expected {sorted(expected['deletes'])}")
    text = f"{got['summary']}\n{got['detail']}".casefold()
    for item in expected.get("detail_contains", []):
        options = item if isinstance(item, list) else [item]
        if not any(o.casefold() in text for o in options):
            out.append(f"detail lacks {' / '.join(options)!r}")
    exact = f"{got['summary']}\n{got['detail']}"
    out += [f"detail has {s!r}" for s in expected.get("detail_lacks", []) if s in exact]
    out += [f"summary has {s!r}" for s in expected.get("summary_lacks", []) if s in got["summary"]]
    bullets = bullet_lines(got["detail"])
    if "max_bullets" in expected and bullets > expected["max_bullets"]:
        out.append(f"{bullets} bullet lines in the detail, at most {expected['max_bullets']} expected")
    out += [f"no link to {u}" for u in expected.get("links_include", []) if u not in got["links"]]
    out += [f"links to {u}" for u in expected.get("links_exclude", []) if u in got["links"]]
    return out


def bullet_lines(detail: str | None) -> int:
    """The number of bullet lines (``- ``) in a card's detail (decision 16: read in ten seconds)."""
    return sum(1 for line in (detail or "").splitlines() if line.startswith("- "))


def check(expect: Json, cards: list[Json]) -> list[str]:
    """Problems with ``cards`` against a fixture's ``expect`` block (empty list: pass)."""
    problems: list[str] = []
    required = [e for e in expect["cards"] if not e.get("optional")]
    optional = [e for e in expect["cards"] if e.get("optional")]
    used: set[int] = set()
    for exp in required:
        candidates = [i for i, c in enumerate(cards) if i not in used and c["topic"] in _topics(exp)]
        fits = [i for i in candidates if not card_problems(exp, cards[i])]
        if fits:
            used.add(fits[0])
            continue
        if candidates:
            why = "; ".join(card_problems(exp, cards[candidates[0]]))
            problems.append(f"card {_topics(exp)}: {why}")
        else:
            problems.append(f"card {_topics(exp)}: missing")
    for i, got in enumerate(cards):
        if i in used:
            continue
        matching = [e for e in optional if got["topic"] in _topics(e)]
        for exp in matching:
            why = card_problems(exp, got)
            if why:
                problems.append(f"optional card {got['topic']}: {'; '.join(why)}")
        if not matching and expect.get("exact", True):
            allowed = {t for e in expect["cards"] for t in _topics(e)}
            if got["topic"] not in allowed:
                problems.append(f"unexpected card {got['topic']} ({got['indicator']}): {got['summary']}")
    for topic in expect.get("absent", []):
        if any(c["topic"] == topic for c in cards):
            problems.append(f"card {topic} must not appear")
    return problems


def describe(cards: list[Json]) -> str:
    """The normalised cards, short, for an assertion message."""
    short = [{**c, "detail": (c["detail"] or "")[:300]} for c in cards]
    return json.dumps(short, indent=1, ensure_ascii=False)


# --- path 1: rules directly -----------------------------------------------------------------


async def run_rules(fixture: Fixture, knowledge: Any, templates: dict[str, str] | None) -> Json:
    """Prefetch -> ResolvedData -> facts -> rules -> cards, without HTTP. Returns the response body."""
    from cds_service.cards.model import CdsResponse, dump_json
    from cds_service.cards.render import render_cards
    from cds_service.facts.build import build_facts
    from cds_service.fhir.resolve import resolve
    from cds_service.rules.engine import RuleConfig, evaluate

    request = fixture.request
    context = request["context"]
    prefetch = request.get("prefetch") or {}
    if templates is None:
        templates = {key: "" for key in prefetch}
    transport = httpx.MockTransport(_no_requests)
    async with httpx.AsyncClient(transport=transport) as client:
        data = await resolve(
            templates, context, prefetch, request.get("fhirServer"), None, client, time.monotonic() + 5.0
        )
    facts = build_facts(
        data,
        knowledge,
        fixture.clock,
        draft_orders=context.get("draftOrders"),
        selections=context.get("selections"),
    )
    recommendations = evaluate(facts, knowledge, RuleConfig(), fixture.hook)
    cards = render_cards(
        recommendations, knowledge, language=fixture.language, patient_id=context["patientId"],
        guideline_page=GUIDELINE_PAGE,
    )
    return orjson.loads(dump_json(CdsResponse(cards=tuple(cards))))


def _no_requests(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"golden run made a network request: {request.method} {request.url.path}")


# --- path 2: HTTP ---------------------------------------------------------------------------


def make_settings(tmp_path: Path) -> Any:
    """Settings for a test app: a temporary SQLite database, no authentication."""
    from cds_service import config

    db = f"sqlite:///{tmp_path / 'golden.db'}"
    return config.Settings(database_url=db, allowed_hosts=["testserver"])  # the TestClient's Host


def service_ids(client: Any) -> dict[str, str]:
    """hook -> service id, from discovery."""
    response = client.get("/cds-services")
    assert response.status_code == 200, response.text
    return {s["hook"]: s["id"] for s in response.json()["services"]}


def service_templates(client: Any) -> dict[str, dict[str, str]]:
    """hook -> prefetch templates, from discovery."""
    response = client.get("/cds-services")
    assert response.status_code == 200, response.text
    return {s["hook"]: s.get("prefetch", {}) for s in response.json()["services"]}


def make_app(settings: Any, clock: Callable[[], datetime]) -> Any:
    from cds_service.app import create_app

    return create_app(settings, clock=clock)
