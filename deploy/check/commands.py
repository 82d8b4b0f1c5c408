"""(c) Every command the deployment files start, run against the real binaries.

Collects each process the files would start — the Dockerfile's ENTRYPOINT/CMD, every Compose
service built from our image, every (init) container of the Kubernetes manifests, every
systemd ExecStart — with the environment that file gives it, and runs it with
`--check-config` (added unless present), so a misspelt flag, an environment variable pointing
at a file that is not mounted, or a secret the process cannot read fails here.

What changes on the way, and only this:
  - executables: `/usr/local/bin/NAME` or `NAME` → BIN_DIR/NAME;
  - paths the deployment provides (Dockerfile COPY, Kubernetes volumes, Compose secrets,
    systemd credentials and EnvironmentFile) → temporary copies: topology ConfigMaps are
    materialised the way the kubelet lays them out, secret files hold test values (a test
    person-code key replaces the placeholder, which is deliberately too short to use);
  - HUB_KAFKA_BROKERS → --brokers (when not given: an address nobody listens on, and a worker
    that reaches the broker check counts as configured), HUB_DATABASE → --database when
    given, HUB_TOPIC_PREFIX → a prefix unique to this run, so the topics `hubctl topics create`
    makes here stay apart from everything else on the broker.
Each command runs with only that environment (plus PATH, HOME, LD_LIBRARY_PATH) in an empty
working directory. hubctl ignores --check-config and does its job: `topics create` makes the
run's topics (needed by the workers' broker check) and `db migrate` migrates the given database.

    python commands.py --bin-dir DIR --repo ROOT [--brokers HOST:PORT] [--database CONNINFO]
"""

import argparse
import glob
import os
import shlex
import subprocess
import tempfile
import uuid

import manifests
from report import Report

EXECUTABLES = ("hub-ingest", "hub-transform", "hub-sink", "hub-scheduler", "hub-archive", "hub-api", "hubctl")
OFFLINE_BROKER = "127.0.0.1:9"
TEST_PERSON_CODE_KEY = "deploy-check-person-code-key-0123456789"
TEST_SECRET = "deploy-check-secret"
# Where the systemd units expect an installation (deploy/README.md) → what the repository holds.
SYSTEMD_INSTALL = {
    "/etc/eduhub/eduhub.env": "deploy/systemd/eduhub.env",
    "/etc/eduhub/topologies": "Topologies",
}


class Invocation:
    def __init__(self, source, argv, env, mounts):
        self.source = source
        self.argv = list(argv)
        self.env = dict(env)
        self.mounts = dict(mounts)  # path the process sees → path here


def test_secret_value(name):
    return TEST_PERSON_CODE_KEY if "person" in name.lower() and "code" in name.lower() else TEST_SECRET


def write_files(directory, files):
    os.makedirs(directory, exist_ok=True)
    for name, content in files.items():
        with open(os.path.join(directory, name), "w", encoding="utf-8") as f:
            f.write(content)
    return directory


def materialise_config_map(directory, data):
    """The kubelet's layout: files are symlinks into ..data, itself a link to a hidden dir."""
    version = os.path.join(directory, "..2000_01_01_00_00_00.000000000")
    write_files(version, data)
    os.symlink(os.path.basename(version), os.path.join(directory, "..data"))
    for name in data:
        os.symlink(os.path.join("..data", name), os.path.join(directory, name))
    return directory


# --- collecting ----------------------------------------------------------------------------

def image_of(repo):
    stage = manifests.read_dockerfile(os.path.join(repo, "deploy/container/Dockerfile"))
    mounts = {}
    for source, dest in stage["copies"]:
        mounts[dest.rstrip("/") or "/"] = os.path.join(repo, source.rstrip("/"))
    return stage, mounts


def from_dockerfile(repo, image, image_mounts):
    argv = (image["entrypoint"] or []) + (image["cmd"] or [])
    return [Invocation("Dockerfile CMD", argv, image["env"], image_mounts)]


