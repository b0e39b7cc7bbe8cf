"""The hooks this service answers, and what each needs: THE place that defines them.

One CDS service per hook (:data:`_SERVICES`), the context each hook must carry
(:func:`required_context`), and the prefetch templates built from the knowledge. The API validates
requests and writes discovery from this module; the pipeline and the rules read which hooks are
order hooks from it.

Templates use CDS Hooks 1.0/2.0 tokens only (``{{context.patientId}}``) and the query subset every
version allows (reference and token parameters, ``_sort``, ``_count``). Lab groups get a key each so
that one group cannot crowd another out of a ``_count``-limited page. Codes come from the value sets
in ``fhir_profiles/`` via :class:`~cds_service.knowledge.model.Knowledge`.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Mapping, Protocol

from cds_service.knowledge.model import Knowledge
from cds_service.knowledge.search import knowledge_codes_param

PATIENT = "{{context.patientId}}"

PATIENT_VIEW = "patient-view"
ORDER_SELECT = "order-select"
ORDER_SIGN = "order-sign"
ORDER_HOOKS = (ORDER_SELECT, ORDER_SIGN)  # context.draftOrders: the orders being written

# prefetch keys (shared with the facts layer)
KEY_PATIENT = "patient"
KEY_CONDITIONS = "conditions"
KEY_MEDICATION_REQUESTS = "medicationRequests"
KEY_MEDICATION_STATEMENTS = "medicationStatements"
KEY_MEDICATION_DISPENSES = "medicationDispenses"
KEY_LAB_ORDERS = "labOrders"
KEY_PROCEDURES = "procedures"
KEY_VITAMIN_D = "vitaminD"
KEY_CALCIUM = "calcium"
KEY_KIDNEY = "kidney"

# lab groups: key -> (value sets, _count)
_LAB_GROUPS: dict[str, tuple[tuple[str, ...], int]] = {
    KEY_VITAMIN_D: (("lab-25ohd",), 20),
    KEY_CALCIUM: (("lab-calcium", "lab-calcium-corrected", "lab-albumin"), 20),
    KEY_KIDNEY: (("lab-egfr", "lab-creatinine"), 10),
}
MEDICATION_REQUEST_COUNT = 100

# Discovery's 3.0 fields. ``version``: the CDS Hooks specification this service implements. Its
# requests, cards and feedback follow 2.0.1 (a superset of 1.0 that 3.0 clients also accept), so it
# says 2.0.1, not a 3.0 ballot it does not fully claim; 1.0/2.0 clients ignore the unknown field.
# ``hookVersion``: the published version of each hook as handled here (all three are 1.0).
SPEC_VERSION = "2.0.1"
HOOK_VERSION = "1.0"


class HookCall(Protocol):
    """What the pipeline reads of a validated hook request (:class:`cds_service.api.models.HookRequest`
    is one): the pipeline knows no HTTP or request-model type."""

    @property
    def context(self) -> dict[str, Any]: ...

    @property
    def prefetch(self) -> Mapping[str, Any] | None: ...  # read-model resources (cds_service.fhir.model) or None

    @property
    def fhirServer(self) -> str | None: ...  # noqa: N802 - the CDS Hooks field name

    @property
    def access_token(self) -> str | None: ...

    @property
    def patient_id(self) -> str: ...


class CatalogueError(RuntimeError):
    """The knowledge lacks codes a prefetch template needs."""


def search_codes(knowledge: Knowledge, *value_sets: str) -> str:
    """``system|code,system|code`` for the exact codes of ``value_sets`` (a FHIR token "or" list)."""
    try:
        return knowledge_codes_param(knowledge, *value_sets)
    except (KeyError, ValueError) as exc:
        raise CatalogueError(f"no prefetch search for value sets {', '.join(value_sets)}: {exc}") from None


def prefetch_templates(knowledge: Knowledge) -> dict[str, str]:
    """Every prefetch key and its template (``patient`` first: the only key required)."""
    templates = {
        KEY_PATIENT: f"Patient/{PATIENT}",
        KEY_CONDITIONS: f"Condition?patient={PATIENT}",
        KEY_MEDICATION_REQUESTS: (
            f"MedicationRequest?patient={PATIENT}&_sort=-authoredon&_count={MEDICATION_REQUEST_COUNT}"
        ),
        KEY_MEDICATION_STATEMENTS: f"MedicationStatement?patient={PATIENT}",
        KEY_MEDICATION_DISPENSES: f"MedicationDispense?patient={PATIENT}",
        KEY_LAB_ORDERS: f"ServiceRequest?patient={PATIENT}&code={search_codes(knowledge, 'lab-25ohd')}",
        KEY_PROCEDURES: f"Procedure?patient={PATIENT}&code={search_codes(knowledge, 'bariatric-surgery')}",
    }
    for key, (value_sets, count) in _LAB_GROUPS.items():
        codes = search_codes(knowledge, *value_sets)
        templates[key] = f"Observation?patient={PATIENT}&code={codes}&_sort=-date&_count={count}"
    return templates


_USAGE = (
    "Reads the patient, their conditions, procedures, medication orders, statements (including "
    "over-the-counter supplements) and dispenses, pending 25(OH)D orders, and recent 25(OH)D, "
    "calcium, albumin, eGFR and creatinine results. Send them as prefetch, or send fhirServer and "
    "fhirAuthorization (read access to these resources for the patient) so that the service can "
    "fetch what is missing. Cards are in Dutch or English (Accept-Language)."
)

_SERVICES = (
    (
        "bone-health-patient-view",
        PATIENT_VIEW,
        "Bone health: supplements and safety checks",
        "Advice on calcium, magnesium, vitamin D and vitamin K2 (and soy isoflavones) for adults "
        "with an indication for bone support, per the Dutch supplement guideline on bone density "
        "and bone formation; 25(OH)D interpretation and check reminders; and safety checks on "
        "supplements the patient already takes.",
    ),
    (
        "bone-health-order-select",
        ORDER_SELECT,
        "Bone health: checks on selected orders",
        "Checks supplement and glucocorticoid orders as they are selected: doses against the "
        "guideline and upper limits, duplicates, interactions and contraindications, early "
        "25(OH)D checks and bone protection with long-term glucocorticoids.",
    ),
    (
        "bone-health-order-sign",
        ORDER_SIGN,
        "Bone health: checks before signing",
        "The same checks as on order selection, over all draft orders, before they are signed.",
    ),
)


@dataclass(frozen=True)
class ServiceDefinition:
    id: str
    hook: str
    title: str
    description: str
    usage_requirements: str
    prefetch: Mapping[str, str]

    def discovery_entry(self) -> dict[str, Any]:
        return {
            "hook": self.hook,
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "usageRequirements": self.usage_requirements,
            "prefetch": dict(self.prefetch),
            "version": SPEC_VERSION,
            "hookVersion": HOOK_VERSION,
        }


@dataclass(frozen=True)
class Catalogue:
    services: Mapping[str, ServiceDefinition]

    def get(self, service_id: str) -> ServiceDefinition | None:
        return self.services.get(service_id)

    def discovery(self) -> dict[str, Any]:
        return {"services": [s.discovery_entry() for s in self.services.values()]}


def build_catalogue(knowledge: Knowledge) -> Catalogue:
    templates = MappingProxyType(prefetch_templates(knowledge))
    services = {
        service_id: ServiceDefinition(service_id, hook, title, description, _USAGE, templates)
        for service_id, hook, title, description in _SERVICES
    }
    return Catalogue(MappingProxyType(services))
