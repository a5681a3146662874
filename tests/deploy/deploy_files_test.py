#!/usr/bin/env python3
"""The deployment files in deploy/ (container image, compose stack, systemd unit, Kubernetes)
against third-party validators and against the server they deploy, so that none can drift:

- Compose and Kubernetes files pass their published schemas (tests/js/validate_deploy.mjs), and
  the validator refuses a broken copy of each;
- the systemd unit passes `systemd-analyze verify` without a single complaint, scores as well
  hardened under `systemd-analyze security`, and its sysusers file makes the user it runs as;
- every SMREL_ variable the files set is in the README's configuration reference and read by
  config/load.cpp, and `smrel check-config` accepts each file's environment;
- every port is the one the server is told to listen on, and every probe path answers 200 from
  the real smrel binary;
- each grace period covers the server's drain (its timeouts are read from the sources);
- the image's runtime packages are exactly the libraries the binary links, without compilers,
  and its build step is the README's.

    tests/deploy/deploy_files_test.py <repository root> <smrel executable>

Needs node with tests/js/node_modules, PyYAML, systemd-analyze and objdump; fails, never skips,
without them. Prints 'N passed, N failed' and exits 1 on any failure.
"""
import os
import pathlib
import re
import shlex
import subprocess
import sys
import tempfile
import unittest
import urllib.request

import yaml

ROOT = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parents[2]).resolve()
SMREL = pathlib.Path(sys.argv[2]).resolve() if len(sys.argv) > 2 else ROOT / "build" / "bot" / "service" / "smrel"
DEPLOY = ROOT / "deploy"
VALIDATOR = ROOT / "tests" / "js" / "validate_deploy.mjs"
DOCKERFILE = DEPLOY / "docker" / "Dockerfile"
COMPOSE = DEPLOY / "compose.yaml"
UNIT = DEPLOY / "systemd" / "smrel.service"
K8S = DEPLOY / "k8s"
PRE_STOP_SECONDS = 5
# The most platform calls one outbox message makes: a Teams pulse DM takes a token, creates the
# conversation, then posts (bot/service/teams/teams_sender.cpp); a Slack one opens the DM, then posts.
CALLS_PER_MESSAGE = 3


def yaml_with_merges(path):
    return yaml.safe_load(path.read_text())  # PyYAML resolves `<<:` merge keys, as Compose does


