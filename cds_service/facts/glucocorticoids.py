"""Systemic glucocorticoid exposure in the lookback window (decision 2, terminology 2.1).

Per matched record (``glucocorticoid-systemic`` after the route check): an interval from its start
to its end (explicit, else supply-derived: terminology 2.1 step 4); a current or draft order with no
end runs to today and makes the exposure ``ongoing``; a past record with no end counts one day.
Intervals are merged with gaps up to ``gc-gap-bridge-days`` bridged; ``days_exposed`` counts merged
days inside the lookback. Short courses (stootkuren) are unbridged stretches of at most
``gc-short-course-max-days``. An active or draft order planned for ``gc-long-term-days`` or more is
long-term from day one. Oral budesonide has no reliable prednisolone equivalent and does not
trigger. Hydrocortisone / cortisone up to ``gc-replacement-hydrocortisone-mg`` (hydrocortisone
equivalent) in adrenal insufficiency is replacement and does not count (unknown dose: replacement).
The mean prednisolone-equivalent dose is duration-weighted over records whose dose is known.
Ingredients, their names and prednisolone equivalence are knowledge: the ``glucocorticoid-equivalence``
extension on the concepts of ValueSet ``glucocorticoid-systemic`` (``Knowledge.glucocorticoids``).
Condition Z79.52 (``long-term-steroid-status``) makes the exposure long-term when the medication
data does not show it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from cds_service.facts.medications import GC, MedRecord
from cds_service.facts.model import GlucocorticoidExposure, Source
from cds_service.knowledge.model import GlucocorticoidIngredient, normalize_text

Steroid = GlucocorticoidIngredient

# The ingredients the parameters are expressed in: gc-high-dose-pe-mg is prednisolone-equivalent,
# gc-replacement-hydrocortisone-mg is hydrocortisone-equivalent (names of the value-set ingredients).
PREDNISOLONE = "prednisolone"
HYDROCORTISONE = "hydrocortisone"


@dataclass(frozen=True, slots=True)
class GcRules:
    long_term_days: float
    lookback_days: float
    short_course_max_days: float
    short_courses_min: float
    gap_bridge_days: float
    high_dose_pe_mg: float
    replacement_hc_mg: float
    steroids: tuple[Steroid, ...] = ()  # from ValueSet glucocorticoid-systemic (Knowledge.glucocorticoids)

    def equivalent(self, name: str) -> float | None:
        return next((s.equivalent_mg for s in self.steroids if s.name == name), None)


def identify(record: MedRecord, steroids: tuple[Steroid, ...]) -> Steroid | None:
    """The ingredient a record names: by code (ATC, RxNorm), then by the longest matching name."""
    codes = set(record.product.codes)
    for steroid in steroids:
        if codes & steroid.codes:
            return steroid
    names = [normalize_text(t) for t in record.product.texts]
    names += [normalize_text(t) for i in record.product.ingredients for t in i.texts]
    best: tuple[int, Steroid] | None = None
    for steroid in steroids:
        for term in steroid.terms:
            if any(term in name for name in names) and (best is None or len(term) > best[0]):
                best = (len(term), steroid)
    return best[1] if best else None


@dataclass(frozen=True, slots=True)
class _Span:
    start: date
    end: date  # inclusive, may lie after today (planned)
    pe: float | None
    current: bool


def exposure(
    records: list[MedRecord],
    status_sources: list[Source],
    adrenal_insufficiency: bool,
    rules: GcRules,
    today: date,
) -> GlucocorticoidExposure | None:
    """The patient's systemic glucocorticoid exposure, or None when there is none."""
    spans: list[_Span] = []
    sources: list[Source] = []
    planned_long = False
    window_start = today - timedelta(days=round(rules.lookback_days) - 1)
    for record in records:
        if GC not in record.use.groups:
            continue
        span = _span(record, adrenal_insufficiency, rules, today)
        if span is None or span.end < window_start:
            continue
        spans.append(span)
        sources.append(record.use.source)
        if (record.use.active or record.use.draft) and (
            record.planned_days is not None and record.planned_days >= rules.long_term_days
        ):
            planned_long = True
    if not spans and not status_sources:
        return None
    days = _covered_days(spans, rules.gap_bridge_days, window_start, today)
    courses = _short_courses(spans, rules.short_course_max_days, window_start)
    mean_pe = _mean_pe(spans, window_start, today)
    long_term = planned_long or days >= rules.long_term_days or courses >= rules.short_courses_min
    if not long_term and status_sources:
        long_term = True
        sources.extend(status_sources)
    return GlucocorticoidExposure(
        long_term=long_term,
        days_exposed=days,
        short_courses=courses,
        mean_prednisolone_mg=None if mean_pe is None else round(mean_pe, 2),
        high_dose=None if mean_pe is None else mean_pe >= rules.high_dose_pe_mg,
        ongoing=any(s.current and s.end >= today for s in spans),
        sources=tuple(sources),
    )


def _span(record: MedRecord, adrenal: bool, rules: GcRules, today: date) -> _Span | None:
    use = record.use
    steroid = identify(record, rules.steroids)
    if steroid is not None and steroid.equivalent_mg is None:
        return None  # budesonide: no reliable equivalent, no trigger (terminology 2.1)
    mg = use.daily_dose.value if use.daily_dose is not None and use.daily_dose.unit == "mg" else None
    if adrenal and steroid is not None and steroid.replacement:
        own = steroid.equivalent_mg
        hydrocortisone = rules.equivalent(HYDROCORTISONE) or own
        if mg is None or not own or not hydrocortisone or mg * hydrocortisone / own <= rules.replacement_hc_mg:
            return None
    if use.start is None:
        return None
    current = use.active or use.draft
    end = record.exposure_end
    if end is None:
        end = max(today, use.start) if current else use.start
    if end < use.start:
        return None
    reference = rules.equivalent(PREDNISOLONE)
    pe = mg * reference / steroid.equivalent_mg if mg is not None and steroid is not None and steroid.equivalent_mg and reference else None
    return _Span(use.start, end, pe, current)


def _merged(spans: list[_Span], bridge: float) -> list[tuple[date, date]]:
    merged: list[list[date]] = []
    for span in sorted(spans, key=lambda s: s.start):
        if merged and (span.start - merged[-1][1]).days - 1 <= bridge:
            merged[-1][1] = max(merged[-1][1], span.end)
        else:
            merged.append([span.start, span.end])
    return [(a, b) for a, b in merged]


def _covered_days(spans: list[_Span], bridge: float, window_start: date, today: date) -> int:
    total = 0
    for start, end in _merged(spans, bridge):
        a, b = max(start, window_start), min(end, today)
        if b >= a:
            total += (b - a).days + 1
    return total


def _short_courses(spans: list[_Span], max_days: float, window_start: date) -> int:
    return sum(
        1
        for start, end in _merged(spans, 0)
        if end >= window_start and (end - start).days + 1 <= max_days
    )


def _mean_pe(spans: list[_Span], window_start: date, today: date) -> float | None:
    weighted = weight = 0.0
    for span in spans:
        if span.pe is None:
            continue
        a, b = max(span.start, window_start), min(span.end, today)
        days = max((b - a).days + 1, 1) if span.current or b >= a else 0
        weighted += span.pe * days
        weight += days
    return weighted / weight if weight else None
