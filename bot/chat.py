"""``python -m bot chat``: chat with the running assistant in a terminal.

Like ``rasa shell`` but against the server ``make run`` started, through the
same REST channel the widget and the Telegram bridge use. Buttons are shown
numbered; type the number to press one.
"""

from __future__ import annotations

import sys
import uuid
from typing import Any, Dict, List, TextIO

import requests


def send(rasa_url: str, sender: str, text: str, timeout: float = 30) -> List[Dict[str, Any]]:
    response = requests.post(
        f"{rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=timeout
    )
    response.raise_for_status()
    return response.json()


def show(replies: List[Dict[str, Any]], out: TextIO) -> List[Dict[str, str]]:
    buttons: List[Dict[str, str]] = []
    for reply in replies:
        if reply.get("text"):
            print(f"Bot: {reply['text']}", file=out)
        for button in reply.get("buttons") or []:
            buttons.append(button)
            print(f"  [{len(buttons)}] {button['title']}", file=out)
    return buttons


def chat(rasa_url: str, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    sender = f"terminal-{uuid.uuid4().hex}"
    buttons: List[Dict[str, str]] = []
    print("Type a message. Ctrl-D or /stop to quit.", file=out)
    for line in stdin:
        text = line.strip()
        if text == "/stop":
            break
        if not text:
            continue
        if text.isdigit() and 0 < int(text) <= len(buttons):
            text = buttons[int(text) - 1]["payload"]
        try:
            buttons = show(send(rasa_url, sender, text), out)
        except requests.RequestException as exc:
            print(f"Could not reach the assistant at {rasa_url}: {exc}. Is `make run` running?", file=out)
    return 0
