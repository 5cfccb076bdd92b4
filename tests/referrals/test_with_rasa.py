"""Referral codes from a real conversation: real Rasa server, trained model, action server.

The answer ends with the code in its words (what Telegram and text-only
clients show) and in a ``referral`` payload (what the widget draws), and the
code is stored with the places offered and nothing about the person.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from bot.directory.db import make_engine
from bot.referrals import codes
from bot.referrals.store import ReferralStore, arrivals, places, referrals
from bot.runner import Stack
from bot.telegram.keyboards import CallbackPayloads
from bot.telegram.render import Text, plan
from tests.support.stack import Conversation

pytestmark = pytest.mark.stack


def test_an_answer_naming_places_carries_a_code_stored_without_the_person(
    stack: Stack, conversation: Conversation
) -> None:
    conversation.say("i cant afford a laptop")
    replies = conversation.say("NR3 2AB")
    last = replies[-1]
    assert (last.get("custom") or {}).get("type") == "referral", replies
    code = last["custom"]["code"]
    assert codes.normalise(code) == code and last["custom"]["days"] == stack.settings.referral_days
    assert re.search(
        rf"Your code is {code}\. Show it at any of these places in the next 30 days\.", last["text"]
    )
    assert last.get("buttons"), "the code ends the answer and carries its buttons"
    shown = [h["id"] for h in Conversation.hubs(replies)]
    assert shown

    engine = make_engine(stack.settings.directory_url)
    found = ReferralStore(engine).find(code)
    assert found is not None and list(found.hub_ids) == shown
    assert (found.need, found.outcode) == ("get_device", "NR3")
    with engine.connect() as conn:
        stored = [
            str(value)
            for table in (referrals, places, arrivals)
            for row in conn.execute(select(table))
            for value in row
        ]
    everything = " ".join(stored)
    for personal in (conversation.sender, "NR3 2AB", "2AB", "laptop", "afford"):
        assert personal not in everything

    # Telegram shows the code in the message itself, with the buttons under it.
    sent = plan(replies, CallbackPayloads())[0]
    texts = [item for item in sent if isinstance(item, Text)]
    assert code in texts[-1].text and texts[-1].reply_markup is not None