def k8s_documents():
    docs = {}
    for path in sorted(K8S.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                docs[(doc["kind"], path.name)] = doc
    return docs


def k8s_kind(kind):
    matches = [doc for (k, _), doc in k8s_documents().items() if k == kind]
    assert len(matches) == 1, f"one {kind} expected in deploy/k8s, found {len(matches)}"
    return matches[0]


def validate(mode, *files):
    return subprocess.run(["node", str(VALIDATOR), mode, *map(str, files)], capture_output=True, text=True,
                          check=False)


def dockerfile_stages():
    """The Dockerfile's stages as lists of (instruction, arguments), continuation lines joined."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    stages = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, arguments = line.partition(" ")
        if instruction.upper() == "FROM":
            stages.append([])
        stages[-1].append((instruction.upper(), arguments.strip()))
    return stages


def dockerfile_env(stage):
    env = {}
    for instruction, arguments in stage:
        if instruction == "ENV":
            for pair in shlex.split(arguments):
                name, _, value = pair.partition("=")
                env[name] = value
    return env


def unit_settings():
    settings = {}
    for line in UNIT.read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def compose_smrel_services():
    services = yaml_with_merges(COMPOSE)["services"]
    return {name: s for name, s in services.items() if s.get("image") == "smrel:local"}


def fill_compose_placeholders(value):
    """${NAME:?message} and ${NAME:-default} as Compose would fill them from a complete .env."""
    def one(match):
        name, op, rest = match.group(1), match.group(2), match.group(3)
        if name == "SMREL_PSEUDONYM_KEY":
            return "k" * 40
        if op == ":-":
            return rest
        return "secret-from-env-file"
    return re.sub(r"\$\{([A-Z0-9_]+)(:[?-])?([^}]*)\}", one, str(value))


def configuration_reference():
    """The SMREL_ names the README's configuration table documents."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"`(SMREL_[A-Z0-9_]+)`", section))


def port_of(listen):
    return int(listen.rsplit(":", 1)[1])


def check_config(env):
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    return subprocess.run([str(SMREL), "check-config"], env={**base, **env}, capture_output=True, text=True,
                          check=False)


def source_milliseconds(path, name):
    match = re.search(name + r"\{([\d']+)\}", (ROOT / path).read_text())
    assert match, f"{name} not found in {path}"
    return int(match.group(1).replace("'", "")) / 1000


def worst_case_drain_seconds():
    """What smrel may take after SIGTERM: in-flight requests, then a message already being sent."""
    drain = source_milliseconds("bot/net/http_server.hpp", "drain_timeout")
    connect = source_milliseconds("bot/net/http_client.hpp", "connect_timeout")
    request = source_milliseconds("bot/net/http_client.hpp", "request_timeout")
    return drain + CALLS_PER_MESSAGE * (connect + request)


def seconds(duration):
    match = re.fullmatch(r"(\d+)(s|m)?", str(duration).strip())
    assert match, duration
    return int(match.group(1)) * (60 if match.group(2) == "m" else 1)


class RunningServer:
    """The real smrel binary on 127.0.0.1 and a free port, on a throwaway SQLite database."""

    def __enter__(self):
        self.dir = tempfile.TemporaryDirectory()
        env = {"PATH": os.environ.get("PATH", ""), "SMREL_LISTEN": "127.0.0.1:0",
               "SMREL_DB": f"sqlite:{self.dir.name}/smrel.db", "SMREL_LOG_LEVEL": "error"}
        self.process = subprocess.Popen([str(SMREL), "serve"], env=env, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, text=True)
        line = self.process.stdout.readline()
        match = re.search(r"listening on [^:]+:(\d+)", line)
        if not match:
            self.process.kill()
            raise AssertionError(f"smrel did not start: {line!r}")
        self.port = int(match.group(1))
        return self

    def status_of(self, path):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5) as response:
                return response.status
        except urllib.error.HTTPError as e:
            return e.code

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=30)
        self.dir.cleanup()


class Validators(unittest.TestCase):
    def test_compose_file_passes_the_compose_specification_schema(self):
        result = validate("compose", COMPOSE)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

    def test_kubernetes_manifests_pass_the_kubernetes_schemas(self):
        manifests = [p for p in sorted(K8S.glob("*.yaml")) if p.name != "kustomization.yaml"]
        result = validate("k8s", *manifests)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn(f"{len(manifests)} documents valid", result.stdout)

    def test_the_validators_refuse_broken_files(self):
        with tempfile.TemporaryDirectory() as tmp:
            compose = pathlib.Path(tmp) / "compose.yaml"
            compose.write_text(COMPOSE.read_text().replace("stop_grace_period:", "stop_grace_periods:"))
            self.assertEqual(validate("compose", compose).returncode, 1)
            deployment = pathlib.Path(tmp) / "deployment.yaml"
            deployment.write_text((K8S / "deployment.yaml").read_text().replace("replicas: 2", "replicas: two"))
            result = validate("k8s", deployment)
            self.assertEqual(result.returncode, 1, result.stdout)
            self.assertIn("replicas", result.stdout)

    def test_kustomization_applies_every_manifest_but_the_secret_template(self):
        kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
        manifests = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml", "secret.example.yaml"}
        self.assertEqual(set(kustomization["resources"]), manifests)
        self.assertEqual([i["name"] for i in kustomization["images"]], [k8s_kind("Deployment")["spec"]["template"]
                                                                          ["spec"]["containers"][0]["image"]])


