"""(e) The monitoring files: alert rules and their unit tests through promtool, the Prometheus
Operator's copy of the rules, the PodMonitor against the worker Deployments, and the Grafana
dashboard's shape. (Whether every metric they name is one the workers register is checked by
the Swift test MetricNameTests, which scrapes running workers.)

    python monitoring.py REPO
"""

import glob
import json
import os
import shutil
import subprocess
import sys

import yaml

import manifests
from report import Report

WORKERS = ["hub-ingest", "hub-transform", "hub-sink", "hub-archive", "hub-scheduler"]


def main():
    repo = sys.argv[1]
    report = Report("monitoring")
    rules_path = os.path.join(repo, "deploy/monitoring/prometheus-rules.yaml")
    promtool = shutil.which("promtool")
    if promtool is None:
        report.failed("promtool", "not installed: run scripts/setup.sh (Debian package prometheus)")
    else:
        for args, subject in [(["check", "rules", rules_path], "prometheus-rules.yaml — promtool check rules")] + [
            (["test", "rules", path], f"{os.path.relpath(path, repo)} — promtool test rules")
            for path in sorted(glob.glob(os.path.join(repo, "deploy/monitoring/tests/*.yaml")))
        ]:
            result = subprocess.run([promtool, *args], capture_output=True, text=True)
            if result.returncode == 0:
                report.passed(subject)
            else:
                report.failed(subject, (result.stdout + result.stderr).strip().replace("\n", "; ")[:2000])

    with open(rules_path, encoding="utf-8") as f:
        groups = yaml.safe_load(f)["groups"]
    operator = manifests.render_kustomization(os.path.join(repo, "deploy/kubernetes/monitoring"))
    rule_objects = [o for o in operator if o.get("kind") == "PrometheusRule"]
    if len(rule_objects) == 1 and rule_objects[0].get("spec", {}).get("groups") == groups:
        report.passed("PrometheusRule/eduhub", "spec.groups equal deploy/monitoring/prometheus-rules.yaml")
    else:
        report.failed("PrometheusRule/eduhub", "spec.groups differ from deploy/monitoring/prometheus-rules.yaml")

    core = manifests.render_kustomization(os.path.join(repo, "deploy/kubernetes"))
    deployments = {o["metadata"]["name"]: o for o in core if o.get("kind") == "Deployment"}
    for monitor in (o for o in operator if o.get("kind") == "PodMonitor"):
        selected = set()
        for expression in monitor["spec"]["selector"].get("matchExpressions", []):
            if expression.get("key") == "app.kubernetes.io/name" and expression.get("operator") == "In":
                selected.update(expression.get("values", []))
        ports = {e.get("port") for e in monitor["spec"].get("podMetricsEndpoints", [])}
        problems = []
        for worker in WORKERS:
            deployment = deployments.get(worker)
            if deployment is None:
                problems.append(f"no Deployment {worker}")
                continue
            if deployment["spec"]["template"]["metadata"]["labels"].get("app.kubernetes.io/name") not in selected:
                problems.append(f"{worker} not selected")
            names = {p.get("name") for c in deployment["spec"]["template"]["spec"]["containers"] for p in c.get("ports", [])}
            if not ports & names:
                problems.append(f"{worker} has no port named {sorted(ports)}")
        subject = f"PodMonitor/{monitor['metadata']['name']}"
        if problems:
            report.failed(subject, "; ".join(problems))
        else:
            report.passed(subject, f"scrapes all {len(WORKERS)} workers")

    with open(os.path.join(repo, "deploy/monitoring/grafana-dashboard.json"), encoding="utf-8") as f:
        dashboard = json.load(f)
    queries = [t["expr"] for p in dashboard.get("panels", []) for t in p.get("targets", [])]
    if dashboard.get("uid") and queries and all(q.strip() for q in queries):
        report.passed("grafana-dashboard.json", f"{len(queries)} queries")
    else:
        report.failed("grafana-dashboard.json", "no uid or an empty query")
    report.exit()


if __name__ == "__main__":
    main()
