"""What the bench/ scripts share: the guard on the benchmark database, and creating it."""

import os
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from scripts.ensure_database import create_if_missing  # noqa: E402 - needs the repository on sys.path


def benchmark_database(*, allow_any_database: bool, script: str, example_db: str, why: str = "") -> dict[str, Any]:
    """The parsed DATABASE_URL, or exit: PostgreSQL only, and a database whose name says "bench"
    (the scripts add fake tickets) unless allow_any_database."""
    import environ

    url = os.environ.get("DATABASE_URL", "")
    try:
        config = environ.Env.db_url_config(url) if url else {}
    except Exception as error:  # noqa: BLE001 - any unparsable URL is a refusal, not a traceback
        sys.exit(f"Refusing to run: cannot parse DATABASE_URL ({error}).")
    engine = config.get("ENGINE", "")
    if "postgresql" not in engine and "postgis" not in engine:
        sys.exit(
            f"Refusing to run: DATABASE_URL must point at PostgreSQL{why}, e.g.\n"
            f"  DATABASE_URL=postgres://postgres@127.0.0.1:5432/{example_db} .venv/bin/python bench/{script}"
        )
    if "bench" not in str(config.get("NAME", "")) and not allow_any_database:
        sys.exit(
            f"Refusing to run: database {config.get('NAME')!r} does not look like a benchmark database "
            "(its name should contain 'bench'); this script adds up to --tickets fake tickets. "
            "Pass --allow-any-database to override."
        )
    return config


def ensure_database() -> bool:
    """Create the benchmark database if it is missing. True if created."""
    return create_if_missing(os.environ["DATABASE_URL"])
