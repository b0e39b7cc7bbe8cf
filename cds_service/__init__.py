"""Bone-health CDS Hooks service: a Dutch supplement guideline as clinical decision support."""

__version__ = "0.1.0"
