"""Fault tests (issue 14): the desk's own PostgreSQL cluster and Redis, gunicorn and a Celery worker as
real processes, so a test can stop, restart or SIGKILL them without touching the shared services.

They run only where the binaries exist and the suite runs on PostgreSQL (or FAULTS=1), and only with
`-m slow`: CI's PostgreSQL pass runs `pytest -m slow tests/faults` as a step of its own.

- `private_postgres` (session): initdb on a free port in a temporary folder owned by the `postgres`
  user (initdb refuses root), started, migrated once; `.stop()`, `.start()`, `.restart()`.
- `private_redis`: redis-server on a free port, no persistence; `.stop()`, `.start()`.
- `desk_env`: the environment gunicorn, the worker and `django_run` see: production settings on the
  private services, e-mail to files in a folder of the test's own (`mail_message_ids` reads them).
- `server`: gunicorn; `worker`: `celery worker -B` (its beat runs the outbox drain and the SLA
  sweep every few seconds); both `.start()`, `.stop()`, `.kill()` (SIGKILL to the whole group).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def _pg_bin() -> Path:
    """FAULTS_PG_BIN, else Debian's newest installed PostgreSQL (15 here)."""
    if os.environ.get("FAULTS_PG_BIN"):
        return Path(os.environ["FAULTS_PG_BIN"])
    installed = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda path: int(path.parent.name or 0))
    return installed[-1] if installed else Path("/usr/lib/postgresql/15/bin")


PG_BIN = _pg_bin()
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
DB_NAME = "desk_faults"


def _missing() -> str:
    wanted = [PG_BIN / "initdb", PG_BIN / "pg_ctl", Path(REDIS_SERVER), VENV_BIN / "gunicorn", VENV_BIN / "celery"]
    absent = [str(path) for path in wanted if not path.exists()]
    if absent:
        return f"fault tests need {', '.join(absent)}"
    on_postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    if not (on_postgres or os.environ.get("FAULTS") == "1"):
        return "fault tests run on PostgreSQL (DATABASE_URL) or with FAULTS=1"
    if os.geteuid() == 0:
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            return "fault tests run initdb as the `postgres` user, which does not exist"
    return ""


def pytest_collection_modifyitems(config, items):
    reason = _missing()
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here) and "slow" in item.keywords and reason:
            item.add_marker(pytest.mark.skip(reason=reason))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(predicate: Callable[[], object], timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"{what}: not within {timeout:.0f} s")


def _as_postgres(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs)


