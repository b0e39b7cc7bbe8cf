"""deploy/kubernetes: every rendered manifest (base and overlays) is valid against the Kubernetes
schemas (kubernetes-validate, strict), and keeps the promises operators rely on."""

from __future__ import annotations

import copy

import kubernetes_validate
import pytest

from deploy.kustomize import KustomizeError, render
from deploy.validate import KUBERNETES, KUBERNETES_VERSION, kustomizations, validate

PRODUCTION = KUBERNETES / "overlays" / "production"


def by_kind(directory) -> dict[str, dict]:
    return {doc["kind"]: doc for doc in render(directory)}


@pytest.mark.parametrize("directory", kustomizations(), ids=lambda p: p.name)
def test_rendered_manifests_are_valid(directory):
    lines = validate(directory)
    assert len(lines) == 5 and all("valid (" in line for line in lines), lines


def test_the_validator_catches_a_mistake():
    deployment = copy.deepcopy(by_kind(PRODUCTION)["Deployment"])
    deployment["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGett"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize("directory", kustomizations(), ids=lambda p: p.name)
def test_the_deployment_keeps_its_promises(directory):
    docs = by_kind(directory)
    pod = docs["Deployment"]["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert pod["enableServiceLinks"] is False and pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert set(container["resources"]) == {"requests", "limits"}
    env = {e["name"]: e for e in container["env"]}
    assert env["CDS_ENV"]["value"] == "production"
    for name in ("CDS_DATABASE_URL", "CDS_PSEUDONYM_SECRET", "CDS_METRICS_TOKEN"):
        assert env[name]["valueFrom"]["secretKeyRef"]["name"] == "cds-service"
    volumes = {v["name"]: v for v in pod["volumes"]}
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    assert "emptyDir" in volumes[mounts[env["PROMETHEUS_MULTIPROC_DIR"]["value"]]]
    issuers_dir = env["CDS_TRUSTED_ISSUERS"]["value"].rsplit("/", 1)[0]
    assert volumes[mounts[issuers_dir]]["secret"]["secretName"] == "cds-service-issuers"
    # every CDS_ variable is a real setting (the service refuses unknown ones)
    from cds_service.config import unknown_variables

    assert unknown_variables({name: "" for name in env}) == []
    job = docs["Job"]["spec"]["template"]["spec"]
    assert job["containers"][0]["args"] == ["db", "upgrade"] and job["enableServiceLinks"] is False
    assert job["containers"][0]["image"] == container["image"]
    assert docs["HorizontalPodAutoscaler"]["spec"]["scaleTargetRef"]["name"] == docs["Deployment"]["metadata"]["name"]
    selector = docs["PodDisruptionBudget"]["spec"]["selector"]["matchLabels"]
    assert selector.items() <= docs["Deployment"]["spec"]["template"]["metadata"]["labels"].items()
    assert docs["Service"]["spec"]["selector"].items() <= docs["Deployment"]["spec"]["template"]["metadata"]["labels"].items()


def test_the_production_overlay_sets_namespace_image_and_site_values():
    docs = by_kind(PRODUCTION)
    assert {doc["metadata"]["namespace"] for doc in docs.values()} == {"bone-health-cds"}
    container = docs["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "registry.example.org/bone-health-cds:0.1.0"
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["CDS_PUBLIC_BASE_URL"] == "https://cds.hospital.example.org"
    assert docs["HorizontalPodAutoscaler"]["spec"]["minReplicas"] == 3
    assert docs["PodDisruptionBudget"]["spec"]["minAvailable"] == 2


def test_the_renderer_refuses_what_it_does_not_implement(tmp_path):
    (tmp_path / "kustomization.yaml").write_text("resources: []\nconfigMapGenerator: []\n")
    with pytest.raises(KustomizeError):
        render(tmp_path)
