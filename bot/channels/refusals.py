"""What the public chat endpoint says when it refuses a message, shaped like an answer.

The REST channel (bot/channels/rest.py) and nginx in front of the replicas
(bot/replicated/templates/nginx.conf.j2) refuse with the same words and the
same shape: a list of bot messages, each with an ``error`` code, so the widget
and any chat client show the text and programs read the code.
"""

from __future__ import annotations

import json
from typing import Optional

TOO_LONG = (
    "That message is very long. Please tell me in a few words what you need help with, "
    "for example \"I need a laptop\"."
)
NOT_TEXT = "Sorry, I can only read typed words. Please type what you need, for example \"I need a laptop\"."
UNREADABLE = "Sorry, something went wrong with this chat. Please close it, open it again and try again."
TOO_MANY = "You have sent a lot of messages very quickly. Please wait a minute, then send your message again."


def refusal_body(error: str, text: str, sender: Optional[str] = None) -> list:
    return [{"recipient_id": sender, "text": text, "error": error}]


def nginx_string(error: str, text: str) -> str:
    """The body as JSON for nginx's ``return CODE '...'``: its parser drops one level of backslashes."""
    return json.dumps(refusal_body(error, text)).replace("'", "\\u0027").replace("\\", "\\\\")
