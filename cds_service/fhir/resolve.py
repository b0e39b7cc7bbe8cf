"""Data resolution: prefetch first, else the EHR's FHIR server (CDS Hooks §2.2/§2.3).

For every prefetch key of the service's templates:

* a value the client sent is used; ``null`` means "the client found no data" (an empty list, no
  refetch) and, for ``patient``, no patient at all (:class:`PatientUnavailable`, answer 412);
* a missing key, an OperationOutcome in its place, or a Bundle with an error/fatal
  OperationOutcome entry is fetched from ``{fhir_server}/{expanded template}`` with the call's
  bearer token; Bundles are flattened and their ``next`` links followed (same server only); for a
  "latest N" search (``_sort`` with ``_count``, or ``_maxresults``) only until N resources are in
  (servers may page smaller than ``_count``);
* anything that cannot be had (no server, a template token the context cannot fill, 401/403/404/5xx,
  timeout, a body that is not FHIR) makes that key *unknown*, with a short reason in ``problems``.
  An unknown key may still hold the resources of the pages that were read (e.g. a refused ``next``
  link): they are true, but absence must not be concluded from them.

Then Medication resources referenced by medicationReference and not already at hand are read.
All fetches run in parallel over the one shared client (at most ``concurrency`` at once) and end by
``deadline``; connections that cannot be made are retried with backoff while the deadline allows.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Coroutine, Mapping, cast

import httpx

from cds_service.fhir.bundle import MISSING, Missing, entries, needs_fetch, next_link, prefetched, resource_type
from cds_service.fhir.data import ResolvedData
from cds_service.fhir.fetch import DEFAULT_CONCURRENCY, FetchError, FhirFetcher, normalise_base
from cds_service.fhir.medications import medication_references, medications_in
from cds_service.fhir.model import AnyResource, Bundle, Medication, Patient
from cds_service.fhir.templates import expand_template, top_n, user_tokens

logger = logging.getLogger("cds_service.fhir")

PATIENT_KEY = "patient"
DEFAULT_PATIENT_TEMPLATE = "Patient/{{context.patientId}}"
MAX_MEDICATION_READS = 50


class PatientUnavailable(Exception):
    """The Patient could be had neither from prefetch nor from the FHIR server (answer 412)."""


@dataclass
class _Outcome:
    resources: list[AnyResource] = field(default_factory=list)
    unknown: bool = False
    problem: str | None = None
    fetched: bool = False


async def resolve(
    templates: dict[str, str],
    context: dict[str, Any],
    prefetch: Mapping[str, AnyResource | None] | None,
    fhir_server: str | None,
    access_token: str | None,
    client: httpx.AsyncClient,
    deadline: float,
    *,
    today: date | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> ResolvedData:
    """Resolve every prefetch key of ``templates`` (``patient`` is required).

    ``prefetch`` holds the read model's resources (as :class:`~cds_service.api.models.HookRequest`
    parses them; a plain dict is read first, what is no resource is fetched). ``deadline`` is an
    absolute ``time.monotonic()`` value by which all fetching ends. ``today``
    fills ``{{today() - N days}}`` tokens (default: the local date). Raises
    :class:`PatientUnavailable` when there is no usable Patient; never raises for other keys.
    """
    started = time.monotonic()
    context = context if isinstance(context, dict) else {}
    templates = {PATIENT_KEY: DEFAULT_PATIENT_TEMPLATE, **templates}
    given = {key: prefetched(value) for key, value in (prefetch or {}).items() if key in templates}
    base = normalise_base(fhir_server)
    fetcher = FhirFetcher(client, base, access_token, deadline, concurrency) if base else None
    tokens = user_tokens(context)
    day = today or date.today()

    def expand(key: str) -> str | None:
        return expand_template(templates[key], context, tokens, day)

    jobs: dict[str, Coroutine[Any, Any, Any]] = {}
    outcomes: dict[str, _Outcome] = {}
    patient = _prefetched_patient(given.get(PATIENT_KEY, MISSING), context)
    if patient is None:
        if fetcher is None:
            raise PatientUnavailable("patient: missing and no FHIR server")
        path = expand(PATIENT_KEY)
        if path is None:
            raise PatientUnavailable("patient: template cannot be expanded")
        jobs[PATIENT_KEY] = _fetch_patient(fetcher, path, context)

    for key in templates:
        if key == PATIENT_KEY:
            continue
        value = given.get(key, MISSING)
        if value is None:
            outcomes[key] = _Outcome()
        elif not isinstance(value, Missing) and not needs_fetch(value):
            outcomes[key] = _given(value, fetcher, key, jobs, top_n(templates[key]))
        elif fetcher is None:
            outcomes[key] = _Outcome(unknown=True, problem="no-fhir-server")
        elif (path := expand(key)) is None:
            outcomes[key] = _Outcome(unknown=True, problem="template")
        else:
            jobs[key] = _fetch_search(fetcher, path, key, top_n(templates[key]))

    done = await _run(jobs)
    if PATIENT_KEY in done:
        patient = done.pop(PATIENT_KEY)
    if patient is None:  # not reached: a Patient that cannot be fetched raises PatientUnavailable
        raise PatientUnavailable("patient: not obtained")
    outcomes.update(done)
    outcomes[PATIENT_KEY] = _Outcome([patient], fetched=PATIENT_KEY in jobs)

    everything = [r for outcome in outcomes.values() for r in outcome.resources]
    medications = medications_in(everything)
    problems = {k: o.problem for k, o in outcomes.items() if o.problem}
    wanted = sorted(medication_references(everything, base) - medications.keys())
    if wanted and fetcher is not None:
        read, failed = await _read_medications(fetcher, wanted[:MAX_MEDICATION_READS])
        medications.update(read)
        problems.update(failed)
        if len(wanted) > MAX_MEDICATION_READS:
            problems["medication-reads"] = f"capped at {MAX_MEDICATION_READS}"

    data = ResolvedData(
        patient=patient,
        resources={k: o.resources for k, o in outcomes.items()},
        medications=medications,
        unknown=frozenset(k for k, o in outcomes.items() if o.unknown),
        fetched=frozenset(k for k, o in outcomes.items() if o.fetched),
        problems=problems,
    )
    logger.debug(  # the per-call summary (cds.call) carries fetched / missing keys and their reasons
        "fhir resolve keys=%d fetched=%d unknown=%s ms=%.1f",
        len(outcomes),
        len(data.fetched),
        ",".join(sorted(data.unknown)) or "-",
        (time.monotonic() - started) * 1000,
    )
    return data


def _prefetched_patient(value: AnyResource | Missing | None, context: Mapping[str, Any]) -> Patient | None:
    """The usable prefetched Patient, ``None`` if it must be fetched; raise if given as null."""
    if value is None:
        raise PatientUnavailable("patient: null in prefetch")
    if isinstance(value, Missing) or needs_fetch(value):
        return None
    patient = _patient_of(value)
    if patient is not None and not _matches(patient, context):
        logger.warning("fhir prefetch patient does not match context.patientId; refetching")
        return None
    return patient


def _patient_of(value: AnyResource) -> Patient | None:
    kind = resource_type(value)
    if kind == "Patient":
        return cast(Patient, value)
    if kind == "Bundle":
        patients = [r for r in entries(cast(Bundle, value)) if resource_type(r) == "Patient"]
        if len(patients) == 1:
            return cast(Patient, patients[0])
    return None


def _matches(patient: Patient, context: Mapping[str, Any]) -> bool:
    wanted, got = context.get("patientId"), patient.get("id")
    return not (isinstance(wanted, str) and got is not None and wanted != got)


def _given(
    value: AnyResource, fetcher: FhirFetcher | None, key: str, jobs: dict[str, Coroutine[Any, Any, Any]],
    limit: int | None,
) -> _Outcome:
    """The outcome of a usable prefetch value; a paged Bundle becomes a job when it can be.

    A "latest N" prefetch (``limit``) is whole once it holds N resources; with fewer and a ``next``
    link, the pages are followed when there is a server, else its resources are taken as given.
    """
    if resource_type(value) != "Bundle":
        return _Outcome([value])
    bundle = cast(Bundle, value)
    found = entries(bundle)
    if next_link(bundle) is None or (limit is not None and (len(found) >= limit or fetcher is None)):
        return _Outcome(found)  # as sent: a client may send more than N, or not in order
    if fetcher is None:
        return _Outcome(found, unknown=True, problem="next-link-no-server")
    jobs[key] = _follow(fetcher, bundle, key, limit)
    return _Outcome()  # replaced by the job's outcome


async def _fetch_patient(fetcher: FhirFetcher, path: str, context: Mapping[str, Any]) -> Patient:
    try:
        patient = _patient_of(await fetcher.read(path, PATIENT_KEY))
    except FetchError as error:
        raise PatientUnavailable(f"patient: {error.reason}") from None
    except Exception as error:
        logger.exception("fhir patient read failed error=%s", type(error).__name__)
        raise PatientUnavailable("patient: error") from None
    if patient is None:
        raise PatientUnavailable("patient: server did not return a Patient")
    if not _matches(patient, context):
        raise PatientUnavailable("patient: server returned another patient")
    return patient


async def _fetch_search(fetcher: FhirFetcher, path: str, key: str, limit: int | None) -> _Outcome:
    try:
        result = await fetcher.search(path, key, limit=limit)
    except FetchError as error:
        return _Outcome(unknown=True, problem=error.reason)
    except Exception as error:  # a bug here must cost one key, not the call
        logger.exception("fhir fetch failed key=%s error=%s", key, type(error).__name__)
        return _Outcome(unknown=True, problem="error")
    return _Outcome(result.resources, not result.complete, result.problem, fetched=True)


async def _follow(fetcher: FhirFetcher, bundle: Bundle, key: str, limit: int | None = None) -> _Outcome:
    try:
        result = await fetcher.follow(bundle, key, limit=limit)
    except Exception as error:
        logger.exception("fhir paging failed key=%s error=%s", key, type(error).__name__)
        return _Outcome(entries(bundle), unknown=True, problem="error")
    return _Outcome(result.resources, not result.complete, result.problem)


async def _run(jobs: dict[str, Coroutine[Any, Any, Any]]) -> dict[str, Any]:
    """Run all jobs at once; a PatientUnavailable cancels the others and is raised."""
    tasks: dict[str, asyncio.Task] = {}
    try:
        async with asyncio.TaskGroup() as group:
            for key, job in jobs.items():
                tasks[key] = group.create_task(job)
    except* PatientUnavailable as failed:
        raise failed.exceptions[0] from None
    return {key: task.result() for key, task in tasks.items()}


async def _read_medications(
    fetcher: FhirFetcher, refs: list[str]
) -> tuple[dict[str, Medication], dict[str, str]]:
    async def read(ref: str) -> Medication | str:
        try:
            resource = await fetcher.read(ref, "medication")
        except FetchError as error:
            return error.reason
        except Exception as error:
            logger.exception("fhir medication read failed error=%s", type(error).__name__)
            return "error"
        if resource_type(resource) != "Medication" or f"Medication/{resource.get('id')}" != ref:
            return "not-a-medication"
        return cast(Medication, resource)

    results = await asyncio.gather(*(read(ref) for ref in refs))
    found = {ref: r for ref, r in zip(refs, results) if not isinstance(r, str)}
    failed = {ref: r for ref, r in zip(refs, results) if isinstance(r, str)}
    return found, failed
