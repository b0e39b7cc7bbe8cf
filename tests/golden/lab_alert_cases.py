"""Golden patients for issue 9, points 1-3: lab values that change the advice are alerts (decision
13), missing data withholds the whole proposal (decision 14), and 25(OH)D history with the order
hooks (decision 15). Written by ``build_fixtures.write_all`` with the other cases; each case failed
before the change it covers.
"""

from __future__ import annotations

from tests.golden.build_fixtures import (
    AF,
    ALL4,
    ALL5,
    CA_DAILY,
    CALCIUM_CARBONATE,
    CALCIUM_MMOL,
    CKD4,
    COLECALCIFEROL,
    COLECALCIFEROL_NL,
    D3_1000,
    D3_DAILY,
    DIGOXIN,
    HCTZ,
    HCTZ_DAILY,
    HIP_FRACTURE,
    HYPERTENSION,
    ONE_A_DAY,
    EGFR,
    OSTEOPOROSIS,
    VITD_NGML,
    VITD_NMOL,
    Case,
    card,
    d3_60,
    f68,
    l95,
    orders,
)
from tests.golden.fhir_builders import (
    ICD10,
    LOINC,
    SNOMED,
    cc,
    condition,
    dosage,
    draft_request,
    observation,
    patient,
    request,
    statement,
)

CALCIUM_BLOOD = cc((LOINC, "49765-1", "Calcium"))  # as Synthea writes it: coding only, no text
ALBUMIN = cc((LOINC, "1751-7", "Albumin [Mass/volume] in Serum or Plasma"), text="Albumine")
CKD3 = cc((SNOMED, "433144002", "Chronic kidney disease stage 3"), (ICD10, "N18.3", "Chronic kidney disease, stage 3"),
          text="Chronische nierschade stadium 3")
MMOL = {"unit": "mmol/L", "ucum": "mmol/L"}
EGFR_UNIT = {"unit": "mL/min/1.73m2", "ucum": "mL/min/{1.73_m2}"}


