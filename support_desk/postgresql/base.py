"""Django's PostgreSQL backend with a health check that costs no round trip.

With CONN_HEALTH_CHECKS, Django checks a persistent connection before a request's first query by
sending `SELECT 1`: one round trip and one statement for PostgreSQL on every request. This backend
asks the connection itself instead. A connection that psycopg knows is closed or broken, that is
not idle, or whose socket has something to read although no query is in flight, is unusable: a
server that shuts down, restarts, times an idle session out or has the backend terminated sends
its FATAL message and closes the socket, which makes it readable. Django then closes it and opens a
new one, as after a failed `SELECT 1`.

What it cannot see is a peer that vanished without a word (a cable cut, a host gone): the first
query then fails, as it would have after a `SELECT 1` that passed a moment before the loss.
"""

import select

from django.db.backends.postgresql import base
from django.db.backends.postgresql.psycopg_any import is_psycopg3


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        if not is_psycopg3:  # psycopg2 (not what requirements.txt installs): Django's SELECT 1
            return super().is_usable()
        pq = base.Database.pq
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        pgconn = connection.pgconn
        if pgconn.status != pq.ConnStatus.OK or pgconn.transaction_status != pq.TransactionStatus.IDLE:
            return False
        try:
            readable, _, _ = select.select([pgconn.socket], [], [], 0)
        except (OSError, ValueError):  # a closed descriptor
            return False
        return not readable
