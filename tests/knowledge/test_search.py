"""Search parameters from knowledge (prefetch templates)."""

from __future__ import annotations

import pytest

from cds_service.knowledge.model import CodeSet, Knowledge
from cds_service.knowledge.search import knowledge_codes_param


def test_lab_codes_param(knowledge: Knowledge) -> None:
    value = knowledge_codes_param(knowledge, "lab-25ohd")
    assert value == ",".join(
        f"http://loinc.org|{c}" for c in sorted(["62292-8", "83070-3", "1989-3", "14635-7", "49054-0"])
    )


def test_several_sets_are_merged_sorted_and_unique(knowledge: Knowledge) -> None:
    value = knowledge_codes_param(knowledge, "lab-egfr", "lab-creatinine", "lab-egfr")
    parts = value.split(",")
    assert len(parts) == len(set(parts)) == 8
    assert parts == sorted(parts)
    assert "http://loinc.org|2160-0" in parts


def test_unknown_set_and_set_without_codes(knowledge: Knowledge) -> None:
    with pytest.raises(KeyError):
        knowledge_codes_param(knowledge, "no-such-set")
    with pytest.raises(ValueError):
        knowledge_codes_param(knowledge, "soy-isoflavones")  # text only


def test_separators_in_codes_are_escaped(knowledge: Knowledge) -> None:
    odd = CodeSet(id="odd", codes=frozenset({("urn:x", "a,b|c")}))
    patched = Knowledge(**{**knowledge.__dict__, "value_sets": {"odd": odd}})
    assert knowledge_codes_param(patched, "odd") == "urn:x|a\\,b\\|c"
