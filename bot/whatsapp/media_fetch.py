"""Downloading a ``MediaUrlN`` without handing the Twilio credentials to anyone else.

The URL comes from the webhook's form, so it is checked like any other input:

- It must be on Twilio's API host (``api.twilio.com``) or on the host of
  ``TWILIO_API_BASE_URL`` (a proxy, or the test double); only those get the account's
  basic-auth credentials. Anything else is refused before any connection is made.
- Twilio answers with a redirect to a short-lived URL on its media CDN
  (``mms.twiliocdn.com``; ``s3-external-1.amazonaws.com/media.twiliocdn.com/…`` for media
  stored without HTTP auth). Redirects are followed by hand, at most
  :data:`MAX_REDIRECTS`, only to those places (or back to the API host), always without
  credentials.
- The body is capped at :data:`MAX_MEDIA_BYTES` while it streams, and its type is read
  from its first bytes: a JPEG, PNG, WebP or PDF is kept whatever the headers claim;
  anything else is refused.

The worker calls this before its turn's transaction opens (:func:`fetch_media`).
"""

from __future__ import annotations

import logging
from urllib.parse import urljoin, urlsplit

import httpx

from bot.config import Settings
from bot.transactions import before_network_call

log = logging.getLogger(__name__)

MAX_MEDIA_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 3
TIMEOUT_SECONDS = 20
#: Kept types and the file extension each is stored with.
ALLOWED_TYPES = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
}
TWILIO_API = ("https", "api.twilio.com", 443)
#: Twilio's media CDN: where its API redirects a media download.
MEDIA_CDN_HOSTS = ("mms.twiliocdn.com", "media.twiliocdn.com")
#: Media stored without HTTP auth lives on S3 under this bucket path.
S3_HOST, S3_PREFIX = "s3-external-1.amazonaws.com", "/media.twiliocdn.com/"
NOT_KEPT = "{} files are not kept (send a photo or a PDF)"


class MediaRefused(ValueError):
    """A file that is too large, of a type we don't keep, or could not be fetched."""


Origin = tuple[str, str, int]


def origin_of(url: str) -> Origin | None:
    """``(scheme, host, port)`` of ``url``, or ``None`` for anything but http(s)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return None
    return parts.scheme, parts.hostname.lower(), port


def api_origins(settings: Settings) -> set[Origin]:
    """Where a media URL may point, and the only places the credentials are sent."""
    origins = {TWILIO_API}
    configured = origin_of(settings.twilio_api_base_url)
    if configured is not None:
        origins.add(configured)
    return origins


def may_redirect_to(url: str, settings: Settings) -> bool:
    """Twilio's media CDN over https, or back to an API origin."""
    origin = origin_of(url)
    if origin is None:
        return False
    if origin in api_origins(settings):
        return True
    scheme, host, _ = origin
    path = urlsplit(url).path
    return scheme == "https" and (
        host in MEDIA_CDN_HOSTS or (host == S3_HOST and path.startswith(S3_PREFIX))
    )


def sniff_type(head: bytes) -> str | None:
    """The kept type that ``head`` (a file's first bytes) starts like, if any."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF"):
        return "application/pdf"
    return None


def download(settings: Settings, url: str, declared: str | None) -> tuple[bytes, str]:
    """Fetch one media file; returns its bytes and sniffed content type.

    Raises:
        MediaRefused: with a sentence the operator can read (it goes into the reply).
    """
    content_type = (declared or "").split(";")[0].strip().lower()
    if content_type and content_type not in ALLOWED_TYPES:
        raise MediaRefused(NOT_KEPT.format(content_type))
    if not (settings.twilio_account_sid and settings.twilio_auth_token):
        raise MediaRefused("media cannot be fetched without Twilio credentials")
    if origin_of(url) not in api_origins(settings):
        log.warning("refused a media URL outside Twilio: %s", urlsplit(url).netloc)
        raise MediaRefused("the file's address is not Twilio's, so it was not fetched")
    auth = (settings.twilio_account_sid, settings.twilio_auth_token)
    try:
        with httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False) as client:
            data = _follow(client, settings, url, auth)
    except httpx.HTTPError as exc:
        log.warning("media download failed: %s", exc)
        raise MediaRefused("the file could not be fetched from Twilio") from exc
    sniffed = sniff_type(data[:16])
    if sniffed is None:
        raise MediaRefused("the file is not a photo (JPEG, PNG, WebP) or a PDF, so it was not kept")
    return data, sniffed


def _follow(client: httpx.Client, settings: Settings, url: str, auth: tuple[str, str]) -> bytes:
    """GET ``url`` with ``auth``, then each allowed redirect without it."""
    credentials: tuple[str, str] | None = auth
    for _ in range(MAX_REDIRECTS + 1):
        before_network_call("a media download")
        with client.stream("GET", url, auth=credentials) as response:
            if not response.is_redirect:
                if response.status_code != 200:
                    raise MediaRefused(f"Twilio answered {response.status_code} for the file")
                return _capped_body(response)
            target = urljoin(url, response.headers.get("location", ""))
        if not may_redirect_to(target, settings):
            log.warning("refused a media redirect to %s", urlsplit(target).netloc)
            raise MediaRefused("Twilio sent the file somewhere unexpected, so it was not fetched")
        url, credentials = target, None
    raise MediaRefused("the file could not be fetched from Twilio (too many redirects)")


def _capped_body(response: httpx.Response) -> bytes:
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > MAX_MEDIA_BYTES:
            raise MediaRefused(f"the file is larger than {MAX_MEDIA_BYTES // (1024 * 1024)} MB")
        chunks.append(chunk)
    return b"".join(chunks)
