#!/usr/bin/env bash
# Create .venv with Python 3.11+ (if missing or broken), install requirements-dev.txt (which
# includes requirements.txt) and touch .venv/.installed. `make venv` and scripts/run.sh call this
# only when that stamp is older than a requirements*.txt, so an unchanged checkout installs nothing.
#
#   scripts/venv.sh                               (python3.11, else python3)
#   PYTHON=/path/to/python3.12 scripts/venv.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

VENV=.venv
REQUIREMENTS=requirements-dev.txt

find_python() {
    if [[ -n "${PYTHON:-}" ]]; then
        echo "$PYTHON"
        return
    fi
    local candidate
    for candidate in python3.11 python3 python; do
        if command -v "$candidate" >/dev/null 2>&1; then
            echo "$candidate"
            return
        fi
    done
    echo "No python3 found: install Python 3.11 or newer (Django 5.2 LTS)." >&2
    exit 1
}

# A .venv copied from another folder or made by a removed interpreter has a dead bin/python.
if [[ -d "$VENV" ]] && ! "$VENV/bin/python" -c "" >/dev/null 2>&1; then
    echo "==> $VENV is broken (its python does not start); recreating it"
    rm -rf "$VENV"
fi

if [[ ! -x "$VENV/bin/python" ]]; then
    python=$(find_python)
    if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
        echo "$python is $("$python" --version 2>&1); this project needs Python 3.11 or newer." >&2
        exit 1
    fi
    echo "==> Creating $VENV with $("$python" --version 2>&1) ($(command -v "$python"))"
    "$python" -m venv "$VENV"
fi

echo "==> Installing $REQUIREMENTS into $VENV (a minute or two the first time)"
"$VENV/bin/python" -m pip install --disable-pip-version-check --quiet -r "$REQUIREMENTS"
touch "$VENV/.installed"