class Systemd(unittest.TestCase):
    def test_unit_verifies_without_a_complaint(self):
        with tempfile.TemporaryDirectory() as tmp:
            # verify checks that ExecStart is executable: point it at the binary under test.
            unit = pathlib.Path(tmp) / "smrel.service"
            unit.write_text(UNIT.read_text().replace("/usr/local/bin/smrel", str(SMREL)))
            result = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True,
                                    check=False)
            self.assertEqual((result.returncode, result.stdout + result.stderr), (0, ""))
            broken = pathlib.Path(tmp) / "broken.service"
            broken.write_text(unit.read_text().replace("ProtectSystem=strict", "ProtectSystem=stricter"))
            result = subprocess.run(["systemd-analyze", "verify", str(broken)], capture_output=True, text=True,
                                    check=False)
            self.assertIn("stricter", result.stderr)

    def test_unit_is_hardened(self):
        s = unit_settings()
        for key, value in {"User": "smrel", "NoNewPrivileges": "yes", "ProtectSystem": "strict",
                           "StateDirectory": "smrel", "Restart": "on-failure", "PrivateTmp": "yes",
                           "CapabilityBoundingSet": ""}.items():
            self.assertEqual(s.get(key), [value], key)
        self.assertEqual(s["EnvironmentFile"], ["/etc/smrel/smrel.env"])
        result = subprocess.run(["systemd-analyze", "security", "--offline=yes", "--no-pager", str(UNIT)],
                                capture_output=True, text=True, check=False)
        match = re.search(r"Overall exposure level for \S+: ([\d.]+)", result.stdout + result.stderr)
        self.assertIsNotNone(match, result.stdout + result.stderr)
        self.assertLessEqual(float(match.group(1)), 2.0, "systemd-analyze security rates the unit as exposed")

    def test_sysusers_file_makes_the_user_the_unit_runs_as(self):
        with tempfile.TemporaryDirectory() as root:
            pathlib.Path(root, "etc").mkdir()
            result = subprocess.run(["systemd-sysusers", f"--root={root}", str(DEPLOY / "systemd" / "smrel.sysusers")],
                                    capture_output=True, text=True, check=False)
            self.assertEqual(result.returncode, 0, result.stderr)
            passwd = pathlib.Path(root, "etc", "passwd").read_text()
            entry = next(line.split(":") for line in passwd.splitlines() if line.startswith("smrel:"))
            self.assertEqual(entry[5], "/var/lib/" + unit_settings()["StateDirectory"][0])
            self.assertLess(int(entry[2]), 1000, "a system user")

    def test_unit_runs_one_replica_on_sqlite_in_its_state_directory(self):
        env = dict(v.split("=", 1) for v in unit_settings()["Environment"])
        self.assertEqual(env["SMREL_DB"], "sqlite:/var/lib/smrel/smrel.db")


class Environment(unittest.TestCase):
    def test_every_variable_is_in_the_configuration_reference_and_read_by_the_server(self):
        documented = configuration_reference()
        loader = (ROOT / "config" / "load.cpp").read_text()
        self.assertIn("SMREL_DB", documented)  # the README table was found and read
        # The files an operator deploys with (deploy/slack and deploy/teams are the chat apps' packages).
        files = [DOCKERFILE, COMPOSE, DEPLOY / "env.example", *sorted((DEPLOY / "systemd").iterdir()),
                 *sorted(K8S.iterdir())]
        used = {}
        for path in files:
            text = path.read_text(errors="replace")
            if path == DOCKERFILE:  # the build stage's SMREL_BUILD_DIR is the build script's, not the server's
                text = text.split("\nFROM ", 2)[-1]
            for name in re.findall(r"\bSMREL_[A-Z0-9_]+\b", text):
                used.setdefault(name, path.relative_to(ROOT))
        self.assertIn("SMREL_PSEUDONYM_KEY", used)
        for name, where in sorted(used.items()):
            self.assertIn(name, documented, f"{name} (in {where}) is not in README's configuration table")
            self.assertIn(f'"{name}"', loader, f"{name} (in {where}) is not read by config/load.cpp")

    def test_server_accepts_the_environment_of_each_file(self):
        environments = {"Dockerfile": dockerfile_env(dockerfile_stages()[-1])}
        for name, service in compose_smrel_services().items():
            environments[f"compose {name}"] = {k: fill_compose_placeholders(v) for k, v in service["environment"].items()}
        deployment = k8s_kind("Deployment")["spec"]["template"]["spec"]["containers"][0]
        secret = {k: v or "secret-from-secret-manager" for k, v in k8s_kind("Secret")["stringData"].items()}
        secret["SMREL_PSEUDONYM_KEY"] = "k" * 40
        environments["k8s"] = {**secret, **{e["name"]: e["value"] for e in deployment["env"]}}
        unit_env = dict(v.split("=", 1) for v in unit_settings()["Environment"])
        example = dict(line.split("=", 1) for line in (DEPLOY / "systemd" / "smrel.env.example").read_text().splitlines()
                       if line and not line.startswith("#"))
        environments["systemd"] = {**example, **unit_env}
        for where, env in environments.items():
            result = check_config({k: str(v) for k, v in env.items()})
            self.assertEqual(result.returncode, 0, f"{where}: {result.stdout}")
            self.assertTrue(result.stdout.endswith("ok\n"), f"{where}: {result.stdout}")
        # check-config can fail: a listen address without a port is refused.
        self.assertEqual(check_config({"SMREL_LISTEN": "0.0.0.0"}).returncode, 2)

    def test_secrets_are_never_given_defaults(self):
        compose_text = COMPOSE.read_text()
        for name in ("POSTGRES_PASSWORD", "SMREL_PSEUDONYM_KEY"):
            self.assertRegex(compose_text, r"\$\{" + name + r":\?", f"{name} must be required, not defaulted")
        for value in k8s_kind("Secret")["stringData"].values():
            self.assertNotRegex(value, r"^[0-9a-f]{32,}$", "a real-looking secret in the template")


