"""Reading a bank narration: the ``UPI/…``, ``NEFT-…``, ``IMPS/…`` chains banks print in
statements and in the "Info" part of credit SMS.

A chain is a run of fields separated by ``/``, ``-`` or ``*`` after the rail's name.
The fields are not in the same order everywhere, so each field is recognised by its
shape, not its position:

==================  =====================================  ==========================
field               shape                                   examples
==================  =====================================  ==========================
reference (UTR)     10–22 letters/digits, ≥ 9 digits        ``412345678901``,
                                                            ``HDFCN52026100500123``
VPA                 ``name@handle``                         ``anita.s@okaxis``
IFSC (skipped)      4 letters, ``0``, 6 letters/digits      ``HDFC0001234``
payer name          the first field of letters and spaces   ``ANITA SHARMA``
                    that is not a rail word or bank code
==================  =====================================  ==========================

Seen in: Axis and ICICI SMS (``UPI/P2A/<ref>/<name>/…``), Bank of Baroda
(``UPI/CR/<ref>/<name>/<bank>/<vpa>``), IndusInd (``UPI/<ref>/<vpa>``), IDFC FIRST
(``NEFT/<utr>/<name>``), ICICI (``NEFT-<utr>-<name>``), HDFC (``NEFT Cr-<ifsc>-<name>-…-<utr>``,
statement ``UPI-<name>-<vpa>-<ifsc>-<ref>-<note>``), SBI statements
(``BY TRANSFER-UPI/CR/<ref>/<name>/<bank>/<vpa>/…``, ``BY TRANSFER-NEFT*<ifsc>*<utr>*<name>``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.reconcile.credit import clean_name, normalise_vpa, reference_key

#: A rail's chain inside longer text; it ends where the bank's next sentence starts.
CHAIN = re.compile(
    r"\b(?P<rail>UPI|IMPS|NEFT|RTGS)(?:[ ]?CR\.?|[ ]?DR\.?)?\s?[-/*](?P<fields>[^\n;~]*?)"
    r"(?=\.\s|\.$|\.(?=[A-Z][a-z])|\s-\s|\s+(?:Avl|Avail|Available|Total|New|Bal|SMS|Not you"
    r"|Never|Dispute|Call)\b|\n|$)",
    re.IGNORECASE,
)
_IFSC = re.compile(r"^[A-Z]{4}0[A-Z0-9]{6}$", re.IGNORECASE)
_NAMEISH = re.compile(r"^[A-Za-z][A-Za-z.&' ]*$")
#: Fields that are rail words, transfer kinds, bank codes or UPI handles, never a payer.
_RAILS = ("upi", "imps", "neft", "rtgs", "p2a", "p2m", "p2p", "cr", "dr", "cr.", "dr.", "ft")
_KINDS = ("transfer", "inb", "mob", "mobile", "bank", "payment", "pay", "info", "ref", "utr")
_BANKS = ("yesb", "sbin", "hdfc", "icic", "utib", "kkbk", "barb", "cnrb", "ubin", "idfb", "indb")
_HANDLES = ("punb", "fdrl", "paytm", "ybl", "ibl", "axl", "okaxis", "okhdfcbank", "oksbi")
RAIL_WORDS = frozenset((*_RAILS, *_KINDS, *_BANKS, *_HANDLES, "okicici"))


@dataclass(frozen=True)
class Narration:
    """What a chain says: its rail (``upi`` or ``bank``), the UTR, and who paid."""

    method: str
    reference: str | None = None
    payer_name: str | None = None
    payer_vpa: str | None = None


def read_narration(text: str) -> Narration | None:
    """The first rail chain in ``text``, read field by field; ``None`` when there is none."""
    match = CHAIN.search(text or "")
    if match is None:
        return None
    fields = [f.strip() for f in re.split(r"[/*]|-(?!\d{2,}@)", match["fields"]) if f.strip()]
    reference = vpa = name = None
    for field in fields:
        if vpa is None and (found := normalise_vpa(field)):
            vpa = found
        elif reference is None and _looks_like_reference(field):
            reference = reference_key(field)
        elif name is None and _looks_like_name(field):
            name = clean_name(field)
    method = "upi" if match["rail"].upper() == "UPI" else "bank"
    return Narration(method, reference, name, vpa)


def _looks_like_reference(field: str) -> bool:
    compact = field.replace(" ", "")
    digits = sum(c.isdigit() for c in compact)
    return (
        10 <= len(compact) <= 22 and digits >= 9 and compact.isalnum() and not _IFSC.match(compact)
    )


def _looks_like_name(field: str) -> bool:
    return (
        bool(_NAMEISH.match(field))
        and sum(c.isalpha() for c in field) >= 2
        and field.lower().strip(". ") not in RAIL_WORDS
    )
