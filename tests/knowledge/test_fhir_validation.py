"""The knowledge is valid FHIR R4B: checked at load, and by ``cds-service check-knowledge [DIR]``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cds_service import cli
from cds_service.knowledge.loader import DEFAULT_DIR, KnowledgeError, load_knowledge
from cds_service.knowledge.validate import check_directory


def _edit(directory: Path, name: str, change) -> None:
    path = directory / name
    resource = json.loads(path.read_text())
    change(resource)
    path.write_text(json.dumps(resource))


def test_the_shipped_knowledge_is_valid_r4b():
    assert check_directory(DEFAULT_DIR) == []


def test_a_wrong_fhir_type_stops_loading_naming_file_and_field(profile_copy):
    _edit(profile_copy, "ActivityDefinition-supplement-calcium.json", lambda r: r.update(dosage={"text": "x"}))
    with pytest.raises(KnowledgeError, match=r"not valid FHIR R4B: ActivityDefinition-supplement-calcium\.json: dosage"):
        load_knowledge(profile_copy)


def test_an_unknown_element_is_a_problem(profile_copy):
    _edit(profile_copy, "Parameters-bone-health-parameters.json", lambda r: r.update(colour="blue"))
    problems = check_directory(profile_copy)
    assert len(problems) == 1 and problems[0].startswith("Parameters-bone-health-parameters.json: colour")


def test_check_knowledge_prints_one_line_per_problem_and_exits_1(profile_copy, capsys):
    _edit(profile_copy, "ValueSet-vka.json", lambda r: r.update(status=["active"]))
    _edit(profile_copy, "PlanDefinition-bone-health-supplements.json", lambda r: r.update(version=12))
    (profile_copy / "ValueSet-broken.json").write_text("{not json")
    with pytest.raises(SystemExit) as info:
        cli.main(["check-knowledge", str(profile_copy)])
    assert info.value.code == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    assert [line.split(":", 1)[0] for line in lines] == [
        "PlanDefinition-bone-health-supplements.json", "ValueSet-broken.json", "ValueSet-vka.json"]


def test_check_knowledge_reports_what_the_loader_finds_once_the_fhir_is_valid(profile_copy, capsys):
    (profile_copy / "ValueSet-vka.json").unlink()
    with pytest.raises(SystemExit) as info:
        cli.main(["check-knowledge", str(profile_copy)])
    assert info.value.code == 1
    assert capsys.readouterr().out.splitlines() == ["missing value sets: vka"]


def test_check_knowledge_passes_on_the_shipped_knowledge(capsys, monkeypatch):
    monkeypatch.delenv("CDS_KNOWLEDGE_DIR", raising=False)
    cli.main(["check-knowledge"])
    assert capsys.readouterr().out.startswith(f"ok: {DEFAULT_DIR}")
