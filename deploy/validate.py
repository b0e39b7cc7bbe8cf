"""Render ``deploy/kubernetes`` (base and every overlay) and validate each manifest against the
Kubernetes schemas with kubernetes-validate (strict: unknown fields are errors).

    python -m deploy.validate            # one line per manifest; exit 1 on any error
"""

from __future__ import annotations

import sys
from pathlib import Path

import kubernetes_validate

from deploy.kustomize import render

KUBERNETES = Path(__file__).resolve().parent / "kubernetes"
KUBERNETES_VERSION = "1.33.0"  # a release still supported upstream (the HPA, PDB and Job APIs used are GA since 1.23)


def kustomizations() -> list[Path]:
    return [KUBERNETES / "base", *sorted(p for p in (KUBERNETES / "overlays").iterdir() if p.is_dir())]


def validate(directory: Path, version: str = KUBERNETES_VERSION) -> list[str]:
    """One line per rendered manifest: ``ok`` or the error."""
    lines = []
    for doc in render(directory):
        name = f"{directory.relative_to(KUBERNETES.parent.parent)}: {doc['kind']}/{doc['metadata']['name']}"
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            lines.append(f"{name}: INVALID {exc.message} at {'/'.join(map(str, exc.path))}")
        else:
            lines.append(f"{name}: valid (Kubernetes {version}, strict)")
    return lines


def main() -> int:
    lines = [line for directory in kustomizations() for line in validate(directory)]
    print("\n".join(lines))
    return 1 if any("INVALID" in line for line in lines) else 0


if __name__ == "__main__":
    sys.exit(main())
