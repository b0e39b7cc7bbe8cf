"""The one error the knowledge loader raises."""

from __future__ import annotations


class KnowledgeError(RuntimeError):
    """The knowledge artifacts are missing, invalid or incomplete; the service must not start."""
