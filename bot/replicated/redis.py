"""Redis for Rasa's lock store: one conversation is handled by one replica at a time.

Debian's ``redis-server`` runs in the foreground under supervisord, on
loopback, with a generated password. Locks live for seconds, so nothing is
saved to disk.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Optional

from bot.private_files import generated_secret
from bot.supervision import Program

MISSING = "redis-server not found: apt-get install redis-server"


def binary() -> Optional[str]:
    return shutil.which("redis-server")


def password(var_dir: Path) -> str:
    return generated_secret(var_dir / "redis_password")


def program(var_dir: Path, port: int, log_path: Path) -> Program:
    work = var_dir / "redis"
    work.mkdir(parents=True, exist_ok=True)
    # The password goes in a config file, not on the command line where `ps` would show it.
    config = work / "redis.conf"
    config.write_text(
        "bind 127.0.0.1\n"
        f"port {port}\n"
        "protected-mode yes\n"
        f"requirepass {password(var_dir)}\n"
        f"dir {work}\n"
        'save ""\n'
        "appendonly no\n"
        "daemonize no\n"
    )
    config.chmod(0o600)
    return Program("redis", [binary() or "redis-server", str(config)], log_path, priority=10)
