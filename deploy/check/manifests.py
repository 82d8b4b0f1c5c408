"""Reads the deployment files under deploy/ into plain data, offline.

Each reader understands just the subset of its format that eduhub's files use and refuses
anything else loudly, so that a construct the checks would silently ignore cannot slip in:
  - Kubernetes: a kustomization (resources, namespace, labels, configMapGenerator, images), and
    an overlay's directory resource and `patches` (strategic-merge files: `$patch: delete` of a
    whole object, maps merged, the built-in lists of named items merged by name);
  - Compose: services with command/entrypoint, environment, secrets, YAML anchors and merges;
  - Dockerfile: the last stage's ENV, COPY, CMD and ENTRYPOINT;
  - systemd: ExecStart, Environment, EnvironmentFile and LoadCredential of [Service].
"""

import copy
import json
import os
import re
import shlex

import yaml

# Kinds without a namespace. kustomize's `namespace:` goes on every other object, custom
# resources (ScaledObject, PodMonitor, PrometheusRule) included.
CLUSTER_SCOPED_KINDS = {
    "Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "PersistentVolume",
    "StorageClass", "PriorityClass", "IngressClass", "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration",
    "APIService", "RuntimeClass",
}
KUSTOMIZATION_KEYS = {"apiVersion", "kind", "namespace", "labels", "resources", "configMapGenerator", "images", "patches"}
# The lists a strategic merge patch of a built-in kind merges item by item, keyed by `name`
# (kustomize's patchMergeKey for them); every other list, and every list of a custom resource
# (a ScaledObject's triggers), is replaced whole.
NAMED_LISTS = {"containers", "initContainers", "env", "volumes", "volumeMounts", "ports"}
BUILT_IN_API_GROUPS = {"v1", "apps/v1", "batch/v1", "policy/v1", "networking.k8s.io/v1"}


class ManifestError(Exception):
    """A deployment file this checker cannot read, or that breaks an assumption."""


