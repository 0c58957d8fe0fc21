"""Without Chromium the browser tests are skipped, and the reason says what to install."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_browser_tests_without_chromium_say_what_to_install(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/browser", "-q", "-rs", "-p", "no:cacheprovider"],
        cwd=ROOT,
        env={**os.environ, "CHROMIUM_PATH": str(tmp_path / "no-chromium-here")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert " skipped" in result.stdout and " passed" not in result.stdout
    assert "apt-get install -y chromium" in result.stdout
    assert "CHROMIUM_PATH" in result.stdout
    assert "SERVICES.md" not in result.stdout


def test_readme_says_how_to_get_the_browser_tests_running():
    readme = (ROOT / "README.md").read_text()
    assert "apt-get install -y chromium" in readme
    assert "CHROMIUM_PATH" in readme
