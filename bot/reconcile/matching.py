"""Which open pledge a credit pays, and how sure we are.

A credit is first checked against the payments already recorded: a UTR that is
already in the project is a duplicate, never recorded twice. Otherwise every open
pledge whose donor the credit could name is scored:

=================================================  =====
signal                                              score
=================================================  =====
VPA remembered as the donor's (``upi_vpa``)          +100
VPA is the donor's mobile number (``98…@ybl``)       +90
bank-name spelling remembered (``bank_name``)        +80
payer name or VPA fits the donor's name: all parts  +60
… one part only (a shared first name)                +35
amount is exactly what is left on the pledge         +30
amount is part of what is left (a partial payment)   +15
amount is more than what is left                     −10
dated inside the pledge's window                     +10
=================================================  =====

The window runs from 7 days before the pledge to 60 days after its expected date (or
the pledge date). A pledge outside it is only considered when an identity names the
donor; a pledge with no name or identity signal only when the amount is exactly what
is left and the date fits, and never when the payer's name fits another donor in full
(``from ANITA SHARMA`` is not offered as Ravi's pledge of the same amount). Then: a
duplicate is refused; a best candidate of 90 or more that leads the next by 30 is
``exact``; two or more within 15 points of the best (and at least 40) are a ``choice``;
a best of 40 or more is ``probable``; else ``none``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.engine.amounts import format_money
from bot.engine.records import payment_with_reference
from bot.models import Contact, Payment, Pledge
from bot.reconcile import identities, names
from bot.reconcile.credit import Credit
from bot.store import ProjectScope

EXACT, LEAD, CLOSE, PROBABLE = 90, 30, 15, 40
BEFORE, AFTER = timedelta(days=7), timedelta(days=60)
MAX_CHOICES = 4


@dataclass
class OpenPledge:
    """An open pledge with its donor and what is still unpaid."""

    pledge: Pledge
    contact: Contact
    remaining: Decimal
    opened_on: date

    def in_window(self, day: date) -> bool:
        last = max(self.pledge.expected_by or self.opened_on, self.opened_on)
        return self.opened_on - BEFORE <= day <= last + AFTER


@dataclass
class Candidate:
    """One pledge a credit could pay, with its score and the reasons shown to people."""

    entry: OpenPledge
    score: int
    reasons: list[str] = field(default_factory=list)

    def left_after(self, amount: Decimal) -> str:
        left = self.entry.remaining - amount
        if left > 0:
            return f"{format_money(left)} left"
        if left == 0:
            return "paid in full"
        return f"{format_money(-left)} more than was left"


@dataclass
class Match:
    """The verdict on one credit: ``duplicate``, ``exact``, ``probable``, ``choice``, ``none``."""

    credit: Credit
    kind: str
    candidates: list[Candidate] = field(default_factory=list)
    duplicate: Payment | None = None


class PledgeBook:
    """The project's open pledges, loaded once and indexed by donor, name and amount."""

    def __init__(self, scope: ProjectScope, tz: ZoneInfo) -> None:
        self.scope = scope
        paid = dict(
            scope.session.execute(
                select(Payment.pledge_id, func.sum(Payment.amount))
                .where(
                    Payment.project_id == scope.project_id,
                    Payment.status == "confirmed",
                    Payment.pledge_id.is_not(None),
                )
                .group_by(Payment.pledge_id)
            ).all()
        )
        rows = scope.session.execute(
            select(Pledge, Contact)
            .join(Contact, Contact.id == Pledge.contact_id)
            .where(
                Pledge.project_id == scope.project_id,
                Contact.project_id == scope.project_id,
                Pledge.status == "open",
                Contact.deleted_at.is_(None),
            )
            .order_by(Pledge.pledged_at, Pledge.id)
        ).all()
        self.entries: list[OpenPledge] = []
        self.by_contact: dict[uuid.UUID, list[OpenPledge]] = {}
        self.by_token: dict[str, set[uuid.UUID]] = {}
        for pledge, contact in rows:
            remaining = pledge.amount - Decimal(str(paid.get(pledge.id) or 0))
            if remaining <= 0:
                continue
            entry = OpenPledge(pledge, contact, remaining, pledge.pledged_at.astimezone(tz).date())
            self.entries.append(entry)
            self.by_contact.setdefault(contact.id, []).append(entry)
            for token in names.tokens(contact.display_name):
                for key in (token, token[:4]):
                    self.by_token.setdefault(key, set()).add(contact.id)

    def named_by(self, words: list[str]) -> set[uuid.UUID]:
        """Donors a name or VPA could refer to (exact words, 4-letter stems, run-together)."""
        found: set[uuid.UUID] = set()
        for word in words:
            if len(word) < 2:
                continue
            found |= self.by_token.get(word, set()) | self.by_token.get(word[:4], set())
        return found