def load_yaml_documents(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


# --- Kubernetes ----------------------------------------------------------------------------

def render_kustomization(directory):
    """The objects `kustomize build --load-restrictor LoadRestrictionsNone DIR` would emit,
    except that generated ConfigMaps keep their plain name (no content hash)."""
    path = os.path.join(directory, "kustomization.yaml")
    (k,) = load_yaml_documents(path)
    unknown = set(k) - KUSTOMIZATION_KEYS
    if unknown:
        raise ManifestError(f"{path}: fields this checker does not render: {', '.join(sorted(unknown))}")
    objects = []
    for resource in k.get("resources", []):
        resource_path = os.path.join(directory, resource)
        if os.path.isdir(resource_path):
            # An overlay's base: a directory is rendered as its own kustomization.
            here, base = os.path.realpath(directory), os.path.realpath(resource_path)
            if os.path.commonpath([here, base]) == base:
                # kustomize refuses it too ("cycle detected"): an overlay lives beside its base.
                raise ManifestError(f"{path}: resource {resource} contains this kustomization")
            if not os.path.isfile(os.path.join(resource_path, "kustomization.yaml")):
                raise ManifestError(f"{path}: resource {resource} is a directory without a kustomization.yaml; list files")
            objects += render_kustomization(resource_path)
            continue
        objects += load_yaml_documents(resource_path)
    for generator in k.get("configMapGenerator", []):
        data = {}
        for entry in generator.get("files", []):
            key, _, source = entry.rpartition("=") if "=" in entry else (None, None, entry)
            source_path = os.path.normpath(os.path.join(directory, source))
            with open(source_path, encoding="utf-8") as f:
                data[key or os.path.basename(source)] = f.read()
        objects.append({"apiVersion": "v1", "kind": "ConfigMap",
                        "metadata": {"name": generator["name"]}, "data": data,
                        "_generatedFrom": [os.path.normpath(os.path.join(directory, e.rpartition("=")[2]))
                                           for e in generator.get("files", [])]})
    for entry in k.get("patches", []):
        if set(entry) != {"path"}:
            raise ManifestError(f"{path}: a patch is rendered here only as {{path: FILE}}, not {entry}")
        for patch in load_yaml_documents(os.path.join(directory, entry["path"])):
            objects = apply_patch(objects, patch, f"{path}: patch {entry['path']}")
    namespace = k.get("namespace")
    for obj in objects:
        meta = obj.setdefault("metadata", {})
        if namespace and obj.get("kind") not in CLUSTER_SCOPED_KINDS:
            meta["namespace"] = namespace
        for label_set in k.get("labels", []):
            if label_set.get("includeSelectors") or label_set.get("includeTemplates"):
                raise ManifestError(f"{path}: labels with includeSelectors/includeTemplates are not rendered here")
            meta.setdefault("labels", {}).update(label_set.get("pairs", {}))
        for pod in pod_specs(obj):
            for container in pod.get("initContainers", []) + pod.get("containers", []):
                container["image"] = rewrite_image(container.get("image", ""), k.get("images", []))
    return objects


def apply_patch(objects, patch, where):
    """`objects` with one strategic-merge patch applied to the object of its kind and name."""
    kind, name = patch.get("kind"), (patch.get("metadata") or {}).get("name")
    matches = [i for i, o in enumerate(objects) if o.get("kind") == kind and o.get("metadata", {}).get("name") == name]
    if len(matches) != 1:
        raise ManifestError(f"{where}: {kind}/{name} matches {len(matches)} objects, not one")
    (index,) = matches
    if patch.get("$patch") == "delete":
        if set(patch) - {"apiVersion", "kind", "metadata", "$patch"}:
            raise ManifestError(f"{where}: a $patch: delete of {kind}/{name} carries other fields")
        return objects[:index] + objects[index + 1:]
    built_in = objects[index].get("apiVersion") in BUILT_IN_API_GROUPS
    # strategic_merge builds the patched object anew; the others are taken as they are.
    merged = list(objects)
    merged[index] = strategic_merge(objects[index], patch, built_in, f"{where}: {kind}/{name}")
    return merged


def strategic_merge(target, patch, built_in, where):
    if isinstance(target, dict) and isinstance(patch, dict):
        out = dict(target)
        for key, value in patch.items():
            if key.startswith("$"):
                raise ManifestError(f"{where}: directive {key} is not rendered here")
            if key in out and isinstance(out[key], list) and isinstance(value, list) and built_in and key in NAMED_LISTS:
                out[key] = merge_named(out[key], value, where)
            elif key in out and value is not None:
                out[key] = strategic_merge(out[key], value, built_in, where)
            elif value is None:
                out.pop(key, None)
            else:
                out[key] = copy.deepcopy(value)
        return out
    return copy.deepcopy(patch)


def merge_named(target, patch, where):
    out = [copy.deepcopy(item) for item in target]
    for item in patch:
        if not isinstance(item, dict) or "name" not in item:
            raise ManifestError(f"{where}: an item of a merged list needs a name: {item}")
        index = next((i for i, t in enumerate(out) if t.get("name") == item["name"]), None)
        if index is None:
            out.append(copy.deepcopy(item))
        else:
            out[index] = strategic_merge(out[index], item, True, where)
    return out


def rewrite_image(image, rules):
    name, _, tag = image.partition(":")
    for rule in rules:
        if rule.get("name") == name:
            name, tag = rule.get("newName", name), rule.get("newTag", tag)
    return f"{name}:{tag}" if tag else name


def pod_specs(obj):
    """The pod spec of a workload object (Deployment, Job, ...), as a list of zero or one."""
    kind = obj.get("kind")
    if kind in ("Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet"):
        return [obj["spec"]["template"]["spec"]]
    if kind == "CronJob":
        return [obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]]
    if kind == "Pod":
        return [obj["spec"]]
    return []


def container_environment(container, config_maps):
    """A container's environment as the pod would see it: envFrom's ConfigMaps, then env's values."""
    env = {}
    for source in container.get("envFrom", []):
        ref = source.get("configMapRef")
        if ref:
            env.update(config_maps.get(ref["name"], {}))
    for item in container.get("env", []):
        if "value" in item:
            env[item["name"]] = item["value"]
    return env


def strip_internal(obj):
    """The object without this checker's bookkeeping fields."""
    clean = copy.deepcopy(obj)
    for key in [k for k in clean if k.startswith("_")]:
        del clean[key]
    return clean


# --- Compose -------------------------------------------------------------------------------

def load_compose(path):
    (doc,) = load_yaml_documents(path)
    return doc


