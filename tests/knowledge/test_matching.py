"""CodeSet matching on the real value sets: codes, groups, text, and the false matches to avoid."""

from __future__ import annotations

import pytest

from cds_service.knowledge.model import ATC, ICD10, ICD10CM, ICPC1NL, LOINC, RXNORM, SNOMED, CodeSet, Knowledge


@pytest.mark.parametrize(
    ("vs_id", "system", "code"),
    [
        ("osteoporosis", SNOMED, "64859006"),
        ("osteoporosis", ICPC1NL, "L95"),
        ("osteoporosis", ICPC1NL, "L95.01"),  # NHG sub-code under the L95 group
        ("vka", ATC, "B01AA07"),
        ("vka", RXNORM, "11289"),
        ("glucocorticoid-systemic", ATC, "H02AB06"),  # H02AB group
        ("glucocorticoid-systemic", RXNORM, "312617"),
        ("vitamin-d", ATC, "A11CC05"),
        ("vitamin-d", ATC, "A11CC55"),
        ("vitamin-d", ATC, "A12AX"),  # Ca + D combination contains D
        ("vitamin-d", ATC, "M05BB03"),  # alendronate + colecalciferol contains D
        ("calcium", ATC, "A12AX"),
        ("calcium", ATC, "A12AA04"),
        ("magnesium", ATC, "A12CC10"),
        ("bone-drug", ATC, "M05BA04"),
        ("bone-drug", ATC, "M05BX04"),
        ("fragility-fracture", ICD10CM, "M80.08XA"),
        ("major-osteoporotic-site-fracture", ICD10, "S72.00"),
        ("major-osteoporotic-site-fracture", ICD10, "S7200"),  # undotted ICD
        ("osteoporosis", ICD10, "M810"),  # undotted exact code
        ("lab-25ohd", LOINC, "14635-7"),
        ("lab-egfr", LOINC, "98979-8"),
    ],
)
def test_matches_by_code(knowledge: Knowledge, vs_id: str, system: str, code: str) -> None:
    assert knowledge.vs(vs_id).matches_coding(system, code)


@pytest.mark.parametrize(
    ("vs_id", "system", "code"),
    [
        ("glucocorticoid-systemic", ATC, "A07EA06"),  # oral budesonide is not a trigger
        ("glucocorticoid-systemic", ATC, "R03BA02"),  # inhaled budesonide
        ("vitamin-d", ATC, "A11CC03"),  # alfacalcidol is active D, not plain D
        ("vitamin-k2", ATC, "B02BA01"),  # phytomenadione is K1
        ("vka", ATC, "B01AF01"),  # DOAC
        ("lab-25ohd", LOINC, "1649-3"),  # 1,25-dihydroxyvitamin D
        ("osteoporosis", SNOMED, "L95"),  # right code, wrong system
        ("osteoporosis", None, "64859006"),
    ],
)
def test_does_not_match_by_code(knowledge: Knowledge, vs_id: str, system: str | None, code: str) -> None:
    assert not knowledge.vs(vs_id).matches_coding(system, code)


@pytest.mark.parametrize(
    ("vs_id", "text"),
    [
        ("vka", "Sintrom mitis 1 mg tablet"),
        ("vka", "Marcoumar 3mg"),
        ("vka", "Acenocoumarol 1 mg (trombosedienst)"),
        ("levothyroxine", "Euthyrox 100 microgram"),
        ("levothyroxine", "Thyrax Duotab 0,1 mg"),
        ("levothyroxine", "Levothyroxinenatrium 50 µg"),
        ("vitamin-d", "Vitamine D3 druppels"),
        ("vitamin-d", "D-Cura ampul 100.000 IE"),
        ("vitamin-d", "Devaron 800 IE"),
        ("vitamin-d", "Calci Chew D3 500 mg/800 IE"),
        ("vitamin-d", "Cad 500 mg/440 IE kauwtablet"),
        ("vitamin-d", "Alendroninezuur/colecalciferol 70mg/5600IE"),
        ("vitamin-d", "Cholecalciferol 25 mcg"),
        ("calcium", "Calci-Chew D3 500mg/400IE"),
        ("calcium", "Calciumcarbonaat 1,25 g (500 mg Ca)"),
        ("calcium", "CALCIUM 500"),
        ("magnesium", "Magnesiumoxide 500 mg"),
        ("magnesium", "Magnesiumcitraat"),
        ("vitamin-k2", "MenaQ7 180 mcg"),
        ("vitamin-k2", "Vitamine K2 (MK-7) 45 µg"),
        ("vitamin-k2", "Vitamin K2 menaquinone-7"),
        ("vitamin-k1", "Konakion 10 mg/ml"),
        ("vitamin-k1", "Fytomenadion druppels"),
        ("soy-isoflavones", "Soja-isoflavonen 60 mg"),
        ("soy-isoflavones", "Genisteïne"),
        ("ipriflavone", "Iproflavon 200 mg"),
        ("bone-drug", "Fosamax 70 mg wekelijks"),
        ("bone-drug", "Prolia 60 mg injectie"),
        ("glucocorticoid-systemic", "Prednisolon 5 mg tablet"),
        ("glucocorticoid-systemic", "Medrol 4 mg"),
        ("fluoroquinolone", "Ciprofloxacine 500 mg"),
        ("integrase-inhibitor", "Dolutegravir 50 mg"),
        ("oral-iron", "Ferrofumaraat 200 mg"),
        ("thiazide", "Hydrochloorthiazide 12,5 mg"),
        ("thiazide", "Losartan/HCT 50/12,5"),
        ("active-vitamin-d", "Alfacalcidol 0,25 microgram"),
        ("lab-25ohd", "25-OH Vitamine D"),
        ("lab-calcium", "Calcium (serum)"),
        ("lab-calcium-corrected", "Calcium (albumine gecorrigeerd)"),
        ("major-osteoporotic-site-fracture", "Wervelfractuur Th12"),
    ],
)
def test_matches_by_text(knowledge: Knowledge, vs_id: str, text: str) -> None:
    assert knowledge.vs(vs_id).matches_text(text)


