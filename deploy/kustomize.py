"""Render a kustomization the way ``kubectl kustomize`` does, for the subset ``deploy/kubernetes``
uses (no kustomize binary can be installed from the registries CI reaches).

Supported fields: ``resources`` (files and directories with a kustomization.yaml), ``namespace``,
``labels`` (``pairs``, metadata only), ``images`` (``name`` -> ``newName``/``newTag``/``digest``)
and ``patches`` (a ``target`` by kind and name with an inline JSON 6902 ``patch``). Anything else
is refused, so the files cannot drift into what this renderer would silently ignore.

    python -m deploy.kustomize deploy/kubernetes/overlays/production   # prints the YAML stream
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

import yaml

SUPPORTED = {"apiVersion", "kind", "resources", "namespace", "labels", "images", "patches"}
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume", "StorageClass"}


class KustomizeError(Exception):
    pass


def render(directory: Path) -> list[dict[str, Any]]:
    directory = Path(directory)
    spec = yaml.safe_load((directory / "kustomization.yaml").read_text())
    unknown = set(spec) - SUPPORTED
    if unknown:
        raise KustomizeError(f"{directory}/kustomization.yaml: unsupported fields {sorted(unknown)}")
    documents: list[dict[str, Any]] = []
    for entry in spec.get("resources", []):
        path = directory / entry
        if path.is_dir():
            documents.extend(render(path))
        else:
            documents.extend(d for d in yaml.safe_load_all(path.read_text()) if d)
    documents = [copy.deepcopy(d) for d in documents]
    for patch in spec.get("patches", []):
        _patch(documents, patch, directory)
    for doc in documents:
        if spec.get("namespace") and doc["kind"] not in CLUSTER_SCOPED:
            doc["metadata"]["namespace"] = spec["namespace"]
        for labels in spec.get("labels", []):
            if set(labels) - {"pairs", "includeSelectors", "includeTemplates"} or labels.get("includeSelectors"):
                raise KustomizeError("labels: only pairs (metadata labels) are supported")
            doc["metadata"].setdefault("labels", {}).update(labels["pairs"])
            if labels.get("includeTemplates") and "template" in doc.get("spec", {}):
                doc["spec"]["template"].setdefault("metadata", {}).setdefault("labels", {}).update(labels["pairs"])
        for image in spec.get("images", []):
            _set_image(doc, image)
    return documents


def _containers(doc: dict[str, Any]) -> list[dict[str, Any]]:
    spec = doc.get("spec", {})
    pod = spec.get("template", {}).get("spec") or spec.get("jobTemplate", {}).get("spec", {}).get("template", {}).get("spec") or {}
    return [*pod.get("initContainers", []), *pod.get("containers", [])]


def _set_image(doc: dict[str, Any], image: dict[str, str]) -> None:
    for container in _containers(doc):
        current = container["image"]
        name = current.split("@")[0].rsplit(":", 1)[0] if ":" in current.split("/")[-1] else current.split("@")[0]
        if name != image["name"]:
            continue
        new = image.get("newName", name)
        if image.get("digest"):
            container["image"] = f"{new}@{image['digest']}"
        elif image.get("newTag"):
            container["image"] = f"{new}:{image['newTag']}"
        else:
            container["image"] = new + current[len(name):]


def _patch(documents: list[dict[str, Any]], patch: dict[str, Any], directory: Path) -> None:
    target = patch.get("target") or {}
    if set(patch) - {"target", "patch"} or set(target) - {"kind", "name"} or not target:
        raise KustomizeError(f"{directory}: patches need a target (kind, name) and an inline JSON 6902 patch")
    operations = yaml.safe_load(patch["patch"])
    matched = [d for d in documents if d["kind"] == target.get("kind", d["kind"]) and d["metadata"]["name"] == target.get("name", d["metadata"]["name"])]
    if not matched:
        raise KustomizeError(f"{directory}: patch target {target} matches nothing")
    for doc in matched:
        for op in operations:
            _apply(doc, op)


def _apply(doc: Any, op: dict[str, Any]) -> None:
    parts = [p.replace("~1", "/").replace("~0", "~") for p in op["path"].split("/")[1:]]
    parent = doc
    for part in parts[:-1]:
        parent = parent[int(part)] if isinstance(parent, list) else parent[part]
    last = parts[-1]
    kind = op["op"]
    if isinstance(parent, list):
        index = len(parent) if last == "-" else int(last)
        if kind == "add":
            parent.insert(index, op["value"])
        elif kind == "replace":
            parent[index] = op["value"]
        elif kind == "remove":
            del parent[index]
        else:
            raise KustomizeError(f"unsupported patch op {kind}")
    elif kind in ("add", "replace"):
        if kind == "replace" and last not in parent:
            raise KustomizeError(f"replace: {op['path']} does not exist")
        parent[last] = op["value"]
    elif kind == "remove":
        del parent[last]
    else:
        raise KustomizeError(f"unsupported patch op {kind}")


def main(argv: list[str]) -> None:
    for directory in argv or ["deploy/kubernetes/overlays/production"]:
        sys.stdout.write(yaml.safe_dump_all(render(Path(directory)), sort_keys=False))


if __name__ == "__main__":
    main(sys.argv[1:])
