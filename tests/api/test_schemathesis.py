"""Schemathesis against a live server: the API never answers 500, and every answer matches its schema.

The demo data is seeded, a real gunicorn serves the test database, and schemathesis (its CLI, in a
subprocess) generates requests for every operation of /api/schema/ as a customer (`alice`) and as
an agent (`agent1`), with their API tokens. Checks (CHECKS): no server error, every status code, content
type and header documented, every body valid against its schema, a 401 without the token, deleted
objects gone and created ones there. At most 25 examples per operation; logout, password changes
and "log out of every session" are left out (they would revoke the token under test). A run where more than 20 %
of the requests sent with the token are answered 401 fails too: a token revoked or expired half-way
must not pass by testing nothing.

PostgreSQL only (CI's second pass runs it inside `make test`); on SQLite it is skipped. The summary
lines are printed to the terminal whether or not the test passes:

    SCHEMATHESIS_SEED=123 pytest -m schemathesis -p no:randomly   (a fixed seed is the default)
"""

import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.core.management import call_command

from tests.api.live import live_server, token_for

pytestmark = [
    pytest.mark.schemathesis,
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="schemathesis runs on PostgreSQL only (CI's PostgreSQL pass); set DATABASE_URL to a postgres:// URL",
    ),
]

# Every check but those that judge input validation against the schema (negative_data_rejection,
# positive_data_acceptance), the method before permission order (unsupported_method, allow_header_conformance:
# DRF checks permissions first, so a customer's PUT on a staff list is a 403, not a 405) and
# object_level_authorization (needs two users' objects).
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "response_headers_conformance",
        "ignored_auth",
        "missing_required_header",
        "use_after_free",
        "ensure_resource_availability",
    ]
)
EXCLUDED_PATHS = r"auth/logout|password|account/sessions/revoke"
MAX_EXAMPLES = 25
MAX_SHARE_OF_401 = 0.20
SEED = os.environ.get("SCHEMATHESIS_SEED", "20261201")
# The coverage phase (boundary values of every parameter) doubles the run time; add it locally with
# SCHEMATHESIS_PHASES=examples,coverage,fuzzing.
PHASES = os.environ.get("SCHEMATHESIS_PHASES", "examples,fuzzing")
ROLES = {"customer": "alice", "agent": "agent1"}


def _schemathesis() -> str:
    return str(Path(sys.executable).with_name("schemathesis"))


def _summary_lines(output: str) -> list[str]:
    """The CLI's own summary: operations, phases, failures, test cases."""
    lines = output.splitlines()
    try:
        start = next(index for index, line in enumerate(lines) if "SUMMARY" in line)
    except StopIteration:
        return lines[-30:]
    keep = []
    for line in lines[start + 1 :]:
        if line.strip() and not line.startswith(("  - HAR", "Reports:", "For more information", "💡")):
            keep.append(line.rstrip())
    return keep


def _failures(output: str, limit: int = 6_000) -> str:
    """The CLI's FAILURES section (each failing operation, its check and how to reproduce it),
    cut to `limit` characters: the part of the output that says why a run failed."""
    start, end = output.find("FAILURES"), output.find("SUMMARY")
    if start == -1:
        return output[-limit:]
    section = output[start : end if end > start else None].strip()
    return section if len(section) <= limit else section[:limit] + "\n[...]"


def _responses(report_dir: Path) -> tuple[Counter, Counter]:
    """Status counts of every answer, and of the answers to requests that carried the token (the
    `ignored_auth` check sends some without it, on purpose, and expects their 401)."""
    every: Counter = Counter()
    with_token: Counter = Counter()
    for har in report_dir.glob("*.json"):
        for entry in json.loads(har.read_text())["log"]["entries"]:
            status = entry["response"]["status"]
            every[status] += 1
            if any(header["name"].lower() == "authorization" for header in entry["request"]["headers"]):
                with_token[status] += 1
    return every, with_token


def _server_errors(report_dir: Path) -> list[str]:
    """The requests answered 5xx, to name them when the run fails."""
    failed = []
    for har in report_dir.glob("*.json"):
        for entry in json.loads(har.read_text())["log"]["entries"]:
            if entry["response"]["status"] >= 500:
                request = entry["request"]
                body = (request.get("postData") or {}).get("text", "")[:500]
                failed.append(f"{request['method']} {request['url']} {body} -> {entry['response']['status']}")
    return failed


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", list(ROLES))
def test_api_answers_as_its_schema_says_and_never_500(role, tmp_path, capsys):
    call_command("seed_demo", verbosity=0)
    with live_server(workers=2, threads=4) as base_url:
        token = token_for(base_url, ROLES[role], settings.DEMO_PASSWORD)
        report_dir = tmp_path / "report"
        command = [
            _schemathesis(),
            "run",
            f"{base_url}/api/schema/?format=json",
            f"--header=Authorization: Token {token}",
            f"--checks={CHECKS}",
            f"--max-examples={MAX_EXAMPLES}",
            f"--exclude-path-regex={EXCLUDED_PATHS}",
            f"--phases={PHASES}",
            "--workers=4",
            f"--seed={SEED}",
            "--generation-database=none",
            "--request-timeout=30",
            "--no-color",
            "--report=har",
            f"--report-dir={report_dir}",
        ]
        started = time.monotonic()
        run = subprocess.run(command, capture_output=True, text=True, timeout=270, cwd=tmp_path)
        elapsed = time.monotonic() - started
        # The token still works after the run (nothing revoked it).
        still_valid = requests.get(
            f"{base_url}/api/v1/tickets/", headers={"Authorization": f"Token {token}"}, timeout=30
        ).status_code
    statuses, with_token = _responses(report_dir)
    total, sent_with_token = sum(statuses.values()), sum(with_token.values())
    server_errors = sum(count for status, count in statuses.items() if status >= 500)
    share_401 = with_token[401] / sent_with_token if sent_with_token else 1.0
    lines = [
        *(f"schemathesis[{role}] {line}" for line in _summary_lines(run.stdout + run.stderr)),
        f"schemathesis[{role}] {elapsed:.0f} s; responses: {total}; server errors (5xx): {server_errors}; "
        f"401 with the token: {with_token[401]} of {sent_with_token} ({share_401:.1%}); "
        f"by status: {dict(sorted(statuses.items()))}",
    ]
    if run.returncode != 0:
        lines += (f"schemathesis[{role}] {line}" for line in _failures(run.stdout + run.stderr).splitlines())
    with capsys.disabled():
        print("\n" + "\n".join(lines))
    assert total > 0, "schemathesis sent nothing"
    assert share_401 <= MAX_SHARE_OF_401, f"{share_401:.1%} of the answers were 401: the token stopped working"
    assert still_valid == 200, f"the {role}'s token no longer works after the run ({still_valid})"
    assert server_errors == 0, "\n".join(_server_errors(report_dir)) + "\n" + run.stdout[-5_000:]
    assert run.returncode == 0, _failures(run.stdout + run.stderr)
