"""The apps' layers (pyproject.toml [tool.importlinter], DESIGN.md "Layers"): a lower app that
imports a higher one, even inside a function, fails the suite as it fails CI's lint-imports."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def test_lower_apps_never_import_higher_ones():
    result = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
