"""Production settings refuse a secret key anyone can read in this repository (issue 8, security 1)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def load_production_settings(secret_key: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "support_desk.settings.production",
        "SECRET_KEY": secret_key,
        "ALLOWED_HOSTS": "desk.example",
    }
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, env=env, capture_output=True, text=True
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
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "support_desk.settings.local", "LOG_LEVEL": "info"}
    code = "import django; django.setup(); from django.conf import settings; print(settings.LOG_LEVEL)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "INFO"
