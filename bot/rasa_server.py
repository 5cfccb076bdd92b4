"""``rasa run`` with the HTTP API token taken from RASA_TOKEN.

Rasa reads its token only from ``--auth-token``, and a command line is
visible to every user on the machine (``ps``). This starts Rasa in-process
with the token added to ``sys.argv`` after the process has started, so it is
never on the real command line. Usage: ``python -m bot.rasa_server run ...``.
"""

from __future__ import annotations

import sys

from bot.settings import load


def main() -> None:
    token = load().rasa_token
    if not token:
        sys.exit("RASA_TOKEN is not set: python -m bot run sets it (see the README)")
    sys.argv = ["rasa", *sys.argv[1:], "--auth-token", token]
    from rasa.__main__ import main as rasa_main  # imported late: Rasa takes seconds to import

    rasa_main()


if __name__ == "__main__":
    main()
