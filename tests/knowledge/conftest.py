"""Knowledge fixtures: the real artifacts, loaded once, and a writable copy for breaking them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, Callable

import pytest

from cds_service.knowledge.loader import DEFAULT_DIR, load_knowledge
from cds_service.knowledge.model import Knowledge


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    return load_knowledge()


@pytest.fixture(scope="session")
def artifacts() -> dict[str, dict[str, Any]]:
    """File name -> parsed JSON of every artifact."""
    return {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted(DEFAULT_DIR.glob("*.json"))}


@pytest.fixture
def profile_copy(tmp_path: Path) -> Path:
    target = tmp_path / "fhir_profiles"
    shutil.copytree(DEFAULT_DIR, target)
    return target


@pytest.fixture
def edit(profile_copy: Path) -> Callable[[str, Callable[[dict[str, Any]], None]], None]:
    """``edit("ValueSet-vka.json", fn)``: apply ``fn`` to the parsed file in the copy and save it."""

    def apply(name: str, change: Callable[[dict[str, Any]], None]) -> None:
        path = profile_copy / name
        data = json.loads(path.read_text(encoding="utf-8"))
        change(data)
        path.write_text(json.dumps(data), encoding="utf-8")

    return apply