def from_compose(repo, work, image, image_mounts, report, override=None):
    """The commands Compose starts from docker-compose.yml, or from it with `override` (a file
    of deploy/compose, as `-f docker-compose.yml -f OVERRIDE`): services with profiles are not
    started by default, so they are left out."""
    path = os.path.join(repo, "deploy/compose/docker-compose.yml")
    compose = manifests.load_compose(path)
    label = "compose"
    if override:
        compose = manifests.compose_merge(compose, manifests.load_compose(os.path.join(repo, "deploy/compose", override)))
        label = f"compose {override.removeprefix('docker-compose.').removesuffix('.yml')}"
    slug = label.replace(" ", "-")  # in the temporary directories' names
    defined = compose.get("secrets", {}) or {}
    out = []
    for name, service in compose.get("services", {}).items():
        if "eduhub" not in str(service.get("image", "")) and "build" not in service:
            continue
        if service.get("profiles"):
            continue
        entrypoint = manifests.compose_as_list(service.get("entrypoint"))
        command = manifests.compose_as_list(service.get("command"))
        argv = (entrypoint if entrypoint is not None else image["entrypoint"] or []) + \
               (command if command is not None else ([] if entrypoint is not None else image["cmd"] or []))
        secrets_dir = os.path.join(work, f"{slug}-{name}-secrets")
        os.makedirs(secrets_dir)
        mounts = dict(image_mounts)
        mounts["/run/secrets"] = secrets_dir
        for secret, target in manifests.compose_secret_targets(service):
            if secret not in defined:
                report.failed(f"{label}:{name}", f"secret {secret} is not defined under top-level secrets")
            host = os.path.join(secrets_dir, os.path.basename(target))
            write_files(os.path.dirname(host), {os.path.basename(host): test_secret_value(secret)})
            mounts[target] = host
        for volume in service.get("volumes", []) or []:
            # Named volumes and bind mounts ("source:/target[:mode]" or the long form) → a temporary directory.
            target = volume.get("target") if isinstance(volume, dict) else (volume.split(":")[1] if ":" in volume else None)
            if target:
                host = os.path.join(work, f"{slug}-{name}-volume-{len(mounts)}")
                os.makedirs(host)
                mounts[target.rstrip("/")] = host
        env = {**image["env"], **manifests.compose_environment(service)}
        out.append(Invocation(f"{label}:{name}", argv, env, mounts))
    return out


def from_kubernetes(repo, work, image, image_mounts, directory="kubernetes"):
    """The commands of deploy/kubernetes, or of the overlay deploy/`directory`."""
    objects = manifests.render_kustomization(os.path.join(repo, "deploy", directory))
    label = "k8s" if directory == "kubernetes" else f"k8s {directory.removeprefix('kubernetes-')}"
    slug = label.replace(" ", "-")  # in the temporary directories' names
    config_maps = {o["metadata"]["name"]: o.get("data", {}) for o in objects if o["kind"] == "ConfigMap"}
    secrets = {}
    for o in objects:
        if o["kind"] == "Secret":
            keys = list((o.get("stringData") or {}).keys()) + list((o.get("data") or {}).keys())
            secrets[o["metadata"]["name"]] = {k: test_secret_value(k) for k in keys}
    out = []
    for obj in objects:
        for pod in manifests.pod_specs(obj):
            volumes = {}
            for volume in pod.get("volumes", []):
                host = os.path.join(work, f"{slug}-{obj['metadata']['name']}-{volume['name']}")
                if "configMap" in volume:
                    data = config_maps[volume["configMap"]["name"]]
                    items = volume["configMap"].get("items")
                    volumes[volume["name"]] = materialise_config_map(
                        host, {i["path"]: data[i["key"]] for i in items} if items else data)
                elif "secret" in volume:
                    data = secrets[volume["secret"]["secretName"]]
                    items = volume["secret"].get("items")
                    volumes[volume["name"]] = materialise_config_map(
                        host, {i["path"]: data[i["key"]] for i in items} if items else data)
                elif "emptyDir" in volume or "persistentVolumeClaim" in volume:
                    os.makedirs(host)
                    volumes[volume["name"]] = host
                else:
                    raise manifests.ManifestError(
                        f"volume {volume['name']}: only configMap, secret, emptyDir and persistentVolumeClaim are simulated")
            for container in pod.get("initContainers", []) + pod.get("containers", []):
                if "eduhub" not in container.get("image", ""):
                    continue
                command, args = container.get("command"), container.get("args")
                argv = (command if command is not None else image["entrypoint"] or []) + \
                       (args if args is not None else ([] if command is not None else image["cmd"] or []))
                env = dict(image["env"])
                for source in container.get("envFrom", []):
                    if "configMapRef" in source:
                        env.update(config_maps[source["configMapRef"]["name"]])
                    if "secretRef" in source:
                        env.update(secrets[source["secretRef"]["name"]])
                for item in container.get("env", []):
                    if "value" in item:
                        env[item["name"]] = item["value"]
                    elif "configMapKeyRef" in item.get("valueFrom", {}):
                        ref = item["valueFrom"]["configMapKeyRef"]
                        env[item["name"]] = config_maps[ref["name"]][ref["key"]]
                    elif "secretKeyRef" in item.get("valueFrom", {}):
                        ref = item["valueFrom"]["secretKeyRef"]
                        env[item["name"]] = secrets[ref["name"]][ref["key"]]
                mounts = dict(image_mounts)
                for mount in container.get("volumeMounts", []):
                    if "subPath" in mount:
                        raise manifests.ManifestError(f"{container['name']}: subPath mounts are not simulated")
                    mounts[mount["mountPath"].rstrip("/")] = volumes[mount["name"]]
                kind = obj["kind"].lower()
                out.append(Invocation(f"{label}:{kind}/{obj['metadata']['name']}/{container['name']}", argv, env, mounts))
    return out