class PrivatePostgres:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "data"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/{DB_NAME}"

    def init(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        _as_postgres([str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8"])
        self.start()
        psql = [str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"]
        _as_postgres([*psql, "-c", f"CREATE DATABASE {DB_NAME}"])

    def _ctl(self, *args: str) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100"
        )
        _as_postgres(
            [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "log"), "-o", options, "-w", *args]
        )

    def start(self) -> None:
        self._ctl("start")

    def stop(self) -> None:
        self._ctl("stop", "-m", "fast")

    def restart(self) -> None:
        self._ctl("restart", "-m", "fast")

    def ready(self) -> bool:
        return subprocess.run([str(PG_BIN / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)]).returncode == 0

    def sql(self, query: str, *params) -> list[tuple]:
        import psycopg2

        connection = psycopg2.connect(self.url, connect_timeout=3)
        try:
            with connection, connection.cursor() as cursor:
                cursor.execute(query, params)
                return cursor.fetchall() if cursor.description else []
        finally:
            connection.close()

    def scalar(self, query: str, *params):
        return self.sql(query, *params)[0][0]

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


class PrivateRedis:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        options = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(self.root)]
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), *options],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self.ready, 10, "redis-server answering")

    def ready(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None


class Child:
    """A process in a session of its own: `.kill()` SIGKILLs it and its children (a crash)."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name, self.command, self.env, self.log_dir = name, command, env, log_dir
        self.process: subprocess.Popen | None = None
        self.starts = 0

    @property
    def log_path(self) -> Path:
        return self.log_dir / f"{self.name}-{self.starts}.log"

    def start(self) -> None:
        self.starts += 1
        out = open(self.log_path, "wb")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            self.command, env=self.env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        if self.alive():
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if not self.alive():
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)  # any child left behind

    def log(self) -> str:
        return "\n".join(
            (self.log_dir / f"{self.name}-{n}.log").read_text(errors="replace")[-4000:]
            for n in range(1, self.starts + 1)
        )


@pytest.fixture(scope="session")
def private_postgres():
    root = Path(tempfile.mkdtemp(prefix="desk-faults-pg-"))
    postgres = PrivatePostgres(root)
    postgres.init()
    env = {**base_env(), "DATABASE_URL": postgres.url, "REDIS_URL": ""}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], env=env, cwd=REPO, check=True, timeout=240
    )
    yield postgres
    postgres.destroy()


@pytest.fixture
def private_redis(tmp_path):
    redis = PrivateRedis(tmp_path)
    redis.start()
    yield redis
    redis.stop()


def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"EMAIL_URL", "DATABASE_URL", "REDIS_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="support_desk.settings.production",
        SECRET_KEY=secrets.token_urlsafe(48),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",
        SECURE_HSTS_SECONDS="0",
        LOG_FORMAT="text",
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
        PYTHONPATH=str(REPO),
    )
    return env


@pytest.fixture
def desk_env(private_postgres, private_redis, tmp_path) -> dict[str, str]:
    (tmp_path / "mail").mkdir()
    (tmp_path / "media").mkdir()
    (tmp_path / "prometheus").mkdir()
    env = base_env()
    env.update(
        DATABASE_URL=private_postgres.url,
        REDIS_URL=private_redis.url,
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(tmp_path / "mail"),
        MEDIA_ROOT=str(tmp_path / "media"),
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "prometheus"),
        # Beat runs the drain and the sweep every few seconds, so a test waits seconds, not minutes.
        OUTBOX_DRAIN_SECONDS="2",
        SLA_SWEEP_SECONDS="2",
        OUTBOX_LEASE_SECONDS="10",
        THROTTLE_AUTH="1000/minute",
        THROTTLE_PUBLIC="10000/minute",
    )
    return env


@pytest.fixture
def server(desk_env, tmp_path):
    port = free_port()
    command = [str(VENV_BIN / "gunicorn"), "support_desk.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2"]
    command += ["--worker-class", "gthread", "--threads", "4", "--timeout", "30", "--no-control-socket"]
    child = Child("gunicorn", command, desk_env, tmp_path)
    child.base_url = f"http://127.0.0.1:{port}"

    def wait_ready() -> None:
        import requests

        def answers() -> bool:
            assert child.alive(), child.log()
            try:
                return requests.get(f"{child.base_url}/healthz", timeout=2).status_code == 200
            except requests.RequestException:
                return False

        wait_until(answers, 60, "gunicorn answering /healthz")

    child.wait_ready = wait_ready
    child.start()
    wait_ready()
    yield child
    child.stop()


@pytest.fixture
def worker(desk_env, tmp_path):
    command = [str(VENV_BIN / "celery"), "-A", "support_desk", "worker", "-B", "-s", str(tmp_path / "beat-schedule")]
    command += ["-Q", "sla,default,notifications,bulk", "-c", "1", "-l", "info", "--without-gossip", "--without-mingle"]
    child = Child("celery", command, desk_env, tmp_path)
    yield child
    child.stop()


@pytest.fixture
def django_run(desk_env):
    """Runs `code` in a Django process on the private services (`manage.py shell -c`); the value of
    the last `result = ...` comes back as JSON."""

    def run(code: str, env: dict[str, str] | None = None, timeout: float = 120):
        script = code + "\nimport json as _json\nprint('RESULT=' + _json.dumps(result, default=str))\n"
        done = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", script],
            env={**desk_env, **(env or {})},
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, done.stderr[-4000:]
        line = next(line for line in done.stdout.splitlines() if line.startswith("RESULT="))
        return json.loads(line.removeprefix("RESULT="))

    return run


MESSAGE_ID = re.compile(r"^Message-ID: (.+)$", re.MULTILINE)


def mail_message_ids(folder: Path) -> list[str]:
    """Every Message-ID the file-based e-mail backend wrote (one file per connection)."""
    return [match for path in sorted(folder.glob("*.log")) for match in MESSAGE_ID.findall(path.read_text())]
