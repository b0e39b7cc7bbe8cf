"""The token guard (which URLs may receive the bearer token) and the shared client."""

from __future__ import annotations

import httpx
import pytest

from cds_service.fhir.client import create_client
from cds_service.fhir.fetch import FhirFetcher, normalise_base
from cds_service.fhir.medications import medication_references
from tests.fhirserver import Reply


@pytest.mark.parametrize(
    ("given", "base"),
    [
        ("https://ehr.example/fhir", "https://ehr.example/fhir"),
        ("https://ehr.example/fhir/", "https://ehr.example/fhir"),
        ("https://EHR.example:443/fhir/r4/", "https://ehr.example/fhir/r4"),
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),
        ("ftp://ehr.example/fhir", None),
        ("https://user:pw@ehr.example/fhir", None),
        ("https://ehr.example/fhir?x=1", None),
        ("https://ehr.example/fhir/%2e%2e/admin", None),
        ("ehr.example/fhir", None),
        ("", None),
        (None, None),
    ],
)
def test_normalise_base(given, base):
    assert normalise_base(given) == base


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://ehr.example/fhir/Observation?page=2", True),
        ("https://ehr.example:443/fhir/Observation?page=2", True),
        ("https://EHR.example/fhir/Observation", True),
        ("https://ehr.example/fhir?_getpages=abc", True),
        ("Observation?page=2", True),
        ("http://ehr.example/fhir/Observation", False),  # scheme
        ("https://ehr.example:8443/fhir/Observation", False),  # port
        ("https://other.example/fhir/Observation", False),  # host
        ("https://ehr.example.evil/fhir/Observation", False),
        ("https://ehr.example/fhir-admin/Observation", False),  # path prefix
        ("https://ehr.example/other/Observation", False),
        ("https://ehr.example/fhir/../admin", False),
        ("https://ehr.example/fhir/%2e%2e/admin", False),
        ("https://user@ehr.example/fhir/Observation", False),
        ("//other.example/fhir/Observation", False),
        ("/admin", False),
        ("http://[::1", False),
    ],
)
def test_token_only_goes_under_the_base(url, ok):
    fetcher = FhirFetcher(httpx.AsyncClient(), "https://ehr.example/fhir", "t", 0.0)
    assert (fetcher.allowed(url) is not None) is ok


def test_medication_references():
    base = "https://ehr.example/fhir"
    resources = [
        {"resourceType": "MedicationRequest", "medicationReference": {"reference": "Medication/m1"}},
        {"resourceType": "MedicationStatement", "medicationReference": {"reference": "#c1"}},
        {"resourceType": "MedicationDispense", "medicationReference": {"reference": f"{base}/Medication/m2"}},
        {"resourceType": "MedicationRequest", "medicationReference": {"reference": "https://x.example/Medication/m3"}},
        {"resourceType": "MedicationRequest", "medicationReference": {"reference": "Medication/m4/_history/2"}},
        {"resourceType": "MedicationRequest", "medicationReference": {"reference": "Medication/../Patient/p"}},
        {"resourceType": "MedicationRequest", "medicationReference": {"reference": "Substance/s1"}},
        {"resourceType": "MedicationRequest", "medication": {"reference": {"reference": "Medication/m5"}}},
        {"resourceType": "Condition", "medicationReference": {"reference": "Medication/m6"}},
        {"resourceType": "MedicationRequest", "medicationCodeableConcept": {"text": "x"}},
    ]
    assert medication_references(resources, base) == {
        "Medication/m1", "Medication/m2", "Medication/m4", "Medication/m5"}


async def test_client_does_not_follow_redirects_or_keep_cookies(fhir, other_fhir):
    fhir.on("Patient/p1", Reply(status=302, headers={
        "Location": f"{other_fhir.base_url}/Patient/p1", "Set-Cookie": "session=abc; Path=/"}))
    async with create_client(trust_env=False) as client:
        first = await client.get(f"{fhir.base_url}/Patient/p1")
        await client.get(f"{fhir.base_url}/Patient/p1")
    assert first.status_code == 302
    assert other_fhir.requests == []
    assert len(client.cookies.jar) == 0


def test_client_settings():
    client = create_client(timeout=1.5, connect_timeout=0.5, max_connections=7)
    assert client.follow_redirects is False
    assert client.timeout.read == 1.5 and client.timeout.connect == 0.5
