"""resolve() against real loopback FHIR servers."""

from __future__ import annotations

import logging
import time
from datetime import date

import pytest

from cds_service.fhir import fetch
from cds_service.fhir.resolve import PatientUnavailable, resolve
from tests.fhir.conftest import TOKEN
from tests.fhirserver import Reply, bundle, outcome

PID = "p1"
CONTEXT = {"patientId": PID, "userId": "Practitioner/u9"}
TEMPLATES = {
    "patient": "Patient/{{context.patientId}}",
    "conditions": "Condition?patient={{context.patientId}}",
    "vitd": "Observation?patient={{context.patientId}}&code=http://loinc.org|1989-3",
    "meds": "MedicationRequest?patient={{context.patientId}}&_include=MedicationRequest:medication",
}
PATIENT = {"resourceType": "Patient", "id": PID, "gender": "female"}
COND = {"resourceType": "Condition", "id": "c1"}
OBS = [{"resourceType": "Observation", "id": f"o{i}"} for i in range(5)]
MED_REQ = {
    "resourceType": "MedicationRequest",
    "id": "mr1",
    "medicationReference": {"reference": "Medication/m1"},
}
FULL_PREFETCH = {
    "patient": PATIENT,
    "conditions": bundle([COND]),
    "vitd": bundle(OBS[:2]),
    "meds": bundle([]),
}


def ids(resources: list[dict]) -> list[str]:
    return [r["id"] for r in resources]


def serve_all(fhir, exclude: tuple[str, ...] = ()) -> None:
    """Serve every template of TEMPLATES for patient p1 (except ``exclude``)."""
    if "patient" not in exclude:
        fhir.resource(PATIENT)
    if "conditions" not in exclude:
        fhir.search(f"Condition?patient={PID}", [COND])
    if "vitd" not in exclude:
        fhir.search(f"Observation?patient={PID}&code=http://loinc.org|1989-3", OBS[:2])
    if "meds" not in exclude:
        fhir.search(f"MedicationRequest?patient={PID}&_include=MedicationRequest:medication", [])


async def call(fhir, client, deadline, prefetch, *, templates=TEMPLATES, token=TOKEN, context=CONTEXT):
    base = fhir.base_url if fhir is not None else None
    return await resolve(templates, context, prefetch, base, token, client, deadline)


async def test_full_prefetch_makes_no_request(fhir, client, deadline):
    data = await call(fhir, client, deadline, FULL_PREFETCH)
    assert fhir.requests == []
    assert data.patient == PATIENT
    assert ids(data.get("conditions")) == ["c1"]
    assert ids(data.get("vitd")) == ["o0", "o1"]
    assert data.get("meds") == []
    assert data.unknown == frozenset() and data.fetched == frozenset()


async def test_null_key_means_no_data_and_is_not_refetched(fhir, client, deadline):
    data = await call(fhir, client, deadline, {**FULL_PREFETCH, "conditions": None})
    assert fhir.requests == []
    assert data.get("conditions") == []
    assert "conditions" in data.resources and "conditions" not in data.unknown


async def test_null_patient_is_patient_unavailable(fhir, client, deadline):
    serve_all(fhir)
    with pytest.raises(PatientUnavailable):
        await call(fhir, client, deadline, {**FULL_PREFETCH, "patient": None})
    assert fhir.requests == []


async def test_missing_key_fetched_with_bearer_token(fhir, client, deadline):
    serve_all(fhir)
    prefetch = {k: v for k, v in FULL_PREFETCH.items() if k != "conditions"}
    data = await call(fhir, client, deadline, prefetch)
    assert ids(data.get("conditions")) == ["c1"]
    assert data.fetched == {"conditions"} and data.unknown == frozenset()
    [sent] = fhir.requests
    assert sent.path == "Condition" and sent.query == {"patient": [PID]}
    assert sent.authorization == f"Bearer {TOKEN}"
    assert sent.accept == "application/fhir+json"


async def test_no_token_sends_no_authorization_header(fhir, client, deadline):
    serve_all(fhir)
    data = await call(fhir, client, deadline, {}, token=None)
    assert data.fetched == set(TEMPLATES)
    assert len(fhir.requests) == 4
    assert all(r.authorization is None for r in fhir.requests)