def from_systemd(repo, work):
    out = []
    for unit in sorted(glob.glob(os.path.join(repo, "deploy/systemd/*.service"))):
        name = os.path.basename(unit)
        settings = manifests.read_unit(unit)
        credentials = os.path.join(work, f"systemd-{name}-credentials")
        os.makedirs(credentials)
        mounts = {path: os.path.join(repo, local) for path, local in SYSTEMD_INSTALL.items()}

        def specifiers(text):
            return text.replace("%d", credentials).replace("%S", "/var/lib").replace("%%", "%")

        # StateDirectory=NAME: systemd creates /var/lib/NAME, owned by the service, writable under ProtectSystem=strict.
        for value in settings.get("StateDirectory", []):
            for state in value.split():
                host = os.path.join(work, f"systemd-{name}-state-{state.replace('/', '_')}")
                os.makedirs(host)
                mounts[f"/var/lib/{state}"] = host

        for value in settings.get("LoadCredential", []):
            ident, _, _ = value.partition(":")
            write_files(credentials, {ident: test_secret_value(ident)})
        env = {}
        for value in settings.get("EnvironmentFile", []):
            path = value.lstrip("-")
            if path not in mounts:
                raise manifests.ManifestError(f"{name}: EnvironmentFile {path} is not one deploy/ provides")
            env.update(manifests.read_environment_file(mounts[path]))
        for value in settings.get("Environment", []):
            env.update({k: specifiers(v) for k, v in manifests.unit_environment_assignments(value).items()})
        for value in settings.get("ExecStart", []):
            argv = shlex.split(specifiers(value.lstrip("-@:+!")))
            out.append(Invocation(f"systemd:{name}", argv, env, mounts))
    return out


# --- running -------------------------------------------------------------------------------

def rewrite_path(value, mounts):
    for inside in sorted(mounts, key=len, reverse=True):
        if value == inside or value.startswith(inside + "/"):
            return mounts[inside] + value[len(inside):]
    return value


def override_flag(argv, flag, value):
    for index, arg in enumerate(argv):
        if arg == flag and index + 1 < len(argv):
            argv[index + 1] = value
        elif arg.startswith(flag + "="):
            argv[index] = f"{flag}={value}"


