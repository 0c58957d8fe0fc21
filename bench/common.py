"""What the bench/ scripts share: the guard on the benchmark database, creating it, and Django
set up with the Celery messages the scripts publish kept out of var/."""

import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

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


def setup_django() -> str:
    """django.setup(), and keep the Celery messages the benchmark publishes out of var/.

    Ticket creation and the sweep hand outbox rows to Celery after commit. With REDIS_URL set that
    goes to Redis as configured. Without it, the filesystem broker would write into the
    repository's var/celery/, where a developer's worker would pick them up; send them to a
    temporary folder instead (same transport, same cost), removed by cleanup_broker(). Returns a
    description of the broker.
    """
    import django

    django.setup()
    from django.conf import settings

    if settings.CELERY_BROKER_URL.startswith("filesystem"):
        from support_desk.celery import app

        folder = Path(tempfile.mkdtemp(prefix="bench-broker-"))
        app.conf.broker_transport_options = {
            **(settings.CELERY_BROKER_TRANSPORT_OPTIONS or {}),
            "data_folder_in": str(folder),
            "data_folder_out": str(folder),
            "processed_folder": str(folder),
        }
        return f"filesystem, temporary folder {folder}"
    return broker_description()


def broker_description() -> str:
    from django.conf import settings

    parts = urlsplit(settings.CELERY_BROKER_URL)
    return f"{parts.scheme}://{parts.hostname or ''}{':' + str(parts.port) if parts.port else ''}{parts.path}"


def cleanup_broker() -> None:
    """Remove the temporary broker folder setup_django() made, if any."""
    from support_desk.celery import app

    folder = (app.conf.broker_transport_options or {}).get("data_folder_in", "")
    if folder and Path(folder).name.startswith("bench-broker-"):
        shutil.rmtree(folder, ignore_errors=True)


def copy_in(cursor, sql: str, buffer) -> None:
    """`COPY … FROM STDIN` of a text buffer through a Django cursor (psycopg 3's `copy()`: the
    driver Django uses here; psycopg2 is installed only for scripts that connect without Django)."""
    with cursor.cursor.copy(sql) as copy:
        while chunk := buffer.read(1 << 20):
            copy.write(chunk)