class PortsAndProbes(unittest.TestCase):
    def test_every_port_is_the_one_the_server_listens_on(self):
        final = dockerfile_stages()[-1]
        port = port_of(dockerfile_env(final)["SMREL_LISTEN"])
        exposed = [int(a) for i, a in final if i == "EXPOSE"]
        healthcheck = next(a for i, a in final if i == "HEALTHCHECK")
        self.assertEqual(exposed, [port])
        self.assertIn(f"http://127.0.0.1:{port}/", healthcheck)
        for name, service in compose_smrel_services().items():
            self.assertEqual(port_of(service["environment"]["SMREL_LISTEN"]), port, name)
            if "healthcheck" in service and not service["healthcheck"].get("disable"):
                self.assertIn(f"http://127.0.0.1:{port}/", " ".join(service["healthcheck"]["test"]), name)
        caddy = (DEPLOY / "caddy" / "Caddyfile").read_text()
        upstreams = re.search(r"reverse_proxy ([^{]+)\{", caddy).group(1).split()
        self.assertEqual(sorted(upstreams), sorted(f"{n}:{port}" for n in compose_smrel_services() if n != "setup"))
        container = k8s_kind("Deployment")["spec"]["template"]["spec"]["containers"][0]
        self.assertEqual([p["containerPort"] for p in container["ports"]], [port])
        self.assertEqual(port_of(next(e["value"] for e in container["env"] if e["name"] == "SMREL_LISTEN")), port)
        named = container["ports"][0]["name"]
        self.assertEqual(k8s_kind("Service")["spec"]["ports"][0]["targetPort"], named)
        self.assertEqual(container["readinessProbe"]["httpGet"]["port"], named)
        self.assertEqual(container["startupProbe"]["httpGet"]["port"], named)
        self.assertEqual(container["livenessProbe"]["httpGet"]["port"], named)
        unit_env = dict(v.split("=", 1) for v in unit_settings()["Environment"])
        self.assertEqual(port_of(unit_env["SMREL_LISTEN"]), port)

    def test_every_probe_path_answers_200_from_the_real_server(self):
        final = dockerfile_stages()[-1]
        paths = {"Dockerfile HEALTHCHECK": re.search(r"http://[^/]+(/\w+)", next(a for i, a in final
                                                                                if i == "HEALTHCHECK")).group(1)}
        for name, service in compose_smrel_services().items():
            if "healthcheck" in service and not service["healthcheck"].get("disable"):
                paths[f"compose {name}"] = re.search(r"http://[^/]+(/\w+)", " ".join(service["healthcheck"]["test"])).group(1)
        container = k8s_kind("Deployment")["spec"]["template"]["spec"]["containers"][0]
        paths["k8s startup"] = container["startupProbe"]["httpGet"]["path"]
        paths["k8s readiness"] = container["readinessProbe"]["httpGet"]["path"]
        paths["k8s liveness"] = container["livenessProbe"]["httpGet"]["path"]
        paths["Caddy health_uri"] = re.search(r"health_uri (\S+)", (DEPLOY / "caddy" / "Caddyfile").read_text()).group(1)
        self.assertEqual(paths["k8s readiness"], "/readyz")
        caddy = (DEPLOY / "caddy" / "Caddyfile").read_text()
        self.assertEqual(set(re.search(r"@operations path ([^\n]+)", caddy).group(1).split()), {"/healthz", "/readyz", "/metrics"})
        self.assertIn("respond @operations 404", caddy)
        self.assertEqual(paths["k8s liveness"], "/healthz")
        with RunningServer() as server:
            for where, path in paths.items():
                self.assertEqual(server.status_of(path), 200, f"{where}: {path}")
            self.assertEqual(server.status_of("/no-such-probe"), 404)  # the check can fail

    def test_grace_periods_cover_the_servers_drain(self):
        drain = worst_case_drain_seconds()
        self.assertGreaterEqual(drain, 10)
        for name, service in compose_smrel_services().items():
            if name != "setup":
                self.assertGreaterEqual(seconds(service["stop_grace_period"]), drain, name)
        self.assertGreaterEqual(seconds(unit_settings()["TimeoutStopSec"][0]), drain)
        pod = k8s_kind("Deployment")["spec"]["template"]["spec"]
        self.assertEqual(pod["containers"][0]["lifecycle"]["preStop"]["exec"]["command"],
                         ["sleep", str(PRE_STOP_SECONDS)])
        self.assertGreaterEqual(pod["terminationGracePeriodSeconds"], PRE_STOP_SECONDS + drain)
        stop_timeouts = re.findall(r"--stop-timeout (\d+)", DOCKERFILE.read_text() + (ROOT / "README.md").read_text())
        self.assertTrue(stop_timeouts)
        for timeout in stop_timeouts:
            self.assertGreaterEqual(int(timeout), drain)


