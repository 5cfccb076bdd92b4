"""Rasa's Redis lock store, without its wait-forever when a replica dies holding a conversation.

Rasa serves one message per conversation at a time with numbered tickets in
Redis; each ticket expires after ``TICKET_LOCK_LIFETIME`` seconds so that a
replica that died cannot hold a conversation for ever. But a message waiting
behind the dead replica's ticket has a ticket of the same lifetime, issued a
moment later: both expire within the same second, the waiting loop sees no
ticket, takes "now serving" to be 0 and waits for ever (reproduced: a message
sent after SIGKILL to the other replica never got an answer). Here a waiting
message keeps its own ticket alive while it waits; everything else is Rasa's.
deploy/endpoints.yml names this class as the lock store.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Optional, Text

from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig


class WaitingTicketsLiveRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **kwargs: Any) -> None:
        if endpoint_config is not None:  # as a custom lock store: `type: <this class>` in endpoints.yml
            kwargs = {"host": endpoint_config.url, **endpoint_config.kwargs, **kwargs}
        super().__init__(**kwargs)

    async def _acquire_lock(
        self, conversation_id: Text, ticket: int, wait_time_in_seconds: float
    ) -> TicketLock:
        while True:
            lock = self.get_lock(conversation_id)
            if not lock:  # the lock expired as a whole, as in Rasa
                break
            if not lock.is_locked(ticket):
                return lock
            await asyncio.sleep(wait_time_in_seconds)
            self.keep_waiting(conversation_id, ticket)
        raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")

    def keep_waiting(self, conversation_id: Text, ticket: int) -> None:
        """Drop expired tickets (a dead replica's), but not the one this message is waiting with."""
        lock = self.get_lock(conversation_id)
        if lock is None:
            return
        lock.remove_expired_tickets()
        if all(t.number != ticket for t in lock.tickets):
            lock.tickets.append(Ticket(ticket, time.time() + LOCK_LIFETIME))
            lock.tickets = type(lock.tickets)(sorted(lock.tickets, key=lambda t: t.number))
        self.save_lock(lock)
