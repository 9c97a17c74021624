"""A worker process whose turns hang, for the crash test (run with ``python -m``).

It builds the app from the environment like ``calltime worker`` does, but with a turn
handler that writes ``CALLTIME_TEST_MARKER`` and then blocks, so the test can SIGKILL
the process in the middle of a turn. Its lease is short so a restarted worker may take
the message over quickly.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from bot.app import create_app
from bot.turn.context import Reply, TurnContext
from bot.whatsapp.worker import Worker


def hanging_turn(ctx: TurnContext) -> Reply:
    Path(os.environ["CALLTIME_TEST_MARKER"]).write_text(str(ctx.message.id))
    time.sleep(120)
    return Reply(text="this reply must never be sent")


def main() -> None:
    runtime = create_app().extensions["calltime"]
    Worker(runtime, handler=hanging_turn, lease_seconds=1.0).run_forever(threading.Event())


if __name__ == "__main__":
    main()
