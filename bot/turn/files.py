"""The files a turn received: whether a message carries photos, and their stored bytes.

The WhatsApp stage (:mod:`bot.whatsapp.media`) fetches and stores what operators send;
the turn, the model's prompt and the tools read them back from here.
"""

from __future__ import annotations

import uuid

from bot.models import AuditLog, File, Message
from bot.runtime import Runtime
from bot.store import ProjectScope


def has_images(message: Message) -> bool:
    """True when the message carries a photo (as Twilio declared it)."""
    return any(
        str(item.get("content_type") or "").startswith("image/")
        for item in message.media_json or []
    )


def turn_images(scope: ProjectScope, turn_id: uuid.UUID | None) -> list[File]:
    """The photos stored during the turn of message ``turn_id``, in the order received.

    Found through their audit rows (every stored file is an audited insert of the turn).
    """
    if turn_id is None:
        return []
    inserted = scope.all(
        AuditLog,
        AuditLog.turn_id == turn_id,
        AuditLog.table_name == File.__tablename__,
        AuditLog.action == "insert",
        order_by=AuditLog.timestamp,
    )
    files = [scope.get(File, row.record_id) for row in inserted]
    return [f for f in files if f is not None and (f.content_type or "").startswith("image/")]


def read_stored(runtime: Runtime, stored: File) -> bytes | None:
    """The bytes of a stored file, or ``None`` if it is gone from the instance folder."""
    try:
        return (runtime.settings.instance_path / (stored.storage_url or "")).read_bytes()
    except OSError:
        return None
