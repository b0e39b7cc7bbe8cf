"""Card suggestions: draft FHIR R4 MedicationRequest / ServiceRequest resources and deletes.

Each resource is a template without patient parts filled in per call with the patient-specific
parts (subject, reasons, window, site codings) as a new top-level dict: the template is never
changed. A template is its ActivityDefinition applied (:func:`~cds_service.knowledge.apply.apply_definition`:
product, dosage, code, category, timing from the knowledge) with the human texts of the card's
language over the definition's Dutch ones (product, lab name, and ``Dosage.text``, which says the
applied dose, timing and route: :func:`_dosage_text`) and a note.
:func:`build_templates` builds them all once when the pipeline is built (:class:`Templates`) and
validates each with its ``fhir.resources`` R4B model there, so the service does not start on a
definition that gives invalid FHIR; filling one in is not validated again (about 0.5 ms per
resource on the request path). Without templates (a test calling a stage alone) each is built,
unvalidated, when needed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Mapping, Sequence


from cds_service.cards.i18n import Catalogue, catalogue
from cds_service.cards.model import Action, Suggestion, prune
from cds_service.knowledge.apply import apply_definition
from cds_service.knowledge.errors import KnowledgeError
from cds_service.knowledge.model import UCUM, Knowledge, Nutrient, Quantity
from cds_service.knowledge.validate import validate_request
from cds_service.rules import lines
from cds_service.rules.model import LabOrderProposal, Line, Proposal, Recommendation

ExtraCodings = Mapping[str, Sequence[Any]]


def _coding(c: Any) -> dict[str, Any]:
    """A FHIR Coding dict from a knowledge Coding, a card Coding or a plain dict."""
    if isinstance(c, Mapping):
        system, code, display = c.get("system"), c.get("code"), c.get("display")
    else:
        system, code, display = c.system, c.code, getattr(c, "display", None)
    out = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


@dataclass(frozen=True)
class Templates:
    """Draft resources without patient parts by (nutrient or lab, language), built once."""

    medication: Mapping[tuple[str, str], dict] = field(default_factory=dict)
    lab: Mapping[tuple[str, str], dict] = field(default_factory=dict)


def build_templates(knowledge: Knowledge, languages: Iterable[str]) -> Templates:
    """Every proposable nutrient's MedicationRequest and every lab's ServiceRequest, per language,
    each checked against its R4B model (``KnowledgeError`` naming the definition and field if not)."""
    cats = [catalogue(language) for language in languages]
    labs = {knowledge.lab_order.lab, *knowledge.lab_orders}
    templates = Templates(
        medication={
            (n.id, cat.language): _medication_template(knowledge, n, cat)
            for n in knowledge.nutrients.values()
            if n.proposable
            for cat in cats
        },
        lab={(lab, cat.language): _lab_template(knowledge, lab, cat) for lab in labs for cat in cats},
    )
    problems = [
        problem
        for (key, language), template in (*templates.medication.items(), *templates.lab.items())
        for problem in validate_request(f"{template['resourceType']} from {template['instantiatesCanonical'][0]} ({language})", template)
    ]
    if problems:
        raise KnowledgeError("suggestion templates are not valid FHIR R4B: " + "; ".join(problems))
    return templates


def _text(cat: Catalogue, line: Line | str, fallback: Any) -> Any:
    """The catalogue's text for ``line``; without one, the definition's own (Dutch) text."""
    return cat.text(line) if cat.has(line if isinstance(line, str) else line.key) else fallback


def _applied(knowledge: Knowledge, canonical: str) -> dict[str, Any]:
    definition = knowledge.activities.get(canonical)
    if definition is None:
        raise KnowledgeError(f"no ActivityDefinition {canonical} to apply")
    return apply_definition(definition)


def _medication_template(knowledge: Knowledge, nutrient: Nutrient, cat: Catalogue) -> dict:
    """The nutrient's ActivityDefinition applied, in the card's language, pruned of empty values."""
    template = _applied(knowledge, nutrient.canonical)
    product = template.get("medicationCodeableConcept")
    if isinstance(product, dict):  # not a dict: validation names it
        product["text"] = _text(cat, f"product.{nutrient.id}", product.get("text"))
    for dosage in template.get("dosageInstruction") or ():
        if isinstance(dosage, dict):
            dosage["text"] = _dosage_text(cat, nutrient, dosage)
    note = Line("note.medication", {"title": knowledge.guideline_title, "version": knowledge.version})
    template["note"] = [{"text": cat.text(note)}]
    return prune(template)


def _dosage_text(cat: Catalogue, nutrient: Nutrient, dosage: dict[str, Any]) -> Any:
    """``Dosage.text`` in the card's language, saying what the applied dosage says: its dose per
    administration, timing and route. Where the catalogue has no words for one of them (a timing
    other than n times per day or week, a route it does not name), the definition's own text."""
    key = f"dosage.{nutrient.id}"
    timing, route = _timing_text(cat, dosage.get("timing")), _route_text(cat, dosage.get("route"))
    if timing is None or route is None or not cat.has(key):
        return dosage.get("text")
    dose = _ordered_dose(dosage)
    params = dict(lines.dose_line(replace(nutrient, dose=dose) if dose is not None else nutrient).params)
    params.update(timing=timing, timing_start=timing[:1].upper() + timing[1:], route=route)
    return cat.text(Line(key, params))