def alert_cases() -> list[Case]:
    """Decision 13: a lab value that changes the advice is an alert of its own."""
    out: list[Case] = []
    add = out.append

    p = "gp49"
    add(Case("49-f80-blood-calcium-49765-1-11-4-mgdl",
             "F 80 osteoporosis, serum calcium as Synthea codes it (49765-1) 11.4 mg/dL = 2.84 mmol/L, no supplements: "
             "a hypercalcaemia warning of its own that leads with the value; no calcium or vitamin D proposed "
             "(decision 13; 49765-1 was not read).",
             patient(p, "female", 80, family="Jansen", given="Truus"),
             [card("safety-hypercalcaemia", indicator="warning", summary_starts="Serum calcium 2.84 mmol/L",
                   detail_contains=["11.4", "mg/dL"], proposes=[]),
              card("bone-supplements", not_proposes=["calcium", "vitamin-d"], proposes_includes=["magnesium", "vitamin-k2"])],
             language="en", conditions=[condition("c-op", p, OSTEOPOROSIS, onset_days=900)],
             calcium=[observation("obs-ca", p, CALCIUM_BLOOD, days=6, value=11.4, unit="mg/dL", ucum="mg/dL")]))

    p = "gp50"
    add(Case("50-f62-calcium-2-75-no-indication",
             "F 62 without an indication or supplements, serum calcium 2.75 mmol/L: a hypercalcaemia warning for every "
             "adult (decision 13), advising not to start calcium or vitamin D.",
             patient(p, "female", 62, family="Peters", given="Gerda"),
             [card("safety-hypercalcaemia", indicator="warning", summary_starts="Serumcalcium 2,75",
                   detail_contains=["Start geen calcium of vitamine D"])],
             calcium=[observation("obs-ca", p, CALCIUM_MMOL, days=4, value=2.75, **MMOL)]))

    p = "gp50b"
    add(Case("50b-m75-corrected-calcium-critical",
             "M 75 without an indication, total calcium 2.85 mmol/L with albumin 25 g/L drawn the same day: corrected "
             "3.15 mmol/L, critical (decision 13); an albumin from two days later does not correct it.",
             patient(p, "male", 75, family="Dekker", given="Kees"),
             [card("safety-hypercalcaemia", indicator="critical", summary_starts="Serum calcium 3.15 mmol/L",
                   detail_contains=["2.85", "albumin"])],
             language="en",
             calcium=[observation("obs-ca", p, CALCIUM_MMOL, days=3, value=2.85, **MMOL),
                      observation("obs-alb", p, ALBUMIN, days=3, value=25, unit="g/L", ucum="g/L"),
                      observation("obs-alb-later", p, ALBUMIN, days=1, value=40, unit="g/L", ucum="g/L")]))

    p = "gp51"
    add(Case("51-f80-egfr-22-magnesium-would-be-proposed",
             "F 80 osteoporosis, no supplements, eGFR 22: magnesium is not proposed and a kidney warning of its own "
             "leads with the eGFR (decision 13: also when magnesium would be proposed, not only when taken).",
             patient(p, "female", 80, family="Jansen", given="Truus"),
             [card("safety-magnesium-kidney", indicator="warning", summary_starts="eGFR 22: no magnesium", proposes=[]),
              card("bone-supplements", not_proposes=["magnesium"], proposes_includes=["calcium", "vitamin-d", "vitamin-k2"])],
             language="en", conditions=[condition("c-op", p, OSTEOPOROSIS, onset_days=900)],
             kidney=[observation("obs-egfr", p, EGFR, days=20, value=22, **EGFR_UNIT)]))

    p = "gp51b"
    add(Case("51b-f75-ckd4-coded-no-magnesium",
             "F 75 L95 with CKD stage 4 coded, no eGFR result, no supplements: magnesium not proposed and a kidney "
             "warning of its own (decision 13).",
             patient(p, "female", 75, family="de Boer", given="Rie"),
             [card("safety-magnesium-kidney", indicator="warning", summary_starts="Ernstige chronische nierschade"),
              card("bone-supplements", not_proposes=["magnesium"])],
             conditions=[l95(p), condition("c-ckd", p, CKD4, onset_days=500)]))

    p = "gp52"
    add(Case("52-f80-vitd-151-ngml-no-calcium-result",
             "F 80 osteoporosis, 25(OH)D 151 ng/mL = 376.9 nmol/L (toxic), no serum calcium in the record: neither "
             "calcium nor vitamin D proposed, and the critical 25(OH)D alert proposes a serum calcium order "
             "(decision 13; calcium was proposed).",
             patient(p, "female", 80, family="Jansen", given="Truus"),
             [card("safety-vitd-excess", indicator="critical", lab_order=True, summary_starts="25(OH)D 376.9 nmol/L"),
              card("bone-supplements", not_proposes=["calcium", "vitamin-d"], proposes_includes=["magnesium"],
                   detail_contains=["toxic range"])],
             language="en", conditions=[condition("c-op", p, OSTEOPOROSIS, onset_days=900)],
             vitamin_d=[observation("obs-vitd", p, VITD_NGML, days=9, value=151, unit="ng/mL", ucum="ng/mL")]))

    p = "gp52b"
    add(Case("52b-f70-vitd-300-nmol-no-calcium-result",
             "F 70 L95, 25(OH)D 300 nmol/L (250-375: possibly too high), no serum calcium in the record: the warning "
             "proposes a serum calcium order (decision 13).",
             patient(p, "female", 70, family="Mulder", given="Els"),
             [card("safety-vitd-excess", indicator="warning", lab_order=True, detail_contains=["Geen serumcalcium"]),
              card("bone-supplements", not_proposes=["vitamin-d"])],
             conditions=[l95(p)],
             vitamin_d=[observation("obs-vitd", p, VITD_NMOL, days=9, value=300, unit="nmol/L", ucum="nmol/L")]))

    return out


