"""A real web server (gunicorn, several processes and threads) on the test database, for tests that
need what the test client cannot give: requests in parallel, and HTTP as clients send it.

The test must use `transaction=True` (its rows are committed, so the server sees them; the server is
stopped before the database is flushed). On SQLite, whose test database lives in memory, the
database is first copied to a file (the SQLite backup API, milliseconds) and the server uses the
copy: results are read back through the API, not through the ORM.
"""

import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import requests
from django.conf import settings
from django.db import connection

BASE_DIR = Path(settings.BASE_DIR)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url_for_server(folder: Path) -> str:
    """The test database as a DATABASE_URL another process can open."""
    params = connection.settings_dict
    if connection.vendor == "sqlite":
        path = folder / "db.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(path)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
        return f"sqlite:///{path}"
    if connection.vendor == "postgresql":
        user = quote(params.get("USER") or "")
        password = f":{quote(params['PASSWORD'])}" if params.get("PASSWORD") else ""
        host = params.get("HOST") or "127.0.0.1"
        port = params.get("PORT") or 5432
        return f"postgres://{user}{password}@{host}:{port}/{params['NAME']}"
    raise RuntimeError(f"no live server for {connection.vendor}")


@contextmanager
def live_server(*, workers: int = 2, threads: int = 4, env: dict[str, str] | None = None) -> Iterator[str]:
    """Start gunicorn on the test database; yield its base URL ("http://127.0.0.1:PORT")."""
    with tempfile.TemporaryDirectory(prefix="sd-live-") as folder:
        port = _free_port()
        log = Path(folder) / "server.log"
        server_env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "support_desk.settings.test",
            "DATABASE_URL": database_url_for_server(Path(folder)),
            "MEDIA_ROOT": str(Path(folder) / "media"),
            "API_THROTTLE": "off",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            **(env or {}),
        }
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "support_desk.wsgi:application",
            f"--bind=127.0.0.1:{port}",
            f"--workers={workers}",
            f"--threads={threads}",
            "--timeout=120",
            "--graceful-timeout=5",
            "--log-level=warning",
        ]
        with log.open("w") as output:
            process = subprocess.Popen(command, cwd=BASE_DIR, env=server_env, stdout=output, stderr=subprocess.STDOUT)
        base_url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(base_url, process, log)
            yield base_url
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            server_log = log.read_text()
            if "Traceback" in server_log:
                print(f"--- server log ---\n{server_log[-5000:]}")


def _wait_until_up(base_url: str, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            if requests.get(f"{base_url}/healthz", timeout=10).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or a worker still booting
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server did not answer within {timeout} s:\n{log.read_text()[-3000:]}")


def token_for(base_url: str, username: str, password: str) -> str:
    response = requests.post(
        f"{base_url}/api/v1/auth/token/", json={"username": username, "password": password}, timeout=30
    )
    response.raise_for_status()
    return response.json()["token"]
