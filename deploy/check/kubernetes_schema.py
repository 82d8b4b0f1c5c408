"""(a) Strict schema validation of the core Kubernetes manifests.

Renders deploy/kubernetes the way kustomize would (manifests.render_kustomization), writes one
file per object and runs `kubernetes-validate --strict` on them, so an unknown field, a wrong
type or a missing required field fails. Also checks that the generated topology ConfigMap
carries every file of Topologies/.

    python kubernetes_schema.py --validator PATH --kubernetes-version 1.33.0 KUSTOMIZE_DIR TOPOLOGY_DIR
"""

import argparse
import glob
import os
import re
import subprocess
import tempfile

import yaml

import manifests
from report import Report


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--validator", required=True)
    parser.add_argument("--kubernetes-version", required=True)
    parser.add_argument("kustomize_dir")
    parser.add_argument("topology_dir")
    args = parser.parse_args()
    overlay = os.path.basename(os.path.normpath(args.kustomize_dir))
    report = Report("k8s-schema" if overlay == "kubernetes" else f"k8s-schema {overlay}")

    try:
        objects = manifests.render_kustomization(args.kustomize_dir)
    except (manifests.ManifestError, OSError, yaml.YAMLError) as error:
        report.failed(f"render {args.kustomize_dir}", str(error))
        report.exit()

    wanted = sorted(os.path.realpath(p) for p in glob.glob(os.path.join(args.topology_dir, "*.y*ml")))
    generated = [o for o in objects if "_generatedFrom" in o]
    for cm in generated:
        listed = sorted(os.path.realpath(p) for p in cm["_generatedFrom"])
        missing = [os.path.basename(p) for p in wanted if p not in listed]
        if missing:
            report.failed(f"ConfigMap/{cm['metadata']['name']}", f"configMapGenerator misses {', '.join(missing)} of {args.topology_dir}")
        else:
            report.passed(f"ConfigMap/{cm['metadata']['name']}", f"generated from all {len(wanted)} topology files")

    with tempfile.TemporaryDirectory(prefix="deploy-check-k8s-") as out:
        files = {}
        for index, obj in enumerate(objects):
            subject = f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')}"
            path = os.path.join(out, f"{index:02d}-{re.sub(r'[^A-Za-z0-9.-]', '_', subject)}.yaml")
            with open(path, "w", encoding="utf-8") as f:
                yaml.safe_dump(manifests.strip_internal(obj), f, sort_keys=False)
            files[os.path.basename(path)] = subject
        result = subprocess.run(
            [args.validator, "--strict", "-k", args.kubernetes_version, *sorted(files)],
            cwd=out, capture_output=True, text=True)
        seen = set()
        for line in (result.stdout + result.stderr).splitlines():
            name = next((n for n in files if f" {n} " in f" {line} "), None)
            if name is None:
                if line.strip():
                    print(f"     {line}")
                continue
            seen.add(name)
            subject = f"{files[name]} (kubernetes {args.kubernetes_version}, strict)"
            if line.startswith("INFO") and "passed" in line:
                report.passed(subject)
            else:
                report.failed(subject, line.split(": ", 1)[-1])
        for name in sorted(set(files) - seen):
            report.failed(files[name], f"kubernetes-validate said nothing about it (exit {result.returncode})")
        if result.returncode != 0 and report.failures == 0:
            report.failed("kubernetes-validate", f"exit {result.returncode}")
    report.exit()


if __name__ == "__main__":
    main()
