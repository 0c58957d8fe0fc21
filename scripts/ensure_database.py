"""Create the PostgreSQL database named in DATABASE_URL (or argv[1]) if it does not exist yet.

Used by `make run`, `make bench` and the bench/ scripts, so that pointing DATABASE_URL at a new
database just works. Anything that is not a PostgreSQL URL (SQLite, unset) is left alone: Django
creates SQLite files itself.
"""

import os
import sys
from urllib.parse import unquote, urlsplit


def create_if_missing(url: str) -> bool:
    """True when this call created the database. Raises psycopg2.OperationalError when the
    server cannot be reached."""
    parts = urlsplit(url)
    name = unquote(parts.path.lstrip("/"))
    if parts.scheme not in {"postgres", "postgresql", "pgsql", "psql"} or not name:
        return False

    import psycopg2
    from psycopg2 import sql

    connect = {
        "host": parts.hostname or None,
        "port": parts.port or None,
        "user": unquote(parts.username) if parts.username else None,
        "password": unquote(parts.password) if parts.password else None,
        "connect_timeout": 5,
    }
    connection = psycopg2.connect(dbname="postgres", **connect)
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is not None:
                return False
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return True
    finally:
        connection.close()


def main() -> int:
    url = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("DATABASE_URL", "")
    import psycopg2

    try:
        if create_if_missing(url):
            print(f"==> Created PostgreSQL database {unquote(urlsplit(url).path.lstrip('/'))}")
    except psycopg2.OperationalError as error:
        parts = urlsplit(url)
        print(f"Cannot reach PostgreSQL at {parts.hostname}:{parts.port or 5432}: {error}".strip(), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
