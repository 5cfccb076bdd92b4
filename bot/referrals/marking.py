"""Mark an arrival and write it to the staff audit log: one way for the console and the command line.

Both record the same audit entry (action ``referral_marked`` with the code,
the hub, the outcome and the outcome it replaced), so the log reads the same
whoever marked. The audit store is passed in (a ``bot.staff.store.Store``).
"""

from __future__ import annotations

from typing import Any, Optional, Protocol

from bot.referrals import codes
from bot.referrals.store import ReferralStore

AUDIT_ACTION = "referral_marked"


class AuditLog(Protocol):
    """What marking needs of :class:`bot.staff.store.Store`."""

    def audit(self, user: str, action: str, **details: Any) -> None: ...


def mark(
    referrals: ReferralStore, audit: AuditLog, code: str, hub_id: str, outcome: str, by: str
) -> Optional[str]:
    """Record the arrival (``ReferralStore.mark`` may refuse), then audit it; returns what it replaced."""
    previous = referrals.mark(code, hub_id, outcome, by=by)
    audit.audit(by, AUDIT_ACTION, code=codes.normalise(code), hub=hub_id, outcome=outcome, previous=previous)
    return previous
