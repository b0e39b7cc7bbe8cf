"""Card length over the golden patients: bullet lines per recommendation card, and cards as text.

Decision 16 ("a card is read in ten seconds") is measured here: every golden patient runs through
the rules path (:func:`tests.golden.runner.run_rules`), and the number of bullet lines (``- ``) in
the detail of each recommendation card (``bone-supplements``) is counted.

    .venv/bin/python -m tests.golden.bullets            # the distribution
    .venv/bin/python -m tests.golden.bullets --all      # the same for every card topic
    .venv/bin/python -m tests.golden.bullets --show 01  # the cards of matching patients, as text
    .venv/bin/python -m tests.golden.bullets --show 30 --lang en   # ... in another language
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
from collections import Counter
from typing import Any

from tests.golden import runner

RECOMMENDATION = "bone-supplements"


def responses(knowledge: Any, fixtures: list[runner.Fixture] | None = None) -> list[tuple[runner.Fixture, dict]]:
    """Each golden patient with its response body (rules path)."""
    from cds_service.hooks import prefetch_templates

    fixtures = runner.load_fixtures() if fixtures is None else fixtures
    templates = prefetch_templates(knowledge)  # what discovery asks for: a key left out is unknown
    return [(f, asyncio.run(runner.run_rules(f, knowledge, templates))) for f in fixtures]


def counts(results: list[tuple[runner.Fixture, dict]], topics: set[str] | None = None) -> dict[str, list[int]]:
    """topic -> bullet counts of its cards over all patients (``topics``: only these)."""
    out: dict[str, list[int]] = {}
    for _, body in results:
        for card in body.get("cards", []):
            topic = ((card.get("source") or {}).get("topic") or {}).get("code", "?")
            if topics is None or topic in topics:
                out.setdefault(topic, []).append(runner.bullet_lines(card.get("detail")))
    return out


def distribution(values: list[int]) -> str:
    """'n=.. median .. max ..' and a histogram line per count."""
    if not values:
        return "no cards"
    hist = Counter(values)
    lines = [f"n={len(values)}  median {statistics.median(values):g}  max {max(values)}"]
    lines += [f"  {k:3d} bullets: {'#' * hist[k]} ({hist[k]})" for k in sorted(hist)]
    return "\n".join(lines)


def card_text(card: dict) -> str:
    """A card as a clinician sees it: indicator, summary, detail, suggestions and links."""
    out = [f"[{card.get('indicator')}] {card.get('summary')}", ""]
    if card.get("detail"):
        out += [card["detail"], ""]
    for s in card.get("suggestions", []):
        out.append(f"( ) {s['label']}" + ("  (recommended)" if s.get("isRecommended") else ""))
    for link in card.get("links", []):
        out.append(f"-> {link['label']}: {link['url']}")
    return "\n".join(out).rstrip()


def main(argv: list[str] | None = None) -> None:
    from cds_service.knowledge.loader import load_knowledge

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--all", action="store_true", help="every card topic, not only the recommendation")
    parser.add_argument("--show", metavar="TEXT", help="print the cards of patients whose name contains TEXT")
    parser.add_argument("--lang", choices=("nl", "en"), help="with --show: this card language, not the fixture's")
    args = parser.parse_args(argv)
    knowledge = load_knowledge()
    fixtures = runner.load_fixtures()
    if args.show:
        shown = [f for f in fixtures if args.show in f.name]
        if args.lang:
            shown = [runner.Fixture(f.name, {**f.data, "language": args.lang}) for f in shown]
        for fixture, body in responses(knowledge, shown):
            print(f"===== {fixture.name} ({fixture.language})")
            for card in body.get("cards", []):
                print(card_text(card), end="\n\n")
        return
    by_topic = counts(responses(knowledge, fixtures), None if args.all else {RECOMMENDATION})
    for topic, values in sorted(by_topic.items()):
        print(f"{topic}: {distribution(values)}")


if __name__ == "__main__":
    main()
