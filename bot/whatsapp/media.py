"""Files operators send on WhatsApp (receipts, cheque photos, PDFs).

Twilio gives a ``MediaUrlN`` per file; :mod:`bot.whatsapp.media_fetch` downloads it from
Twilio alone (the credentials go nowhere else), caps its size and sniffs its type. It is
stored under the instance folder (owner-only), recorded in ``files`` and linked through
``file_links`` to the session's current contact. Each file yields a one-line note for
the operator's reply.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import mimetypes
from pathlib import Path
from typing import Any

from bot.instance_files import private_dir, write_private_file
from bot.models import Contact, File, FileLink, Message
from bot.runtime import Runtime
from bot.store import ProjectScope
from bot.turn.state import SessionState
from bot.whatsapp.media_fetch import ALLOWED_TYPES, MAX_MEDIA_BYTES, MediaRefused, download

__all__ = ["MAX_MEDIA_BYTES", "Fetched", "MediaRefused", "fetch_media", "save_inbound_media"]

log = logging.getLogger(__name__)


#: One fetched file: its bytes and content type, or why it was refused.
Fetched = tuple[bytes, str] | MediaRefused


def fetch_media(runtime: Runtime, media_json: list[dict[str, Any]]) -> list[Fetched]:
    """Download every file of a message; the worker calls this outside any transaction."""
    fetched: list[Fetched] = []
    for item in media_json:
        try:
            fetched.append(download(runtime.settings, item["url"], item.get("content_type")))
        except MediaRefused as exc:
            fetched.append(exc)
    return fetched


def save_inbound_media(
    runtime: Runtime,
    scope: ProjectScope,
    message: Message,
    state: SessionState,
    fetched: list[Fetched] | None = None,
) -> list[str]:
    """Store every file of ``message``; returns one note per file for the reply.

    ``fetched`` comes from :func:`fetch_media`, called before the turn's transaction:
    nothing here touches the network, so a file that was not fetched is not saved.
    """
    if fetched is None:
        fetched = [MediaRefused("it was not fetched") for _ in message.media_json]
    notes = []
    contact = scope.get(Contact, state.current_contact_id) if state.current_contact_id else None
    for index, item in enumerate(fetched):
        if isinstance(item, MediaRefused):
            notes.append(f"File {index + 1} was not saved: {item}")
            continue
        stored = _store(runtime, scope, message, index, *item)
        if contact is None:
            notes.append(
                f"Saved {stored.filename} (say `next` to pick a contact to file it under)."
            )
            continue
        link = FileLink(file_id=str(stored.id), entity_type="contact", entity_id=contact.id)
        scope.insert(link)
        notes.append(f"Saved {stored.filename} to {contact.display_name}'s record.")
    return notes


def _store(
    runtime: Runtime,
    scope: ProjectScope,
    message: Message,
    index: int,
    data: bytes,
    content_type: str,
) -> File:
    digest = hashlib.sha256(data).hexdigest()
    extension = ALLOWED_TYPES.get(content_type) or mimetypes.guess_extension(content_type) or ""
    relative = Path("media") / str(scope.project_id) / f"{digest}{extension}"
    target = runtime.settings.instance_path / relative
    private_dir(target.parent)
    if not target.exists():
        with contextlib.suppress(FileExistsError):  # the same file, stored concurrently
            write_private_file(target, data, exclusive=True)
    return scope.insert(
        File(
            filename=f"whatsapp-{message.twilio_sid or message.id}-{index}{extension}",
            content_type=content_type,
            size_bytes=len(data),
            storage_url=relative.as_posix(),
            sha256=digest,
            meta={"message_id": str(message.id), "source": "whatsapp"},
        )
    )
