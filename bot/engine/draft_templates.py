"""Which template a draft is written from: the built-in tables (one per language), the
knowledge-base sections that override them, and the donor's language.

Every kind of draft (see :mod:`bot.engine.drafts`) has a template in each table. A
project overrides one with a knowledge-base section headed as in :data:`SECTION_KINDS`
(``## Pledge thanks``; ``## Pledge thanks (Hindi)`` for the Hindi one). Placeholders:
``{first_name}``, ``{name}``, ``{operator}``, ``{project}``, ``{amount}``, ``{due}``,
``{upi_link}``. Each filled template stays within 320 characters with the longest names
and amounts of the demo data (``tests/test_draft_links.py`` checks every one).
"""

from __future__ import annotations

import re

from sqlalchemy import select

from bot.models import Contact, ContactTag, KbDocument
from bot.store import ProjectScope

ENGLISH_TEMPLATES = {
    "intro": "Hi {first_name}, this is {operator} from {project}. Could we speak for two "
    "minutes today about this season's drive? Your support has meant a lot to us.",
    "pledge_reminder": "Hi {first_name}, thank you for pledging {amount} to {project}. "
    "Whenever convenient, you can pay here: {upi_link}",
    "pledge_reminder_no_upi": "Hi {first_name}, thank you for pledging {amount} to {project}. "
    "Shall I send bank details for the transfer?",
    "followup": "Hi {first_name}, {operator} from {project} here. Sorry I missed you – when "
    "would be a good time to call?",
    "pledge_thanks": "Hi {first_name}, thank you so much for your pledge of {amount} to "
    "{project}! Whenever convenient, you can pay here: {upi_link}",
    "pledge_thanks_no_upi": "Hi {first_name}, thank you so much for your pledge of {amount} "
    "to {project}! Shall I send bank details for the transfer?",
    "thank_you": "Hi {first_name}, we received your gift of {amount}. Thank you for standing "
    "with {project}!",
    "missed_call": "Hi {first_name}, {operator} from {project} here. I tried calling you just "
    "now – when would be a good time to talk?",
}
HINDI_TEMPLATES = {
    "intro": "नमस्ते {first_name} जी, {project} की ओर से {operator} का संदेश। क्या आज दो मिनट "
    "बात हो सकती है? इस साल के अभियान में आपका साथ हमारे लिए बहुत मायने रखता है।",
    "pledge_reminder": "नमस्ते {first_name} जी, {project} को {amount} का वचन देने के लिए "
    "धन्यवाद। जब सुविधा हो, यहाँ भुगतान कर सकते हैं: {upi_link}",
    "pledge_reminder_no_upi": "नमस्ते {first_name} जी, {project} को {amount} का वचन देने के "
    "लिए धन्यवाद। क्या मैं ट्रांसफ़र के लिए बैंक विवरण भेज दूँ?",
    "followup": "नमस्ते {first_name} जी, {project} से {operator}। माफ़ कीजिए, आपसे बात नहीं हो "
    "पाई – कॉल करने का सही समय क्या रहेगा?",
    "pledge_thanks": "नमस्ते {first_name} जी, {project} को {amount} का वचन देने के लिए दिल से "
    "धन्यवाद! जब सुविधा हो, यहाँ भुगतान कर सकते हैं: {upi_link}",
    "pledge_thanks_no_upi": "नमस्ते {first_name} जी, {project} को {amount} का वचन देने के लिए "
    "दिल से धन्यवाद! क्या मैं ट्रांसफ़र के लिए बैंक विवरण भेज दूँ?",
    "thank_you": "नमस्ते {first_name} जी, आपका {amount} का योगदान मिल गया। {project} का साथ "
    "देने के लिए दिल से धन्यवाद!",
    "missed_call": "नमस्ते {first_name} जी, {project} से {operator}। मैंने अभी आपको कॉल किया था "
    "– बात करने का सही समय क्या रहेगा?",
}
TEMPLATES = {"en": ENGLISH_TEMPLATES, "hi": HINDI_TEMPLATES}

#: Knowledge-base section headings and the draft each one supplies.
SECTION_KINDS = {
    "intro": "intro",
    "opening": "intro",
    "introduction": "intro",
    "pledge reminder": "pledge_reminder",
    "pledge_reminder": "pledge_reminder",
    "payment reminder": "pledge_reminder",
    "followup": "followup",
    "follow up": "followup",
    "follow-up": "followup",
    "pledge thanks": "pledge_thanks",
    "pledge_thanks": "pledge_thanks",
    "pledge thank you": "pledge_thanks",
    "thank you": "thank_you",
    "thank_you": "thank_you",
    "payment thanks": "thank_you",
    "missed call": "missed_call",
    "missed_call": "missed_call",
    "tried calling": "missed_call",
}
_DEVANAGARI = re.compile(r"[\u0900-\u097f]")
_LANGUAGE_SUFFIX = re.compile(r"\s*\((hindi|hi|english|en)\)$|\s+(hindi|english)$")
_SECTION = re.compile(r"^#{2,}\s*([a-z_ ()-]+?)\s*$", re.M | re.I)


def contact_language(scope: ProjectScope, contact: Contact) -> str:
    """``hi`` for a Devanagari name or the tag ``lang:hi`` (``lang:en`` wins), else ``en``."""
    tags = set(
        scope.session.scalars(
            select(ContactTag.tag).where(
                ContactTag.project_id == scope.project_id,
                ContactTag.contact_id == contact.id,
                ContactTag.tag.in_(("lang:hi", "lang:en")),
            )
        )
    )
    if "lang:en" in tags:
        return "en"
    return "hi" if "lang:hi" in tags or _DEVANAGARI.search(contact.display_name) else "en"


def project_templates(scope: ProjectScope, language: str = "en") -> dict[str, str]:
    """Templates from knowledge-base sections (see :data:`SECTION_KINDS`) over the defaults.

    Documents titled "…template…" win over others (a pitch script's "Opening"). A
    section whose heading ends in ``(Hindi)`` supplies the Hindi template.
    """
    templates = dict(TEMPLATES.get(language, ENGLISH_TEMPLATES))
    docs = scope.all(KbDocument, KbDocument.deleted_at.is_(None), order_by=KbDocument.created_at)
    docs.sort(key=lambda d: "template" in d.title.lower())  # template documents applied last
    for doc in docs:
        parts = _SECTION.split(doc.content)
        for name, body in zip(parts[1::2], parts[2::2], strict=False):
            heading = name.strip().lower()
            suffix = _LANGUAGE_SUFFIX.search(heading)
            said = (suffix[1] or suffix[2])[:2] if suffix else "en"
            kind = SECTION_KINDS.get(_LANGUAGE_SUFFIX.sub("", heading))
            text = " ".join(body.split())
            if kind and text and said == language:
                templates[kind] = text
    return templates
