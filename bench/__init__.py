"""Benchmarks for the bone-health CDS service: ``python -m bench`` (see README, Performance)."""
