"""Create the PostgreSQL database named in DATABASE_URL (or argv[1]) if it does not exist yet.

Used by `make run` and `make bench` so that pointing DATABASE_URL at a new database just works.
Anything that is not a PostgreSQL URL (SQLite, unset) is left alone: Django creates SQLite files itself.
"""

import os
import sys
from urllib.parse import unquote, urlsplit


def main() -> int:
    url = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("DATABASE_URL", "")
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql", "pgsql", "psql"}:
        return 0
    name = unquote(parts.path.lstrip("/"))
    if not name:
        return 0

    import psycopg2
    from psycopg2 import sql

    connect = {
        "host": parts.hostname or None,
        "port": parts.port or None,
        "user": unquote(parts.username) if parts.username else None,
        "password": unquote(parts.password) if parts.password else None,
        "connect_timeout": 5,
    }
    try:
        connection = psycopg2.connect(dbname="postgres", **connect)
    except psycopg2.OperationalError as error:
        print(f"Cannot reach PostgreSQL at {parts.hostname}:{parts.port or 5432}: {error}".strip(), file=sys.stderr)
        return 1
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"==> Created PostgreSQL database {name}")
    connection.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
