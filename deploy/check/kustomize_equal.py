"""Compares this checker's rendering of each kustomization with `kubectl kustomize`'s.

    python kustomize_equal.py [--kubectl PATH] DIR...

Every other check reads the manifests through manifests.render_kustomization, which renders
only what our files use. Where kubectl is installed, this check makes sure that rendering is
what Kubernetes will be given: the same objects, field for field. Generated ConfigMaps are the
one known difference: kustomize appends a content hash to their names (and to every reference
to them); those names are read back to the plain ones before comparing.

Without kubectl the comparison cannot run and says so on a NOTE line, which is not a failure:
kubectl is not part of the machines' documented set-up (ENVIRONMENT.md).
"""

import argparse
import os
import re
import shutil
import subprocess

import yaml

import manifests
from report import Report


def identity(obj):
    meta = obj.get("metadata") or {}
    return (obj.get("kind", ""), meta.get("namespace", ""), meta.get("name", ""))


def without_hashes(value, names):
    """`value` with every string equal to a hashed ConfigMap name replaced by its plain name."""
    if isinstance(value, dict):
        return {k: without_hashes(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [without_hashes(v, names) for v in value]
    if isinstance(value, str):
        return names.get(value, value)
    return value


def kubectl_objects(kubectl, directory, generated):
    out = subprocess.run([kubectl, "kustomize", "--load-restrictor", "LoadRestrictionsNone", directory], capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        raise manifests.ManifestError(f"kubectl kustomize {directory}: {out.stderr.strip()}")
    objects = [d for d in yaml.safe_load_all(out.stdout) if d is not None]
    hashed = {}
    for obj in objects:
        name = (obj.get("metadata") or {}).get("name", "")
        match = re.fullmatch(r"(.+)-[a-z0-9]{10}", name)
        if obj.get("kind") == "ConfigMap" and match and match.group(1) in generated:
            hashed[name] = match.group(1)
    return [without_hashes(obj, hashed) for obj in objects]


def first_difference(ours, theirs, path=""):
    """A short description of where two rendered objects first differ."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        for key in sorted(set(ours) | set(theirs)):
            if key not in ours:
                return f"{path}.{key}: only in kubectl's"
            if key not in theirs:
                return f"{path}.{key}: only in ours"
            found = first_difference(ours[key], theirs[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(ours, list) and isinstance(theirs, list):
        if len(ours) != len(theirs):
            return f"{path}: {len(ours)} items in ours, {len(theirs)} in kubectl's"
        for i, (a, b) in enumerate(zip(ours, theirs)):
            found = first_difference(a, b, f"{path}[{i}]")
            if found:
                return found
        return None
    return None if ours == theirs else f"{path}: {ours!r} in ours, {theirs!r} in kubectl's"


def subject_of(directory):
    """The directory's last two path components, e.g. kubernetes-raw-input/keda."""
    parts = os.path.normpath(os.path.abspath(directory)).split(os.sep)
    return "/".join(parts[-2:])


def check(report, kubectl, directory):
    subject = subject_of(directory)
    ours = [manifests.strip_internal(o) for o in manifests.render_kustomization(directory)]
    generated = {identity(o)[2] for o in ours if o.get("kind") == "ConfigMap"}
    theirs = kubectl_objects(kubectl, directory, generated)
    ours_by_id = {identity(o): o for o in ours}
    theirs_by_id = {identity(o): o for o in theirs}
    problems = []
    for key in sorted(set(ours_by_id) | set(theirs_by_id)):
        if key not in theirs_by_id:
            problems.append(f"{'/'.join(key)} only in ours")
        elif key not in ours_by_id:
            problems.append(f"{'/'.join(key)} only in kubectl's")
        else:
            found = first_difference(ours_by_id[key], theirs_by_id[key])
            if found:
                problems.append(f"{'/'.join(key)} {found}")
    if len(ours) != len(ours_by_id) or len(theirs) != len(theirs_by_id):
        problems.append(f"repeated objects: {len(ours)} rendered as {len(ours_by_id)}, kubectl's {len(theirs)} as {len(theirs_by_id)}")
    if problems:
        report.failed(subject, "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else ""))
    else:
        report.passed(subject, f"{len(ours)} object{'' if len(ours) == 1 else 's'} equal to `kubectl kustomize`'s (ConfigMap name hashes aside)")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--kubectl", default=shutil.which("kubectl"))
    parser.add_argument("directories", nargs="+")
    args = parser.parse_args()
    report = Report("kustomize")
    if not args.kubectl:
        print("NOTE [kustomize] kubectl is not installed: the rendering is not compared with kustomize's", flush=True)
        report.exit()
    for directory in args.directories:
        try:
            check(report, args.kubectl, directory)
        except (manifests.ManifestError, subprocess.TimeoutExpired, OSError, yaml.YAMLError) as error:
            report.failed(subject_of(directory), str(error))
    report.exit()


if __name__ == "__main__":
    main()
