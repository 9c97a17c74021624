"""Calltime: the WhatsApp call-time manager for fundraising teams.

``bot.create_app`` is resolved lazily so that ``tools/`` and ``memory/``, which import
``bot.models`` and ``bot.store``, never pull Flask in.
"""

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from bot.app import create_app

        return create_app
    raise AttributeError(name)