def match_credit(
    scope: ProjectScope,
    credit: Credit,
    *,
    tz: ZoneInfo,
    today: date,
    book: PledgeBook | None = None,
) -> Match:
    """Rank the open pledges ``credit`` could pay and decide (see the module docstring)."""
    duplicate = payment_with_reference(scope, credit.reference)
    if duplicate is not None:
        return Match(credit, "duplicate", duplicate=duplicate)
    book = book or PledgeBook(scope, tz)
    candidates = sorted(
        _candidates(scope, book, credit, credit.on or today),
        key=lambda c: (-c.score, c.entry.pledge.pledged_at, str(c.entry.pledge.id)),
    )
    return Match(credit, _decide(candidates), candidates[:MAX_CHOICES])


def named_payer(scope: ProjectScope, credit: Credit) -> Contact | None:
    """The one donor a credit names by a remembered VPA or bank spelling, or by every part
    of their name (``MEERA IYER``, ``meeraiyer@okaxis``), whatever their pledges; ``None``
    when it names none or several. A first name alone (``VIKRAM``) or with an initial
    (``meera.i@okaxis``) names nobody here."""
    found = set(_known_donors(scope, credit)) | _fully_named(scope, credit)
    if len(found) != 1:
        return None
    contact = scope.get(Contact, found.pop())
    return contact if contact is not None and contact.deleted_at is None else None


def _fully_named(scope: ProjectScope, credit: Credit) -> set[uuid.UUID]:
    """Contacts every part of whose name the credit's payer name or VPA spells out."""
    words = names.tokens(credit.payer_name) + names.vpa_tokens(credit.payer_vpa)
    longest = max((w for w in words if len(w) >= 3), key=len, default=None)
    if longest is None:
        return set()
    rows = scope.all(
        Contact,
        Contact.deleted_at.is_(None),
        func.lower(Contact.display_name).contains(longest[:4], autoescape=True),
        limit=50,
    )
    return {c.id for c in rows if names.spelled_out(words, c.display_name)}


def same_day_payment(
    scope: ProjectScope, credit: Credit, *, tz: ZoneInfo, today: date
) -> Payment | None:
    """A payment already recorded that a credit without a UTR may be again.

    The same amount, on the credit's day, from a donor the credit names (a remembered VPA
    or bank spelling, or the name in full). A forwarded message without a UTR cannot
    tell a second payment from the same one forwarded twice, so it is never recorded
    twice on a guess. ``None`` when the credit has a UTR (that check is exact) or names
    nobody.
    """
    if credit.reference is not None:
        return None
    day = credit.on or today
    start = datetime.combine(day, time(), tzinfo=tz)
    rows = scope.session.execute(
        select(Payment, Contact)
        .join(Contact, Contact.id == Payment.contact_id)
        .where(
            Payment.project_id == scope.project_id,
            Payment.status == "confirmed",
            Payment.amount == credit.amount,
            Payment.paid_at >= start,
            Payment.paid_at < start + timedelta(days=1),
        )
        .order_by(Payment.paid_at)
    ).all()
    if not rows:
        return None
    known = _known_donors(scope, credit)
    words = names.tokens(credit.payer_name) + names.vpa_tokens(credit.payer_vpa)
    for payment, contact in rows:
        if contact.id in known or names.fit(words, contact.display_name) == names.STRONG:
            return payment
    return None


