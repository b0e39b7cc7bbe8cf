"""Raw JSON values read into the read model's types, as the service reads them before the facts do.

The facts layer takes read-model values (:mod:`cds_service.fhir.model`), never raw JSON; a test that
starts from JSON (a literal, a hypothesis value) goes through these first.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import TypeAdapter

from cds_service.fhir.model import Dosage, Dosages, Lenient, Period, Qty, Quantity, Str, Timing

_DOSAGES: TypeAdapter[list[Dosage]] = TypeAdapter(Dosages)
_TIMING: TypeAdapter[Timing | None] = TypeAdapter(Annotated[Timing | None, Lenient()])
_QUANTITY: TypeAdapter[Quantity | None] = TypeAdapter(Qty)
_PERIOD: TypeAdapter[Period | None] = TypeAdapter(Annotated[Period | None, Lenient()])
_STR: TypeAdapter[str | None] = TypeAdapter(Str)


def dosages(value: Any) -> list[Dosage]:
    return _DOSAGES.validate_python(value)


def timing(value: Any) -> Timing | None:
    return _TIMING.validate_python(value)


def quantity(value: Any) -> Quantity | None:
    return _QUANTITY.validate_python(value)


def period(value: Any) -> Period | None:
    return _PERIOD.validate_python(value)


def string(value: Any) -> str | None:
    return _STR.validate_python(value)
