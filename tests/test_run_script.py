"""scripts/run.sh (`make run`): the environment it gives its processes, and its stop routine.

The script itself starts a web server, a worker and beat; these tests run only the parts that
matter here: `--print-env`, and the `cleanup` function taken out of the script and run against a
stand-in process.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUN_SH = ROOT / "scripts" / "run.sh"


def print_env(**env: str) -> dict[str, str]:
    """The environment run.sh computes. The port given is held busy: a run.sh without
    --print-env then stops at its port check instead of starting anything."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = env.pop("PORT", None) or str(busy.getsockname()[1])
        clean = {key: value for key, value in os.environ.items() if key not in ("SITE_URL", "PORT")}
        result = subprocess.run(
            ["bash", str(RUN_SH), "--print-env"],
            env={**clean, "PORT": port, **env},
            capture_output=True,
            text=True,
            timeout=60,
        )
    values = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    values["_port"] = port
    return values


def test_make_run_points_email_links_at_the_port_it_serves():
    values = print_env()
    assert values.get("SITE_URL") == f"http://localhost:{values['_port']}"


def test_make_run_keeps_a_site_url_that_is_set():
    assert print_env(SITE_URL="https://desk.example").get("SITE_URL") == "https://desk.example"


def _functions(script: str, names: tuple[str, ...]) -> str:
    """The named shell functions' source: the one-line form, or from `name() {` to the first `}`
    at column 0."""
    parts = []
    for name in names:
        match = re.search(rf"^{name}\(\) \{{[^\n]*\}}$", script, re.MULTILINE) or re.search(
            rf"^{name}\(\) \{{\n.*?^\}}$", script, re.MULTILINE | re.DOTALL
        )
        if match:
            parts.append(match.group(0))
    return "\n\n".join(parts)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_stop_routine_stops_the_processes_when_stdout_is_a_closed_pipe(tmp_path):
    """`make run | tee log`, Ctrl-C: tee dies with the same SIGINT, and every write of the stop
    routine goes to a pipe nobody reads. It must stop the processes all the same."""
    script = RUN_SH.read_text()
    harness = tmp_path / "harness.sh"
    pid_file = tmp_path / "stand-in.pid"
    harness.write_text(
        "\n".join(
            [
                "set -euo pipefail",
                f"LOG_DIR={tmp_path}",
                "STOP_TIMEOUT=5",
                'SLEEPER=""',
                "PGIDS=()",
                "NAMES=()",
                "TAILS=()",
                _functions(script, ("say", "note", "cleanup")),
                # A stand-in for runserver: the leader of a session of its own, as run.sh starts them.
                f"{sys.executable} -c 'import os, sys; os.setsid(); os.execvp(sys.argv[1], sys.argv[1:])' "
                "sleep 300 </dev/null >/dev/null 2>&1 &",
                'PGIDS+=("$!")',
                'NAMES+=("web")',
                "trap cleanup EXIT",
                "trap 'exit 130' INT",
                # Ready only once the traps are set: a Ctrl-C before them would find none.
                f'echo "$!" > {pid_file}',
                "while :; do sleep 0.1; done",
            ]
        )
    )
    shell = subprocess.Popen(
        ["bash", str(harness)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_as_from_a_terminal,
    )
    deadline = time.monotonic() + 10
    while not (pid_file.exists() and pid_file.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.05)
    stand_in = int(pid_file.read_text())
    try:
        # The reader goes away (tee killed by the Ctrl-C), then the script gets its SIGINT.
        shell.stdout.close()
        shell.stderr.close()
        shell.send_signal(signal.SIGINT)
        shell.wait(timeout=15)
        deadline = time.monotonic() + 5
        while _alive(stand_in) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(stand_in), "the stop routine died before it stopped the process"
        assert "Stopped." in (tmp_path / "run.log").read_text()
    finally:
        if _alive(stand_in):
            os.killpg(stand_in, signal.SIGKILL)


def _as_from_a_terminal() -> None:
    """SIGINT and SIGQUIT as a shell started from a terminal has them. This test may itself run in
    the background of a script (CI runs the suite's two passes side by side), where both are
    ignored and children inherit that; a shell that starts with SIGINT ignored cannot trap it."""
    for number in (signal.SIGINT, signal.SIGQUIT):
        signal.signal(number, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGQUIT})


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its parent, which is gone) counts as stopped.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (FileNotFoundError, IndexError):
        return True