@pytest.mark.parametrize(
    ("vs_id", "text"),
    [
        ("vitamin-k2", "Konakion (fytomenadion) 10 mg"),  # K1 is not K2
        ("vitamin-k2", "Vitamine K 10 mg"),
        ("vitamin-k1", "Vitamine K2 MK-7"),
        ("vitamin-k1", "MenaQ7 vitamine K"),
        ("vitamin-d", "Decadron 0,5 mg"),  # 'cad' is a whole word only
        ("calcium", "Decadron"),
        ("vitamin-d", "Alfacalcidol 0,5 microgram"),
        ("vitamin-d", "Calcitriol 0,25 microgram"),
        ("calcium", "Carbasalaatcalcium 100 mg"),  # Ascal: aspirin, not calcium
        ("calcium", "Calciumfolinaat 15 mg"),  # leucovorin
        ("calcium", "Calcitriol"),
        ("calcium", "Calcifediol"),
        ("magnesium", "Esomeprazol magnesium 40 mg"),
        ("glucocorticoid-systemic", "Hydrocortisoncreme 1%"),
        ("glucocorticoid-systemic", "Triamcinolon zalf"),
        ("glucocorticoid-systemic", "Budesonide 9 mg capsule"),
        ("glucocorticoid-systemic", "Dexamethason oogdruppels"),
        ("lab-25ohd", "1,25-dihydroxy vitamine D"),
        ("lab-calcium", "Calcium (albumine gecorrigeerd)"),
        ("lab-calcium", "Calcium geïoniseerd"),
        ("soy-isoflavones", "Ipriflavon"),
        ("oral-iron", "Ferinject infuus"),
        ("vka", "Apixaban 5 mg"),
    ],
)
def test_does_not_match_by_text(knowledge: Knowledge, vs_id: str, text: str) -> None:
    assert not knowledge.vs(vs_id).matches_text(text)


def test_text_matching_handles_empty_and_missing(knowledge: Knowledge) -> None:
    assert not knowledge.vs("vka").matches_text(None)
    assert not knowledge.vs("vka").matches_text("")
    assert not knowledge.vs("osteoporosis").matches_text("osteoporose")  # conditions: code only


def test_hand_built_code_set_keeps_plain_substring_terms() -> None:
    """Terms without boundary spaces (e.g. built in other layers' tests) still match as substrings."""
    cs = CodeSet(id="x", terms=("warfarin",))
    assert cs.matches_text("Warfarine-natrium 5 mg")
    assert CodeSet(id="y", terms=(" cad ",), exclude_terms=("kauw",)).matches_text("CAD 500") is True
    assert CodeSet(id="y", terms=(" cad ",), exclude_terms=("kauw",)).matches_text("Cad kauwtablet") is False


def test_icd_system_is_respected(knowledge: Knowledge) -> None:
    assert knowledge.vs("osteoporosis").matches_coding(ICD10CM, "M81.0")
    assert not knowledge.vs("osteoporosis").matches_coding(ICD10CM, "M80.0")
    assert knowledge.vs("fragility-fracture").matches_coding(ICD10, "M80.0")


def test_vsac_expansions_are_included(knowledge: Knowledge) -> None:
    assert knowledge.vs("osteoporosis").matches_coding(SNOMED, "276661002")  # Primary osteoporosis (VSAC 1038)
    assert knowledge.vs("osteopenia").matches_coding(SNOMED, "37605006")  # Senile osteopenia (VSAC 1049)
    assert knowledge.vs("fragility-fracture").matches_coding(SNOMED, "203448006")  # VSAC 1050
    assert knowledge.vs("fragility-fracture").matches_coding(SNOMED, "704333004")  # fracture concept of 1038
    assert not knowledge.vs("fragility-fracture").matches_coding(SNOMED, "64859006")  # osteoporosis, no fracture


def test_every_fragility_and_site_fracture_is_a_fracture(knowledge: Knowledge) -> None:
    fracture = knowledge.vs("fracture")
    for vs_id in ("fragility-fracture", "major-osteoporotic-site-fracture"):
        for system, code in knowledge.vs(vs_id).codes:
            if not code.startswith("Z"):
                assert fracture.matches_coding(system, code), (vs_id, code)
    assert not fracture.matches_coding(ICD10CM, "Z87.310")  # history, not a (recent) fracture
