"""The read model: typed dicts of just the FHIR R4 fields the service reads, validated by pydantic.

Parsed straight from bytes (``validate_json``: pydantic-core in Rust, nothing built for the fields
not listed), or from already parsed dicts (``validate_python``: tests, draft orders). Every field is
lenient: a value of the wrong type is *unknown* (``None``, an empty list), never an error; a
malformed item of a list (a coding that is not an object) is dropped; unknown fields are ignored.
Only a value that is not a JSON object where a resource is expected fails (:func:`resource_or_none`
makes that ``None`` too). Strings are kept as sent (the facts strip them); numbers are finite floats
(a bool, a string or a number beyond the float range is unknown, as :func:`facts.values.number` was).

``Resource`` is a union tagged by ``resourceType``: the types the facts read get their model, any
other resource (or one without a usable ``resourceType``) is :class:`OtherResource`.

Why TypedDicts and not BaseModel instances: measured (issue 11, the bench's patient-view body,
validate_json of the whole request): 100 resources 1.36 ms as TypedDicts, 3.8 ms as BaseModels,
1.35 ms for orjson.loads alone and 1.57 ms for orjson.loads plus the request model; 2,000 resources
56, 137, 77 and 65 ms. A model instance costs about 2 us more than a dict, and a request holds
thousands of codings and quantities. So the values are plain dicts holding only the declared keys,
each of its declared type or None: the facts read ``resource.get("code")`` typed by mypy, with
no ``isinstance`` checks left to write.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal, Union

from pydantic import AfterValidator, AllowInfNan, Field, GetCoreSchemaHandler, Strict, TypeAdapter
from typing_extensions import Required, TypedDict
from pydantic_core import core_schema


class Lenient:
    """Field marker: a value the type does not accept becomes ``junk`` (default None) instead of an error.

    The declared type is tried first (in Rust, on the happy path nothing else runs); only a value of
    the wrong type reaches the fallback.
    """

    def __init__(self, junk: Any = None) -> None:
        self.junk = junk

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        junk = self.junk
        fallback = core_schema.no_info_plain_validator_function(
            (lambda _: list(junk)) if isinstance(junk, list) else (lambda _: junk)
        )
        return core_schema.union_schema([handler(source), fallback], mode="left_to_right")


_DROP = object()


class _Items:
    """List marker: a list whose malformed items are dropped (and a non-list is an empty list)."""

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        (item,) = getattr(source, "__args__", (Any,))
        drop = core_schema.no_info_plain_validator_function(lambda _: _DROP)
        items = core_schema.union_schema([handler.generate_schema(item), drop], mode="left_to_right")
        as_list = core_schema.no_info_after_validator_function(
            lambda found: [i for i in found if i is not _DROP] if _DROP in found else found,
            core_schema.list_schema(items),
        )
        empty = core_schema.no_info_plain_validator_function(lambda _: [])
        return core_schema.union_schema([as_list, empty], mode="left_to_right")


Str = Annotated[str | None, Strict(), Lenient()]
Num = Annotated[float | None, Strict(), AllowInfNan(False), Lenient()]
Bool = Annotated[bool | None, Strict(), Lenient()]


class _Read(TypedDict, total=False):
    pass


class Coding(_Read, total=False):
    system: Str
    code: Str
    display: Str


class CodeableConcept(_Read, total=False):
    coding: Annotated[list[Coding], _Items()]
    text: Str


Concept = Annotated[CodeableConcept | None, Lenient()]


class Quantity(_Read, total=False):

    value: Num
    comparator: Str
    unit: Str
    system: Str
    code: Str


Qty = Annotated[Quantity | None, Lenient()]


class Range(_Read, total=False):
    low: Qty
    high: Qty


class Ratio(_Read, total=False):
    numerator: Qty
    denominator: Qty


class Reference(_Read, total=False):
    reference: Str
    display: Str


Ref = Annotated[Reference | None, Lenient()]


class Period(_Read, total=False):
    start: Str
    end: Str


Per = Annotated[Period | None, Lenient()]


class Extension(_Read, total=False):
    url: Str
    valueCodeableConcept: Concept
    extension: Annotated[list[Extension], _Items()]


class TimingRepeat(_Read, total=False):
    boundsPeriod: Per
    boundsDuration: Qty
    # A frequency of the wrong type is NaN, not None: "present but not a count" is not "once".
    frequency: Annotated[float | None, Strict(), AllowInfNan(False), Lenient(math.nan)]
    period: Num
    periodUnit: Str
    # Counted, whatever their items hold (as before): any JSON value is an item.
    timeOfDay: Annotated[list[Any], Lenient([])]
    when: Annotated[list[Any], Lenient([])]
    dayOfWeek: Annotated[list[Any], Lenient([])]


class Timing(_Read, total=False):
    repeat: Annotated[TimingRepeat | None, Lenient()]
    code: Concept


class DoseAndRate(_Read, total=False):
    doseQuantity: Qty
    doseRange: Annotated[Range | None, Lenient()]


class Dosage(_Read, total=False):
    sequence: Num
    text: Str
    asNeededBoolean: Bool
    asNeededCodeableConcept: Concept
    timing: Annotated[Timing | None, Lenient()]
    route: Concept
    doseAndRate: Annotated[list[DoseAndRate], _Items()]


Dosages = Annotated[list[Dosage], _Items()]


class _Resource(_Read, total=False):
    id: Str



class Patient(_Resource, total=False):
    resourceType: Required[Literal["Patient"]]
    birthDate: Str
    gender: Str
    extension: Annotated[list[Extension], _Items()]
    deceasedBoolean: Bool
    deceasedDateTime: Str


class Condition(_Resource, total=False):
    resourceType: Required[Literal["Condition"]]
    code: Concept
    clinicalStatus: Concept
    verificationStatus: Concept
    onsetDateTime: Str
    onsetPeriod: Per
    onsetAge: Qty
    abatementBoolean: Bool
    abatementString: Str
    abatementDateTime: Str
    abatementPeriod: Per
    recordedDate: Str


class Procedure(_Resource, total=False):
    resourceType: Required[Literal["Procedure"]]
    status: Str
    code: Concept
    performedDateTime: Str
    performedPeriod: Per


class Observation(_Resource, total=False):
    resourceType: Required[Literal["Observation"]]
    status: Str
    code: Concept
    valueQuantity: Qty
    effectiveDateTime: Str
    effectiveInstant: Str
    effectivePeriod: Per
    issued: Str


class ServiceRequest(_Resource, total=False):
    resourceType: Required[Literal["ServiceRequest"]]
    status: Str
    code: Concept
    authoredOn: Str
    occurrenceDateTime: Str
    occurrencePeriod: Per


class Ingredient(_Read, total=False):
    itemCodeableConcept: Concept
    itemReference: Ref
    strength: Annotated[Ratio | None, Lenient()]


class Medication(_Resource, total=False):
    resourceType: Required[Literal["Medication"]]
    code: Concept
    form: Concept
    ingredient: Annotated[list[Ingredient], _Items()]


class CodeableReference(_Read, total=False):  # R5 ``medication``
    reference: Ref


class _MedicationUser(_Resource, total=False):
    medicationCodeableConcept: Concept
    medicationReference: Ref
    medication: Annotated[CodeableReference | None, Lenient()]
    contained: Annotated[list[Resource], _Items()]
    status: Str


class DispenseRequest(_Read, total=False):
    validityPeriod: Per
    expectedSupplyDuration: Qty
    numberOfRepeatsAllowed: Num
    quantity: Qty


class MedicationRequest(_MedicationUser, total=False):
    resourceType: Required[Literal["MedicationRequest"]]
    intent: Str
    authoredOn: Str
    dosageInstruction: Dosages
    dispenseRequest: Annotated[DispenseRequest | None, Lenient()]


class MedicationStatement(_MedicationUser, total=False):
    resourceType: Required[Literal["MedicationStatement"]]
    dosage: Dosages
    effectiveDateTime: Str
    effectivePeriod: Per


class MedicationDispense(_MedicationUser, total=False):
    resourceType: Required[Literal["MedicationDispense"]]
    dosageInstruction: Dosages
    quantity: Qty
    daysSupply: Qty
    whenHandedOver: Str
    whenPrepared: Str


class MedicationAdministration(_MedicationUser, total=False):
    resourceType: Required[Literal["MedicationAdministration"]]


class Issue(_Read, total=False):
    severity: Str


class OperationOutcome(_Resource, total=False):
    resourceType: Required[Literal["OperationOutcome"]]
    issue: Annotated[list[Issue], _Items()]


class Link(_Read, total=False):
    relation: Str
    url: Str


class Entry(_Read, total=False):
    resource: Annotated[Resource | None, Lenient()]


class Bundle(_Resource, total=False):
    resourceType: Required[Literal["Bundle"]]
    type: Str
    entry: Annotated[list[Entry], _Items()]
    link: Annotated[list[Link], _Items()]


class OtherResource(_Resource, total=False):
    """Any other resource; ``resourceType`` None when it was missing or not a string."""

    resourceType: Str



Known = Annotated[
    Union[
        Patient, Condition, Procedure, Observation, ServiceRequest, Medication, MedicationRequest,
        MedicationStatement, MedicationDispense, MedicationAdministration, OperationOutcome, Bundle,
    ],
    Field(discriminator="resourceType"),
]


class Parsed(dict):
    """The class of every resource the read model returns: a resource in a plain ``dict`` is raw
    JSON (a test's, a hook context's) that :func:`read` must validate first; a ``Parsed`` one is not
    validated again."""

    __slots__ = ()


# A JSON object read as a resource: its typed model when its type is one we read, else OtherResource.
Resource = Annotated[
    Union[Known, OtherResource], Field(union_mode="left_to_right"), AfterValidator(Parsed)
]
AnyResource = Union[
    Patient, Condition, Procedure, Observation, ServiceRequest, Medication, MedicationRequest,
    MedicationStatement, MedicationDispense, MedicationAdministration, OperationOutcome, Bundle, OtherResource,
]
MedicationUser = MedicationRequest | MedicationStatement | MedicationDispense | MedicationAdministration

RESOURCE: TypeAdapter[AnyResource] = TypeAdapter(Resource)
RESOURCES: TypeAdapter[list[AnyResource]] = TypeAdapter(Annotated[list[Resource], _Items()])
_RESOURCE_OR_NONE: TypeAdapter[AnyResource | None] = TypeAdapter(Annotated[Resource | None, Lenient()])


def read(value: Any) -> AnyResource | None:
    """A value as a read-model resource: as it is when the read model made it, else validated (a
    dict from JSON parsed elsewhere); None when it is not a JSON object."""
    if type(value) is Parsed:
        return value  # type: ignore[return-value]
    return _RESOURCE_OR_NONE.validate_python(value)


def read_as(value: Any, kind: str) -> AnyResource | None:
    """``value`` read as a resource of ``kind`` whatever its own ``resourceType`` says (a Patient
    given without one; a hook's draftOrders Bundle, which may omit it); None when it is no object."""
    if type(value) is Parsed:
        return value  # type: ignore[return-value]
    if not isinstance(value, dict):
        return None
    return _RESOURCE_OR_NONE.validate_python({**value, "resourceType": kind})


def parse_resource(raw: bytes) -> AnyResource | None:
    """A FHIR server's JSON answer as a resource; None when it is not a JSON object (or not JSON)."""
    try:
        return _RESOURCE_OR_NONE.validate_json(raw)
    except ValueError:  # not JSON at all (ValidationError is a ValueError)
        return None
