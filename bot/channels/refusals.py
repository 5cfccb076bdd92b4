"""What the public chat endpoint says when it refuses a message, shaped like an answer.

The REST channel (bot/channels/rest.py) and nginx in front of the replicas
(bot/replicated/templates/nginx.conf.j2) refuse with the same words and the
same shape: a list of bot messages, each with an ``error`` code, so the widget
and any chat client show the text and programs read the code. The words are
the catalogue's ``refusal.*`` messages (bot/wording).
"""

from __future__ import annotations

import json
from typing import Optional

from bot.wording import _

TOO_LONG = _("refusal.too_long")
NOT_TEXT = _("refusal.not_text")
UNREADABLE = _("refusal.unreadable")
TOO_MANY = _("refusal.too_many")


def refusal_body(error: str, text: str, sender: Optional[str] = None) -> list:
    return [{"recipient_id": sender, "text": text, "error": error}]


def nginx_string(error: str, text: str) -> str:
    """The body as JSON for nginx's ``return CODE '...'``: its parser drops one level of backslashes."""
    return json.dumps(refusal_body(error, text)).replace("'", "\\u0027").replace("\\", "\\\\")