class Kubernetes(unittest.TestCase):
    def test_deployment_has_what_operators_expect(self):
        deployment = k8s_kind("Deployment")
        spec = deployment["spec"]
        pod = spec["template"]["spec"]
        container = pod["containers"][0]
        self.assertEqual(spec["replicas"], 2)
        self.assertEqual(spec["strategy"]["rollingUpdate"]["maxUnavailable"], 0)
        self.assertTrue(pod["securityContext"]["runAsNonRoot"])
        self.assertGreater(pod["securityContext"]["runAsUser"], 0)
        self.assertEqual(pod["securityContext"]["seccompProfile"]["type"], "RuntimeDefault")
        security = container["securityContext"]
        self.assertTrue(security["readOnlyRootFilesystem"])
        self.assertFalse(security["allowPrivilegeEscalation"])
        self.assertEqual(security["capabilities"]["drop"], ["ALL"])
        self.assertIn("cpu", container["resources"]["requests"])
        self.assertIn("memory", container["resources"]["requests"])
        self.assertIn("memory", container["resources"]["limits"])
        self.assertEqual(container["envFrom"], [{"secretRef": {"name": k8s_kind("Secret")["metadata"]["name"]}}])
        self.assertIn("SMREL_DB", k8s_kind("Secret")["stringData"])
        self.assertIn("sslmode=verify-full", k8s_kind("Secret")["stringData"]["SMREL_DB"])

    def test_service_and_budget_select_the_deployments_pods(self):
        labels = k8s_kind("Deployment")["spec"]["template"]["metadata"]["labels"]
        selectors = [k8s_kind("Service")["spec"]["selector"], k8s_kind("PodDisruptionBudget")["spec"]["selector"]["matchLabels"],
                     k8s_kind("Deployment")["spec"]["selector"]["matchLabels"]]
        for selector in selectors:
            self.assertTrue(selector.items() <= labels.items(), selector)
        budget = k8s_kind("PodDisruptionBudget")["spec"]
        self.assertLess(budget["minAvailable"], k8s_kind("Deployment")["spec"]["replicas"])