async def test_missing_patient_is_read_from_server(fhir, client, deadline):
    serve_all(fhir)
    prefetch = {k: v for k, v in FULL_PREFETCH.items() if k != "patient"}
    data = await call(fhir, client, deadline, prefetch)
    assert data.patient == PATIENT and "patient" in data.fetched
    assert [r.path for r in fhir.requests] == [f"Patient/{PID}"]


async def test_operation_outcome_as_value_is_refetched(fhir, client, deadline):
    serve_all(fhir)
    data = await call(fhir, client, deadline, {**FULL_PREFETCH, "conditions": outcome()})
    assert ids(data.get("conditions")) == ["c1"]
    assert [r.path for r in fhir.requests] == ["Condition"]


async def test_bundle_with_error_outcome_entry_is_refetched(fhir, client, deadline):
    serve_all(fhir)
    broken = bundle([OBS[4], outcome("fatal")])
    data = await call(fhir, client, deadline, {**FULL_PREFETCH, "vitd": broken})
    assert ids(data.get("vitd")) == ["o0", "o1"]
    assert [r.path for r in fhir.requests] == ["Observation"]


async def test_bundle_with_informational_outcome_is_kept(fhir, client, deadline):
    fine = bundle([OBS[3], outcome("information"), outcome("warning")])
    data = await call(fhir, client, deadline, {**FULL_PREFETCH, "vitd": fine})
    assert fhir.requests == []
    assert ids(data.get("vitd")) == ["o3"]  # the OperationOutcome entries are dropped


async def test_paging_is_followed(fhir, client, deadline):
    serve_all(fhir, exclude=("vitd",))
    fhir.search(f"Observation?patient={PID}&code=http://loinc.org|1989-3", OBS, page_size=2)
    data = await call(fhir, client, deadline, {"patient": PATIENT})
    assert ids(data.get("vitd")) == ["o0", "o1", "o2", "o3", "o4"]
    assert "vitd" not in data.unknown
    pages = fhir.requests_to("Observation")
    assert len(pages) == 3 and all(p.authorization == f"Bearer {TOKEN}" for p in pages)


async def test_prefetch_bundle_next_link_is_followed(fhir, client, deadline):
    urls = fhir.search("Observation?patient=p1&code=x", OBS, page_size=2)
    first_page = bundle(OBS[:2], next_url=urls[1])
    data = await call(fhir, client, deadline, {**FULL_PREFETCH, "vitd": first_page})
    assert ids(data.get("vitd")) == ["o0", "o1", "o2", "o3", "o4"]
    assert [r.query.get("_page") for r in fhir.requests] == [["2"], ["3"]]


async def test_prefetch_bundle_next_link_without_server_is_incomplete(client, deadline):
    paged = bundle(OBS[:2], next_url="https://ehr.example/fhir/Observation?page=2")
    data = await call(None, client, deadline, {**FULL_PREFETCH, "vitd": paged})
    assert ids(data.get("vitd")) == ["o0", "o1"]  # kept, but absence cannot be concluded
    assert "vitd" in data.unknown


async def test_next_link_to_other_origin_is_not_followed(fhir, other_fhir, client, deadline):
    serve_all(fhir, exclude=("conditions",))
    other_fhir.search("Condition?patient=p1", [COND, COND], page_size=1)
    fhir.search("Condition?patient=p1", [COND, COND], page_size=1, next_base=other_fhir.base_url)
    data = await call(fhir, client, deadline, {})
    assert other_fhir.requests == []
    assert ids(data.get("conditions")) == ["c1"]
    assert "conditions" in data.unknown
    assert data.problems["conditions"] == "next-link-refused"


async def test_next_link_to_other_host_same_port_is_not_followed(fhir, client, deadline):
    serve_all(fhir, exclude=("conditions",))
    other_host = fhir.base_url.replace("127.0.0.1", "localhost")
    fhir.search("Condition?patient=p1", [COND, COND], page_size=1, next_base=other_host)
    data = await call(fhir, client, deadline, {})
    assert len(fhir.requests_to("Condition")) == 1
    assert "conditions" in data.unknown