def _timing_text(cat: Catalogue, timing: Any) -> str | None:
    """``timing.<periodUnit>`` for a plain "n times per 1 unit" repeat, else None."""
    repeat = timing.get("repeat") if isinstance(timing, dict) and set(timing) == {"repeat"} else None
    if not isinstance(repeat, dict) or not set(repeat) <= {"frequency", "period", "periodUnit"}:
        return None
    times, key = repeat.get("frequency", 1), f"timing.{repeat.get('periodUnit')}"
    if repeat.get("period", 1) != 1 or not isinstance(times, int) or times < 1 or not cat.has(key):
        return None
    return cat.text(Line(key, {"times": times}))


def _route_text(cat: Catalogue, route: Any) -> str | None:
    """``route.<code>`` for the first route coding the catalogue names, else None."""
    for coding in (route.get("coding") or ()) if isinstance(route, dict) else ():
        key = f"route.{coding.get('code')}" if isinstance(coding, dict) else ""
        if cat.has(key):
            return cat.text(key)
    return None


def _ordered_dose(dosage: dict[str, Any]) -> Quantity | None:
    """The first ``doseQuantity`` (UCUM), as the loader reads the guideline dose."""
    for dose_and_rate in dosage.get("doseAndRate") or ():
        q = dose_and_rate.get("doseQuantity") if isinstance(dose_and_rate, dict) else None
        if isinstance(q, dict) and q.get("system") == UCUM and isinstance(q.get("value"), (int, float)) and q.get("code"):
            return Quantity(value=q["value"], unit=q["code"])
    return None


def medication_request(
    knowledge: Knowledge,
    proposal: Proposal,
    cat: Catalogue,
    patient_id: str,
    extra_codings: ExtraCodings | None = None,
    templates: Templates | None = None,
) -> dict:
    """The draft MedicationRequest for one proposed nutrient."""
    nutrient = knowledge.nutrients[proposal.nutrient]
    template = templates.medication.get((nutrient.id, cat.language)) if templates else None
    resource = {**(template or _medication_template(knowledge, nutrient, cat))}
    resource["subject"] = {"reference": f"Patient/{patient_id}"}
    _reasons(resource, proposal.reason_references)
    extra = (extra_codings or {}).get(nutrient.id)
    codings = [c for c in (prune(_coding(c)) for c in extra) if c] if extra else ()
    if codings:
        product = resource.get("medicationCodeableConcept", {})
        resource["medicationCodeableConcept"] = {**product, "coding": [*product.get("coding", ()), *codings]}
    return resource


def _reasons(resource: dict, references: Sequence[str]) -> None:
    """``reasonReference`` from the non-empty references, if any."""
    reasons = [{"reference": r} for r in references if r]
    if reasons:
        resource["reasonReference"] = reasons


