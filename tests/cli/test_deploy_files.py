"""The files at the repository's root that deploy aitk-server with the original platform's
tools: docker-compose.yml (validated by Debian's docker-compose; no engine needed), the
Dockerfile (its build steps are the README's: scripts/run.sh's) and .env.example."""

import os
import re
import shlex
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def logical_lines(path):
    """The file's lines with backslash continuations joined and comments dropped."""
    lines, current = [], ""
    with open(path) as f:
        for raw in f:
            line = raw.rstrip("\n")
            if not current and line.lstrip().startswith("#"):
                continue
            if line.endswith("\\"):
                current += line[:-1] + " "
                continue
            lines.append(" ".join((current + line).split()))
            current = ""
    return [line for line in lines if line]


def readme_build_steps():
    """The build commands scripts/run.sh (the README's run command) runs, as words."""
    steps = []
    for line in logical_lines(os.path.join(ROOT, "scripts/run.sh")):
        line = line.replace('"$build"', "build/release").replace(">/dev/null", "").strip()
        if line.startswith(("scripts/install-deps.sh", "cmake ")):
            steps.append(shlex.split(line))
    return steps


def dockerfile_build_steps():
    """The commands of the Dockerfile's RUN instructions in the build stage, as words."""
    steps, stage = [], 0
    for line in logical_lines(os.path.join(ROOT, "Dockerfile")):
        if line.startswith("FROM "):
            stage += 1
        elif line.startswith("RUN ") and stage == 1:
            for command in line[4:].split("&&"):
                words = shlex.split(command)
                if words[:1] == ["bash"]:
                    words = words[1:]
                steps.append(words)
    return steps


def test_the_dockerfile_builds_with_the_readmes_steps_on_debian_12():
    readme = readme_build_steps()
    assert [s[0] for s in readme] == ["scripts/install-deps.sh", "cmake", "cmake"], readme
    assert dockerfile_build_steps() == readme

    text = open(os.path.join(ROOT, "Dockerfile")).read()
    assert re.findall(r"^FROM (\S+)", text, re.M) == ["debian:12", "debian:12-slim"]
    users = re.findall(r"^USER (\S+)", text, re.M)
    assert users and users[-1] not in ("root", "0"), "the server runs as a user of its own"
    assert re.search(r"^VOLUME .*/var/lib/aitk", text, re.M)
    assert re.search(r"^HEALTHCHECK .*\n?.*/api/ready", text, re.M)


def compose_config(tmp_path):
    if shutil.which("docker-compose") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("docker-compose is required in CI (scripts/install-deps.sh --tests installs it)")
        pytest.skip("docker-compose not installed: run scripts/install-deps.sh --tests")
    result = subprocess.run(["docker-compose", "--project-directory", ROOT, "-f", os.path.join(ROOT, "docker-compose.yml"),
                             "--env-file", os.path.join(ROOT, ".env.example"), "config"],
                            capture_output=True, text=True, timeout=60, cwd=tmp_path,
                            env={k: v for k, v in os.environ.items() if not k.startswith(("AITK_", "PORT"))})
    assert result.returncode == 0, result.stderr
    import yaml  # python3-yaml: a dependency of docker-compose, so present with it
    return yaml.safe_load(result.stdout)


def volume_targets(service):
    """Where each volume mounts: the short form "name:/path[:mode]" or the long one."""
    return [v["target"] if isinstance(v, dict) else v.split(":")[1] for v in service.get("volumes", [])]


def test_docker_compose_config_accepts_the_file_with_the_originals_postgres_service(tmp_path):
    config = compose_config(tmp_path)
    postgres = config["services"]["postgres"]
    assert postgres["image"] == "postgres:16-alpine"
    assert postgres["environment"] == {"POSTGRES_USER": "aitoolkit", "POSTGRES_PASSWORD": "aitoolkit_dev",
                                       "POSTGRES_DB": "aitoolkit"}
    assert "/var/lib/postgresql/data" in volume_targets(postgres)
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])

    server = config["services"]["aitk-server"]
    assert server["build"]["context"] == ROOT
    assert server["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert server["environment"]["DATABASE_URL"].startswith("postgresql://aitoolkit:aitoolkit_dev@postgres:5432/")
    assert server["environment"]["DATABASE_URL"].endswith("?schema=public")
    assert "/var/lib/aitk" in volume_targets(server)
    # PORT from .env.example publishes the server.
    assert [(str(p["published"]), p["target"]) for p in server["ports"]] == [("3001", 3001)]


def test_env_example_names_the_originals_settings_and_ours_each_commented():
    path = os.path.join(ROOT, ".env.example")
    lines = open(path).read().splitlines()
    names = {}
    for i, line in enumerate(lines):
        m = re.match(r"^#? ?([A-Z][A-Z0-9_]+)=", line)
        if m:
            names[m.group(1)] = i
    for name in ("DATABASE_URL", "PORT", "AITK_ADMIN_TOKEN", "AITK_ENCRYPTION_KEY_FILE", "AITK_DATA_DIR"):
        assert name in names, name
        assert lines[names[name] - 1].startswith("#"), f"{name} has no comment above it"
    # Every AITK_ name is one the server reads (its --help lists each).
    help_text = subprocess.run([os.environ["AITK_SERVER"], "--help"], capture_output=True, text=True,
                               timeout=10).stdout
    for name in names:
        if name.startswith("AITK_"):
            assert name in help_text, f"{name} is not a setting of aitk-server"
