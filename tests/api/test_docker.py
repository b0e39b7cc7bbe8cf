"""Static checks of docker/ (Docker cannot run here): the promises the files must keep."""

from __future__ import annotations

import re

import yaml

from tests.api.conftest import ROOT

DOCKER = ROOT / "docker"


def final_stage() -> str:
    text = (DOCKER / "Dockerfile").read_text()
    stages = re.split(r"^FROM ", text, flags=re.M)
    assert len(stages) >= 3, "multi-stage build expected"
    return "FROM " + stages[-1]


def test_final_stage_is_slim_non_root_with_health_check():
    stage = final_stage()
    assert stage.startswith("FROM python:3.11-slim")
    assert re.search(r"^USER (?!root)\S+", stage, flags=re.M)
    assert "HEALTHCHECK" in stage and "/healthz" in stage and "urllib.request" in stage
    assert "CDS_KNOWLEDGE_DIR=/app/fhir_profiles" in stage and "COPY fhir_profiles /app/fhir_profiles" in stage
    assert "CDS_HOST=0.0.0.0" in stage
    assert not re.search(r"apt-get|gcc|build-essential", stage)
    assert "--from=build" in stage


def test_compose_runs_the_production_profile_with_the_example_issuers():
    compose = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    service = compose["services"]["cds-service"]
    assert service["build"] == {"context": "..", "dockerfile": "docker/Dockerfile"}
    env = service["environment"]
    assert env["CDS_ENV"] == "production" and env["CDS_PUBLIC_BASE_URL"].startswith("https://")
    mounts = {v.split(":")[1]: v.split(":")[0] for v in service["volumes"] if v.startswith("./")}
    assert mounts[env["CDS_TRUSTED_ISSUERS"]] == "./issuers.example.yaml"
    assert (DOCKER / "issuers.example.yaml").is_file()


def test_build_context_keeps_what_the_image_needs():
    ignore = (DOCKER / "Dockerfile.dockerignore").read_text().split()
    for needed in ("!pyproject.toml", "!README.md", "!cds_service/**", "!fhir_profiles/**"):
        assert needed in ignore
