"""A throwaway PostgreSQL server for tests: ``with postgres_server() as url: ...``.

Needs the server binaries (``apt-get install postgresql``); when they are
missing :func:`postgres_binaries` returns None and tests should skip. As root
the server runs as the ``postgres`` OS user (PostgreSQL refuses root).
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from bot.replicated.postgres import binaries as postgres_binaries
from bot.runner import free_port

SKIP_REASON = (
    "PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin/initdb); apt-get install postgresql"
)


@contextmanager
def postgres_server() -> Iterator[str]:
    """Start a fresh cluster on a free 127.0.0.1 port; yield its SQLAlchemy URL; remove it."""
    bindir = postgres_binaries()
    if bindir is None:
        raise RuntimeError(SKIP_REASON)
    root = Path(tempfile.mkdtemp(prefix="signpost-pg-"))
    data, log = root / "data", root / "server.log"
    prefix: list[str] = []
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(root, user.pw_uid, user.pw_gid)
        os.chmod(root, 0o700)
        prefix = ["runuser", "-u", "postgres", "--"]
    port = free_port()

    def run(*args: str) -> None:
        subprocess.run(
            [*prefix, *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=root
        )

    try:
        run(
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
        )
        run(
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(log),
            "-w",
            "-t",
            "30",
            "-o",
            f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off",
            "start",
        )
        try:
            yield f"postgresql+psycopg2://postgres@127.0.0.1:{port}/postgres"
        finally:
            subprocess.run(
                [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                cwd=root,
            )
    except subprocess.CalledProcessError as exc:
        detail = (exc.stderr or b"").decode(errors="replace")
        if log.exists():
            detail += log.read_text(errors="replace")
        raise RuntimeError(f"could not start PostgreSQL: {detail.strip()[-2000:]}") from exc
    finally:
        shutil.rmtree(root, ignore_errors=True)
