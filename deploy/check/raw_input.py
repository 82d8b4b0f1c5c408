"""Checks that the deployment without hub-ingest is what it says, in Kubernetes and Compose.

    python raw_input.py REPO

The raw-input overlays (deploy/kubernetes-raw-input, deploy/compose/docker-compose.raw-input.yml)
must start no hub-ingest, run every hub-transform container with HUB_TRANSFORM_INPUT=raw, point
the scheduler's watermark sensor (HUB_INGEST_GROUP) at transform's group, and otherwise leave
the split deployment as it is: a base change then reaches both deployments.
"""

import argparse
import os

import manifests
from report import Report


def program(container):
    command = container.get("command") or []
    return os.path.basename(command[0]) if command else ""


def check_processes(report, subject, processes):
    """`processes`: (program, environment) of every eduhub container the deployment starts."""
    problems = []
    if any(p == "hub-ingest" for p, _ in processes):
        problems.append("starts hub-ingest")
    transforms = [env for p, env in processes if p == "hub-transform"]
    if not transforms:
        problems.append("starts no hub-transform")
    groups = set()
    for env in transforms:
        if env.get("HUB_TRANSFORM_INPUT") != "raw":
            problems.append(f"a hub-transform has HUB_TRANSFORM_INPUT={env.get('HUB_TRANSFORM_INPUT')!r}, not 'raw'")
        groups.add(env.get("HUB_GROUP", "hub-transform"))
    for p, env in processes:
        if p == "hub-scheduler" and env.get("HUB_INGEST_GROUP") not in groups:
            problems.append(f"the scheduler's HUB_INGEST_GROUP {env.get('HUB_INGEST_GROUP')!r} is not transform's group {sorted(groups)}")
    if problems:
        report.failed(subject, "; ".join(problems))
    else:
        report.passed(subject, f"no hub-ingest; {len(transforms)} hub-transform container(s) read raw; scheduler watches {sorted(groups)}")


def kubernetes(report, repo):
    base = manifests.render_kustomization(os.path.join(repo, "deploy/kubernetes"))
    overlay = manifests.render_kustomization(os.path.join(repo, "deploy/kubernetes-raw-input"))
    config_maps = {o["metadata"]["name"]: o.get("data", {}) for o in overlay if o.get("kind") == "ConfigMap"}
    processes = []
    for obj in overlay:
        for pod in manifests.pod_specs(obj):
            for c in pod.get("initContainers", []) + pod.get("containers", []):
                processes.append((program(c), manifests.container_environment(c, config_maps)))
    check_processes(report, "kubernetes-raw-input", processes)

    def key(o):
        return (o.get("kind"), o.get("metadata", {}).get("name"))
    overlay_by_key = {key(o): o for o in overlay}
    changed = []
    for o in base:
        if key(o)[1] == "hub-ingest":
            continue
        other = overlay_by_key.get(key(o))
        if other is None:
            changed.append(f"{key(o)[0]}/{key(o)[1]} missing")
        elif key(o) != ("ConfigMap", "eduhub-config") and manifests.strip_internal(other) != manifests.strip_internal(o):
            changed.append(f"{key(o)[0]}/{key(o)[1]} differs")
    extra = sorted(f"{k[0]}/{k[1]}" for k in overlay_by_key if k not in {key(o) for o in base})
    if changed or extra:
        report.failed("kubernetes-raw-input vs the base", "; ".join(changed + [f"{e} added" for e in extra]))
    else:
        report.passed("kubernetes-raw-input vs the base", "only eduhub-config differs and hub-ingest's objects are gone")


def compose(report, repo):
    base = manifests.load_compose(os.path.join(repo, "deploy/compose/docker-compose.yml"))
    merged = manifests.compose_merge(base, manifests.load_compose(os.path.join(repo, "deploy/compose/docker-compose.raw-input.yml")))
    processes = []
    for service in merged.get("services", {}).values():
        if service.get("profiles"):
            continue
        command = manifests.compose_as_list(service.get("command")) or []
        processes.append((os.path.basename(command[0]) if command else "", manifests.compose_environment(service)))
    check_processes(report, "compose raw-input", processes)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("repo")
    args = parser.parse_args()
    report = Report("raw-input")
    try:
        kubernetes(report, args.repo)
        compose(report, args.repo)
    except (manifests.ManifestError, OSError, KeyError) as error:
        report.failed("render", f"{type(error).__name__}: {error}")
    report.exit()


if __name__ == "__main__":
    main()