def compose_merge(base, override):
    """`docker compose -f BASE -f OVERRIDE`'s model for the keys eduhub's overlays use: maps
    merge key by key (a service's environment too), anything else the override replaces."""
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for key, value in override.items():
            out[key] = compose_merge(base[key], value) if key in base else copy.deepcopy(value)
        return out
    if (isinstance(base, list) or isinstance(override, list)) and base != override:
        # Compose appends some lists (ports, secrets) and replaces others (command): refuse
        # rather than guess which.
        raise ManifestError(f"an override list {override!r} over {base!r} is not merged here")
    return copy.deepcopy(override)


def compose_environment(service):
    env = service.get("environment") or {}
    if isinstance(env, list):
        pairs = {}
        for item in env:
            key, sep, value = item.partition("=")
            if not sep:
                raise ManifestError(f"environment entry {item!r} has no value (taken from the host shell)")
            pairs[key] = value
        env = pairs
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def compose_secret_targets(service):
    """(secret name, path inside the container) for each secret the service mounts."""
    out = []
    for entry in service.get("secrets", []) or []:
        if isinstance(entry, str):
            out.append((entry, f"/run/secrets/{entry}"))
        else:
            target = entry.get("target", entry["source"])
            out.append((entry["source"], target if target.startswith("/") else f"/run/secrets/{target}"))
    return out


def compose_as_list(value):
    if value is None:
        return None
    return shlex.split(value) if isinstance(value, str) else [str(v) for v in value]


# --- Dockerfile ----------------------------------------------------------------------------

def read_dockerfile(path):
    """The runtime (last) stage: {"env", "copies": [(src, dest)], "cmd", "entrypoint"}."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    lines, current = [], ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if current and stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        lines.append(current + stripped)
        current = ""
    args, stage = {}, None
    for line in lines:
        instruction, _, rest = line.partition(" ")
        instruction = instruction.upper()
        rest = rest.strip()
        if instruction == "FROM":
            stage = {"env": {}, "args": dict(args), "copies": [], "cmd": None, "entrypoint": None}
        elif instruction == "ARG":
            name, _, default = rest.partition("=")
            (stage["args"] if stage else args)[name] = default
        elif stage is None:
            continue
        elif instruction == "ENV":
            scope = {**stage["args"], **stage["env"]}
            tokens = shlex.split(rest)
            if tokens and "=" not in tokens[0]:
                stage["env"][tokens[0]] = substitute(" ".join(tokens[1:]), scope)
            else:
                for token in tokens:
                    key, _, value = token.partition("=")
                    stage["env"][key] = substitute(value, scope)
        elif instruction == "COPY":
            tokens = [t for t in shlex.split(rest) if not t.startswith("--")]
            if not any(t.startswith("--from") for t in shlex.split(rest)):
                *sources, dest = tokens
                stage["copies"] += [(s, dest) for s in sources]
        elif instruction in ("CMD", "ENTRYPOINT"):
            if not rest.startswith("["):
                raise ManifestError(f"{path}: {instruction} must use the exec (JSON) form")
            stage[instruction.lower()] = json.loads(rest)
    if stage is None:
        raise ManifestError(f"{path}: no FROM")
    return stage


def substitute(value, scope):
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: scope.get(m.group(1) or m.group(2), ""), value)


# --- systemd -------------------------------------------------------------------------------

def read_unit(path):
    """[Service] settings as {key: [values in order]}."""
    section, settings = None, {}
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.strip()
            if not line or line[0] in "#;":
                continue
            if line.startswith("["):
                section = line.strip("[]")
                continue
            if section == "Service":
                key, _, value = line.partition("=")
                settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def read_environment_file(path):
    """KEY=VALUE lines as systemd reads them: comments, optional quotes around the value."""
    env = {}
    with open(path, encoding="utf-8") as f:
        for number, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line[0] in "#;":
                continue
            key, sep, value = line.partition("=")
            if not sep:
                raise ManifestError(f"{path}:{number}: expected KEY=VALUE")
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1]
            env[key.strip()] = value
    return env


def unit_environment_assignments(value):
    """`Environment=A=1 "B=two words"` as {"A": "1", "B": "two words"}."""
    out = {}
    for token in shlex.split(value):
        key, _, v = token.partition("=")
        out[key] = v
    return out
