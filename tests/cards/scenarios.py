"""A matrix of patients that together produce every patient-view card type."""

from __future__ import annotations

from cds_service.facts.model import Domain, IndicationKind, Sex
from tests.rules.builders import (
    calcium,
    condition,
    days_ago,
    egfr,
    gc_exposure,
    indication,
    med,
    ngml,
    patient,
    vitd,
)

SCENARIOS = {
    "woman-68-osteoporosis": patient(),
    "man-72-hip-fracture": patient(age=72, sex=Sex.MALE, indications=(indication(IndicationKind.FRAGILITY_FRACTURE, "Heupfractuur"),)),
    "vitd-started-60-days": patient(medications=(med("vitamin-d", start=days_ago(60), amounts={"vitamin-d": (20, "ug")}),)),
    "below-target": patient(vitamin_d=(vitd(55),)),
    "ngml-on-target": patient(vitamin_d=(ngml(40),)),
    "ngml-high-on-d": patient(vitamin_d=(ngml(120),), medications=(med("vitamin-d"),)),
    "toxic-no-d": patient(indications=(), vitamin_d=(vitd(400),)),
    "pmol-flagged": patient(vitamin_d=(vitd(80, original=80000, unit="pmol/L", flagged=True),)),
    "pmol-implausible": patient(vitamin_d=(vitd(None, original=80, unit="pmol/L", problem="implausible"),)),
    "vka": patient(medications=(med("vka", display="Acenocoumarol 1 mg"),)),
    "k2-vka-draft": patient(medications=(med("vitamin-k2", draft=True), med("vka"))),
    "prednisolone": patient(indications=(), glucocorticoids=gc_exposure()),
    "egfr-25": patient(egfr=egfr(25), medications=(med("magnesium"),)),
    "hctz-high-ca": patient(calcium=calcium(2.75), medications=(med("thiazide"), med("calcium", "vitamin-d"))),
    "hctz-critical-ca": patient(calcium=calcium(3.2), medications=(med("digoxin"),)),
    "sarcoidosis": patient(safety_conditions=(condition("sarcoidosis"),), medications=(med("vitamin-d"),)),
    "tamoxifen": patient(medications=(med("soy-isoflavones"), med("tamoxifen"), med("levothyroxine"))),
    "ipriflavone": patient(medications=(med("ipriflavone"), med("theophylline"))),
    "active-d": patient(medications=(med("vitamin-d"), med("active-vitamin-d"))),
    "spacing": patient(medications=(med("calcium"), med("fluoroquinolone"), med("oral-iron"))),
    "spacing-one": patient(indications=(), medications=(med("magnesium"), med("bisphosphonate-oral"))),
    "interactions-on-proposal": patient(medications=(med("levothyroxine"), med("digoxin"), med("bone-drug", display="Alendroninezuur"))),
    "meds-unknown": patient(unknown=(Domain.MEDICATIONS,)),
    "all-unknown": patient(unknown=(Domain.MEDICATIONS, Domain.CONDITIONS, Domain.CALCIUM, Domain.KIDNEY, Domain.VITAMIN_D)),
    "taken-above-limit": patient(medications=(med("vitamin-d", amounts={"vitamin-d": (125, "ug")}), med("magnesium"))),
    "indeterminate-no-unit": patient(vitamin_d=(vitd(None, original=40, unit=None, problem="no-unit"),)),
    "recheck-orders-unknown": patient(
        medications=(med("vitamin-d", start=days_ago(90)),), vitamin_d=(vitd(40, days=120),), unknown=(Domain.LAB_ORDERS,)
    ),
    "severe": patient(vitamin_d=(vitd(20),)),
    "deficient": patient(vitamin_d=(vitd(30),)),
    "above-target-no-d": patient(vitamin_d=(vitd(150),)),
    "high-no-d": patient(vitamin_d=(vitd(300),)),
    "toxic-on-d": patient(vitamin_d=(vitd(400),), medications=(med("vitamin-d"),)),
    "soy-levothyroxine": patient(medications=(med("soy-isoflavones"), med("levothyroxine"))),
    "er-positive": patient(medications=(med("soy-isoflavones"),), safety_conditions=(condition("er-positive-breast-cancer"), condition("immunosuppression"))),
    "thiazide-no-calcium": patient(medications=(med("thiazide", display="Hydrochloorthiazide"),)),
    "ckd-no-egfr": patient(safety_conditions=(condition("ckd", "Chronische nierschade G3a"),)),
}
