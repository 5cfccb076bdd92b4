"""A PostgreSQL cluster of the replicated profile's own, under var/pg/.

Debian's ``postgresql`` package provides the server binaries; the cluster is
created once with ``initdb`` (password authentication, the password generated
into var/) and then run in the foreground by supervisord. PostgreSQL refuses
to run as root, so as root the cluster belongs to the ``postgres`` OS user.
"""

from __future__ import annotations

import glob
import os
import pwd
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import List, Mapping, Optional

from bot.private_files import generated_secret
from bot.supervision import Program

MISSING = (
    "PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin/initdb): apt-get install postgresql"
)
USER = "signpost"  # the database role the services use
DATABASE = "signpost"


def binaries(env: Optional[Mapping[str, str]] = None) -> Optional[Path]:
    """PG_BINDIR, else the newest /usr/lib/postgresql/*/bin with initdb, else None."""
    env = os.environ if env is None else env
    if env.get("PG_BINDIR") and Path(env["PG_BINDIR"], "initdb").exists():
        return Path(env["PG_BINDIR"])
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    return Path(found[-1]).parent if found else None


def os_user() -> Optional[str]:
    """``postgres`` when we are root (the server will not run as root), else None: ourselves."""
    return "postgres" if os.geteuid() == 0 else None


@dataclass
class Cluster:
    root: Path  # var/pg: data/ and the socket directory
    port: int
    bindir: Path

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def password_file(self) -> Path:
        return self.root.parent / "pg_password"

    def password(self) -> str:
        return generated_secret(self.password_file)

    def url(self) -> str:
        return f"postgresql+psycopg2://{USER}:{self.password()}@127.0.0.1:{self.port}/{DATABASE}"

    def _give_to_server_user(self, path: Path) -> None:
        user = os_user()
        if user is not None:
            entry = pwd.getpwnam(user)
            os.chown(path, entry.pw_uid, entry.pw_gid)

    def initialise(self) -> None:
        """Create the cluster and its database once; later starts find it there."""
        if (self.data / "PG_VERSION").exists():
            return
        self.root.mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o700)
        self._give_to_server_user(self.root)
        if os_user() is not None:  # the server user must reach var/pg through var/ (no listing: x only)
            self.root.parent.chmod(0o711)
        prefix = ["runuser", "-u", os_user() or "", "--"] if os_user() else []
        with tempfile.NamedTemporaryFile("w", dir=self.root, delete=False) as handle:
            handle.write(self.password())
        self._give_to_server_user(Path(handle.name))
        try:
            subprocess.run(
                [
                    *prefix,
                    str(self.bindir / "initdb"),
                    "-D",
                    str(self.data),
                    "-U",
                    USER,
                    "-E",
                    "UTF8",
                    "--locale=C",
                    "--auth=scram-sha-256",
                    f"--pwfile={handle.name}",
                ],
                check=True,
                capture_output=True,
                cwd=self.root,
            )
            # The database itself, in single-user mode: no server, no port, no password needed.
            subprocess.run(
                [*prefix, str(self.bindir / "postgres"), "--single", "-D", str(self.data), "template1"],
                input=f"CREATE DATABASE {DATABASE} OWNER {USER};\n".encode(),
                check=True,
                capture_output=True,
                cwd=self.root,
            )
        except subprocess.CalledProcessError as exc:
            detail = (exc.stderr or b"").decode(errors="replace").strip()[-1500:]
            raise RuntimeError(f"could not create the PostgreSQL cluster in {self.data}: {detail}") from exc
        finally:
            os.unlink(handle.name)

    def program(self, log_path: Path, settings: List[str]) -> Program:
        """The server in the foreground; INT is PostgreSQL's fast shutdown."""
        options: List[str] = []
        for setting in ["listen_addresses=127.0.0.1", *settings]:
            options += ["-c", setting]
        return Program(
            "postgres",
            [
                str(self.bindir / "postgres"),
                "-D",
                str(self.data),
                "-p",
                str(self.port),
                "-k",
                str(self.root),
                *options,
            ],
            log_path,
            start_seconds=3,
            stop_signal="INT",
            user=os_user(),
            priority=10,
        )