def missing_data_cases() -> list[Case]:
    """Decision 14: missing data withholds the whole proposal; a lab the record lacks is ordered with it."""
    out: list[Case] = []
    add = out.append

    p = "gp53"
    add(Case("53-f70-calcium-and-kidney-searches-timed-out",
             "F 70 L95; the calcium and kidney searches did not arrive: no fragment ('vitamin K2 and soy only'), the "
             "proposal is withheld and the card says what could not be checked (decision 14).",
             patient(p, "female", 70, family="Verhoeven", given="Ans"),
             [card("bone-supplements", proposes=[], lab_order=False,
                   detail_contains=["Serumcalcium kon niet worden opgehaald", "Nierfunctie (eGFR) kon niet worden opgehaald"])],
             conditions=[l95(p)], omit=("calcium", "kidney")))

    p = "gp53b"
    add(Case("53b-m72-calcium-search-timed-out",
             "M 72 after a hip fracture; only the calcium search did not arrive: no 'magnesium and vitamin K2' "
             "fragment, the proposal is withheld (decision 14).",
             patient(p, "male", 72, family="Smit", given="Jan"),
             [card("bone-supplements", proposes=[], summary_starts="Supplement proposal on hold",
                   detail_contains=["Serum calcium could not be retrieved"])],
             language="en", conditions=[condition("c-hip", p, HIP_FRACTURE, onset_days=730)], omit=("calcium",)))

    p = "gp54"
    add(Case("54-f72-thiazide-no-calcium-result",
             "F 72 L95 on hydrochlorothiazide, no serum calcium in the record: the recommended suggestion orders a "
             "serum calcium next to the supplements (decision 14).",
             patient(p, "female", 72, family="Mulder", given="Els"),
             [card("bone-supplements", proposes=ALL5, recommended_labs=["2000-8"], detail_contains=["Geen serumcalcium"])],
             conditions=[l95(p), condition("c-htn", p, HYPERTENSION, onset_days=3000)],
             requests=[request("mr-hctz", p, HCTZ, HCTZ_DAILY, authored_days=700)]))

    p = "gp54b"
    add(Case("54b-m78-digoxin-no-calcium-result",
             "M 78 after a hip fracture, on digoxin, no serum calcium in the record: the recommended suggestion orders "
             "a serum calcium next to the supplements (decision 14).",
             patient(p, "male", 78, family="Bos", given="Wim"),
             [card("bone-supplements", proposes=ALL4, recommended_labs=["2000-8"])],
             language="en", conditions=[condition("c-hip", p, HIP_FRACTURE, onset_days=730), condition("c-af", p, AF, onset_days=900)],
             requests=[request("mr-dig", p, DIGOXIN, ONE_A_DAY, authored_days=800)]))

    p = "gp55"
    add(Case("55-f66-ckd3-no-egfr-result",
             "F 66 L95 with CKD stage 3 coded, no eGFR in the record: magnesium is proposed with an eGFR order in the "
             "recommended suggestion (decision 14).",
             patient(p, "female", 66, family="de Wit", given="Joke"),
             [card("bone-supplements", proposes=ALL5, recommended_labs=["33914-3"], detail_contains=["No eGFR"])],
             language="en", conditions=[l95(p), condition("c-ckd", p, CKD3, onset_days=700)]))

    p = "gp55b"
    add(Case("55b-f75-ckd4-no-calcium-result",
             "F 75 L95 with CKD stage 4 coded, no labs at all: magnesium withheld (with its kidney warning); calcium "
             "and vitamin D proposed with a serum calcium order in the recommended suggestion (decision 14).",
             patient(p, "female", 75, family="de Boer", given="Rie"),
             [card("bone-supplements", not_proposes=["magnesium"], proposes_includes=["calcium", "vitamin-d"],
                   recommended_labs=["2000-8"]),
              card("safety-magnesium-kidney", indicator="warning")],
             conditions=[l95(p), condition("c-ckd", p, CKD4, onset_days=500)]))

    return out