async def test_next_link_to_sibling_path_is_not_followed(fhir, client, deadline):
    fhir.search("Condition?patient=p1", [COND, COND], page_size=1, next_base=fhir.origin + "/fhir-admin")
    prefetch = {k: v for k, v in FULL_PREFETCH.items() if k != "conditions"}
    data = await call(fhir, client, deadline, prefetch)
    assert [r.raw_target for r in fhir.requests] == ["/fhir/Condition?patient=p1"]
    assert data.problems["conditions"] == "next-link-refused"


@pytest.mark.parametrize("suffix", ["/../admin/Condition?x=1", "/%2e%2e/admin/Condition?x=1"])
async def test_next_link_walking_out_of_base_is_not_followed(fhir, client, deadline, suffix):
    page = bundle([COND], next_url=fhir.base_url + suffix)
    data = await call(fhir, client, deadline, {**FULL_PREFETCH, "conditions": page})
    assert fhir.requests == []
    assert data.problems["conditions"] == "next-link-refused"


async def test_relative_next_link_is_resolved_against_base(fhir, client, deadline):
    fhir.search("Condition?patient=p1&_page=2", [COND])
    page = bundle([COND], next_url="Condition?patient=p1&_page=2")
    data = await call(fhir, client, deadline, {**FULL_PREFETCH, "conditions": page})
    assert [r.raw_target for r in fhir.requests] == ["/fhir/Condition?patient=p1&_page=2"]
    assert ids(data.get("conditions")) == ["c1", "c1"] and data.unknown == frozenset()


async def test_paging_loop_stops(fhir, client, deadline):
    serve_all(fhir, exclude=("vitd",))
    fhir.search(f"Observation?patient={PID}&code=http://loinc.org|1989-3", OBS, page_size=2, loop=True)
    data = await call(fhir, client, deadline, {"patient": PATIENT})
    assert len(fhir.requests_to("Observation")) == 3
    assert ids(data.get("vitd")) == ["o0", "o1", "o2", "o3", "o4"]
    assert data.problems["vitd"] == "paging-loop"


async def test_page_cap(fhir, client, deadline, monkeypatch):
    monkeypatch.setattr(fetch, "MAX_PAGES", 2)
    serve_all(fhir, exclude=("vitd",))
    fhir.search(f"Observation?patient={PID}&code=http://loinc.org|1989-3", OBS, page_size=1)
    data = await call(fhir, client, deadline, {"patient": PATIENT})
    assert len(fhir.requests_to("Observation")) == 2
    assert ids(data.get("vitd")) == ["o0", "o1"]
    assert "vitd" in data.unknown and data.problems["vitd"] == "page-cap"


@pytest.mark.parametrize("status", [401, 403, 404, 500, 503])
async def test_http_errors_make_one_key_unknown(fhir, client, deadline, status):
    serve_all(fhir, exclude=("conditions",))
    fhir.on("Condition?patient=p1", Reply(status=status, body=outcome()))
    data = await call(fhir, client, deadline, {"patient": PATIENT})
    assert data.unknown == {"conditions"}
    assert data.problems["conditions"] == f"http {status}"
    assert ids(data.get("vitd")) == ["o0", "o1"]
    assert data.fetched == {"vitd", "meds"}


async def test_error_on_second_page_is_unknown(fhir, client, deadline):
    serve_all(fhir, exclude=("vitd",))
    urls = fhir.search(f"Observation?patient={PID}&code=http://loinc.org|1989-3", OBS, page_size=2)
    fhir.on(urls[1].removeprefix(fhir.base_url + "/"), Reply(status=500))
    data = await call(fhir, client, deadline, {"patient": PATIENT})
    assert "vitd" in data.unknown and data.problems["vitd"] == "http 500 (page 2)"


async def test_redirect_is_not_followed(fhir, other_fhir, client, deadline):
    serve_all(fhir, exclude=("conditions",))
    other_fhir.search("Condition?patient=p1", [COND])
    moved = Reply(status=302, headers={"Location": f"{other_fhir.base_url}/Condition?patient=p1"})
    fhir.on("Condition?patient=p1", moved)
    data = await call(fhir, client, deadline, {"patient": PATIENT})
    assert other_fhir.requests == []
    assert data.problems["conditions"] == "http 302"


