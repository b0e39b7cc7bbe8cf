"""Load and check ``fhir_profiles/`` into a :class:`~cds_service.knowledge.model.Knowledge`. (STUB)"""

from __future__ import annotations

from pathlib import Path

from cds_service.knowledge.model import Knowledge

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "fhir_profiles"


class KnowledgeError(RuntimeError):
    """The knowledge artifacts are missing, invalid or incomplete; the service must not start."""


def load_knowledge(directory: Path | None = None) -> Knowledge:
    raise KnowledgeError("not implemented yet")