def history_cases() -> list[Case]:
    """Decision 15: a 25(OH)D before the current vitamin D is history; new vitamin D orders against a
    current 25(OH)D above the target."""
    out: list[Case] = []
    add = out.append
    sign, select = "order-sign", "order-select"
    d3_10 = dosage("1 tablet per dag (10 microgram)", 10, "ug")

    p = "gp56"
    add(Case("56-f68-vitd-30-nmol-before-start",
             "F 68 L95, colecalciferol since 60 days; her 25(OH)D 30 nmol/L is from 70 days ago, before the start: no "
             "deficiency warning (decision 15); the two-month check reminder applies (decision 7).",
             f68(p), [card("bone-supplements", proposes=["calcium", "magnesium", "soy-isoflavones", "vitamin-k2"]),
                      card("vitd-recheck", lab_order=True)],
             conditions=[l95(p)], statements=[d3_60(p)],
             vitamin_d=[observation("obs-vitd", p, VITD_NMOL, days=70, value=30, unit="nmol/L", ucum="nmol/L")]))

    p = "gp56b"
    add(Case("56b-m72-vitd-before-dose-change",
             "M 72 after a hip fracture; vitamin D3 10 µg for 240 days, raised to 25 µg 60 days ago; 25(OH)D 16 ng/mL "
             "from 90 days ago (before the dose change): no deficiency warning, the check after the change applies "
             "(decision 15).",
             patient(p, "male", 72, family="Smit", given="Jan"),
             [card("bone-supplements", proposes=["calcium", "magnesium", "vitamin-k2"]),
              card("vitd-recheck", lab_order=True)],
             language="en", conditions=[condition("c-hip", p, HIP_FRACTURE, onset_days=730)],
             statements=[statement("ms-d3-10", p, COLECALCIFEROL, d3_10, start_days=300, end_days=61, status="completed"),
                         statement("ms-d3-25", p, COLECALCIFEROL_NL, D3_1000, start_days=60)],
             vitamin_d=[observation("obs-vitd", p, VITD_NGML, days=90, value=16, unit="ng/mL", ucum="ng/mL")]))

    p = "go37"
    drafts = [draft_request("draft-d3", p, COLECALCIFEROL, D3_DAILY)]
    add(Case("o37-sign-vitamin-d-at-130-nmol",
             "order-sign: F 68 L95, 25(OH)D 130 nmol/L a month ago; a new colecalciferol order gets an information card "
             "that leads with the value (above target, no extra vitamin D needed) next to the 8-week check (decision 15).",
             f68(p), [card("safety-vitd-order-above-target", indicator="info", summary_starts="25(OH)D 130 nmol/L",
                           deletes=[]),
                      card("vitd-recheck", lab_order=True)],
             language="en", hook=sign, context=orders(sign, drafts), conditions=[l95(p)],
             vitamin_d=[observation("obs-vitd", p, VITD_NMOL, days=30, value=130, unit="nmol/L", ucum="nmol/L")]))

    p = "go38"
    drafts = [draft_request("draft-d3", p, COLECALCIFEROL_NL, D3_1000)]
    add(Case("o38-select-vitamin-d-dose-increase-at-300-nmol",
             "order-select: F 68 L95 on vitamin D3 10 µg; a 25 µg order (a dose increase) with 25(OH)D 300 nmol/L: "
             "warning with a suggestion to remove the draft (decision 15).",
             f68(p), [card("safety-vitd-order-above-target", indicator="warning", summary_starts="25(OH)D 300",
                           deletes=["MedicationRequest/draft-d3"]),
                      card("vitd-recheck", optional=True), card("duplicate-supplement", optional=True),
                      card("dose-guideline-range", optional=True), card("dose-upper-limit", optional=True)],
             hook=select, context=orders(select, drafts), conditions=[l95(p)],
             statements=[statement("ms-d3-10", p, COLECALCIFEROL, d3_10, start_days=200)],
             vitamin_d=[observation("obs-vitd", p, VITD_NMOL, days=20, value=300, unit="nmol/L", ucum="nmol/L")]))

    p = "go39"
    drafts = [draft_request("draft-d3", p, COLECALCIFEROL, D3_DAILY)]
    add(Case("o39-sign-vitamin-d-at-160-ngml-toxic",
             "order-sign: F 68 L95, 25(OH)D 160 ng/mL = 399.4 nmol/L; a new colecalciferol order is critical, with a "
             "suggestion to remove the draft (decision 15).",
             f68(p), [card("safety-vitd-order-above-target", indicator="critical", summary_starts="25(OH)D 399,4",
                           deletes=["MedicationRequest/draft-d3"]),
                      card("vitd-recheck", optional=True)],
             hook=sign, context=orders(sign, drafts), conditions=[l95(p)],
             vitamin_d=[observation("obs-vitd", p, VITD_NGML, days=20, value=160, unit="ng/mL", ucum="ng/mL")]))

    p = "go40"
    drafts = [draft_request("draft-ca", p, CALCIUM_CARBONATE, CA_DAILY)]
    add(Case("o40-sign-calcium-at-400-nmol-toxic",
             "order-sign: F 68 L95, 25(OH)D 400 nmol/L (toxic range); a new calcium order is critical too, with a "
             "suggestion to remove the draft (decision 13: above 375 neither vitamin D nor calcium).",
             f68(p), [card("safety-vitd-order-above-target", indicator="critical", summary_starts="25(OH)D 400 nmol/L",
                           deletes=["MedicationRequest/draft-ca"]),
                      card("dose-guideline-range", optional=True)],
             language="en", hook=sign, context=orders(sign, drafts), conditions=[l95(p)],
             vitamin_d=[observation("obs-vitd", p, VITD_NMOL, days=20, value=400, unit="nmol/L", ucum="nmol/L")]))

    return out


def issue9_cases() -> list[Case]:
    return alert_cases() + missing_data_cases() + history_cases()
