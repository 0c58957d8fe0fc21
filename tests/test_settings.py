"""Production settings refuse a secret key anyone can read in this repository (issue 8, security 1)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def set_up_django(code: str = "", **env: str) -> subprocess.CompletedProcess:
    """django.setup() in a fresh interpreter with these environment variables, then `code`."""
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )


def load_production_settings(secret_key: str) -> subprocess.CompletedProcess:
    return set_up_django(
        DJANGO_SETTINGS_MODULE="support_desk.settings.production", SECRET_KEY=secret_key, ALLOWED_HOSTS="desk.example"
    )


@pytest.mark.parametrize(
    "key",
    [
        "",
        "short-key",
        "insecure-local-development-key-change-me",
        "compose-local-only-secret-key-change-me-0123456789abcdefghij",
    ],
    ids=["empty", "short", "local-default", "compose-default"],
)
def test_production_refuses_a_missing_short_or_published_secret_key(key):
    result = load_production_settings(key)

    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_production_accepts_a_private_secret_key():
    assert load_production_settings("a-private-random-key-" + "x9" * 20).returncode == 0


def test_a_lowercase_log_level_is_accepted():
    result = set_up_django(
        "from django.conf import settings; print(settings.LOG_LEVEL)",
        DJANGO_SETTINGS_MODULE="support_desk.settings.local",
        LOG_LEVEL="info",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "INFO"