def _decide(candidates: list[Candidate]) -> str:
    if not candidates or candidates[0].score < PROBABLE:
        return "none"
    best = candidates[0].score
    close = [c for c in candidates if c.score >= max(best - CLOSE, PROBABLE)]
    if best >= EXACT and (len(candidates) == 1 or candidates[1].score <= best - LEAD):
        return "exact"
    return "choice" if len(close) >= 2 else "probable"


def _known_donors(scope: ProjectScope, credit: Credit) -> dict[uuid.UUID, tuple[int, str]]:
    """Donors an identity names: the score and the reason (``{name}`` is the donor)."""
    vpa, spelled = credit.payer_vpa, identities.bank_name_key(credit.payer_name)
    checks = (
        (identities.owner(scope, identities.VPA, vpa), 100, f"VPA {vpa} is {{name}}'s"),
        (identities.mobile_owner(scope, vpa), 90, f"VPA {vpa} is {{name}}'s mobile"),
        (identities.owner(scope, identities.BANK_NAME, spelled), 80, f"{spelled} is {{name}}"),
    )
    known: dict[uuid.UUID, tuple[int, str]] = {}
    for contact_id, score, why in checks:
        if contact_id is not None and score > known.get(contact_id, (0, ""))[0]:
            known[contact_id] = (score, why)
    return known


def _candidates(
    scope: ProjectScope, book: PledgeBook, credit: Credit, day: date
) -> list[Candidate]:
    known = _known_donors(scope, credit)
    words = names.tokens(credit.payer_name) + names.vpa_tokens(credit.payer_vpa)
    donors = set(known) | book.named_by(words)
    # A payer the credit names in full (with a pledge or without) is not offered someone
    # else's pledge because the amounts agree. The project-wide name lookup runs only
    # when a pledge of that amount is there to be offered.
    same_amount = {e.contact.id for e in book.entries if e.remaining == credit.amount}
    named_fully = any(
        names.fit(words, entry.contact.display_name) == names.STRONG
        for contact_id in donors
        for entry in book.by_contact.get(contact_id, [])
    )
    if same_amount and not named_fully and not _fully_named(scope, credit):
        donors |= same_amount
    found = []
    for contact_id in donors:
        for entry in book.by_contact.get(contact_id, []):
            candidate = _score(entry, credit, day, known.get(contact_id), words)
            if candidate is not None:
                found.append(candidate)
    return found


def _score(
    entry: OpenPledge,
    credit: Credit,
    day: date,
    known: tuple[int, str] | None,
    words: list[str],
) -> Candidate | None:
    name = entry.contact.display_name
    score, reasons = 0, []
    if known is not None:
        score += known[0]
        reasons.append(known[1].replace("{name}", name))
    fit = names.fit(words, name)
    if known is None and fit:
        score += 60 if fit == names.STRONG else 35
        who = credit.payer_name or credit.payer_vpa
        reasons.append(f"{who} fits {name}" if fit == names.STRONG else f"{who} may be {name}")
    amount, remaining = credit.amount, entry.remaining
    if amount == remaining:
        score += 30
        reasons.append(f"{format_money(amount)} is exactly what was left")
    elif amount < remaining:
        score += 15
        reasons.append(f"part of the {format_money(remaining)} left")
    elif known is None and fit != names.STRONG:
        return None  # more than is left, and nothing says it is this donor
    else:
        score -= 10
    if entry.in_window(day):
        score += 10
    elif known is None:
        return None
    if known is None and not fit and amount != remaining:
        return None
    return Candidate(entry, score, reasons)
