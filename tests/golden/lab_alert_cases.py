"""Golden patients for issue 9, points 1-3: lab values that change the advice are alerts (decision
13), missing data withholds the whole proposal (decision 14), and 25(OH)D history with the order
hooks (decision 15). Written by ``build_fixtures.write_all`` with the other cases; each case failed
before the change it covers.
"""

from __future__ import annotations

from tests.golden.build_fixtures import (
    CALCIUM_MMOL,
    CKD4,
    EGFR,
    OSTEOPOROSIS,
    VITD_NGML,
    VITD_NMOL,
    Case,
    card,
    l95,
)
from tests.golden.fhir_builders import LOINC, cc, condition, observation, patient

CALCIUM_BLOOD = cc((LOINC, "49765-1", "Calcium"))  # as Synthea writes it: coding only, no text
ALBUMIN = cc((LOINC, "1751-7", "Albumin [Mass/volume] in Serum or Plasma"), text="Albumine")
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
             "calcium nor vitamin D proposed, and the critical 25(OH)D card proposes a serum calcium order "
             "(decision 13; calcium was proposed).",
             patient(p, "female", 80, family="Jansen", given="Truus"),
             [card("vitd-status", indicator="critical", lab_order=True, summary_starts="25(OH)D 376.9 nmol/L"),
              card("bone-supplements", not_proposes=["calcium", "vitamin-d"], proposes_includes=["magnesium"],
                   detail_contains=["toxic range"])],
             language="en", conditions=[condition("c-op", p, OSTEOPOROSIS, onset_days=900)],
             vitamin_d=[observation("obs-vitd", p, VITD_NGML, days=9, value=151, unit="ng/mL", ucum="ng/mL")]))

    p = "gp52b"
    add(Case("52b-f70-vitd-300-nmol-no-calcium-result",
             "F 70 L95, 25(OH)D 300 nmol/L (250-375: possibly too high), no serum calcium in the record: the warning "
             "proposes a serum calcium order (decision 13).",
             patient(p, "female", 70, family="Mulder", given="Els"),
             [card("vitd-status", indicator="warning", lab_order=True, detail_contains=["Geen serumcalcium"]),
              card("bone-supplements", not_proposes=["vitamin-d"])],
             conditions=[l95(p)],
             vitamin_d=[observation("obs-vitd", p, VITD_NMOL, days=9, value=300, unit="nmol/L", ucum="nmol/L")]))

    return out


def issue9_cases() -> list[Case]:
    return alert_cases()