@pytest.mark.parametrize(
    "reply",
    [
        Reply(body="<html><body>Login</body></html>", content_type="text/html"),
        Reply(body='{"resourceType": "Bundle", "entry": ['),
        Reply(body={"hello": "world"}),
        Reply(body=["not", "a", "resource"]),
        Reply(body=""),
    ],
    ids=["html", "invalid-json", "json-not-fhir", "json-list", "empty"],
)
async def test_non_fhir_body_is_unknown(fhir, client, deadline, reply):
    serve_all(fhir, exclude=("conditions",))
    fhir.on("Condition?patient=p1", reply)
    data = await call(fhir, client, deadline, {"patient": PATIENT})
    assert data.unknown == {"conditions"} and data.problems["conditions"] == "not-fhir"


async def test_operation_outcome_answer_to_search_is_unknown(fhir, client, deadline):
    serve_all(fhir, exclude=("conditions",))
    fhir.on("Condition?patient=p1", outcome("error"))
    data = await call(fhir, client, deadline, {"patient": PATIENT})
    assert data.problems["conditions"] == "operation-outcome"


async def test_connection_refused_is_unknown(fhir, client):
    """Refused connections are tried again while the deadline allows, then the keys are unknown."""
    closed_base = fhir.base_url
    fhir.close()
    data = await resolve(TEMPLATES, CONTEXT, {"patient": PATIENT}, closed_base, TOKEN, client, time.monotonic() + 0.5)
    assert data.unknown == {"conditions", "vitd", "meds"}
    assert set(data.problems.values()) == {"connection"}


async def test_slow_key_times_out_at_deadline_others_succeed(fhir, client):
    serve_all(fhir, exclude=("conditions",))
    fhir.search("Condition?patient=p1", [COND], delay=3.0)
    started = time.monotonic()
    data = await call(fhir, client, started + 0.5, {"patient": PATIENT})
    elapsed = time.monotonic() - started
    assert 0.45 <= elapsed < 1.5  # the server would take 3 s
    assert data.unknown == {"conditions"} and data.problems["conditions"] == "timeout"
    assert ids(data.get("vitd")) == ["o0", "o1"]


async def test_slow_patient_is_patient_unavailable_by_deadline(fhir, client):
    serve_all(fhir)
    fhir.resource(PATIENT, delay=3.0)
    started = time.monotonic()
    with pytest.raises(PatientUnavailable):
        await call(fhir, client, started + 0.4, {})
    assert time.monotonic() - started < 1.5


async def test_expired_deadline_fetches_nothing(fhir, client):
    serve_all(fhir)
    data = await call(fhir, client, time.monotonic() - 1, {"patient": PATIENT})
    assert fhir.requests == []
    assert data.unknown == {"conditions", "vitd", "meds"}


async def test_fetches_run_in_parallel(fhir, client, deadline):
    fhir.resource(PATIENT, delay=0.3)
    fhir.search("Condition?patient=p1", [COND], delay=0.3)
    fhir.search("Observation?patient=p1&code=http://loinc.org|1989-3", OBS[:1], delay=0.3)
    fhir.search("MedicationRequest?patient=p1&_include=MedicationRequest:medication", [], delay=0.3)
    started = time.monotonic()
    data = await call(fhir, client, deadline, {})
    assert time.monotonic() - started < 1.0  # four 0.3 s answers in sequence would take 1.2 s
    assert data.fetched == set(TEMPLATES)


@pytest.mark.parametrize("status", [401, 404, 500])
async def test_patient_read_failure_is_patient_unavailable(fhir, client, deadline, status):
    serve_all(fhir, exclude=("patient",))
    fhir.on("Patient/p1", Reply(status=status, body=outcome()))
    with pytest.raises(PatientUnavailable, match=f"http {status}"):
        await call(fhir, client, deadline, {})


async def test_patient_failure_cancels_other_fetches(fhir, client):
    fhir.on("Patient/p1", Reply(status=404, body=outcome()))
    fhir.search("Condition?patient=p1", [COND], delay=3.0)
    started = time.monotonic()
    with pytest.raises(PatientUnavailable):
        await call(fhir, client, started + 2.5, {})
    assert time.monotonic() - started < 1.5  # did not wait for the slow search