def _lab_template(knowledge: Knowledge, lab: str, cat: Catalogue) -> dict:
    """A lab's ActivityDefinition applied, in the card's language, pruned of empty values."""
    order = knowledge.lab_orders.get(lab) or knowledge.lab_order
    params = {"title": knowledge.guideline_title, "version": knowledge.version}
    if order.lab == "lab-25ohd":
        note = Line("note.lab-order", {
            **params, "low": knowledge.param("vitd-target-low-nmol"), "high": knowledge.param("vitd-target-high-nmol"),
        })
    else:
        note = Line(f"note.lab-order.{order.lab}", params)
    template = _applied(knowledge, order.canonical)
    code = template.get("code")
    if isinstance(code, dict):  # not a dict: validation names it
        code["text"] = _text(cat, f"product.{order.lab}", code.get("text"))
    template["note"] = [{"text": cat.text(note)}]
    return prune(template)


def service_request(
    knowledge: Knowledge, order: LabOrderProposal, cat: Catalogue, patient_id: str, templates: Templates | None = None
) -> dict:
    """The draft ServiceRequest for a lab order (the 25(OH)D check with its occurrence window)."""
    template = templates.lab.get((order.lab, cat.language)) if templates else None
    resource = {**(template or _lab_template(knowledge, order.lab, cat))}
    resource["subject"] = {"reference": f"Patient/{patient_id}"}
    if order.start is not None and order.end is not None:
        resource["occurrencePeriod"] = {"start": order.start.isoformat(), "end": order.end.isoformat()}
    _reasons(resource, order.reason_references)
    return resource


def _lab_action(
    knowledge: Knowledge, order: LabOrderProposal, cat: Catalogue, patient_id: str, templates: Templates | None
) -> Action:
    key = "action.create-lab-order" if order.lab == "lab-25ohd" else f"action.create-lab-order.{order.lab}"
    return Action(
        type="create", description=cat.text(key), resource=service_request(knowledge, order, cat, patient_id, templates)
    )


def build_suggestions(
    rec: Recommendation,
    knowledge: Knowledge,
    cat: Catalogue,
    patient_id: str,
    extra_codings: ExtraCodings | None = None,
    templates: Templates | None = None,
) -> list[Suggestion]:
    """Suggestions for one recommendation (decision 3: all together + one per nutrient)."""
    out: list[Suggestion] = []
    proposals = [p for p in rec.proposals if p.nutrient in knowledge.nutrients and knowledge.nutrients[p.nutrient].proposable]
    if proposals:
        actions = [
            Action(
                type="create",
                description=cat.text(Line("action.create-medication", {"nutrient": lines.nutrient_name(p.nutrient)})),
                resource=medication_request(knowledge, p, cat, patient_id, extra_codings, templates),
            )
            for p in proposals
        ]
        labs = [(order, _lab_action(knowledge, order, cat, patient_id, templates)) for order in rec.proposal_labs]
        names = [lines.nutrient_name(p.nutrient) for p in proposals]
        label = Line("suggestion.all", {"nutrients": names})
        if labs:
            label = Line("suggestion.all.with-labs", {"nutrients": names, "labs": [Line(f"suggestion.lab.{o.lab}") for o, _ in labs]})
        out.append(Suggestion(label=cat.text(label), isRecommended=True, actions=(*actions, *(a for _, a in labs))))
        if len(actions) > 1:
            for p, action in zip(proposals, actions):
                one = cat.text(Line("suggestion.one", {"nutrient": lines.nutrient_name(p.nutrient)}))
                needed = tuple(a for o, a in labs if p.nutrient in o.nutrients)
                out.append(Suggestion(label=one, isRecommended=False, actions=(action, *needed)))
    if rec.lab_order is not None:
        key = "suggestion.lab-order" if rec.lab_order.lab == "lab-25ohd" else f"suggestion.lab-order.{rec.lab_order.lab}"
        action = _lab_action(knowledge, rec.lab_order, cat, patient_id, templates)
        out.append(Suggestion(label=cat.text(key), isRecommended=not out, actions=(action,)))
    if rec.delete_orders:
        deletes = tuple(Action(type="delete", description=cat.text("action.delete-order"), resourceId=rid) for rid in rec.delete_orders)
        out.append(Suggestion(label=cat.text("suggestion.delete"), isRecommended=not out, actions=deletes))
    return out
