"""Referral codes: six characters from an alphabet without look-alikes, written "K7P-3QX".

A resident reads the code aloud or shows it on a phone or on paper, so the
alphabet leaves out characters that are easily mistaken for another (0/O/Q,
1/I/L, 2/Z, 5/S, 8/B, G). 23 characters in 6 places give about 148 million
codes: guessing a live one is hopeless, and a clash on issue is retried.
"""

from __future__ import annotations

import secrets
from typing import Optional

ALPHABET = "ACDEFHJKMNPRTUVWXY34679"
HALF = 3  # characters either side of the dash
LENGTH = 2 * HALF


def new_code() -> str:
    """A fresh random code, e.g. "K7P-3QX" (``secrets``: not predictable from earlier codes)."""
    chars = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return f"{chars[:HALF]}-{chars[HALF:]}"


def normalise(text: str) -> Optional[str]:
    """The code as stored ("K7P-3QX") from what someone typed ("k7p 3qx", "K7P3QX"); None if not a code."""
    if not isinstance(text, str):
        return None
    chars = "".join(text.split()).replace("-", "").upper()
    if len(chars) != LENGTH or any(c not in ALPHABET for c in chars):
        return None
    return f"{chars[:HALF]}-{chars[HALF:]}"
