"""Write the golden patients (``patients/*.json``) from the compact definitions below.

Run ``.venv/bin/python -m tests.golden.build_fixtures`` after editing a case; the JSON files are
what the tests read and are committed. Expectations follow the guideline's product decisions
(``shared/guideline/README.md``) only; where the decisions leave room, a card is ``optional`` or a
constraint is left out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.golden.fhir_builders import (
    ATC,
    CLOCK,
    GPK,
    ICD10,
    ICPC,
    LOINC,
    RXNORM,
    SNOMED,
    SPCU,
    Json,
    ago,
    bundle,
    cc,
    condition,
    dispense,
    dosage,
    draft_bundle,
    draft_lab,
    draft_request,
    hook_instance,
    later,
    observation,
    patient,
    request,
    service_request,
    statement,
)

OUT = Path(__file__).parent / "patients"

# --- concepts (codes from shared/reference/terminology.md, with displays) -----------------
OSTEOPOROSIS_NL = cc((ICPC, "L95", "Osteoporose"), text="Osteoporose")
OSTEOPOROSIS = cc((SNOMED, "64859006", "Osteoporosis"), (ICD10, "M81.9", "Osteoporosis, unspecified"), text="Osteoporosis")
HIP_FRACTURE = cc((SNOMED, "359817006", "Closed fracture of hip"), (ICD10, "S72.0", "Fracture of neck of femur"), text="Heupfractuur")
WRIST_FRACTURE = cc(
    (SNOMED, "263199001", "Fracture of distal end of radius"), (ICD10, "S52.5", "Fracture of lower end of radius"),
    text="Distale radiusfractuur",
)
ANOREXIA = cc((ICPC, "P86", "Anorexia nervosa/boulimie"), (SNOMED, "56882008", "Anorexia nervosa"), text="Anorexia nervosa")
PREGNANCY = cc((SNOMED, "77386006", "Pregnant"), (ICPC, "W78", "Zwangerschap"), text="Zwangerschap")
SARCOIDOSIS = cc((SNOMED, "31541009", "Sarcoidosis"), (ICD10, "D86.9", "Sarcoidosis, unspecified"), text="Sarcoïdose")
PMR = cc((SNOMED, "65323003", "Polymyalgia rheumatica"), (ICD10, "M35.3", "Polymyalgia rheumatica"), text="Polymyalgia rheumatica")
ASTHMA = cc((ICPC, "R96", "Astma"), (SNOMED, "195967001", "Asthma"), text="Astma")
COPD = cc((ICPC, "R95", "COPD"), (SNOMED, "13645005", "Chronic obstructive lung disease"), text="COPD")
AF = cc((ICPC, "K78", "Atriumfibrilleren/-fladderen"), (SNOMED, "49436004", "Atrial fibrillation"), text="Atriumfibrilleren")
HYPERTENSION = cc((ICPC, "K86", "Hypertensie zonder orgaanbeschadiging"), (SNOMED, "38341003", "Hypertensive disorder"), text="Hypertensie")
HYPOTHYROID = cc((ICPC, "T86", "Hypothyreoïdie/myxoedeem"), text="Hypothyreoïdie")
DIABETES2 = cc((ICPC, "T90", "Diabetes mellitus type 2"), (SNOMED, "44054006", "Diabetes mellitus type 2"), text="Diabetes mellitus type 2")
CKD4 = cc((SNOMED, "431857002", "Chronic kidney disease stage 4"), (ICD10, "N18.4", "Chronic kidney disease, stage 4"), text="Chronische nierschade stadium 4")
BREAST_CANCER = cc((ICPC, "X76", "Maligniteit borst"), (SNOMED, "254837009", "Malignant neoplasm of breast"), text="Mammacarcinoom, ER-positief")

VITD_NMOL = cc((LOINC, "14635-7", "25-Hydroxyvitamin D3 [Moles/volume] in Serum or Plasma"), text="25-OH vitamine D")
VITD_NGML = cc((LOINC, "62292-8", "25-Hydroxyvitamin D3+25-Hydroxyvitamin D2 [Mass/volume] in Serum or Plasma"), text="25-OH vitamine D")
VITD3_NGML = cc((LOINC, "1989-3", "25-Hydroxyvitamin D3 [Mass/volume] in Serum or Plasma"), text="25-OH vitamin D3")
CALCIUM_MMOL = cc((LOINC, "2000-8", "Calcium [Moles/volume] in Serum or Plasma"), text="Calcium")
CALCIUM_MGDL = cc((LOINC, "17861-6", "Calcium [Mass/volume] in Serum or Plasma"), text="Calcium")
EGFR = cc((LOINC, "33914-3", "Glomerular filtration rate/1.73 sq M.predicted [Volume Rate/Area] in Serum or Plasma by Creatinine-based formula (MDRD)"), text="eGFR (MDRD)")

COLECALCIFEROL = cc((ATC, "A11CC05", "colecalciferol"), (RXNORM, "2418", "Cholecalciferol"), text="Colecalciferol 800 IE tablet")
COLECALCIFEROL_NL = cc((GPK, "109975", "Colecalciferol 25 microgram (1000 IE) tablet"), text="Vitamine D3 1000 IE tablet")
ALFACALCIDOL = cc((ATC, "A11CC03", "alfacalcidol"), text="Alfacalcidol 0,25 microgram capsule (Etalpha)")
CALCI_CHEW_D3 = cc(
    (ATC, "A12AX", "Calcium, combinations with vitamin D and/or other drugs"),
    text="Calciumcarbonaat/colecalciferol (Calci Chew D3) kauwtablet 1,25 g/800 IE",
)
CALCIUM_CARBONATE = cc((ATC, "A12AA04", "calcium carbonate"), (RXNORM, "1897", "Calcium Carbonate"), text="Calciumcarbonaat 1,25 g kauwtablet (500 mg Ca)")
MAGNESIUM = cc((ATC, "A12CC04", "magnesium citrate"), text="Magnesiumcitraat tablet 200 mg elementair magnesium")
MK7 = cc(text="Vitamine K2 (menaquinon-7, MenaQ7) 180 microgram capsule")
SOY = cc(text="Soja-isoflavonen 40 mg tablet")
IPRIFLAVONE = cc((ATC, "M05BX01", "ipriflavone"), text="Ipriflavon 200 mg tablet")
THEOPHYLLINE = cc((ATC, "R03DA04", "theophylline"), (RXNORM, "10438", "Theophylline"), text="Theofylline retard 300 mg tablet")
ACENOCOUMAROL = cc((ATC, "B01AA07", "acenocoumarol"), text="Acenocoumarol 1 mg tablet")
SINTROM = cc((GPK, "13552", "Sintrom mitis 1 mg tablet"), text="Sintrom mitis 1 mg tablet")
PREDNISOLONE = cc((ATC, "H02AB06", "prednisolone"), (RXNORM, "8638", "prednisolone"), text="Prednisolon 5 mg tablet")
HCTZ = cc((ATC, "C03AA03", "hydrochlorothiazide"), (RXNORM, "5487", "Hydrochlorothiazide"), text="Hydrochloorthiazide 12,5 mg tablet")
TAMOXIFEN = cc((ATC, "L02BA01", "tamoxifen"), (RXNORM, "10324", "Tamoxifen"), text="Tamoxifen 20 mg tablet")
ALENDRONATE_D = cc(
    (ATC, "M05BB03", "alendronic acid and colecalciferol"),
    text="Alendroninezuur/colecalciferol 70 mg/5600 IE tablet (Fosavance)",
)
CIPROFLOXACIN = cc((ATC, "J01MA02", "ciprofloxacin"), (RXNORM, "2551", "Ciprofloxacin"), text="Ciprofloxacine 500 mg tablet")
LEVOTHYROXINE = cc((ATC, "H03AA01", "levothyroxine sodium"), (RXNORM, "10582", "Levothyroxine"), text="Levothyroxine 100 microgram tablet (Thyrax Duotab)")

DOXYCYCLINE = cc((ATC, "J01AA02", "doxycycline"), (RXNORM, "3640", "Doxycycline"), text="Doxycycline 100 mg tablet")
DOLUTEGRAVIR = cc((ATC, "J05AJ03", "dolutegravir"), text="Dolutegravir 50 mg tablet (Tivicay)")
ELTROMBOPAG = cc((ATC, "B02BX05", "eltrombopag"), text="Eltrombopag 50 mg tablet (Revolade)")
FERROFUMARAAT = cc((ATC, "B03AA02", "ferrous fumarate"), text="Ferrofumaraat 200 mg tablet")
DIGOXIN = cc((ATC, "C01AA05", "digoxin"), (RXNORM, "3407", "Digoxin"), text="Digoxine 0,125 mg tablet")
HYPERPARATHYROIDISM = cc((ICD10, "E21.0", "Primary hyperparathyroidism"), text="Primaire hyperparathyreoïdie")
KIDNEY_STONES = cc((ICD10, "N20.0", "Calculus of kidney"), text="Nierstenen (calciumoxalaat)")
IMMUNODEFICIENCY = cc((ICD10, "D84.9", "Immunodeficiency, unspecified"), text="Immuundeficiëntie")

D3_DAILY = dosage("1 tablet per dag (20 microgram)", 20, "ug")
D3_1000 = dosage("1 tablet per dag (25 microgram)", 25, "ug")
ONE_A_DAY = dosage("1 maal per dag 1 stuk", 1, "{tbl}")
ALFA = dosage("1 capsule per dag (0,25 microgram)", 0.25, "ug")
MG_DAILY = dosage("1 tablet per dag (200 mg magnesium)", 200, "mg")
K2_DAILY = dosage("1 capsule per dag (180 microgram)", 180, "ug")
SOY_DAILY = dosage("1 tablet per dag", 40, "mg")
IPRI_TID = dosage("3 maal per dag 200 mg", 200, "mg", frequency=3)
THEO_BID = dosage("2 maal per dag 300 mg", 300, "mg", frequency=2)
ACENO = dosage("volgens schema trombosedienst", None, None)
PRED_10 = dosage("1 maal per dag 10 mg", 10, "mg")
PRED_30 = dosage("1 maal per dag 30 mg, 7 dagen", 30, "mg")
HCTZ_DAILY = dosage("1 maal per dag 12,5 mg", 12.5, "mg")
TAMOX_DAILY = dosage("1 maal per dag 20 mg", 20, "mg")
WEEKLY = dosage("1 tablet per week", 1, "{tbl}", period=1, period_unit="wk")
LEVO_DAILY = dosage("1 maal per dag 100 microgram, nuchter", 100, "ug")
CA_DAILY = dosage("1 kauwtablet per dag (500 mg calcium)", 500, "mg")

KEYS = (
    "patient",
    "conditions",
    "procedures",
    "medicationRequests",
    "medicationStatements",
    "medicationDispenses",
    "labOrders",
    "vitaminD",
    "calcium",
    "kidney",
)

ALL5 = ["calcium", "magnesium", "soy-isoflavones", "vitamin-d", "vitamin-k2"]
ALL4 = ["calcium", "magnesium", "vitamin-d", "vitamin-k2"]

# links every card carries (decision 16): the service's guideline page as the test client reaches it,
# in the card's language, and the NHG guideline where the card asks to check drug treatment
PAGE_NL = "http://testserver/guideline?lang=nl"
PAGE_EN = "http://testserver/guideline?lang=en"
NHG = "https://richtlijnen.nhg.org/standaarden/fractuurpreventie"


@dataclass
class Case:
    slug: str
    description: str
    patient: Json
    expect: list[dict[str, Any]]
    language: str = "nl"
    exact: bool = True
    conditions: list[Json] = field(default_factory=list)
    procedures: list[Json] = field(default_factory=list)
    requests: list[Json] = field(default_factory=list)
    statements: list[Json] = field(default_factory=list)
    dispenses: list[Json] = field(default_factory=list)
    lab_orders: list[Json] = field(default_factory=list)
    vitamin_d: list[Json] = field(default_factory=list)
    calcium: list[Json] = field(default_factory=list)
    kidney: list[Json] = field(default_factory=list)
    omit: tuple[str, ...] = ()  # prefetch keys the client could not provide (no fhirServer either)
    absent: tuple[str, ...] = ()  # topics that must not appear (used with exact=False)
    hook: str = "patient-view"
    context: Json = field(default_factory=dict)

    def fixture(self) -> Json:
        pid = self.patient["id"]
        searches = {
            "conditions": self.conditions,
            "procedures": self.procedures,
            "medicationRequests": self.requests,
            "medicationStatements": self.statements,
            "medicationDispenses": self.dispenses,
            "labOrders": self.lab_orders,
            "vitaminD": self.vitamin_d,
            "calcium": self.calcium,
            "kidney": self.kidney,
        }
        prefetch: Json = {"patient": self.patient}
        prefetch.update({k: bundle(*v) for k, v in searches.items()})
        for key in self.omit:
            prefetch.pop(key)
        expect: Json = {"cards": self.expect, "exact": self.exact}
        if self.absent:
            expect["absent"] = list(self.absent)
        out: Json = {
            "description": self.description,
            "clock": CLOCK,
            "hook": self.hook,
            "language": self.language,
            "request": {
                "hook": self.hook,
                "hookInstance": hook_instance(self.slug),
                "context": {"userId": "Practitioner/huisarts-1", "patientId": pid, **self.context},
                "prefetch": prefetch,
            },
            "expect": expect,
        }
        if self.omit:
            out["unobtainable"] = list(self.omit)
        return out


def card(topic: str | list[str], **kw: Any) -> dict[str, Any]:
    return {"topic": topic, **kw}


def f68(pid: str, **kw: Any) -> Json:
    return patient(pid, "female", 68, family="de Vries", given="Maria", **kw)


def l95(pid: str, cid: str = "c-l95", onset: int = 800) -> Json:
    return condition(cid, pid, OSTEOPOROSIS_NL, onset_days=onset)


def d3_60(pid: str) -> Json:
    return statement("ms-d3", pid, COLECALCIFEROL, D3_DAILY, start_days=60)


def cases() -> list[Case]:  # noqa: PLR0915 - one entry per golden patient
    out: list[Case] = []
    add = out.append

    # --- terminology section 7, fixtures 1..14 -------------------------------------------
    p = "gp01"
    add(Case("01-f68-osteoporosis-no-supplements",
             "F 68, L95 Osteoporose, no supplements: all four nutrients plus soy proposed (terminology §7 #1).",
             f68(p), [card("bone-supplements", indicator="info", proposes=ALL5)],
             conditions=[l95(p)]))

    p = "gp02"
    add(Case("02-vitd-started-60-days-no-lab",
             "As #1, taking colecalciferol 20 µg since 60 days, no 25(OH)D since: check reminder with lab order (§7 #2).",
             f68(p), [card("bone-supplements", proposes=["calcium", "magnesium", "soy-isoflavones", "vitamin-k2"]),
                      card("vitd-recheck", lab_order=True, detail_contains=[["2026-04-02", "02-04-2026"]])],
             conditions=[l95(p)], statements=[d3_60(p)]))

    p = "gp03"
    add(Case("03-vitd-55-nmol-below-target",
             "As #2 plus 25(OH)D 55 nmol/L (14635-7) 10 days ago: below the 90-100 target, info; no reminder (§7 #3).",
             f68(p), [card("bone-supplements", proposes=["calcium", "magnesium", "soy-isoflavones", "vitamin-k2"]),
                      card("vitd-status", indicator="info", lab_order=False, detail_contains=["55"])],
             conditions=[l95(p)], statements=[d3_60(p)],
             vitamin_d=[observation("obs-vitd", p, VITD_NMOL, days=10, value=55, unit="nmol/L", ucum="nmol/L")]))

    p = "gp04"
    add(Case("04-vitd-40-ngml-on-target",
             "F 68 L95, 25(OH)D 40 ng/mL (62292-8) = 99.8 nmol/L: on target, no status card; vitamin D still proposed (§7 #4).",
             f68(p), [card("bone-supplements", proposes=ALL5)], language="en",
             conditions=[l95(p)],
             vitamin_d=[observation("obs-vitd", p, VITD_NGML, days=20, value=40, unit="ng/mL", ucum="ng/mL")]))

    p = "gp05"
    add(Case("05-vitd-120-ngml-possibly-too-high",
             "F 68 L95, not on vitamin D, 25(OH)D 120 ng/mL (1989-3) = 299.5 nmol/L: warning (a safety alert, decision 13); "
             "vitamin D not proposed (§7 #5).",
             f68(p), [card("bone-supplements", not_proposes=["vitamin-d"], proposes_includes=["magnesium", "vitamin-k2"]),
                      card("safety-vitd-excess", indicator="warning", detail_contains=[["299.5", "299,5"], "120", "ng/mL"])],
             language="en", conditions=[l95(p)],
             vitamin_d=[observation("obs-vitd", p, VITD3_NGML, days=15, value=120, unit="ng/mL", ucum="ng/mL")]))

    p = "gp06"
    add(Case("06-vitd-pmol-80000-flagged",
             "F 68 L95, 25(OH)D 80000 pmol/L: converted to 80 nmol/L (unit flagged), below target info (§7 #6).",
             f68(p), [card("bone-supplements", proposes=ALL5),
                      card("vitd-status", indicator="info", detail_contains=[["80000", "80,000", "80.000"], "pmol"])],
             language="en", conditions=[l95(p)],
             vitamin_d=[observation("obs-vitd", p, VITD_NMOL, days=12, value=80000, unit="pmol/L", ucum="pmol/L")]))

    p = "gp06b"
    add(Case("06b-vitd-pmol-80-implausible",
             "F 68 L95, 25(OH)D 80 pmol/L = 0.08 nmol/L: implausible, indeterminate card, no deficiency/critical (§7 #6b).",
             f68(p), [card("bone-supplements", proposes_includes=["calcium", "magnesium", "vitamin-k2"]),
                      card("vitd-status", indicator_not=["critical"], lab_order=False, detail_contains=["pmol"])],
             language="en", conditions=[l95(p)],
             vitamin_d=[observation("obs-vitd", p, VITD_NMOL, days=12, value=80, unit="pmol/L", ucum="pmol/L")]))

    p = "gp07"
    add(Case("07-vka-acenocoumarol-coded",
             "F 68 L95 + acenocoumarol (B01AA07), no K2 taken: K2 not proposed. Whether a separate critical card "
             "appears is left open (terminology §7 #7 vs §6.4 disagree).",
             f68(p), [card("bone-supplements", not_proposes=["vitamin-k2"], proposes_includes=["calcium", "vitamin-d"]),
                      card("safety-k2-vka", optional=True, indicator="critical", proposes=[])],
             conditions=[l95(p), condition("c-af", p, AF, onset_days=1500)],
             requests=[request("mr-aceno", p, ACENOCOUMAROL, ACENO, authored_days=200)]))

    p = "gp07b"
    add(Case("07b-k2-with-acenocoumarol",
             "F 68 L95, takes MK-7 180 µg (text only) and acenocoumarol: critical K2-VKA card (decision 9, §7 #7).",
             f68(p), [card("bone-supplements", not_proposes=["vitamin-k2"]),
                      card("safety-k2-vka", indicator="critical", proposes=[], detail_contains=["Acenocoumarol", "MenaQ7"])],
             conditions=[l95(p), condition("c-af", p, AF, onset_days=1500)],
             requests=[request("mr-aceno", p, ACENOCOUMAROL, ACENO, authored_days=200)],
             statements=[statement("ms-k2", p, MK7, K2_DAILY, start_days=30)]))

    p = "gp08"
    add(Case("08-prednisolone-10mg-120-days",
             "M 55, polymyalgia, prednisolone 10 mg/day since 120 days (ongoing): long-term high-dose GC indication (§7 #8).",
             patient(p, "male", 55, family="Bakker", given="Henk"),
             [card("bone-supplements", proposes=ALL4, detail_contains=["Prednisolon"])],
             conditions=[condition("c-pmr", p, PMR, onset_days=130)],
             requests=[request("mr-pred", p, PREDNISOLONE, PRED_10, authored_days=120)]))

    p = "gp09"
    courses = [
        request(f"mr-pred-{i}", p, PREDNISOLONE, PRED_30, authored_days=start, end_days=start - 6, status="completed")
        for i, start in enumerate((330, 240, 150, 60), start=1)
    ]
    add(Case("09-four-prednisolone-courses",
             "M 45, asthma, four 7-day prednisolone 30 mg courses in 12 months (28 days in all): stootkuren indication (§7 #9).",
             patient(p, "male", 45, family="Visser", given="Peter"),
             [card("bone-supplements", proposes=ALL4)],
             conditions=[condition("c-asthma", p, ASTHMA, onset_days=4000)], requests=courses))

    p = "gp10"
    add(Case("10-male-72-hip-fracture",
             "M 72, hip fracture 2 years ago (fragility fracture at 50+): proposals without soy (men: note only) (§7 #10).",
             patient(p, "male", 72, family="Smit", given="Jan"),
             [card("bone-supplements", proposes=ALL4)], language="en",
             conditions=[condition("c-hip", p, HIP_FRACTURE, onset_days=730, clinical="active")]))

    p = "gp11"
    add(Case("11-magnesium-with-egfr-25",
             "F 68 L95, takes magnesium citrate, eGFR 25: magnesium warning (§7 #11); magnesium not proposed.",
             f68(p), [card("bone-supplements", not_proposes=["magnesium"], proposes_includes=["vitamin-k2"]),
                      card("safety-magnesium-kidney", indicator="warning", detail_contains=["25"])],
             conditions=[l95(p)],
             statements=[statement("ms-mg", p, MAGNESIUM, MG_DAILY, start_days=200)],
             kidney=[observation("obs-egfr", p, EGFR, days=30, value=25, unit="mL/min/1.73m2", ucum="mL/min/{1.73_m2}")]))

    p = "gp11b"
    add(Case("11b-egfr-25-no-magnesium",
             "F 68 L95, no supplements, eGFR 25: magnesium not proposed (contraindication); a separate warning is optional.",
             f68(p), [card("bone-supplements", not_proposes=["magnesium"], proposes_includes=["vitamin-k2"]),
                      card("safety-magnesium-kidney", optional=True, indicator="warning")],
             conditions=[l95(p)],
             kidney=[observation("obs-egfr", p, EGFR, days=30, value=25, unit="mL/min/1.73m2", ucum="mL/min/{1.73_m2}")]))

    ca_d = lambda p: statement("ms-cad", p, CALCI_CHEW_D3, ONE_A_DAY, start_days=400)  # noqa: E731
    vitd_ok = lambda p: observation("obs-vitd", p, VITD_NMOL, days=90, value=95, unit="nmol/L", ucum="nmol/L")  # noqa: E731
    p = "gp12"
    add(Case("12-thiazide-ca-d-normal-calcium",
             "F 70 L95 + hypertension, HCTZ + Calci Chew D3, serum Ca 2.40 mmol/L: note only, no safety card (§7 #12).",
             patient(p, "female", 70, family="Mulder", given="Els"),
             [card("bone-supplements", proposes=["magnesium", "soy-isoflavones", "vitamin-k2"],
                   detail_contains=["Thiazide", "Hydrochloorthiazide", "controleer serumcalcium"])],
             conditions=[l95(p), condition("c-htn", p, HYPERTENSION, onset_days=3000)],
             requests=[request("mr-hctz", p, HCTZ, HCTZ_DAILY, authored_days=700)],
             statements=[ca_d(p)], vitamin_d=[vitd_ok(p)],
             calcium=[observation("obs-ca", p, CALCIUM_MMOL, days=20, value=2.40, unit="mmol/L", ucum="mmol/L")]))

    p = "gp12b"
    add(Case("12b-thiazide-ca-d-high-calcium",
             "As #12 with serum Ca 2.75 mmol/L: hypercalcaemia warning (§7 #12).",
             patient(p, "female", 70, family="Mulder", given="Els"),
             [card("bone-supplements", not_proposes=["calcium", "vitamin-d"]),
              card("safety-hypercalcaemia", indicator="warning", detail_contains=[["2.75", "2,75"]])],
             conditions=[l95(p), condition("c-htn", p, HYPERTENSION, onset_days=3000)],
             requests=[request("mr-hctz", p, HCTZ, HCTZ_DAILY, authored_days=700)],
             statements=[ca_d(p)], vitamin_d=[vitd_ok(p)],
             calcium=[observation("obs-ca", p, CALCIUM_MMOL, days=20, value=2.75, unit="mmol/L", ucum="mmol/L")]))

    p = "gp12c"
    add(Case("12c-calcium-mgdl-critical",
             "F 70 L95 on Calci Chew D3, serum Ca 12.4 mg/dL (17861-6) = 3.09 mmol/L: critical hypercalcaemia (units converted).",
             patient(p, "female", 70, family="Mulder", given="Els"),
             [card("bone-supplements", optional=True, not_proposes=["calcium", "vitamin-d"]),
              card("safety-hypercalcaemia", indicator="critical", detail_contains=[["3.09", "3,09"], ["12.4", "12,4"]])],
             language="en", conditions=[l95(p)], statements=[ca_d(p)], vitamin_d=[vitd_ok(p)],
             calcium=[observation("obs-ca", p, CALCIUM_MGDL, days=5, value=12.4, unit="mg/dL", ucum="mg/dL")]))

    p = "gp13"
    add(Case("13-tamoxifen-with-soy",
             "F 58 L95 + ER+ breast cancer, takes tamoxifen and soy isoflavones: soy warning (§7 #13).",
             patient(p, "female", 58, family="de Boer", given="Ingrid"),
             [card("bone-supplements", proposes=ALL4),
              card("safety-soy-endocrine", indicator="warning", proposes=[])],
             conditions=[l95(p), condition("c-bc", p, BREAST_CANCER, onset_days=900)],
             requests=[request("mr-tam", p, TAMOXIFEN, TAMOX_DAILY, authored_days=850)],
             statements=[statement("ms-soy", p, SOY, SOY_DAILY, start_days=100)]))

    p = "gp13b"
    add(Case("13b-tamoxifen-no-soy",
             "F 58 L95, tamoxifen, no soy taken: soy not proposed; a separate warning is optional.",
             patient(p, "female", 58, family="de Boer", given="Ingrid"),
             [card("bone-supplements", proposes=ALL4),
              card("safety-soy-endocrine", optional=True, indicator="warning", proposes=[])],
             conditions=[l95(p)], requests=[request("mr-tam", p, TAMOXIFEN, TAMOX_DAILY, authored_days=850)]))

    p = "gp14"
    add(Case("14-ipriflavone-with-theophylline",
             "F 66 L95 + COPD, takes ipriflavone 3x200 mg and theophylline: ipriflavone warning (§7 #14).",
             patient(p, "female", 66, family="Meijer", given="Truus"),
             [card("bone-supplements", not_proposes=["ipriflavone"], proposes_includes=ALL4),
              card("safety-ipriflavone", indicator="warning", proposes=[])],
             conditions=[l95(p), condition("c-copd", p, COPD, onset_days=2500)],
             statements=[statement("ms-ipri", p, IPRIFLAVONE, IPRI_TID, start_days=150)],
             requests=[request("mr-theo", p, THEOPHYLLINE, THEO_BID, authored_days=900)]))

    # --- negative and edge cases -------------------------------------------------------
    p = "gp15"
    add(Case("15-no-indication-f62",
             "F 62 with hypertension only: age and sex alone are no indication, no cards.",
             patient(p, "female", 62, family="Dekker", given="Joke"), [],
             conditions=[condition("c-htn", p, HYPERTENSION, onset_days=2000)]))

    p = "gp16"
    add(Case("16-child-with-osteoporosis-and-low-vitd",
             "F 12 with L95 and 25(OH)D 20 nmol/L: children get no cards at all.",
             patient(p, "female", 12, family="Vos", given="Lotte"), [],
             conditions=[l95(p, onset=200)],
             vitamin_d=[observation("obs-vitd", p, VITD_NMOL, days=10, value=20, unit="nmol/L", ucum="nmol/L")]))

    p = "gp17"
    add(Case("17-deceased",
             "F 80 deceased, L95, K2 + acenocoumarol and toxic 25(OH)D on file: no cards at all.",
             patient(p, "female", 80, family="Peters", given="Grietje", deceasedDateTime=ago(3)), [],
             conditions=[l95(p)],
             requests=[request("mr-aceno", p, ACENOCOUMAROL, ACENO, authored_days=300)],
             statements=[statement("ms-k2", p, MK7, K2_DAILY, start_days=60)],
             vitamin_d=[observation("obs-vitd", p, VITD_NMOL, days=20, value=800, unit="nmol/L", ucum="nmol/L")]))

    p = "gp18"
    add(Case("18-pregnant-anorexia",
             "F 32, anorexia nervosa (indication) and pregnant: no proposals (a card without proposals is allowed).",
             patient(p, "female", 32, family="Hendriks", given="Sanne"),
             [card("bone-supplements", optional=True, proposes=[])],
             conditions=[condition("c-an", p, ANOREXIA, onset_days=3000),
                         condition("c-preg", p, PREGNANCY, onset_days=70, category="problem-list-item")]))

    p = "gp19"
    add(Case("19-everything-already-taken",
             "F 70 L95, takes Calci Chew D3, magnesium, MK-7 and soy; 25(OH)D 95 nmol/L since: nothing to "
             "propose, nothing unsafe, totals within the limits: no card (product decision: a card with "
             "nothing to act on is noise; see FINDINGS.md).",
             patient(p, "female", 70, family="Jacobs", given="Riet"),
             [],
             conditions=[l95(p)],
             statements=[ca_d(p), statement("ms-mg", p, MAGNESIUM, MG_DAILY, start_days=400),
                         statement("ms-k2", p, MK7, K2_DAILY, start_days=400),
                         statement("ms-soy", p, SOY, SOY_DAILY, start_days=400)],
             vitamin_d=[vitd_ok(p)]))

    p = "gp19b"
    add(Case("19b-taken-total-above-upper-limit",
             "F 70 L95, takes colecalciferol 800 IE daily and 50,000 IE weekly (20 + 178.6 = 198.6 µg/day): "
             "the 'already taken' total is above the 100 µg upper limit (decision 12): a dose warning on "
             "patient-view; vitamin D is not proposed again.",
             patient(p, "female", 70, family="Jacobs", given="Ria"),
             [card("dose-upper-limit", indicator="warning", detail_contains=[["198.6", "198,6"], "100"]),
              card("bone-supplements", not_proposes=["vitamin-d"])],
             conditions=[l95(p)],
             statements=[statement("ms-d3", p, COLECALCIFEROL, D3_DAILY, start_days=400),
                         statement("ms-d3w", p, cc((ATC, "A11CC05", "colecalciferol"), text="Colecalciferol 50.000 IE capsule"),
                                   dosage("1 capsule per week (50.000 IE)", 50000, "[iU]", period=1, period_unit="wk"),
                                   start_days=400)],
             vitamin_d=[vitd_ok(p)]))

    p = "gp20"
    add(Case("20-condition-entered-in-error",
             "F 45 with L95 entered in error and osteoporosis refuted: no indication, no cards.",
             patient(p, "female", 45, family="Willems", given="Karin"), [],
             conditions=[condition("c-l95", p, OSTEOPOROSIS_NL, onset_days=100, clinical=None, verification="entered-in-error"),
                         condition("c-op", p, OSTEOPOROSIS, onset_days=100, verification="refuted")]))

    p = "gp21"
    add(Case("21-vitd-no-unit",
             "F 68 L95, 25(OH)D value 45 without any unit: indeterminate card, never read as deficient.",
             f68(p), [card("bone-supplements", proposes_includes=["calcium", "magnesium", "vitamin-k2"]),
                      card("vitd-status", indicator_not=["critical"], lab_order=False)],
             conditions=[l95(p)],
             vitamin_d=[observation("obs-vitd", p, VITD_NMOL, days=14, value=45)]))

    p = "gp22"
    add(Case("22-vitd-implausible-1500-nmol",
             "F 68 L95, 25(OH)D 1500 nmol/L (> 1000): implausible, indeterminate; not a toxic/critical card.",
             f68(p), [card("bone-supplements", proposes_includes=["calcium", "magnesium", "vitamin-k2"]),
                      card("vitd-status", indicator_not=["critical"], lab_order=False)],
             language="en", conditions=[l95(p)],
             vitamin_d=[observation("obs-vitd", p, VITD_NMOL, days=14, value=1500, unit="nmol/L", ucum="nmol/L")],
             absent=("safety-vitd-excess",), exact=True))

    p = "gp23"
    add(Case("23-alendronate-colecalciferol-combination",
             "F 72 L95, weekly alendronic acid/colecalciferol (M05BB03), 25(OH)D 94 nmol/L since: vitamin D "
             "already taken, not proposed; spacing card optional.",
             patient(p, "female", 72, family="Koster", given="Wil"),
             [card("bone-supplements", not_proposes=["vitamin-d"], proposes_includes=["soy-isoflavones", "vitamin-k2"],
                   detail_contains=["Alendroninezuur"]),
              card("safety-mineral-spacing", optional=True, indicator_not=["critical"])],
             conditions=[l95(p)],
             requests=[request("mr-fosa", p, ALENDRONATE_D, WEEKLY, authored_days=500)],
             vitamin_d=[observation("obs-vitd", p, VITD_NMOL, days=60, value=94, unit="nmol/L", ucum="nmol/L")]))

    p = "gp24"
    add(Case("24-sintrom-brand-name-only",
             "F 75 L95 + AF, 'Sintrom mitis' known only by G-Standaard code and Dutch text: VKA recognised, K2 withheld.",
             patient(p, "female", 75, family="Prins", given="Bep"),
             [card("bone-supplements", not_proposes=["vitamin-k2"], proposes_includes=["calcium", "vitamin-d"],
                   detail_contains=["Sintrom"]),
              card("safety-k2-vka", optional=True, indicator="critical", proposes=[])],
             conditions=[l95(p), condition("c-af", p, AF, onset_days=1500)],
             requests=[request("mr-sintrom", p, SINTROM, ACENO, authored_days=400)]))

    p = "gp25"
    add(Case("25-medication-data-unobtainable",
             "F 70 L95; medication keys missing and no fhirServer: medication-dependent proposals (K2 with VKA, soy "
             "with tamoxifen) withheld, card says what could not be checked.",
             patient(p, "female", 70, family="Verhoeven", given="Ans"),
             [card("bone-supplements", not_proposes=["soy-isoflavones", "vitamin-k2"])],
             conditions=[l95(p)],
             omit=("medicationRequests", "medicationStatements", "medicationDispenses")))

    p = "gp26"
    add(Case("26-resolved-hip-fracture-at-70",
             "F 73, hip fracture at 70 (3 years ago), condition resolved: history counts, indication; soy proposed.",
             patient(p, "female", 73, family="Groen", given="Dina"),
             [card("bone-supplements", proposes=ALL5)], language="en",
             conditions=[condition("c-hip", p, HIP_FRACTURE, onset_days=1100, clinical="resolved")]))

    p = "gp27"
    add(Case("27-vitd-36-ngml-on-target",
             "F 68 L95, 25(OH)D 36 ng/mL: on target in its own unit (89.9 nmol/L would be below): no status card.",
             f68(p), [card("bone-supplements", proposes=ALL5)],
             conditions=[l95(p)],
             vitamin_d=[observation("obs-vitd", p, VITD_NGML, days=20, value=36, unit="ng/mL", ucum="ng/mL")]))

    p = "gp28"
    add(Case("28-male-osteoporosis-no-soy",
             "M 60, osteoporosis (SNOMED/ICD-10): soy not proposed (men), the other four are.",
             patient(p, "male", 60, family="van Dijk", given="Kees"),
             [card("bone-supplements", proposes=ALL4)], language="en",
             conditions=[condition("c-op", p, OSTEOPOROSIS, onset_days=400)]))

    p = "gp28b"
    add(Case("28b-sex-parameter-male-wins",
             "Patient.gender female, sex parameter for clinical use male-typical, age 60, L95: the parameter wins, no soy.",
             patient(p, "female", 60, family="de Graaf", given="Robin", extension=[{
                 "url": SPCU,
                 "extension": [{"url": "value", "valueCodeableConcept": cc(
                     ("http://terminology.hl7.org/CodeSystem/sex-parameter-for-clinical-use", "male-typical",
                      "Apply male-typical setting or reference range"))}],
             }]),
             [card("bone-supplements", proposes=ALL4)],
             conditions=[l95(p)]))

    p = "gp29"
    add(Case("29-vitd-60-days-pending-order",
             "As #2 but a 25(OH)D order (active) placed 5 days ago, after the start: no reminder.",
             f68(p), [card("bone-supplements", proposes=["calcium", "magnesium", "soy-isoflavones", "vitamin-k2"])],
             conditions=[l95(p)], statements=[d3_60(p)],
             lab_orders=[service_request("sr-vitd", p, VITD_NGML, authored_days=5)]))

    p = "gp30"
    add(Case("30-vitd-300-ngml-toxic",
             "F 68 L95, not on vitamin D, 25(OH)D 300 ng/mL = 748.8 nmol/L: toxic range, a critical card (status or excess "
             "topic); vitamin D not proposed.",
             f68(p), [card("bone-supplements", not_proposes=["vitamin-d"]),
                      card(["vitd-status", "safety-vitd-excess"], indicator="critical", detail_contains=[["748.8", "748,8"]]),
                      card("vitd-status", optional=True, indicator="critical"),
                      card("safety-vitd-excess", optional=True, indicator="critical")],
             language="en", conditions=[l95(p)],
             vitamin_d=[observation("obs-vitd", p, VITD_NGML, days=7, value=300, unit="ng/mL", ucum="ng/mL")]))

    p = "gp30b"
    add(Case("30b-vitd-toxic-while-taking-d",
             "F 68 L95, takes vitamin D3 25 µg since a year, 25(OH)D 300 ng/mL: critical excess card while on vitamin D.",
             f68(p), [card("bone-supplements", optional=True, not_proposes=["vitamin-d"]),
                      card("safety-vitd-excess", indicator="critical"),
                      card("vitd-status", optional=True, indicator="critical")],
             language="en", conditions=[l95(p)],
             statements=[statement("ms-d3", p, COLECALCIFEROL_NL, D3_1000, start_days=365)],
             vitamin_d=[observation("obs-vitd", p, VITD_NGML, days=7, value=300, unit="ng/mL", ucum="ng/mL")]))

    p = "gp31"
    add(Case("31-recent-wrist-fracture-m35",
             "M 35, distal radius fracture 2 months ago: recent fracture (recovery support) is an indication.",
             patient(p, "male", 35, family="Bos", given="Thomas"),
             [card("bone-supplements", proposes=ALL4)], language="en",
             conditions=[condition("c-wrist", p, WRIST_FRACTURE, onset_days=60)]))

    p = "gp32"
    add(Case("32-old-wrist-fracture-m40",
             "M 42, wrist fracture at 40 (2 years ago, resolved): neither recent nor at 50+, no indication, no cards.",
             patient(p, "male", 42, family="Bos", given="Ruud"), [],
             conditions=[condition("c-wrist", p, WRIST_FRACTURE, onset_days=730, clinical="resolved")]))

    p = "gp33"
    add(Case("33-sarcoidosis-taking-vitamin-d",
             "F 66 diabetes type 2 (indication) + sarcoidosis, takes vitamin D3: hypercalcaemia-risk warning; "
             "neither vitamin D nor calcium proposed.",
             patient(p, "female", 66, family="Kok", given="Hanneke"),
             [card("bone-supplements", optional=True, not_proposes=["calcium", "vitamin-d"]),
              card("safety-hypercalcaemia", indicator_not=["info"])],
             conditions=[condition("c-dm", p, DIABETES2, onset_days=3000), condition("c-sarc", p, SARCOIDOSIS, onset_days=2000)],
             statements=[statement("ms-d3", p, COLECALCIFEROL, D3_DAILY, start_days=300)],
             vitamin_d=[observation("obs-vitd", p, VITD_NMOL, days=100, value=95, unit="nmol/L", ucum="nmol/L")]))

    p = "gp34"
    add(Case("34-alfacalcidol-plus-colecalciferol",
             "F 70 L95 + CKD 4 on alfacalcidol, also takes plain colecalciferol: active-D duplication warning.",
             patient(p, "female", 70, family="Lammers", given="Gerda"),
             [card("bone-supplements", optional=True, not_proposes=["vitamin-d", "magnesium"]),
              card("safety-active-vitd", indicator="warning"),
              card("safety-magnesium-kidney", optional=True)],
             conditions=[l95(p), condition("c-ckd", p, CKD4, onset_days=900)],
             requests=[request("mr-alfa", p, ALFACALCIDOL, ALFA, authored_days=600)],
             statements=[statement("ms-d3", p, COLECALCIFEROL, D3_DAILY, start_days=300)],
             vitamin_d=[observation("obs-vitd", p, VITD_NMOL, days=100, value=92, unit="nmol/L", ucum="nmol/L")],
             kidney=[observation("obs-egfr", p, EGFR, days=40, value=24, unit="mL/min/1.73m2", ucum="mL/min/{1.73_m2}")]))

    p = "gp35"
    add(Case("35-levothyroxine-with-calcium",
             "F 64 L95 + hypothyroidism, takes levothyroxine and calcium carbonate: spacing warning (4 h).",
             patient(p, "female", 64, family="Huisman", given="Marja"),
             [card("bone-supplements", not_proposes=["calcium"], proposes_includes=["vitamin-d", "vitamin-k2"]),
              card("safety-mineral-spacing", indicator="warning"),
              card("safety-soy-levothyroxine", optional=True)],
             conditions=[l95(p), condition("c-hypo", p, HYPOTHYROID, onset_days=5000)],
             requests=[request("mr-levo", p, LEVOTHYROXINE, LEVO_DAILY, authored_days=1000)],
             statements=[statement("ms-ca", p, CALCIUM_CARBONATE, CA_DAILY, start_days=200)]))

    p = "gp36"
    add(Case("36-safety-without-indication",
             "M 50, no indication, takes MK-7 and warfarin-class acenocoumarol: the critical safety card still shows "
             "(decision 9); no proposal card.",
             patient(p, "male", 50, family="Jonker", given="Bert"),
             [card("safety-k2-vka", indicator="critical", proposes=[])],
             conditions=[condition("c-af", p, AF, onset_days=800)],
             requests=[request("mr-aceno", p, ACENOCOUMAROL, ACENO, authored_days=700)],
             statements=[statement("ms-k2", p, MK7, K2_DAILY, start_days=40)]))

    p = "gp37"
    add(Case("37-dispensed-vitd-gstandaard-text",
             "F 69 L95, vitamin D3 1000 IE (G-Standaard code + Dutch text only) dispensed 30 days ago: already taken, "
             "not proposed; too early for the check reminder.",
             patient(p, "female", 69, family="Maas", given="Thea"),
             [card("bone-supplements", proposes=["calcium", "magnesium", "soy-isoflavones", "vitamin-k2"],
                   detail_contains=["Vitamine D3"])],
             conditions=[l95(p)],
             dispenses=[dispense("md-d3", p, COLECALCIFEROL_NL, D3_1000, days=30, supply_days=90)]))

    p = "gp38"
    add(Case("38-vitd-old-and-preliminary-results",
             "F 68 L95, 25(OH)D 20 nmol/L final 14 months ago (history) and 15 nmol/L preliminary last week: no "
             "current status, no status card; vitamin D proposed.",
             f68(p), [card("bone-supplements", proposes=ALL5)],
             conditions=[l95(p)],
             vitamin_d=[observation("obs-vitd-old", p, VITD_NMOL, days=425, value=20, unit="nmol/L", ucum="nmol/L"),
                        observation("obs-vitd-pre", p, VITD_NMOL, days=7, value=15, unit="nmol/L", ucum="nmol/L",
                                    status="preliminary")]))

    # --- clinical review: uninterpretable serum calcium, planned lab orders ----------------------
    p = "gp39"
    add(Case("39-calcium-implausible-unit",
             "F 70 L95, no supplements, serum Ca 10.2 recorded as mmol/L (a mg/dL value): implausible, so indeterminate. "
             "No hypercalcaemia card (it does not trigger), and calcium and vitamin D are withheld as 'could not be "
             "checked' (it does not clear either); decision 14: so is the rest of the proposal (no fragment).",
             patient(p, "female", 70, family="Mulder", given="Els"),
             [card("bone-supplements", proposes=[],
                   detail_contains=["niet te interpreteren", ["10,2", "10.2"], "Niet gecontroleerd"])],
             conditions=[l95(p)],
             calcium=[observation("obs-ca", p, CALCIUM_MMOL, days=5, value=10.2, unit="mmol/L", ucum="mmol/L")]))

    p = "gp39b"
    add(Case("39b-calcium-implausible-taking-ca-d-and-thiazide",
             "F 70 L95 on Calci Chew D3 and hydrochlorothiazide, serum Ca 10.2 'mmol/L' (implausible): no hypercalcaemia "
             "card from an uninterpretable value.",
             patient(p, "female", 70, family="Mulder", given="Els"),
             [card("bone-supplements", optional=True, not_proposes=["calcium", "vitamin-d"])],
             conditions=[l95(p)],
             requests=[request("mr-hctz", p, HCTZ, HCTZ_DAILY, authored_days=700)],
             statements=[statement("ms-cad", p, CALCI_CHEW_D3, ONE_A_DAY, start_days=400)], vitamin_d=[vitd_ok(p)],
             calcium=[observation("obs-ca", p, CALCIUM_MMOL, days=5, value=10.2, unit="mmol/L", ucum="mmol/L")]))

    p = "gp40"
    add(Case("40-vitd-60-days-order-planned-after-start",
             "As #2, with a 25(OH)D order placed 62 days ago (before the start) but planned for 3 days from now: it is "
             "the check, so no reminder (the planned date decides, not the order date).",
             f68(p), [card("bone-supplements", proposes=["calcium", "magnesium", "soy-isoflavones", "vitamin-k2"])],
             conditions=[l95(p)], statements=[d3_60(p)],
             lab_orders=[{**service_request("sr-vitd", p, VITD_NGML, authored_days=62), "occurrenceDateTime": later(3)}]))

    p = "gp40b"
    add(Case("40b-vitd-60-days-baseline-order-pending",
             "As #2, with a baseline 25(OH)D order placed 62 days ago and planned for the day before the start, still "
             "pending: it is not the check, so the reminder shows.",
             f68(p), [card("bone-supplements", proposes=["calcium", "magnesium", "soy-isoflavones", "vitamin-k2"]),
                      card("vitd-recheck", lab_order=True)],
             conditions=[l95(p)], statements=[d3_60(p)],
             lab_orders=[{**service_request("sr-vitd", p, VITD_NGML, authored_days=62), "occurrenceDateTime": ago(61)}]))

    # --- terminology section 4 rows end to end (codes matched from FHIR, not only hand-built facts) --
    spacing = [
        ("41-calcium-with-doxycycline", DOXYCYCLINE, "tetracycline (doxycycline): chelation, 2-3 h apart", "warning"),
        ("42-calcium-with-dolutegravir", DOLUTEGRAVIR, "integrase inhibitor: 2 h before or 6 h after", "warning"),
        ("43-calcium-with-eltrombopag", ELTROMBOPAG, "eltrombopag: 4 h apart", "warning"),
        ("44-calcium-with-oral-iron", FERROFUMARAAT, "oral iron: 2 h apart", "info"),
    ]
    for slug, drug, gist, indicator in spacing:
        p = "gp" + slug[:2]
        add(Case(slug,
                 f"F 66 L95, takes calcium carbonate and {gist} (terminology §4): spacing card ({indicator}); calcium "
                 "is already taken, the rest is proposed with the spacing advice.",
                 patient(p, "female", 66, family="Smit", given="Ria"),
                 [card("bone-supplements", not_proposes=["calcium"], proposes_includes=["magnesium", "vitamin-d"]),
                  card("safety-mineral-spacing", indicator=indicator, proposes=[])],
                 conditions=[l95(p)],
                 requests=[request("mr-drug", p, drug, ONE_A_DAY, authored_days=20)],
                 statements=[statement("ms-ca", p, CALCIUM_CARBONATE, CA_DAILY, start_days=200)]))

    p = "gp45"
    add(Case("45-digoxin-ca-d-high-calcium",
             "F 78 L95 + AF on digoxin and Calci Chew D3, serum Ca 2.70 mmol/L: hypercalcaemia warning that names "
             "digoxin (arrhythmia risk) (terminology §4).",
             patient(p, "female", 78, family="Bos", given="Wil"),
             [card("bone-supplements", optional=True, not_proposes=["calcium", "vitamin-d"]),
              card("safety-hypercalcaemia", indicator="warning", detail_contains=["Digoxine", ["2,7", "2.7"]])],
             conditions=[l95(p), condition("c-af", p, AF, onset_days=900)],
             requests=[request("mr-dig", p, DIGOXIN, ONE_A_DAY, authored_days=800)],
             statements=[statement("ms-cad", p, CALCI_CHEW_D3, ONE_A_DAY, start_days=400)],
             vitamin_d=[observation("obs-vitd", p, VITD_NMOL, days=90, value=95, unit="nmol/L", ucum="nmol/L")],
             calcium=[observation("obs-ca", p, CALCIUM_MMOL, days=10, value=2.70, unit="mmol/L", ucum="mmol/L")]))

    p = "gp46"
    add(Case("46-hyperparathyroidism-and-stones-taking-calcium",
             "F 62 L95 + primary hyperparathyroidism + kidney stones, takes calcium carbonate: hypercalcaemia-risk "
             "warning; calcium and vitamin D not proposed (terminology §4).",
             patient(p, "female", 62, family="Kok", given="Annie"),
             [card("bone-supplements", not_proposes=["calcium", "vitamin-d"], proposes_includes=["magnesium"]),
              card("safety-hypercalcaemia", indicator="warning", detail_contains=["hyperparathyreo", "nierstenen"])],
             conditions=[l95(p), condition("c-hpt", p, HYPERPARATHYROIDISM, onset_days=300),
                         condition("c-stone", p, KIDNEY_STONES, onset_days=1200)],
             statements=[statement("ms-ca", p, CALCIUM_CARBONATE, CA_DAILY, start_days=200)]))

    p = "gp47"
    add(Case("47-ipriflavone-with-immunodeficiency",
             "F 70 L95 + immunodeficiency, takes ipriflavone: warning that weighs the lymphocytopenia risk "
             "(terminology §4).",
             patient(p, "female", 70, family="Vos", given="Nel"),
             [card("bone-supplements", proposes=ALL5),
              card("safety-ipriflavone", indicator="warning", detail_contains=["immuunsuppressie"])],
             conditions=[l95(p), condition("c-imm", p, IMMUNODEFICIENCY, onset_days=2000)],
             statements=[statement("ms-ipri", p, IPRIFLAVONE, IPRI_TID, start_days=150)]))

    p = "gp48"
    add(Case("48-egfr-25-calcium-d-caution",
             "F 70 L95, no supplements, eGFR 25: magnesium withheld; calcium and vitamin D proposed with a caution "
             "note (terminology §3.2).",
             patient(p, "female", 70, family="Mulder", given="Els"),
             [card("bone-supplements", not_proposes=["magnesium"], proposes_includes=["calcium", "vitamin-d"],
                   detail_contains=["Ernstig verminderde nierfunctie", "met voorzichtigheid"]),
              card("safety-magnesium-kidney", optional=True)],
             conditions=[l95(p)],
             kidney=[observation("obs-egfr", p, EGFR, days=30, value=25, unit="mL/min/1.73m2", ucum="mL/min/{1.73_m2}")]))


    # --- decisions 16 and 17: cards read in ten seconds ---------------------------------------
    p = "gd16a"
    add(Case("d16a-card-in-ten-seconds-nl",
             "F 68 L95, no supplements (nl): at most 10 bullet lines; per-patient lines only (doses, the calcium "
             "line as a total intake with food (decision 17), the K2 unit note in its dose line, the VKA line, the "
             "25(OH)D check, no osteoporosis drug found as a check); background on the guideline page, linked with "
             "the NHG guideline (decision 16).",
             f68(p), [card("bone-supplements", proposes=ALL5, max_bullets=10,
                           detail_contains=["1.000 mg per dag in totaal, voeding meegerekend (ongeveer 300 mg per portie zuivel)",
                                            "past alleen bij MK-4", "vitamine K-antagonist",
                                            "Geen osteoporosemiddel gevonden in het dossier"],
                           detail_lacks=["Ipriflavon", "eiwit", "vervangen geen", "bij voorkeur samen", "(en)"],
                           summary_lacks=["Botgezondheid:"],
                           links_include=[PAGE_NL, NHG])],
             conditions=[l95(p)]))

    p = "gd16b"
    add(Case("d16b-card-in-ten-seconds-en-units",
             "F 68 L95 (en), 25(OH)D 55 recorded with the unit text 'nmol/l': one spelling per unit in the card's "
             "language (nmol/L), ten-second card, links to the page in English and to the NHG guideline.",
             f68(p), [card("bone-supplements", proposes=ALL5, max_bullets=10,
                           detail_contains=["Consider calcium", "1,000 mg a day in total, food included",
                                            "which fits MK-4 only", "No osteoporosis drug found in the record",
                                            "25(OH)D on", "55 nmol/L"],
                           detail_lacks=["nmol/l", "Ipriflavone", "protein", "(s)"],
                           links_include=[PAGE_EN, NHG]),
                      card("vitd-status", indicator="info", detail_contains=["55 nmol/L"], detail_lacks=["nmol/l"],
                           links_include=[PAGE_EN], links_exclude=[NHG])],
             language="en", conditions=[l95(p)],
             vitamin_d=[observation("obs-vitd", p, VITD_NMOL, days=10, value=55, unit="nmol/l")]))

    p = "gd16c"
    add(Case("d16c-osteoporosis-on-alendronate-no-drug-check",
             "F 70 L95 on alendronic acid/colecalciferol (an osteoporosis drug): no 'no osteoporosis drug' line and "
             "no NHG link; the card stays at most 10 bullet lines.",
             patient(p, "female", 70, family="Bos", given="Ria"),
             [card("bone-supplements", max_bullets=10, detail_contains=["Osteoporosemedicatie"],
                   detail_lacks=["Geen osteoporosemiddel"], links_include=[PAGE_NL], links_exclude=[NHG])],
             conditions=[l95(p)],
             requests=[request("mr-fosa", p, ALENDRONATE_D, WEEKLY, authored_days=300)],
             vitamin_d=[observation("obs-vitd", p, VITD_NMOL, days=100, value=95, unit="nmol/L", ucum="nmol/L")]))

    p = "gd16d"
    add(Case("d16d-diabetes-only-no-drug-check-en",
             "F 60 with type 2 diabetes only (a risk factor, no osteoporosis or fracture): no drug-treatment check "
             "and no NHG link, but the guideline page link.",
             patient(p, "female", 60, family="Smit", given="Joke"),
             [card("bone-supplements", proposes=ALL5, max_bullets=10, detail_lacks=["No osteoporosis drug"],
                   links_include=[PAGE_EN], links_exclude=[NHG])],
             language="en", conditions=[condition("c-dm", p, DIABETES2, onset_days=2000)]))

    for slug, language, says, lacks in (
        ("d16e-one-supplement-held-back-en", "en", "Do not start 1 supplement for bone health yet", "(s)"),
        ("d16f-one-supplement-held-back-nl", "nl", "Nu niet starten: 1 supplement voor de botgezondheid", "(en)"),
    ):
        p = "g" + slug[:4]
        add(Case(slug,
                 "F 70 L95 taking calcium, magnesium, vitamin D and soy, and acenocoumarol: only vitamin K2 is left "
                 "and the VKA withholds it. The summary leads with the action and counts in the card's language "
                 "('1 supplement', no hand-made plural).",
                 patient(p, "female", 70, family="Koster", given="Wil"),
                 [card("bone-supplements", proposes=[], detail_contains=[says], summary_lacks=[lacks, "Bone health:"],
                       links_include=[PAGE_EN if language == "en" else PAGE_NL, NHG])],
                 language=language, conditions=[l95(p)],
                 requests=[request("mr-aceno", p, ACENOCOUMAROL, ACENO, authored_days=400)],
                 statements=[statement("ms-ca", p, CALCIUM_CARBONATE, CA_DAILY, start_days=300),
                             statement("ms-mg", p, MAGNESIUM, MG_DAILY, start_days=300),
                             statement("ms-d3", p, COLECALCIFEROL, D3_DAILY, start_days=300),
                             statement("ms-soy", p, SOY, SOY_DAILY, start_days=300)],
                 vitamin_d=[observation("obs-vitd", p, VITD_NMOL, days=100, value=95, unit="nmol/L", ucum="nmol/L")]))

    p = "gd16h"
    add(Case("d16h-vitd-pmol-units-nl",
             "F 68 L95, 25(OH)D 80000 pmol/L (nl): every unit in the Dutch spelling (pmol/l, nmol/l), also in the "
             "'recorded in' note, and the number written the Dutch way (80.000).",
             f68(p), [card("bone-supplements", proposes=ALL5, detail_lacks=["pmol/L", "nmol/L"]),
                      card("vitd-status", indicator="info", detail_contains=["80.000 pmol/l", "in pmol/l vastgelegd"],
                           detail_lacks=["pmol/L", "nmol/L", "80000"])],
             conditions=[l95(p)],
             vitamin_d=[observation("obs-vitd", p, VITD_NMOL, days=12, value=80000, unit="pmol/L", ucum="pmol/L")]))

    p = "gd16g"
    add(Case("d16g-prednisolone-10mg-no-drug-check-en",
             "M 66, prednisolone 10 mg/day for 120 days (long-term, high dose), no osteoporosis drug: the "
             "drug-treatment check line and the NHG link (decision 16); days and courses in English plurals.",
             patient(p, "male", 66, family="Dekker", given="Jan"),
             [card("bone-supplements", proposes=ALL4, max_bullets=10,
                   detail_contains=["No osteoporosis drug found in the record", "0 short courses"],
                   detail_lacks=["(s)"], links_include=[PAGE_EN, NHG])],
             language="en", conditions=[condition("c-pmr", p, PMR, onset_days=130)],
             requests=[request("mr-pred", p, PREDNISOLONE, PRED_10, authored_days=120)]))

    return out


def orders(hook: str, drafts: list[Json], selected: list[str] | None = None) -> Json:
    """The order hooks' context fields: the draft orders, and on order-select the selections."""
    context: Json = {"draftOrders": draft_bundle(*drafts)}
    if hook == "order-select":
        context["selections"] = selected if selected is not None else [f"{d['resourceType']}/{d['id']}" for d in drafts]
    return context


