#!/usr/bin/env bash
# `make run`: the whole desk on this machine, from a fresh checkout with only Python 3.11+.
#
# Creates .venv and installs the requirements (once per change of requirements*.txt), migrates,
# loads the demo data, then starts in the background
#   web     manage.py runserver 0.0.0.0:$PORT
#   worker  celery worker on every queue the settings route to (sla, default, notifications, ...),
#           with an embedded beat on the filesystem broker
#   beat    celery beat (a process of its own when REDIS_URL is set)
# with their output in var/log/<name>.log and shown here, prefixed. Ctrl-C or SIGTERM stops all of them.
#
# Environment: PORT (8000), BIND (0.0.0.0), SITE_URL (http://localhost:$PORT: the address e-mails
# link to), CELERY_QUEUES (all routed queues), STOP_TIMEOUT (20 s), and everything the settings read:
# DATABASE_URL, REDIS_URL, DEMO_PASSWORD, ... (see README.md).
#
# `scripts/run.sh --print-env` prints the environment the processes would get, and exits.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PORT=${PORT:-8000}
BIND=${BIND:-0.0.0.0}
# The web server, the worker and beat all render links (the worker sends the e-mails): one
# address for all three, the port this script serves unless SITE_URL says otherwise.
SITE_URL=${SITE_URL:-http://localhost:$PORT}
STOP_TIMEOUT=${STOP_TIMEOUT:-20}
VENV=.venv
PY=$VENV/bin/python
LOG_DIR=var/log
export PORT SITE_URL
export PYTHONUNBUFFERED=1

if [[ ${1:-} == --print-env ]]; then
    printf 'PORT=%s\nBIND=%s\nSITE_URL=%s\n' "$PORT" "$BIND" "$SITE_URL"
    exit 0
fi

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# What the stop routine says: to stderr and to var/log/run.log, and never fatal. Under
# `make run | tee log` a Ctrl-C kills tee too, so stdout (often stderr as well) is a pipe nobody
# reads; a write there must not end the script before it has stopped the processes.
note() {
    printf '%s ==> %s\n' "$(date '+%F %T')" "$*" 2>/dev/null >>"$LOG_DIR/run.log" || true
    printf '\033[1m==> %s\033[0m\n' "$*" >&2 2>/dev/null || true
}

# --- 1. Virtualenv: (re)install only when a requirements file is newer than the stamp. -------------
needs_install=0
if [[ ! -x $PY || ! -f $VENV/.installed ]]; then
    needs_install=1
else
    for requirements in requirements*.txt; do
        if [[ $requirements -nt $VENV/.installed ]]; then
            needs_install=1
        fi
    done
fi
if ((needs_install)); then
    bash scripts/venv.sh
fi

# --- 2. The port must be free, or runserver would die after everything else started. ---------------
if "$PY" - "$PORT" <<'PYTHON'; then
import socket
import sys

with socket.socket() as probe:
    probe.settimeout(0.5)
    sys.exit(0 if probe.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)
PYTHON
    echo "Port $PORT is already in use. Stop what runs there, or choose another: PORT=8001 make run" >&2
    exit 1
fi

# --- 3. Database and demo data. ----------------------------------------------------------------------
say "Database: ${DATABASE_URL:-sqlite var/db.sqlite3}; broker: ${REDIS_URL:-filesystem (var/celery/)}"
"$PY" scripts/ensure_database.py
"$PY" manage.py migrate --noinput
"$PY" manage.py seed_demo

# A worker consumes only the queues it is told: all those CELERY_TASK_ROUTES sends tasks to.
if [[ -z ${CELERY_QUEUES:-} ]]; then
    CELERY_QUEUES=$("$PY" -c '
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "support_desk.settings.local")
from django.conf import settings
routes = settings.CELERY_TASK_ROUTES.values()
print(",".join(sorted({settings.CELERY_TASK_DEFAULT_QUEUE} | {route["queue"] for route in routes if "queue" in route})))
')
fi

# --- 4. Start the processes, each in a process group of its own so that stopping one stops its ----
#        children too (runserver's reloader child, celery's pool and embedded beat).
mkdir -p "$LOG_DIR" var/celery
PGIDS=()
NAMES=()
TAILS=()
SLEEPER=""

cleanup() {
    local status=$?
    trap - EXIT
    # A closed stdout must give failed writes (EPIPE), not a SIGPIPE that kills this routine and
    # leaves runserver and celery running in their own sessions.
    trap '' PIPE
    # A second Ctrl-C while stopping means "now": kill what is left at once.
    trap 'STOP_DEADLINE=0' INT TERM
    if [[ -n $SLEEPER ]]; then
        kill "$SLEEPER" 2>/dev/null || true
    fi
    if ((${#PGIDS[@]})); then
        note "Stopping ${NAMES[*]}"
        local pgid
        # SIGTERM to each leader only: celery's main process then stops its pool and embedded beat
        # in order (signalling them directly makes it hang), runserver's reloader kills its child.
        for pgid in "${PGIDS[@]}"; do
            kill -TERM "$pgid" 2>/dev/null || true
        done
        STOP_DEADLINE=$((SECONDS + STOP_TIMEOUT))
        local i
        for i in "${!PGIDS[@]}"; do
            pgid=${PGIDS[$i]}
            while kill -0 "$pgid" 2>/dev/null && ((SECONDS < STOP_DEADLINE)); do
                sleep 0.2
            done
            if kill -0 "$pgid" 2>/dev/null; then
                note "${NAMES[$i]} still running after ${STOP_TIMEOUT}s: killing it"
            fi
            # Whatever is left in the group (a leader that did not stop, an orphaned child) goes now.
            kill -KILL -- "-$pgid" 2>/dev/null || true
        done
    fi
    sleep 0.3 # let the log followers print the last lines
    for pgid in "${TAILS[@]}"; do
        kill -TERM -- "-$pgid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    if ((${#PGIDS[@]})); then
        note "Stopped."
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Runs "$@" as the leader of a new session (so a new process group whose id is its pid, $!).
# Python rather than util-linux's setsid, which macOS lacks.
DETACH='import os, sys; os.setsid(); os.execvp(sys.argv[1], sys.argv[1:])'

start() {
    local name=$1
    shift
    local log="$LOG_DIR/$name.log"
    : >"$log"
    "$PY" -c "$DETACH" "$@" >>"$log" 2>&1 </dev/null &
    PGIDS+=("$!")
    NAMES+=("$name")
    # Follow the log here with the process's name in front of every line.
    "$PY" -c "$DETACH" bash -c 'tail -n +1 -F "$1" 2>/dev/null | sed -u "s/^/$2| /"' _ "$log" "$(printf '%-7s' "$name")" </dev/null &
    TAILS+=("$!")
}

start web "$PY" manage.py runserver "$BIND:$PORT"
if [[ -n ${REDIS_URL:-} ]]; then
    start worker "$VENV/bin/celery" -A support_desk worker -Q "$CELERY_QUEUES" -l info -n "worker@%h"
    start beat "$VENV/bin/celery" -A support_desk beat -l info -s var/celery/beat-schedule
else
    # The filesystem broker has one consumer here, so beat runs inside the worker (-B).
    start worker "$VENV/bin/celery" -A support_desk worker -B -s var/celery/beat-schedule \
        -Q "$CELERY_QUEUES" -l info -n "worker@%h"
fi

# --- 5. Wait for the web server, then say what exists and who can log in. ---------------------------
BASE="http://localhost:$PORT"
for _ in $(seq 1 120); do
    if "$PY" -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)" "$BASE/healthz" 2>/dev/null; then
        break
    fi
    kill -0 "${PGIDS[0]}" 2>/dev/null || {
        echo "The web server exited; see $LOG_DIR/web.log" >&2
        exit 1
    }
    sleep 0.5
done

LOGS=$(printf "$LOG_DIR/%s.log, " "${NAMES[@]}")
"$PY" - "$BASE" "${DEMO_PASSWORD:-demo-password}" "${LOGS%, }" <<'PYTHON'
import http.client
import os
import sys
from urllib.parse import urlsplit

base, password, logs = sys.argv[1:4]
host = urlsplit(base)


def exists(path: str) -> bool:
    """Anything but a 404 (a redirect to a login, a 401, a 503 before the first heartbeat) exists."""
    connection = http.client.HTTPConnection(host.hostname, host.port, timeout=5)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status != 404
    except OSError:
        return False
    finally:
        connection.close()


pages = [
    ("/", "/", "Customer portal"),
    ("/desk/", "/desk/", "Agent dashboard"),
    ("/api/docs/", "/api/docs/", "API docs (Swagger UI)"),
    ("/api/redoc/", "/api/redoc/", "API docs (ReDoc)"),
    ("/api/schema/", "/api/schema/", "OpenAPI 3 schema"),
    ("/api/v1/", "/api/v1/categories/", "REST API (token from POST /api/v1/auth/token/)"),
    ("/admin/", "/admin/", "Django admin"),
    ("/healthz", "/healthz", "Liveness"),
    ("/readyz", "/readyz", "Readiness: database, broker, worker heartbeat (503 until the first beat)"),
    ("/metrics", "/metrics", "Prometheus metrics"),
]
found = [(shown, what) for shown, probe, what in pages if exists(probe)]
lines = ["", "\033[1mExchange Support Desk is running\033[0m"]
lines += [f"  {base + shown:<36} {what}" for shown, what in found]
lines += [
    "",
    f"Demo logins (password: {password})",
    "  alice, bob          customers (bob is VIP)",
    "  agent1, agent2      agents, general + payments teams",
    "  secagent            agent, security team",
    "  lead                team lead: SLA rules, reports",
    "  admin               superuser",
    "",
    f"Logs: {logs}. E-mail: files under var/mail/ unless EMAIL_URL or EMAIL_BACKEND is set;",
    f"links in e-mails point to {os.environ['SITE_URL']} (SITE_URL).",
    "Press Ctrl-C to stop everything.",
    "",
]
# One write, so the followed logs cannot interleave with it.
sys.stdout.write("\n".join(lines) + "\n")
sys.stdout.flush()
PYTHON

# --- 6. Run until a signal, or until one of the processes dies (then stop the others). -------------
while :; do
    for i in "${!PGIDS[@]}"; do
        if ! kill -0 "${PGIDS[$i]}" 2>/dev/null; then
            echo "${NAMES[$i]} exited; stopping the rest (see $LOG_DIR/${NAMES[$i]}.log)" >&2
            exit 1
        fi
    done
    sleep 1 &
    SLEEPER=$!
    wait "$SLEEPER" || true
    SLEEPER=""
done
