"""Structural check of docker-compose.yml for machines without `docker compose` (CI here has no engine).

Parses the YAML (with merge keys resolved) and checks what `docker compose config` would reject or
what would break at `up`: unknown services in depends_on, invalid conditions, undeclared named
volumes, services with neither image nor build, and the shape this project relies on (a one-shot
migrate that web, worker and beat wait for; healthchecks on postgres, redis and web; a worker
that consumes every queue the settings route tasks to).
Usage: python scripts/check_compose.py [docker-compose.yml]
"""

import os
import sys
from pathlib import Path

import yaml

BASE_DIR = Path(__file__).resolve().parent.parent

CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}
APP_SERVICES = ("web", "worker", "beat")
NEEDS_HEALTHCHECK = ("postgres", "redis", "web")


def problems_in(compose: dict) -> list[str]:
    problems = []
    services = compose.get("services") or {}
    declared_volumes = set((compose.get("volumes") or {}).keys())
    if not services:
        return ["no services"]
    for name, service in services.items():
        if not isinstance(service, dict):
            problems.append(f"{name}: not a mapping")
            continue
        if "image" not in service and "build" not in service:
            problems.append(f"{name}: neither image nor build")
        depends = service.get("depends_on") or {}
        if isinstance(depends, list):
            depends = {dependency: {} for dependency in depends}
        for dependency, options in depends.items():
            if dependency not in services:
                problems.append(f"{name}: depends on unknown service {dependency!r}")
            if dependency == name:
                problems.append(f"{name}: depends on itself")
            condition = (options or {}).get("condition", "service_started")
            if condition not in CONDITIONS:
                problems.append(f"{name}: unknown condition {condition!r} for {dependency}")
            if condition == "service_healthy" and "healthcheck" not in services.get(dependency, {}):
                problems.append(f"{name}: waits for {dependency} to be healthy, which has no healthcheck")
        for volume in service.get("volumes") or []:
            source = volume.split(":", 1)[0] if isinstance(volume, str) else volume.get("source", "")
            if source and not source.startswith((".", "/", "~", "$")) and source not in declared_volumes:
                problems.append(f"{name}: named volume {source!r} is not declared under volumes:")
        environment = service.get("environment") or {}
        if isinstance(environment, dict):
            for key, value in environment.items():
                if isinstance(value, bool):
                    problems.append(f"{name}: {key} is a YAML boolean; quote it (compose wants strings)")
    for name in NEEDS_HEALTHCHECK:
        if name in services and "healthcheck" not in services[name]:
            problems.append(f"{name}: no healthcheck")
    if "migrate" in services:
        for name in APP_SERVICES:
            condition = ((services.get(name) or {}).get("depends_on") or {}).get("migrate", {}).get("condition")
            if condition != "service_completed_successfully":
                problems.append(f"{name}: does not wait for migrate to complete successfully")
    problems += queue_problems(services)
    return problems


def queue_problems(services: dict) -> list[str]:
    """A queue the settings send tasks to but no worker consumes leaves those tasks unrun."""
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "support_desk.settings.local")
    from django.conf import settings

    default = settings.CELERY_TASK_DEFAULT_QUEUE
    routed = {default} | {route["queue"] for route in settings.CELERY_TASK_ROUTES.values() if "queue" in route}
    consumed: set[str] = set()
    for service in services.values():
        command = (service or {}).get("command") or []
        if isinstance(command, str):
            command = command.split()
        if "worker" in command:
            # Without -Q a worker consumes the default queue only.
            consumed |= set(command[command.index("-Q") + 1].split(",")) if "-Q" in command else {default}
    missing = routed - consumed
    return [f"no worker consumes the queue(s) {', '.join(sorted(missing))}"] if missing else []


def main() -> int:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "docker-compose.yml")
    try:
        compose = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as error:
        print(f"{path}: {error}")
        return 1
    problems = problems_in(compose or {})
    for problem in problems:
        print(f"{path}: {problem}")
    if not problems:
        print(f"{path}: {len(compose['services'])} services, structure ok ({', '.join(compose['services'])})")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