class Image(unittest.TestCase):
    def test_multi_stage_on_debian_12_non_root_without_compilers(self):
        stages = dockerfile_stages()
        self.assertEqual(len(stages), 2)
        for stage in stages:
            self.assertRegex(stage[0][1], r"^debian:12(-slim)?\b")
        final = stages[-1]
        final_text = " ".join(a for _, a in final)
        for tool in ("g++", "gcc", "clang", "cmake", "ninja-build", "build-essential", "-dev"):
            self.assertNotIn(f" {tool}", f" {final_text}", f"{tool} in the final image")
        user = next(a for i, a in final if i == "USER")
        self.assertNotIn(user.split(":")[0], ("0", "root"))
        self.assertEqual(next(a for i, a in final if i == "STOPSIGNAL"), "SIGTERM")
        self.assertIn("/healthz", next(a for i, a in final if i == "HEALTHCHECK"))
        self.assertIn("--start-period", next(a for i, a in final if i == "HEALTHCHECK"))

    def test_build_step_is_the_readmes(self):
        build_stage = " ".join(a for i, a in dockerfile_stages()[0] if i == "RUN")
        self.assertIn("scripts/build.sh", build_stage)
        self.assertIn('"$root/scripts/build.sh"', (ROOT / "scripts" / "run.sh").read_text())
        self.assertIn("./scripts/run.sh", (ROOT / "README.md").read_text().split("## Quick start", 1)[1])
        ignore = (DEPLOY / "docker" / "Dockerfile.dockerignore").read_text().split()
        for pattern in (".git", "build*", "tests/js/node_modules", "*.db"):
            self.assertIn(pattern, ignore)

    def test_runtime_packages_are_the_libraries_the_binary_links(self):
        final = " ".join(a for i, a in dockerfile_stages()[-1] if i == "RUN")
        installed = set(re.findall(r"\b(lib[a-z0-9.+-]+)", final.split("install", 1)[1].split("&&", 1)[0]))
        dump = subprocess.run(["objdump", "-p", str(SMREL)], capture_output=True, text=True, check=True).stdout
        needed = re.findall(r"NEEDED\s+(\S+)", dump)
        # Where the loader finds each (ldd), so that dpkg names the package of this architecture.
        ldd = subprocess.run(["ldd", str(SMREL)], capture_output=True, text=True, check=True).stdout
        paths = dict(re.findall(r"^\s*(\S+) => (\S+)", ldd, re.M))
        self.assertIn("libssl.so.3", needed)
        sanitized = any(n.startswith(("libasan", "libubsan")) for n in needed)
        base = {"libc6", "libstdc++6", "libgcc-s1"}  # in every Debian image
        # What the installed packages bring along (libspdlog1.10 brings libfmt9, which a Debug build
        # links itself).
        brought = set()
        for package in installed:
            depends = subprocess.run(["dpkg-query", "-W", "-f=${Depends}", package], capture_output=True, text=True,
                                     check=False).stdout
            brought |= {d.strip().split(" ")[0].split(":")[0] for d in re.split(r"[,|]", depends) if d.strip()}
        packages = set()
        for library in needed:
            if library.startswith(("libasan", "libubsan")):
                continue
            path = pathlib.Path(paths[library])
            owner = ""
            for candidate in (path, pathlib.Path("/usr") / path.relative_to("/") if not str(path).startswith("/usr/")
                              else pathlib.Path(str(path)[4:])):
                owner = owner or subprocess.run(["dpkg", "-S", str(candidate)], capture_output=True, text=True,
                                                check=False).stdout
            self.assertTrue(owner, f"no Debian package holds {library} ({path})")
            packages.add(owner.split(":")[0].split(",")[0].strip())
        self.assertEqual(packages - base - installed - brought, set(), "linked but not installed in the image")
        if not sanitized:
            self.assertEqual(installed - packages, set(), "installed in the image but not linked")


class Readme(unittest.TestCase):
    def test_production_section_walks_through_each_file(self):
        readme = (ROOT / "README.md").read_text()
        self.assertIn("## Run in production", readme)
        section = readme.split("## Run in production", 1)[1].split("\n## ", 1)[0]
        for needle in ("deploy/docker/Dockerfile", "deploy/compose.yaml", "deploy/systemd/smrel.service",
                       "deploy/k8s", "pg_dump", ".backup", "smrel migrate", "verify-full", "rotat"):
            self.assertIn(needle, section)


if __name__ == "__main__":
    suite = unittest.TestSuite()
    for case in (Validators, Systemd, Environment, PortsAndProbes, Kubernetes, Image, Readme):
        suite.addTests(unittest.defaultTestLoader.loadTestsFromTestCase(case))
    outcome = unittest.TextTestRunner(verbosity=2).run(suite)
    failed = len(outcome.failures) + len(outcome.errors)
    print(f"{outcome.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed or outcome.testsRun == 0 else 0)