def prepare(invocation, args, prefix):
    """The command line and environment to run here, or a reason it cannot run."""
    argv = list(invocation.argv)
    if not argv:
        return None, None, "no command"
    program = argv[0]
    base = os.path.basename(program)
    if base not in EXECUTABLES or program not in (base, f"/usr/local/bin/{base}"):
        return None, None, f"{program} is not one of the installed executables ({', '.join(EXECUTABLES)})"
    argv = [os.path.join(args.bin_dir, base)] + [rewrite_path(a, invocation.mounts) for a in argv[1:]]
    env = {k: rewrite_path(v, invocation.mounts) for k, v in invocation.env.items()}
    env["HUB_KAFKA_BROKERS"] = args.brokers or OFFLINE_BROKER
    override_flag(argv, "--brokers", env["HUB_KAFKA_BROKERS"])
    if args.database:
        env["HUB_DATABASE"] = args.database
        override_flag(argv, "--database", args.database)
    if args.brokers:
        env["HUB_TOPIC_PREFIX"] = prefix + env.get("HUB_TOPIC_PREFIX", "")
        override_flag(argv, "--topic-prefix", env["HUB_TOPIC_PREFIX"])
    if base == "hub-scheduler":
        # Its outputs must land on storage the deployment provides (a volume, a StateDirectory):
        # elsewhere they are lost with the container or cannot be written at all.
        output = invocation.env.get("HUB_SCHEDULER_OUTPUT_DIR", "scheduler-output")
        if "--output-dir" in invocation.argv[:-1]:
            output = invocation.argv[invocation.argv.index("--output-dir") + 1]
        if rewrite_path(output, invocation.mounts) == output:
            return None, None, f"the scheduler's output directory {output} is not on a volume the deployment provides"
    if "--check-config" not in argv:
        argv.append("--check-config")
    for key in ("PATH", "HOME", "LD_LIBRARY_PATH", "LANG"):
        if key in os.environ:
            env.setdefault(key, os.environ[key])
    return argv, env, None


def order(invocation):
    """hubctl first (topics before the schema): the workers' checks need the topics."""
    program = os.path.basename(invocation.argv[0]) if invocation.argv else ""
    if program == "hubctl":
        return 0 if invocation.argv[1:2] == ["topics"] else 1
    return 2


def first_line(text):
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return (lines[0] if lines else "")[:200]


def error_line(text):
    """The line saying what went wrong: the first mentioning an error, else the last."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower()]
    return ((errors or lines or [""])[0 if errors else -1])[:300]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin-dir", required=True)
    parser.add_argument("--repo", required=True)
    parser.add_argument("--brokers")
    parser.add_argument("--database")
    args = parser.parse_args()
    report = Report("command")
    prefix = f"deploycheck{uuid.uuid4().hex[:8]}."

    with tempfile.TemporaryDirectory(prefix="deploy-check-run-") as work:
        invocations = []
        try:
            image, image_mounts = image_of(args.repo)
            invocations += from_dockerfile(args.repo, image, image_mounts)
            invocations += from_compose(args.repo, work, image, image_mounts, report)
            invocations += from_compose(args.repo, work, image, image_mounts, report, "docker-compose.raw-input.yml")
            invocations += from_kubernetes(args.repo, work, image, image_mounts)
            invocations += from_kubernetes(args.repo, work, image, image_mounts, "kubernetes-raw-input")
            invocations += from_systemd(args.repo, work)
        except (manifests.ManifestError, OSError, KeyError) as error:
            report.failed("collect commands", f"{type(error).__name__}: {error}")
            report.exit()
        cwd = os.path.join(work, "cwd")
        os.makedirs(cwd)
        if args.brokers:
            print(f"     [command] topics of this run are prefixed {prefix}", flush=True)

        for invocation in sorted(invocations, key=order):
            shown = " ".join(invocation.argv)
            subject = f"{invocation.source}: {shown}"
            argv, env, problem = prepare(invocation, args, prefix)
            if problem:
                report.failed(subject, problem)
                continue
            program = os.path.basename(argv[0])
            if program == "hubctl" and invocation.argv[1:2] == ["topics"] and not args.brokers:
                report.skipped(subject, "needs a broker (--brokers)")
                continue
            if program == "hubctl" and invocation.argv[1:2] == ["db"] and not args.database:
                report.skipped(subject, "needs a database (--database)")
                continue
            try:
                result = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=180)
            except subprocess.TimeoutExpired:
                report.failed(subject, "still running after 180 s")
                continue
            output = result.stdout + result.stderr
            if result.returncode == 0:
                report.passed(subject, first_line(result.stdout) or "exit 0")
            elif not args.brokers and "cannot reach the Kafka broker" in output:
                report.passed(subject, "configuration, topology and secrets accepted; broker not checked (no --brokers)")
            elif not args.database and "cannot connect to the database" in output:
                report.passed(subject, "configuration accepted; database not checked (no --database)")
            else:
                report.failed(subject, f"exit {result.returncode}: {error_line(result.stderr) or error_line(result.stdout)}")
    report.exit()


if __name__ == "__main__":
    main()
