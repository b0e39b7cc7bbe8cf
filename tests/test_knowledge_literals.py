"""Knowledge is data: no clinical code or threshold literal in the clinical layers' Python.

Scope: every module of ``cds_service/{facts,rules,cards,knowledge,fhir}`` and ``cds_service/pipeline.py``
(the layers that read, decide and present clinical content), except the transport modules in
:data:`NOT_CLINICAL` (HTTP timeouts, retries, page sizes). The API, auth, storage, metrics and
configuration layers are not scanned: their numbers (timeouts, metric buckets, defaults) are not
clinical knowledge.

What counts, found with :mod:`ast` (comments and docstrings are not code, so not scanned):

* a string constant that looks like a clinical code: SNOMED CT-like (6-18 digits), LOINC
  (``nnnnn-n``), ATC (``A11CC05`` and its shorter levels), ICD-10 / ICPC (``M81``, ``E55.9``), or
  that names a code system URL (snomed.info, loinc.org, whocc.no, hl7.org/fhir/sid, RxNorm, UCUM);
* a numeric literal (int or float, either sign) other than the structural values
  :data:`STRUCTURAL` (0, 1, 2, 10, 100, 1000), except the precision argument of ``round()`` and a
  regex group number (``m.group(3)``).

Codes and thresholds belong in ``fhir_profiles/``, unit definitions in ``cds_service/knowledge/units.py``
and code system URLs in ``cds_service/knowledge/model.py`` (both modules in :data:`DEFINITION_MODULES`).
Anything else needs an entry in :data:`ALLOWED` with its reason; keep that list short.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "cds_service"
SCANNED = ("facts", "rules", "cards", "knowledge", "fhir")
EXTRA = ("pipeline.py",)

NOT_CLINICAL = {
    "fhir/client.py": "HTTP client timeouts and connection limits",
    "fhir/fetch.py": "FHIR server paging, retries and back-off",
    "fhir/resolve.py": "bound on Medication reads per call (I/O limit)",
}
DEFINITION_MODULES = {
    "knowledge/units.py": "the one units module: UCUM time, mass and concentration definitions",
    "knowledge/model.py": "the code system URL constants (SNOMED, LOINC, ATC, ...) every layer imports",
}

STRUCTURAL = frozenset({0, 1, 2, 10, 100, 1000})

# (module, value, reason): each a literal that looks clinical but is not (or is on its way out).
ALLOWED: tuple[tuple[str, object, str], ...] = (
    ("cards/model.py", 139, "CDS Hooks specification: a card summary is under 140 characters"),
    ("facts/conditions.py", 150, "plausible onsetAge in years (input sanity bound)"),
    ("facts/dosage.py", 3, "number words in dosage text ('drie', 'three')"),
    ("facts/dosage.py", 4, "number words in dosage text ('vier', 'four')"),
    ("facts/match.py", 4096, "lru_cache size"),
    ("facts/values.py", 1e9, "largest plausible quantity read (input sanity bound)"),
    ("facts/values.py", 1800, "earliest plausible year of a date (input sanity bound)"),
    ("facts/values.py", 2300, "latest plausible year of a date (input sanity bound)"),
    ("fhir/medications.py", 4, "path segments of a versioned reference (Medication/id/_history/v)"),
    ("knowledge/activities.py", 3, "the guideline's evidence scale (dots of 3), checked in the artifact"),
    ("knowledge/loader.py", 3, "problems shown in one start-up error message"),
    ("knowledge/validate.py", 5, "validation errors reported per resource"),
    ("pipeline.py", 250, "resources above which parsing leaves the event loop (performance)"),
    ("pipeline.py", 6, "parallel fetches per call (performance)"),
    ("rules/doses.py", 1e-6, "floating-point tolerance"),
    ("rules/doses.py", 10_000, "fixed-point scale for exact sums"),
    ("cards/language.py", 32, "at most 32 Accept-Language entries are read (input bound)"),
)

_CODES = tuple(
    re.compile(p)
    for p in (
        r"^\d{6,18}$",  # SNOMED CT identifiers
        r"^\d{1,5}-\d$",  # LOINC
        r"^[ABCDGHJLMNPRSV]\d{2}([A-Z]{1,2}(\d{2})?)?$",  # ATC levels 2-5
        r"^[A-Z]\d{2}(\.\d{1,3})?$",  # ICD-10 / ICPC
    )
)
_SYSTEMS = ("snomed.info", "loinc.org", "whocc.no", "hl7.org/fhir/sid", "umls/rxnorm", "unitsofmeasure.org")


def _docstrings(tree: ast.AST) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                out.add(id(first.value))
    return out


def _exempt_numbers(tree: ast.AST) -> set[int]:
    """Constants that are the precision argument of ``round()`` or a regex group number (``m.group(3)``)."""
    out = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        if isinstance(node.func, ast.Name) and node.func.id == "round":
            args = node.args[1:2] + [k.value for k in node.keywords if k.arg == "ndigits"]
        elif isinstance(node.func, ast.Attribute) and node.func.attr == "group":
            args = list(node.args)
        else:
            continue
        out.update(id(a) for a in args if isinstance(a, ast.Constant))
    return out


def clinical_literals(source: str) -> list[tuple[int, object]]:
    """``(line, value)`` of every literal in ``source`` that looks like a clinical code or threshold."""
    tree = ast.parse(source)
    skip = _docstrings(tree) | _exempt_numbers(tree)
    found: list[tuple[int, object]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Constant) or id(node) in skip:
            continue
        value = node.value
        if isinstance(value, str):
            if any(p.match(value) for p in _CODES) or any(s in value for s in _SYSTEMS):
                found.append((node.lineno, value))
        elif isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) not in STRUCTURAL:
            found.append((node.lineno, value))
    return sorted(found, key=lambda hit: hit[0])


def offending(module: str, source: str) -> list[str]:
    """``file:line: value`` for each literal not in :data:`ALLOWED` (a whole definition module is)."""
    if module in DEFINITION_MODULES:
        return []
    allowed = {value for mod, value, _ in ALLOWED if mod == module}
    return [f"cds_service/{module}:{line}: {value!r}" for line, value in clinical_literals(source) if value not in allowed]


def _modules() -> list[Path]:
    paths = [p for layer in SCANNED for p in sorted((PACKAGE / layer).rglob("*.py"))]
    return paths + [PACKAGE / name for name in EXTRA]


def test_no_clinical_literal_in_the_clinical_layers():
    problems = []
    for path in _modules():
        module = path.relative_to(PACKAGE).as_posix()
        if module not in NOT_CLINICAL:
            problems += offending(module, path.read_text(encoding="utf-8"))
    assert not problems, "clinical literals (move them to fhir_profiles/ or knowledge/units.py):\n" + "\n".join(problems)


def test_every_allowlist_entry_is_still_needed():
    """A stale entry would quietly allow a new literal of the same value."""
    for module, value, reason in ALLOWED:
        assert reason
        source = (PACKAGE / module).read_text(encoding="utf-8")
        assert value in {v for _, v in clinical_literals(source)}, f"{module}: {value!r} no longer occurs; drop it"


def test_scanned_modules_exist():
    for module in (*NOT_CLINICAL, *DEFINITION_MODULES):
        assert (PACKAGE / module).is_file(), module


def test_the_scan_finds_codes_and_thresholds():
    source = '''
"""Module docstring naming 26643006, 2.6 mmol/L and http://snomed.info/sct is documentation."""
ROUTE = "26643006"
LAB = "1989-3"
DRUG = "A11CC05"
DIAGNOSIS = "M81"
SYSTEM = "http://loinc.org"
HIGH = 2.6
LIMIT = -375
def f(x):
    """A docstring with 40 IU is fine."""
    return round(x * 2, 4) if x > 0 else [0, 1, 2, 10, 100, 1000, 1.0, -1, True, m.group(3)]
'''
    assert clinical_literals(source) == [
        (3, "26643006"),
        (4, "1989-3"),
        (5, "A11CC05"),
        (6, "M81"),
        (7, "http://loinc.org"),
        (8, 2.6),
        (9, 375),
    ]
    assert offending("rules/example.py", source)[0] == "cds_service/rules/example.py:3: '26643006'"


def test_the_allowlist_is_per_module():
    source = "LIMIT = 139\n"
    assert offending("cards/model.py", source) == []
    assert offending("facts/routes.py", source) == ["cds_service/facts/routes.py:1: 139"]
    assert offending("knowledge/units.py", "DAYS_PER_MONTH = 30.4375\n") == []
