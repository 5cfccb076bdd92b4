"""The running stack under faults: a crashed process comes back, the others keep serving.

Also what the processes expose: the action server listens on loopback only,
the Rasa token is on no command line, and what they write under var/ is
private to their user.
"""

from __future__ import annotations

import os
import signal
import stat
import time
from pathlib import Path
from typing import Set

import pytest

from bot.runner import Stack
from tests.support.stack import Conversation

pytestmark = pytest.mark.stack

PHONE = "0344 980 3333"


def _wait_for(check, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"{what} within {timeout} s"
        time.sleep(0.5)


def test_killed_action_server_is_restarted_while_rasa_keeps_answering(
    stack: Stack, conversation: Conversation
) -> None:
    rasa_pid, actions_pid = stack.rasa.pid(), stack.actions.pid()
    os.kill(actions_pid, signal.SIGKILL)
    _wait_for(lambda: stack.actions.pid() != actions_pid, 30, "supervisord notices the crash")

    # While it starts again, residents still get an answer: at worst the apology with the phone number.
    text = Conversation.texts(conversation.say("i need a laptop"))
    assert text and ("postcode" in text or PHONE in text), text

    stack.wait_healthy(90, [stack.actions])
    assert stack.actions.pid() not in (0, actions_pid)
    assert stack.rasa.pid() == rasa_pid, "the Rasa server must not have been restarted"
    conversation.say("i need a laptop")  # asked again: the first time may have met the apology
    replies = conversation.say("NR2 4EE")
    assert Conversation.hubs(replies), Conversation.texts(replies)
    log = (stack.settings.var_dir / "logs" / "supervisord.log").read_text()
    assert "exited: actions (terminated by SIGKILL; not expected)" in log


def test_killed_rasa_server_comes_back_and_keeps_the_conversation(
    stack: Stack, conversation: Conversation
) -> None:
    conversation.say("i need help getting online")
    rasa_pid = stack.rasa.pid()
    os.kill(rasa_pid, signal.SIGKILL)
    _wait_for(lambda: stack.rasa.pid() != rasa_pid, 30, "supervisord notices the crash")
    stack.wait_healthy(180, [stack.rasa])
    replies = conversation.say("NR2 4EE")
    assert Conversation.hubs(replies), "the need asked before the crash should still be known"


def _listening_addresses(port: int) -> Set[str]:
    """Local addresses with a listening TCP socket on ``port`` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, port_hex = fields[1].rsplit(":", 1)
            if int(port_hex, 16) == port and fields[3] == "0A":  # 0A: LISTEN
                found.add(address)
    return found


def test_action_server_listens_on_loopback_only(stack: Stack) -> None:
    port = int(stack.action_url.rsplit(":", 1)[1].split("/")[0])
    addresses = _listening_addresses(port)
    assert addresses == {"0100007F"}, f"listening on {addresses}; 0100007F is 127.0.0.1"


def test_rasa_token_is_on_no_command_line(stack: Stack) -> None:
    pids = [service.pid() for service in stack.services]
    assert all(pids)
    for pid in pids:
        command_line = Path(f"/proc/{pid}/cmdline").read_bytes().decode()
        assert stack.token not in command_line, command_line.replace("\0", " ")


def test_files_under_var_are_private(stack: Stack, conversation: Conversation) -> None:
    conversation.say("hello")  # the tracker store has written
    shared = [
        str(path.relative_to(stack.settings.var_dir))
        for path in stack.settings.var_dir.rglob("*")
        if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO)
    ]
    assert shared == [], f"readable by other users: {shared}"
