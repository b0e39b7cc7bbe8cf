"""Every name in the safety tables of ``fhir_profiles/`` has its card text in both languages.

The tables are data (PlanDefinition bone-health-safety): a group added there without the messages
the rules build from its name would show the bare message key on a card.
"""

from __future__ import annotations

import pytest

from cds_service.cards.i18n import load_messages
from cds_service.knowledge.loader import load_knowledge


def _keys() -> list[str]:
    safety = load_knowledge().safety
    keys = []
    for group in safety.spacing:
        keys += [f"group.{group}", f"advice.spacing.{group}", f"advice.spacing.{group}.proposal"]
    for group in safety.high_calcium_drugs:
        keys += [f"fact.taking-{group}", f"advice.{group}-high-calcium", f"advice.{group}-note"]
    for kind in safety.calcium_conditions:
        keys += [f"condition.{kind}", f"advice.condition.{kind}"]
    for domain in sorted({d for domains in safety.check_domains.values() for d in domains}):
        keys.append(f"unchecked.{domain}")
    return keys


@pytest.mark.parametrize("language", ["nl", "en"])
def test_every_table_entry_has_its_messages(language):
    messages = load_messages(language)
    keys = _keys()
    assert len(keys) > 30
    assert [key for key in keys if key not in messages] == []
