"""Files operators send on WhatsApp (receipts, cheque photos, PDFs).

Twilio gives a ``MediaUrlN`` per file; it is fetched with the account's credentials,
checked against a size cap and a content-type allow-list, stored under the instance
folder, recorded in ``files`` and linked through ``file_links`` to the session's
current contact. Each file yields a one-line note for the operator's reply.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
from pathlib import Path
from typing import Any

import httpx

from bot.models import Contact, File, FileLink, Message
from bot.runtime import Runtime
from bot.store import ProjectScope
from bot.transactions import before_network_call
from bot.turn.state import SessionState

log = logging.getLogger(__name__)

MAX_MEDIA_BYTES = 5 * 1024 * 1024
ALLOWED_TYPES = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
}


class MediaRefused(ValueError):
    """A file that is too large, of a type we don't keep, or could not be fetched."""


#: One fetched file: its bytes and content type, or why it was refused.
Fetched = tuple[bytes, str] | MediaRefused


def fetch_media(runtime: Runtime, media_json: list[dict[str, Any]]) -> list[Fetched]:
    """Download every file of a message; the worker calls this outside any transaction."""
    fetched: list[Fetched] = []
    for item in media_json:
        try:
            fetched.append(_download(runtime, item["url"], item.get("content_type")))
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
    """Store every file of ``message``; returns one note per file for the reply."""
    if fetched is None:
        fetched = fetch_media(runtime, message.media_json)
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


def _download(runtime: Runtime, url: str, declared: str | None) -> tuple[bytes, str]:
    content_type = (declared or "").split(";")[0].strip().lower()
    if content_type and content_type not in ALLOWED_TYPES:
        raise MediaRefused(f"{content_type} files are not kept (send a photo or a PDF)")
    settings = runtime.settings
    if not (settings.twilio_account_sid and settings.twilio_auth_token):
        raise MediaRefused("media cannot be fetched without Twilio credentials")
    auth = (settings.twilio_account_sid, settings.twilio_auth_token)
    before_network_call("a media download")
    try:
        with httpx.stream("GET", url, auth=auth, follow_redirects=True, timeout=20) as response:
            if response.status_code != 200:
                raise MediaRefused(f"Twilio answered {response.status_code} for the file")
            content_type = response.headers.get("content-type", content_type).split(";")[0].lower()
            if content_type not in ALLOWED_TYPES:
                raise MediaRefused(
                    f"{content_type or 'unknown'} files are not kept (send a photo or a PDF)"
                )
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > MAX_MEDIA_BYTES:
                    raise MediaRefused(
                        f"the file is larger than {MAX_MEDIA_BYTES // (1024 * 1024)} MB"
                    )
                chunks.append(chunk)
    except httpx.HTTPError as exc:
        log.warning("media download failed: %s", exc)
        raise MediaRefused("the file could not be fetched from Twilio") from exc
    return b"".join(chunks), content_type


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
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        target.write_bytes(data)
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