async def test_patient_missing_and_no_server_is_patient_unavailable(client, deadline):
    with pytest.raises(PatientUnavailable):
        await call(None, client, deadline, {"conditions": bundle([COND])})


async def test_patient_prefetch_of_another_patient_is_refetched(fhir, client, deadline):
    serve_all(fhir)
    wrong = {"resourceType": "Patient", "id": "someone-else"}
    data = await call(fhir, client, deadline, {**FULL_PREFETCH, "patient": wrong})
    assert data.patient == PATIENT
    assert [r.path for r in fhir.requests] == ["Patient/p1"]


async def test_server_returning_another_patient_is_patient_unavailable(fhir, client, deadline):
    fhir.on("Patient/p1", {"resourceType": "Patient", "id": "p2"})
    with pytest.raises(PatientUnavailable):
        await call(fhir, client, deadline, {})


async def test_no_server_missing_key_is_unknown(client, deadline):
    data = await call(None, client, deadline, {"patient": PATIENT, "conditions": bundle([COND])})
    assert data.unknown == {"vitd", "meds"}
    assert data.problems == {"vitd": "no-fhir-server", "meds": "no-fhir-server"}


async def test_unresolvable_template_is_unknown(fhir, client, deadline):
    serve_all(fhir)
    templates = {**TEMPLATES, "encounter": "Encounter/{{context.encounterId}}"}
    data = await call(fhir, client, deadline, {"patient": PATIENT}, templates=templates)
    assert data.unknown == {"encounter"} and data.problems["encounter"] == "template"
    assert not fhir.requests_to("Encounter")


async def test_patient_id_is_escaped_in_path_and_query(fhir, client, deadline):
    odd = "a&b c/../x?_id=1"
    patient = {"resourceType": "Patient", "id": odd}
    fhir.on(f"Patient/{odd.replace('?', '%3F')}", patient)
    data = await call(fhir, client, deadline, {}, context={"patientId": odd}, templates={
        "patient": TEMPLATES["patient"], "conditions": TEMPLATES["conditions"]})
    assert data.patient == patient
    read, search = sorted(fhir.requests, key=lambda r: r.path)[::-1]
    assert read.path == f"Patient/{odd}"  # one path segment, nothing walked
    assert "%2F" in read.raw_target and "%3F" in read.raw_target
    assert search.path == "Condition" and search.query == {"patient": [odd]}  # no injected _id


async def test_medication_reference_read_in_parallel(fhir, client, deadline):
    serve_all(fhir, exclude=("meds",))
    included = {"resourceType": "Medication", "id": "m0"}
    requests = [
        MED_REQ,
        {**MED_REQ, "id": "mr0", "medicationReference": {"reference": "Medication/m0"}},
        {**MED_REQ, "id": "mr2", "medicationReference": {"reference": "#contained"}},
        {**MED_REQ, "id": "mr3", "medicationReference": {"reference": f"{fhir.base_url}/Medication/m3"}},
        {**MED_REQ, "id": "mr4", "medicationReference": {"reference": "Medication/gone"}},
    ]
    fhir.search("MedicationRequest?patient=p1&_include=MedicationRequest:medication", requests,
                include=[included])
    fhir.resource({"resourceType": "Medication", "id": "m1", "code": {"text": "colecalciferol"}})
    fhir.resource({"resourceType": "Medication", "id": "m3"})
    data = await call(fhir, client, deadline, {"patient": PATIENT})
    assert set(data.medications) == {"Medication/m0", "Medication/m1", "Medication/m3"}
    assert data.medications["Medication/m1"]["code"]["text"] == "colecalciferol"
    assert data.problems == {"Medication/gone": "http 404"}
    reads = sorted(r.path for r in fhir.requests if r.path.startswith("Medication/"))
    assert reads == ["Medication/gone", "Medication/m1", "Medication/m3"]  # m0 was included
    assert "meds" not in data.unknown


async def test_medications_from_prefetch_without_server(client, deadline):
    meds = bundle([MED_REQ, {"resourceType": "Medication", "id": "m1"}])
    data = await call(None, client, deadline, {**FULL_PREFETCH, "meds": meds})
    assert set(data.medications) == {"Medication/m1"}


