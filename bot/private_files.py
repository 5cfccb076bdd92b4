"""Files only this service's user may read: generated secrets and local state.

A file written and then ``chmod``-ed is readable by everyone in between, so
secrets are created with their final mode in one step, and processes start
with a umask that keeps everything else they create under var/ private too.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

PRIVATE_UMASK = 0o077


def keep_private() -> None:
    """New files and folders of this process (databases, logs, models) are its user's alone."""
    os.umask(PRIVATE_UMASK)


def generated_secret(path: Path) -> str:
    """The secret kept in ``path``, generated the first time (mode 0600 from the start)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(32))
    return path.read_text().strip()
