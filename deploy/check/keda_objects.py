"""(b) The KEDA ScaledObjects: required fields, and agreement with the core manifests.

KEDA's CRD schema is not part of kubernetes-validate, so this checks what KEDA would reject or
silently mis-scale on: apiVersion/kind, a scaleTargetRef naming a Deployment of the core
manifests (same namespace), replica bounds (at most the partition count `hubctl topics create`
uses), triggers with a type and string-valued metadata holding the scaler's required keys, a
kafka trigger's consumer group and brokers matching the worker's settings.

    python keda_objects.py KEDA_DIR CORE_KUSTOMIZE_DIR
"""

import argparse
import os

import manifests
from report import Report

WORKER_STAGES = ("ingest", "transform", "sink")
REQUIRED_METADATA = {
    "kafka": ("bootstrapServers", "consumerGroup", "lagThreshold"),
    "prometheus": ("serverAddress", "query", "threshold"),
    "postgresql": ("query", "targetQueryValue"),
}


def container_environment(deployment, config_maps):
    """The main container's environment as the pod would see it (envFrom, then env)."""
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    return container, manifests.container_environment(container, config_maps)


def partition_count(objects):
    for obj in objects:
        for pod in manifests.pod_specs(obj):
            for c in pod.get("initContainers", []) + pod.get("containers", []):
                command = c.get("command", []) + c.get("args", [])
                if command[:3] == ["hubctl", "topics", "create"] and "--partitions" in command:
                    return int(command[command.index("--partitions") + 1])
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("keda_dir")
    parser.add_argument("core_dir")
    parser.add_argument("--stages", default=",".join(WORKER_STAGES),
                        help="the stages whose Deployments a ScaledObject must scale (comma-separated)")
    args = parser.parse_args()
    parent = os.path.basename(os.path.dirname(os.path.normpath(args.keda_dir)))
    report = Report("keda" if parent == "kubernetes" else f"keda {parent}")

    core = manifests.render_kustomization(args.core_dir)
    deployments = {o["metadata"]["name"]: o for o in core if o.get("kind") == "Deployment"}
    config_maps = {o["metadata"]["name"]: o.get("data", {}) for o in core if o.get("kind") == "ConfigMap"}
    partitions = partition_count(core)
    scaled = manifests.render_kustomization(args.keda_dir)
    targets = set()

    for obj in scaled:
        name = obj.get("metadata", {}).get("name", "?")
        subject = f"ScaledObject/{name}"
        problems = []
        if obj.get("apiVersion") != "keda.sh/v1alpha1":
            problems.append(f"apiVersion {obj.get('apiVersion')!r} is not keda.sh/v1alpha1")
        if obj.get("kind") != "ScaledObject":
            problems.append(f"kind {obj.get('kind')!r} is not ScaledObject")
        spec = obj.get("spec") or {}
        ref = spec.get("scaleTargetRef") or {}
        deployment = deployments.get(ref.get("name"))
        if ref.get("kind", "Deployment") != "Deployment" or deployment is None:
            problems.append(f"scaleTargetRef {ref.get('kind', 'Deployment')}/{ref.get('name')} is not a Deployment of {args.core_dir}")
        elif deployment["metadata"].get("namespace") != obj["metadata"].get("namespace"):
            problems.append("not in the namespace of its Deployment")
        else:
            targets.add(ref["name"])
        low, high = spec.get("minReplicaCount"), spec.get("maxReplicaCount")
        if not isinstance(low, int) or not isinstance(high, int) or not 0 <= low <= high or high < 1:
            problems.append(f"replica bounds min={low!r} max={high!r} must be integers with 0 <= min <= max, max >= 1")
        elif partitions is not None and high > partitions:
            problems.append(f"maxReplicaCount {high} exceeds the {partitions} partitions per topic: extra consumers would idle")
        triggers = spec.get("triggers")
        if not isinstance(triggers, list) or not triggers:
            problems.append("no triggers")
            triggers = []
        described = []
        for index, trigger in enumerate(triggers):
            kind, metadata = trigger.get("type"), trigger.get("metadata")
            if not isinstance(kind, str) or not isinstance(metadata, dict) or not metadata:
                problems.append(f"trigger {index} needs a type and a non-empty metadata map")
                continue
            not_strings = [k for k, v in metadata.items() if not isinstance(v, str)]
            if not_strings:
                problems.append(f"trigger {index} ({kind}) metadata values must be strings: {', '.join(not_strings)}")
            missing = [k for k in REQUIRED_METADATA.get(kind, ()) if not metadata.get(k)]
            if missing:
                problems.append(f"trigger {index} ({kind}) misses {', '.join(missing)}")
            if deployment is not None:
                container, env = container_environment(deployment, config_maps)
                stage = container["command"][0].removeprefix("hub-")
                if kind == "kafka":
                    group = env.get("HUB_GROUP", f"hub-{stage}")
                    if metadata.get("consumerGroup") != group:
                        problems.append(f"consumerGroup {metadata.get('consumerGroup')!r} is not the worker's group {group!r}")
                    brokers = env.get("HUB_KAFKA_BROKERS")
                    if brokers and metadata.get("bootstrapServers") != brokers:
                        problems.append(f"bootstrapServers {metadata.get('bootstrapServers')!r} differ from HUB_KAFKA_BROKERS {brokers!r}")
                    described.append(f"kafka group {metadata.get('consumerGroup')}")
                elif kind == "prometheus":
                    if f'stage="{stage}"' not in metadata.get("query", ""):
                        problems.append(f"prometheus query does not select stage=\"{stage}\"")
                    described.append("prometheus hub_consumer_lag_messages")
                else:
                    described.append(kind)
        if problems:
            report.failed(subject, "; ".join(problems))
        else:
            report.passed(subject, f"→ Deployment/{ref['name']}, replicas {low}..{high}, {', '.join(described)}")

    for stage in args.stages.split(","):
        if f"hub-{stage}" not in targets:
            report.failed(f"Deployment/hub-{stage}", "no valid ScaledObject scales it")
    report.exit()


if __name__ == "__main__":
    main()