async def test_logs_hold_no_token_no_patient_id_no_url(fhir, client, deadline, caplog):
    odd_id = "patient-4711"
    fhir.on(f"Condition?patient={odd_id}", Reply(status=401, body="secret body"))
    fhir.resource({"resourceType": "Patient", "id": odd_id})
    caplog.set_level(logging.DEBUG)
    await resolve(TEMPLATES, {"patientId": odd_id}, {}, fhir.base_url, TOKEN, client, deadline)
    text = caplog.text
    assert "fhir fetch key=conditions" in text and "http 401" in text
    for secret in (TOKEN, odd_id, "127.0.0.1", "secret body"):
        assert secret not in text


LATEST = "Observation?patient={{context.patientId}}&code=x&_sort=-date&_count=2"


async def test_latest_n_search_reads_first_page_only(fhir, client, deadline):
    fhir.search("Observation?patient=p1&code=x&_sort=-date&_count=2", OBS, page_size=2)
    templates = {"patient": TEMPLATES["patient"], "latest": LATEST}
    data = await call(fhir, client, deadline, {"patient": PATIENT}, templates=templates)
    assert len(fhir.requests) == 1
    assert ids(data.get("latest")) == ["o0", "o1"] and data.unknown == frozenset()


async def test_latest_n_search_follows_smaller_pages_until_n(fhir, client, deadline):
    """Issue 10: servers may page smaller than _count; the search is not cut at the first page."""
    fhir.search("Observation?patient=p1&code=x&_sort=-date&_count=2", OBS, page_size=1)
    templates = {"patient": TEMPLATES["patient"], "latest": LATEST}
    data = await call(fhir, client, deadline, {"patient": PATIENT}, templates=templates)
    assert len(fhir.requests) == 2  # two pages of one: N reached, the third page is not asked for
    assert ids(data.get("latest")) == ["o0", "o1"] and data.unknown == frozenset()


async def test_latest_n_prefetch_with_fewer_than_n_follows_its_next_link(fhir, client, deadline):
    urls = fhir.search("Observation?patient=p1&code=x&_sort=-date&_count=2", OBS, page_size=1)
    templates = {"patient": TEMPLATES["patient"], "latest": LATEST}
    prefetch = {"patient": PATIENT, "latest": bundle(OBS[:1], next_url=urls[1])}
    data = await call(fhir, client, deadline, prefetch, templates=templates)
    assert len(fhir.requests) == 1
    assert ids(data.get("latest")) == ["o0", "o1"] and data.unknown == frozenset()


async def test_latest_n_prefetch_next_link_is_not_followed(fhir, client, deadline):
    urls = fhir.search("Observation?patient=p1&code=x&_sort=-date&_count=2", OBS, page_size=2)
    templates = {"patient": TEMPLATES["patient"], "latest": LATEST}
    prefetch = {"patient": PATIENT, "latest": bundle(OBS[:2], next_url=urls[1])}
    data = await call(fhir, client, deadline, prefetch, templates=templates)
    assert fhir.requests == []
    assert ids(data.get("latest")) == ["o0", "o1"] and data.unknown == frozenset()


async def test_fhir_server_with_trailing_slash(fhir, client, deadline):
    serve_all(fhir)
    data = await resolve(TEMPLATES, CONTEXT, {}, fhir.base_url + "/", TOKEN, client, deadline)
    assert data.fetched == set(TEMPLATES)
    paths = [r.raw_target.split("?")[0] for r in fhir.requests]
    assert all(p.startswith("/fhir/") and "//" not in p for p in paths)


async def test_default_patient_template_when_templates_lack_patient(fhir, client, deadline):
    fhir.resource(PATIENT)
    data = await call(fhir, client, deadline, {}, templates={})
    assert data.patient == PATIENT


async def test_today_token_uses_given_date(fhir, client, deadline):
    fhir.resource(PATIENT)
    fhir.search("Observation?patient=p1&date=ge2023-12-02", OBS[:1])
    templates = {"recent": "Observation?patient={{context.patientId}}&date=ge{{today() - 90 days}}"}
    data = await resolve(templates, CONTEXT, {"patient": PATIENT}, fhir.base_url, TOKEN, client,
                         deadline, today=date(2024, 3, 1))
    assert ids(data.get("recent")) == ["o0"]
