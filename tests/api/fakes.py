"""Stand-ins for the pipeline stages, to test the HTTP layer's own behaviour in isolation."""

from __future__ import annotations

from cds_service.cards.model import Card, Coding, Source, Suggestion, Action, OverrideReason
from cds_service.fhir.data import ResolvedData

TOPIC_SYSTEM = "https://bone-health-cds.example.org/fhir/CodeSystem/bone-health-recommendation"


class Recorder:
    """Records what each stage received and returns fixed results."""

    def __init__(self, cards: list[Card] | None = None) -> None:
        self.calls: dict[str, dict] = {}
        self.cards = cards if cards is not None else [sample_card()]

    async def resolve(self, templates, context, prefetch, fhir_server, access_token, client, deadline, **options):
        self.calls["resolve"] = dict(
            templates=templates, context=context, prefetch=prefetch, fhir_server=fhir_server,
            access_token=access_token, client=client, deadline=deadline, **options,
        )
        patient = (prefetch or {}).get("patient")
        return ResolvedData(patient=patient, unknown=frozenset({"medicationStatements"}))

    def build_facts(self, data, knowledge, now, *, draft_orders=None, selections=None, prepared=None):
        self.calls["facts"] = dict(data=data, now=now, draft_orders=draft_orders, selections=selections)
        return "facts"

    def evaluate(self, facts, knowledge, config, hook):
        self.calls["rules"] = dict(facts=facts, config=config, hook=hook)
        return ["recommendation"]

    def render_cards(self, recommendations, knowledge, *, language, patient_id, extra_codings=None, guideline_page=None,
                     parts=None, suppressed=()):
        self.calls["cards"] = dict(
            recommendations=recommendations, language=language, patient_id=patient_id, extra_codings=extra_codings,
            guideline_page=guideline_page,
        )
        return list(self.cards)

    def install(self, monkeypatch) -> "Recorder":
        for name in ("resolve", "build_facts", "evaluate", "render_cards"):
            monkeypatch.setattr(f"cds_service.pipeline.{name}", getattr(self, name))
        return self


def sample_card(code: str = "bone-supplements") -> Card:
    return Card(
        summary="Consider calcium, magnesium, vitamin D and vitamin K2",
        indicator="info",
        source=Source(label="Bone health guideline", topic=Coding(system=TOPIC_SYSTEM, code=code)),
        suggestions=(
            Suggestion(
                label="Order vitamin D",
                isRecommended=True,
                actions=(
                    Action(
                        type="create",
                        description="Draft vitamin D order",
                        resource={"resourceType": "MedicationRequest", "status": "draft", "intent": "proposal"},
                    ),
                ),
            ),
        ),
        overrideReasons=(OverrideReason(system=TOPIC_SYSTEM, code="not-relevant", display="Not relevant"),),
    )