def order_cases() -> list[Case]:  # noqa: PLR0915 - one entry per golden order
    out: list[Case] = []
    add = out.append
    sign, select = "order-sign", "order-select"

    p = "go01"
    drafts = [draft_request("draft-k2", p, MK7, K2_DAILY)]
    add(Case("o01-sign-k2-with-acenocoumarol-on-file",
             "order-sign: F 68 L95 + AF on acenocoumarol; draft vitamin K2 (MK-7): critical, with a suggestion "
             "that deletes the draft K2 order.",
             f68(p), [card("safety-k2-vka", indicator="critical", deletes=["MedicationRequest/draft-k2"], proposes=[],
                           detail_contains=["Acenocoumarol", "MenaQ7"])],
             hook=sign, context=orders(sign, drafts),
             conditions=[l95(p), condition("c-af", p, AF, onset_days=1500)],
             requests=[request("mr-aceno", p, ACENOCOUMAROL, ACENO, authored_days=200)]))

    p = "go02"
    drafts = [draft_request("draft-aceno", p, ACENOCOUMAROL, ACENO), draft_request("draft-k2", p, MK7, K2_DAILY)]
    add(Case("o02-sign-k2-and-acenocoumarol-both-drafts",
             "order-sign: M 70, new AF; the draft set holds both acenocoumarol and vitamin K2: critical, delete the K2 draft.",
             patient(p, "male", 70, family="Kuipers", given="Wim"),
             [card("safety-k2-vka", indicator="critical", deletes=["MedicationRequest/draft-k2"], proposes=[])],
             hook=sign, context=orders(sign, drafts),
             conditions=[condition("c-af", p, AF, onset_days=3)]))

    p = "go03"
    drafts = [draft_request("draft-aceno", p, ACENOCOUMAROL, ACENO)]
    add(Case("o03-select-acenocoumarol-while-taking-k2",
             "order-select: F 68 takes MK-7 (statement); acenocoumarol draft selected: the reverse direction is "
             "critical too; the VKA draft is not deleted.",
             f68(p), [card("safety-k2-vka", indicator="critical", deletes=[])],
             hook=select, context=orders(select, drafts), language="en",
             conditions=[condition("c-af", p, AF, onset_days=2)],
             statements=[statement("ms-k2", p, MK7, K2_DAILY, start_days=100)]))

    p = "go04"
    drafts = [draft_request("draft-d3", p, COLECALCIFEROL, D3_DAILY), draft_request("draft-k2", p, MK7, K2_DAILY)]
    add(Case("o04-select-only-selected-orders",
             "order-select: F 68 L95 on acenocoumarol, drafts vitamin D3 (selected) and K2 (not selected): advice on "
             "the vitamin D only (its 25(OH)D check); the K2 conflict waits for its selection or order-sign.",
             f68(p), [card("vitd-recheck", lab_order=True)],
             hook=select, context=orders(select, drafts, ["MedicationRequest/draft-d3"]),
             conditions=[l95(p), condition("c-af", p, AF, onset_days=1500)],
             requests=[request("mr-aceno", p, ACENOCOUMAROL, ACENO, authored_days=200)]))

    p = "go05"
    drafts = [draft_request("draft-pred", p, PREDNISOLONE, PRED_10, days=90)]
    add(Case("o05-sign-prednisolone-3-months-no-protection",
             "order-sign: M 60, polymyalgia; draft prednisolone 10 mg/day for 3 months, no bone protection: "
             "the combined supplement recommendation with proposals (no soy for men).",
             patient(p, "male", 60, family="de Wit", given="Gerrit"),
             [card("gc-bone-protection", proposes=ALL4, detail_contains=["Prednisolon"])],
             hook=sign, context=orders(sign, drafts),
             conditions=[condition("c-pmr", p, PMR, onset_days=5)]))

    p = "go06"
    drafts = [draft_request("draft-pred", p, PREDNISOLONE, PRED_10)]
    add(Case("o06-sign-prednisolone-ongoing-on-bisphosphonate",
             "order-sign: M 60 on alendronic acid/colecalciferol; draft prednisolone with no end date: "
             "bone protection present, no gc card.",
             patient(p, "male", 60, family="de Wit", given="Gerrit"), [],
             hook=sign, context=orders(sign, drafts),
             conditions=[condition("c-pmr", p, PMR, onset_days=5)],
             requests=[request("mr-fosa", p, ALENDRONATE_D, WEEKLY, authored_days=300)],
             vitamin_d=[observation("obs-vitd", p, VITD_NMOL, days=100, value=95, unit="nmol/L", ucum="nmol/L")]))

    p = "go07"
    drafts = [draft_request("draft-pred", p, PREDNISOLONE, PRED_30, days=7)]
    add(Case("o07-sign-first-short-course",
             "order-sign: M 45, asthma; a first 7-day prednisolone course: not long-term, no card.",
             patient(p, "male", 45, family="Visser", given="Peter"), [],
             hook=sign, context=orders(sign, drafts),
             conditions=[condition("c-asthma", p, ASTHMA, onset_days=4000)]))

    p = "go08"
    drafts = [draft_request("draft-pred", p, PREDNISOLONE, PRED_10, days=120)]
    add(Case("o08-select-prednisolone-with-calcium-and-d",
             "order-select: F 66 takes Calci Chew D3 (calcium and vitamin D); draft prednisolone 4 months: "
             "protected, no gc card.",
             patient(p, "female", 66, family="Kramer", given="Nel"), [],
             hook=select, context=orders(select, drafts),
             conditions=[condition("c-pmr", p, PMR, onset_days=5)],
             statements=[statement("ms-cad", p, CALCI_CHEW_D3, ONE_A_DAY, start_days=400)],
             vitamin_d=[observation("obs-vitd", p, VITD_NMOL, days=100, value=95, unit="nmol/L", ucum="nmol/L")]))

    p = "go09"
    drafts = [draft_request("draft-d3", p, COLECALCIFEROL, D3_DAILY)]
    add(Case("o09-sign-vitamin-d-proposes-check",
             "order-sign: F 68 L95, draft colecalciferol 20 µg/day: propose the 25(OH)D check 8 weeks after the start.",
             f68(p), [card("vitd-recheck", lab_order=True)],
             hook=sign, context=orders(sign, drafts), conditions=[l95(p)]))

    p = "go10"
    drafts = [draft_request("draft-d3", p, COLECALCIFEROL, D3_DAILY), draft_lab("draft-lab", p, VITD_NGML, in_days=56)]
    add(Case("o10-sign-vitamin-d-with-check-already-planned",
             "order-sign: draft colecalciferol plus a draft 25(OH)D order planned 8 weeks ahead: no reminder, "
             "and the planned check is not early.",
             f68(p), [],
             hook=sign, context=orders(sign, drafts), conditions=[l95(p)]))

    p = "go11"
    drafts = [draft_lab("draft-lab", p, VITD_NGML, in_days=0)]
    add(Case("o11-select-25ohd-30-days-after-start",
             "order-select: vitamin D3 started 30 days ago; a 25(OH)D order for today is early: information card.",
             f68(p), [card("vitd-recheck-early", indicator="info", lab_order=False, detail_contains=["2026-06-27"])],
             hook=select, context=orders(select, drafts), language="en", conditions=[l95(p)],
             statements=[statement("ms-d3", p, COLECALCIFEROL, D3_DAILY, start_days=30)]))

    p = "go12"
    drafts = [draft_lab("draft-lab", p, VITD_NGML, in_days=0)]
    add(Case("o12-select-baseline-25ohd",
             "order-select: no vitamin D on file; a baseline 25(OH)D order: no card.",
             f68(p), [],
             hook=select, context=orders(select, drafts), conditions=[l95(p)]))

    p = "go13"
    drafts = [draft_request("draft-mg", p, MAGNESIUM, MG_DAILY)]
    add(Case("o13-sign-magnesium-egfr-25",
             "order-sign: F 68, eGFR 25; draft magnesium: kidney warning.",
             f68(p), [card("safety-magnesium-kidney", indicator="warning")],
             hook=sign, context=orders(sign, drafts), conditions=[l95(p)],
             kidney=[observation("obs-egfr", p, EGFR, days=30, value=25, unit="mL/min/1.73m2", ucum="mL/min/{1.73_m2}")]))

    p = "go14"
    drafts = [draft_request("draft-ca", p, CALCIUM_CARBONATE, dosage("2 kauwtabletten per dag (1000 mg calcium)", 1000, "mg"))]
    add(Case("o14-sign-calcium-with-levothyroxine",
             "order-sign: F 64 on levothyroxine; draft calcium 1000 mg/day: spacing warning.",
             patient(p, "female", 64, family="Huisman", given="Marja"),
             [card("safety-mineral-spacing", indicator="warning")],
             hook=sign, context=orders(sign, drafts),
             conditions=[l95(p), condition("c-hypo", p, HYPOTHYROID, onset_days=5000)],
             requests=[request("mr-levo", p, LEVOTHYROXINE, LEVO_DAILY, authored_days=1000)]))

    p = "go15"
    drafts = [draft_request("draft-levo", p, LEVOTHYROXINE, LEVO_DAILY)]
    add(Case("o15-sign-levothyroxine-while-taking-calcium",
             "order-sign: F 64 takes calcium carbonate; draft levothyroxine (reverse direction): spacing warning.",
             patient(p, "female", 64, family="Huisman", given="Marja"),
             [card("safety-mineral-spacing", indicator="warning")],
             hook=sign, context=orders(sign, drafts),
             conditions=[condition("c-hypo", p, HYPOTHYROID, onset_days=3)],
             statements=[statement("ms-ca", p, CALCIUM_CARBONATE, CA_DAILY, start_days=200)]))

    p = "go16"
    drafts = [draft_request("draft-soy", p, SOY, dosage("3 tabletten per dag (120 mg)", 120, "mg"))]
    add(Case("o16-sign-soy-for-a-man",
             "order-sign: M 66 L95; draft soy isoflavones 120 mg: probably less effective in men (information).",
             patient(p, "male", 66, family="Vermeulen", given="Piet"),
             [card("bone-supplements", indicator="info", proposes=[])],
             hook=sign, context=orders(sign, drafts), conditions=[l95(p)]))

    p = "go17"
    drafts = [draft_request("draft-soy", p, SOY, dosage("3 tabletten per dag (120 mg)", 120, "mg"))]
    add(Case("o17-sign-soy-with-tamoxifen",
             "order-sign: F 58 on tamoxifen; draft soy isoflavones: warning.",
             patient(p, "female", 58, family="de Boer", given="Ingrid"),
             [card("safety-soy-endocrine", indicator="warning")],
             hook=sign, context=orders(sign, drafts), conditions=[l95(p)],
             requests=[request("mr-tam", p, TAMOXIFEN, TAMOX_DAILY, authored_days=850)]))

    p = "go18"
    drafts = [draft_request("draft-tam", p, TAMOXIFEN, TAMOX_DAILY)]
    add(Case("o18-select-tamoxifen-while-taking-soy",
             "order-select: F 58 takes soy isoflavones; draft tamoxifen (reverse direction): warning.",
             patient(p, "female", 58, family="de Boer", given="Ingrid"),
             [card("safety-soy-endocrine", indicator="warning")],
             hook=select, context=orders(select, drafts), language="en",
             conditions=[condition("c-bc", p, BREAST_CANCER, onset_days=20)],
             statements=[statement("ms-soy", p, SOY, SOY_DAILY, start_days=100)]))

    p = "go19"
    drafts = [draft_request("draft-d3", p, COLECALCIFEROL, D3_DAILY)]
    add(Case("o19-sign-duplicate-vitamin-d",
             "order-sign: F 70 takes colecalciferol 20 µg/day; draft colecalciferol 20 µg: duplicate, and the total "
             "40 µg/day is above the guideline's 20-25 µg (information).",
             patient(p, "female", 70, family="Jacobs", given="Riet"),
             [card("duplicate-supplement", indicator="info"),
              card("dose-guideline-range", indicator="info", detail_contains=["40"]),
              card("vitd-recheck", optional=True, lab_order=True)],
             hook=sign, context=orders(sign, drafts), conditions=[l95(p)],
             statements=[statement("ms-d3", p, COLECALCIFEROL, D3_DAILY, start_days=400)],
             vitamin_d=[observation("obs-vitd", p, VITD_NMOL, days=90, value=95, unit="nmol/L", ucum="nmol/L")]))

    p = "go20"
    drafts = [draft_request("draft-d3w", p, cc((ATC, "A11CC05", "colecalciferol"), text="Colecalciferol 50.000 IE capsule"),
                            dosage("1 capsule per week (50.000 IE)", 50000, "[iU]", period=1, period_unit="wk"))]
    add(Case("o20-sign-weekly-vitamin-d-above-upper-limit",
             "order-sign: F 68 L95; draft colecalciferol 50,000 IU weekly = 178.6 µg/day on average: above the "
             "upper limit of 100 µg (warning); and the 25(OH)D check.",
             f68(p), [card("dose-upper-limit", indicator="warning", detail_contains=[["178.6", "178,6", "179"]]),
                      card("vitd-recheck", lab_order=True)],
             hook=sign, context=orders(sign, drafts), conditions=[l95(p)]))

    p = "go21"
    drafts = [draft_request("draft-mg", p, MAGNESIUM, dosage("1 tablet per dag (300 mg magnesium)", 300, "mg"))]
    add(Case("o21-sign-magnesium-above-upper-limit",
             "order-sign: F 68 L95; draft magnesium 300 mg/day (elemental): above the 250 mg upper limit (warning).",
             f68(p), [card("dose-upper-limit", indicator="warning", detail_contains=["300", "250"])],
             hook=sign, context=orders(sign, drafts), conditions=[l95(p)]))

    p = "go22"
    drafts = [draft_request("draft-k2", p, cc(text="Menatetrenon (vitamine K2, MK-4) 15 mg capsule"),
                            dosage("3 maal per dag 15 mg", 15, "mg", frequency=3))]
    add(Case("o22-sign-k2-no-dose-check",
             "order-sign: F 68 L95, no VKA; draft menatetrenone 45 mg/day: no dose check for K2 (decision 4), no card.",
             f68(p), [], hook=sign, context=orders(sign, drafts), conditions=[l95(p)]))

    # --- the same rules in the other hook -------------------------------------------------
    p = "go23"
    drafts = [draft_request("draft-pred", p, PREDNISOLONE, PRED_10)]
    add(Case("o23-select-prednisolone-no-end-date",
             "order-select: M 60, no bone protection; draft prednisolone 10 mg/day with no end date (ongoing from "
             "day one): the supplement recommendation with proposals.",
             patient(p, "male", 60, family="de Wit", given="Gerrit"),
             [card("gc-bone-protection", proposes=ALL4, detail_contains=["Prednisolon"])],
             hook=select, context=orders(select, drafts), language="en",
             conditions=[condition("c-pmr", p, PMR, onset_days=5)]))

    p = "go24"
    drafts = [draft_lab("draft-lab", p, VITD_NGML, in_days=7)]
    add(Case("o24-sign-25ohd-5-weeks-after-start",
             "order-sign: vitamin D3 started 28 days ago; a 25(OH)D order planned in a week (5 weeks after the "
             "start): information card, meaningful from 8 weeks after the start.",
             f68(p), [card("vitd-recheck-early", indicator="info", lab_order=False)],
             hook=sign, context=orders(sign, drafts), conditions=[l95(p)],
             statements=[statement("ms-d3", p, COLECALCIFEROL, D3_DAILY, start_days=28)]))

    p = "go25"
    drafts = [draft_request("draft-mg", p, MAGNESIUM, MG_DAILY)]
    add(Case("o25-select-magnesium-egfr-22",
             "order-select: M 75 with CKD 4, eGFR 22; draft magnesium selected: kidney warning.",
             patient(p, "male", 75, family="Brouwer", given="Arie"),
             [card("safety-magnesium-kidney", indicator="warning")],
             hook=select, context=orders(select, drafts), language="en",
             conditions=[condition("c-ckd", p, CKD4, onset_days=900)],
             kidney=[observation("obs-egfr", p, EGFR, days=30, value=22, unit="mL/min/1.73m2", ucum="mL/min/{1.73_m2}")]))

    p = "go26"
    drafts = [draft_request("draft-cipro", p, CIPROFLOXACIN,
                            dosage("2 maal per dag 500 mg, 7 dagen", 500, "mg", frequency=2), days=7)]
    add(Case("o26-select-ciprofloxacin-while-taking-calcium",
             "order-select: F 64 takes calcium carbonate; draft ciprofloxacin (reverse direction): spacing warning.",
             patient(p, "female", 64, family="Huisman", given="Marja"),
             [card("safety-mineral-spacing", indicator="warning")],
             hook=select, context=orders(select, drafts), conditions=[l95(p)],
             statements=[statement("ms-ca", p, CALCIUM_CARBONATE, CA_DAILY, start_days=200)]))

    p = "go27"
    drafts = [draft_request("draft-soy", p, SOY, dosage("3 tabletten per dag (120 mg)", 120, "mg"))]
    add(Case("o27-select-soy-for-a-man",
             "order-select: M 66 L95; draft soy isoflavones 120 mg selected: probably less effective in men.",
             patient(p, "male", 66, family="Vermeulen", given="Piet"),
             [card("bone-supplements", indicator="info", proposes=[])],
             hook=select, context=orders(select, drafts), language="en", conditions=[l95(p)]))

    p = "go28"
    drafts = [draft_request("draft-mg", p, MAGNESIUM, MG_DAILY)]
    add(Case("o28-select-duplicate-magnesium-above-limit",
             "order-select: F 68 takes magnesium 200 mg; draft magnesium 200 mg: duplicate, and 400 mg/day is above "
             "the 250 mg upper limit (warning).",
             f68(p), [card("duplicate-supplement", indicator="info"),
                      card("dose-upper-limit", indicator="warning", detail_contains=["400", "250"])],
             hook=select, context=orders(select, drafts), conditions=[l95(p)],
             statements=[statement("ms-mg", p, MAGNESIUM, MG_DAILY, start_days=300)]))

    p = "go29"
    drafts = [draft_request("draft-ca", p, CALCIUM_CARBONATE, CA_DAILY)]
    add(Case("o29-select-calcium-below-guideline",
             "order-select: F 68 L95; draft calcium 500 mg/day: below the guideline's 1000 mg (information).",
             f68(p), [card("dose-guideline-range", indicator="info", detail_contains=["500", "1.000"])],
             hook=select, context=orders(select, drafts), conditions=[l95(p)]))

    p = "go30"
    drafts = [draft_request("draft-ca", p, CALCIUM_CARBONATE,
                            dosage("2 kauwtabletten per dag (1000 mg calcium)", 1000, "mg")),
              draft_request("draft-levo", p, LEVOTHYROXINE, LEVO_DAILY)]
    add(Case("o30-select-both-halves-calcium-and-levothyroxine",
             "order-select: F 64; drafts calcium 1000 mg (selected) and levothyroxine (not selected): the selected "
             "calcium takes part in the interaction, spacing warning.",
             patient(p, "female", 64, family="Huisman", given="Marja"),
             [card("safety-mineral-spacing", indicator="warning")],
             hook=select, context=orders(select, drafts, ["MedicationRequest/draft-ca"]),
             conditions=[l95(p), condition("c-hypo", p, HYPOTHYROID, onset_days=3)]))

    p = "go31"
    drafts = [draft_request("draft-d3", p, COLECALCIFEROL, D3_DAILY)]
    add(Case("o31-sign-vitamin-d-with-high-calcium",
             "order-sign: F 68 L95, serum Ca 2.80 mmol/L; draft colecalciferol: hypercalcaemia warning.",
             f68(p), [card("safety-hypercalcaemia", indicator="warning", detail_contains=[["2.8", "2,8"]]),
                      card("vitd-recheck", optional=True, lab_order=True)],
             hook=sign, context=orders(sign, drafts), conditions=[l95(p)],
             calcium=[observation("obs-ca", p, CALCIUM_MMOL, days=10, value=2.80, unit="mmol/L", ucum="mmol/L")]))

    p = "go32"
    drafts = [draft_request("draft-d3", p, COLECALCIFEROL, D3_DAILY)]
    add(Case("o32-select-vitamin-d-on-alfacalcidol",
             "order-select: F 70 on alfacalcidol; draft colecalciferol: active-D duplication warning.",
             patient(p, "female", 70, family="Lammers", given="Gerda"),
             [card("safety-active-vitd", indicator="warning"),
              card("vitd-recheck", optional=True, lab_order=True)],
             hook=select, context=orders(select, drafts), conditions=[l95(p)],
             requests=[request("mr-alfa", p, ALFACALCIDOL, ALFA, authored_days=600)]))

    p = "go33"
    drafts = [draft_request("draft-theo", p, THEOPHYLLINE, THEO_BID)]
    add(Case("o33-sign-theophylline-while-taking-ipriflavone",
             "order-sign: F 66 takes ipriflavone; draft theophylline (reverse direction): warning.",
             patient(p, "female", 66, family="Meijer", given="Truus"),
             [card("safety-ipriflavone", indicator="warning")],
             hook=sign, context=orders(sign, drafts),
             conditions=[condition("c-copd", p, COPD, onset_days=2500)],
             statements=[statement("ms-ipri", p, IPRIFLAVONE, IPRI_TID, start_days=150)]))

    # --- decision 9 on the order hooks: what could not be checked ---------------------------------
    p = "go34"
    drafts = [draft_request("draft-mg", p, MAGNESIUM, MG_DAILY)]
    add(Case("o34-sign-magnesium-egfr-unobtainable",
             "order-sign: F 68 L95; draft magnesium while the kidney labs could not be obtained: an information card "
             "saying the eGFR check was not done (no deletion, no change to the order).",
             f68(p), [card("safety-unchecked", indicator="info", proposes=[], deletes=[],
                           detail_contains=["eGFR", "Magnesiumcitraat", "Niet gecontroleerd"])],
             hook=sign, context=orders(sign, drafts), conditions=[l95(p)], omit=("kidney",)))

    p = "go35"
    drafts = [draft_request("draft-ca", p, CALCIUM_CARBONATE, dosage("2 kauwtabletten per dag (1000 mg calcium)", 1000, "mg"))]
    add(Case("o35-select-calcium-with-implausible-calcium",
             "order-select: F 70 L95; draft calcium 1000 mg while the latest serum Ca is 10.2 'mmol/L' (implausible): "
             "no hypercalcaemia card, an information card that the calcium check could not be done.",
             patient(p, "female", 70, family="Mulder", given="Els"),
             [card("safety-unchecked", indicator="info", detail_contains=["serum calcium", "cannot be interpreted"])],
             language="en", hook=select, context=orders(select, drafts), conditions=[l95(p)],
             calcium=[observation("obs-ca", p, CALCIUM_MMOL, days=5, value=10.2, unit="mmol/L", ucum="mmol/L")]))

    p = "go36"
    drafts = [draft_request("draft-mg", p, MAGNESIUM, MG_DAILY), draft_lab("draft-lab", p, VITD_NGML, in_days=0)]
    add(Case("o36-select-magnesium-egfr-unobtainable-not-selected",
             "order-select: the same draft magnesium with the kidney labs unobtainable, but only a baseline 25(OH)D "
             "order is selected: order-select advises on the selected orders only, so no card.",
             f68(p), [],
             hook=select, context=orders(select, drafts, selected=["ServiceRequest/draft-lab"]), conditions=[l95(p)],
             omit=("kidney",)))


    # --- decision 16 on the order hooks: no record text in a summary, plurals by language -------
    long_text = cc((ATC, "H02AB06", "prednisolone"),
                   text="Prednisolon 5 mg tablet, 2 tabletten eenmaal daags 's ochtends bij het ontbijt innemen, "
                        "volgens afbouwschema reumatoloog, niet abrupt stoppen, maagbescherming erbij")
    for slug, language, day in (
        ("o41-sign-prednisolone-long-order-text-en", "en", "1 day in the last 365 days"),
        ("o42-sign-prednisolone-long-order-text-nl", "nl", "1 dag in de laatste 365 dagen"),
    ):
        p = "g" + slug[:3]
        drafts = [draft_request("draft-pred", p, long_text, PRED_10, days=90)]
        add(Case(slug,
                 "order-sign: M 60, draft prednisolone 10 mg/day for 3 months with a 150-character order text: the "
                 "summary leads with the action and carries no text from the record, so it is never cut off; the "
                 "order text is in the detail; '1 day' in the card's language; links to the page and the NHG guideline.",
                 patient(p, "male", 60, family="de Wit", given="Gerrit"),
                 [card("gc-bone-protection", proposes=ALL4, detail_contains=[day, "maagbescherming"],
                       summary_lacks=["Prednisolon", "…"], detail_lacks=["1 days", "1 dagen"],
                       links_include=[PAGE_EN if language == "en" else PAGE_NL, NHG])],
                 language=language, hook=sign, context=orders(sign, drafts),
                 conditions=[condition("c-pmr", p, PMR, onset_days=5)]))

    return out


def write_all() -> list[Path]:
    from tests.golden.lab_alert_cases import issue9_cases  # it builds on this module's concepts

    OUT.mkdir(exist_ok=True)
    written = []
    for case in cases() + order_cases() + issue9_cases():
        path = OUT / f"{case.slug}.json"
        path.write_text(json.dumps(case.fixture(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_all():
        print(path.name)
